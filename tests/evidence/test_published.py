"""The January analyses' statistics on constructed vectors: the exact phenomenon of the dispute.

Two independently trained models' normalisation gains sit near 1, so their raw cosine is high whatever their
origin, while the Pearson correlation (the same vectors centred) is near 0; a copy gives 1 for both.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.audit import toy
from generator.audit.published import measure
from generator.audit.published_stats import (
    MATCHING,
    Measured,
    combine,
    compare_gains,
    cosine,
    match_by_depth,
    moments,
    pearson,
    pooled,
    summary,
)

WIDTH = 4096


def _gains(seed: int, spread: float = 0.05) -> np.ndarray:
    """A trained model's gains: near 1, with a spread of their own."""
    return 1.0 + spread * np.random.default_rng(seed).standard_normal(WIDTH)


def test_independent_gains_near_one_have_high_cosine_and_pearson_near_zero() -> None:
    a, b = _gains(1), _gains(2)
    raw, centred = cosine(a, b), pearson(a, b)
    assert raw is not None
    assert centred is not None
    assert raw > 0.99, raw  # the accuser's statistic: high for unrelated models
    assert abs(centred) < 4 / math.sqrt(WIDTH), centred  # the rebuttal's: within the null's spread


def test_a_copy_has_cosine_and_pearson_one_and_a_fine_tune_stays_high() -> None:
    a = _gains(3)
    assert pearson(a, a.copy()) == pytest.approx(1.0)
    assert cosine(a, a.copy()) == pytest.approx(1.0)
    tuned = a + 0.005 * np.random.default_rng(4).standard_normal(WIDTH)
    centred = pearson(a, tuned)
    assert centred is not None
    assert 0.95 < centred < 1.0


def test_pearson_is_undefined_for_constant_gains_and_cosine_for_zeros() -> None:
    ones = np.ones(16)
    assert pearson(ones, _gains(5)[:16]) is None  # an untrained model's gains are all 1
    assert cosine(ones, ones) == pytest.approx(1.0)
    assert cosine(np.zeros(16), ones) is None
    with pytest.raises(ValueError, match="entries"):
        moments(np.ones(3), np.ones(4))


def test_known_values() -> None:
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 7.0])
    assert pearson(a, b) == pytest.approx(float(np.corrcoef(a, b)[0, 1]))
    assert cosine(a, b) == pytest.approx(float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
    assert pearson(a, -b) == pytest.approx(-float(np.corrcoef(a, b)[0, 1]))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=5),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_pooled_parts_equal_the_whole(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    parts = [(rng.standard_normal(n) + 1, rng.standard_normal(n)) for n in sizes]
    whole = moments(np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts]))
    combined = pooled(moments(a, b) for a, b in parts)
    assert combined is not None
    assert combined.n == whole.n
    for name in ("mean_a", "mean_b", "m2_a", "m2_b", "co", "dot", "sq_a", "sq_b"):
        assert getattr(combined, name) == pytest.approx(getattr(whole, name), rel=1e-9, abs=1e-9), name
    assert combine(moments(*parts[0]), moments(*parts[0])).n == 2 * sizes[0]
    assert pooled([]) is None


def test_layers_are_matched_by_relative_depth() -> None:
    assert match_by_depth([0, 1, 2], [0, 1, 2]) == ((0, 0), (1, 1), (2, 2))
    # 48 candidate layers against 46: first with first, last with last, two reference layers used twice
    matched = match_by_depth(list(range(48)), list(range(46)))
    assert matched[0] == (0, 0)
    assert matched[-1] == (47, 45)
    references = [r for _, r in matched]
    assert references == sorted(references)
    assert len(set(references)) == 46
    assert match_by_depth([0, 1, 2, 3, 4], [0, 1, 2]) == ((0, 0), (1, 1), (2, 1), (3, 2), (4, 2))
    assert match_by_depth([5], [0, 1]) == ((5, 0),)
    assert match_by_depth([], [0]) == ()
    assert "relative depth" in MATCHING


def _layers(seed: int, count: int, width: int = 64) -> dict[int, dict[str, tuple[str, np.ndarray]]]:
    rng = np.random.default_rng(seed)
    return {
        layer: {
            role: (f"model.layers.{layer}.{role}", 1 + 0.05 * rng.standard_normal(width))
            for role in ("norm.attn.weight", "norm.mlp.weight")
        }
        for layer in range(count)
    }


def test_gains_of_independent_models_high_cosine_low_pearson_and_the_control_alike() -> None:
    candidate, reference = _layers(10, 5), _layers(11, 4)
    reference[0]["norm.q.weight"] = ("model.layers.0.q_norm.weight", np.ones(8))  # only in the reference
    gains = compare_gains(("model.layers", "model.layers"), candidate, reference)
    assert gains.layers == (5, 4)
    assert len(gains.pairs) == 10  # 5 matched layers × 2 roles
    assert [p.layers for p in gains.pairs[:4]] == [(0, 0), (0, 0), (1, 1), (1, 1)]
    assert gains.skipped == ("norm.q.weight: only in the reference",)
    measured = Measured(gains=gains, gains_missing="", vision=None, vision_missing="none", transfer={})
    raw, centred = summary("norm_gain_cosine", measured), summary("norm_gain_pearson", measured)
    assert raw is not None
    assert centred is not None
    assert raw.unit == "layer"
    assert raw.count == 10
    assert raw.low is not None
    assert raw.low > 0.99
    cosines = {p.candidate: p.moments.cosine for p in gains.pairs}
    assert raw.low_at == min(cosines, key=lambda name: cosines[name] or 0.0)
    assert raw.high_at == max(cosines, key=lambda name: cosines[name] or 0.0)
    assert centred.mean is not None
    assert abs(centred.mean) < 0.15
    control_cosine, control_pearson = gains.control
    assert control_cosine is not None
    assert control_cosine > 0.99
    assert control_pearson is not None
    assert abs(control_pearson - centred.mean) < 0.15  # matched and mismatched alike: no shared origin
    assert summary("tensor_cosine", measured) is None


def test_gains_of_a_copy_match_above_the_control() -> None:
    candidate = _layers(12, 4)
    gains = compare_gains(("a", "b"), candidate, candidate)
    measured = Measured(gains=gains, gains_missing="", vision=None, vision_missing="", transfer={})
    centred = summary("norm_gain_pearson", measured)
    assert centred is not None
    assert centred.mean == 1.0
    assert centred.low == 1.0
    assert gains.control[1] is not None
    assert gains.control[1] < 0.5


def test_gains_of_different_widths_are_skipped() -> None:
    gains = compare_gains(("a", "b"), _layers(13, 2, width=64), _layers(14, 2, width=32))
    assert gains.pairs == ()
    assert gains.skipped == (
        "norm.attn.weight: widths differ (32, 64)",
        "norm.mlp.weight: widths differ (32, 64)",
    )


# ---- reading local checkpoints -----------------------------------------------------------------------------


def _gain(seed: int, width: int = 32) -> torch.Tensor:
    return 1 + 0.1 * torch.randn(width, generator=torch.Generator().manual_seed(seed))


def _model(seed: int, layers: int, *, mtp: bool = False) -> dict[str, torch.Tensor]:
    """A text stack of ``layers`` (plus a multi-token-prediction layer) and a shorter vision stack."""
    params = {}
    for layer in range(layers + mtp):
        for name in ("input_layernorm", "post_attention_layernorm"):
            params[f"model.layers.{layer}.{name}.weight"] = _gain(seed * 100 + layer * 2 + len(name))
    if mtp:
        params[f"model.layers.{layers}.enorm.weight"] = _gain(seed + 7)
        params[f"model.layers.{layers}.hnorm.weight"] = _gain(seed + 8)
    params["visual.blocks.0.norm1.weight"] = _gain(seed + 9)
    params["visual.blocks.0.mlp.fc1.weight"] = torch.randn(
        8, 4, generator=torch.Generator().manual_seed(seed)
    )
    return params


def test_gains_are_read_from_the_deepest_stack_without_the_prediction_layer(tmp_path: Path) -> None:
    candidate = toy.save_checkpoint(_model(1, 3), tmp_path / "candidate" / "model.safetensors")
    reference = toy.save_checkpoint(_model(2, 4, mtp=True), tmp_path / "reference" / "model.safetensors")
    measured = measure(candidate, reference, None, ["norm_gain_pearson"])
    assert measured.vision is None
    assert measured.vision_missing == ""
    assert measured.transfer == {}
    gains = measured.gains
    assert gains is not None
    assert gains.stacks == ("model.layers", "model.layers")
    assert gains.layers == (3, 4)  # layer 4 of the reference predicts the next token: left out
    assert sorted({p.layers for p in gains.pairs if p.layers is not None}) == [(0, 0), (1, 2), (2, 3)]
    assert gains.pairs[0].candidate == "model.layers.0.input_layernorm.weight"
    same = measure(candidate, candidate, None, ["norm_gain_cosine"]).gains
    assert same is not None
    assert all(p.moments.pearson == pytest.approx(1.0) for p in same.pairs)


def _report(*pairs: tuple[str, str, bool, bool]) -> SimpleNamespace:
    tensors = [
        SimpleNamespace(candidate=c, reference=r, transposed=t, same_shape=s, role="mlp.up.weight")
        for c, r, t, s in pairs
    ]
    return SimpleNamespace(components=[SimpleNamespace(name="model.visual", tensors=tensors)])


def test_vision_pairs_are_the_audits_compared_whole_and_transposed_back(tmp_path: Path) -> None:
    weight = torch.randn(8, 4, generator=torch.Generator().manual_seed(3))
    reference = toy.save_checkpoint(
        {"visual.fc.weight": weight, "visual.other.weight": torch.randn(8, 4)},
        tmp_path / "reference" / "model.safetensors",
    )
    candidate = toy.save_checkpoint(
        {"model.visual.fc.weight": weight.T.contiguous(), "model.visual.wide.weight": torch.randn(8, 5)},
        tmp_path / "candidate" / "model.safetensors",
    )
    report = _report(
        ("model.visual.fc.weight", "visual.fc.weight", True, True),
        ("model.visual.wide.weight", "visual.other.weight", False, False),
        ("model.visual.gone.weight", "visual.other.weight", False, True),
    )
    measured = measure(candidate, reference, report, ["tensor_pearson"])
    assert measured.gains is None
    vision = measured.vision
    assert vision is not None
    assert vision.components == ("model.visual",)
    assert [p.candidate for p in vision.pairs] == ["model.visual.fc.weight"]
    assert vision.pairs[0].moments.pearson == pytest.approx(1.0)
    assert vision.skipped == (
        "model.visual.wide.weight: shapes differ ((8, 5) vs (8, 4))",
        "model.visual.gone.weight: not found in the checkpoint as the audit named it",
    )
    nothing = measure(candidate, reference, SimpleNamespace(components=[]), ["tensor_cosine"])
    assert nothing.vision is None
    assert "no vision-encoder component" in nothing.vision_missing
