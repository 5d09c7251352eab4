"""Calibration: independent pairs give uniform joint p-values; derived pairs sit far below any threshold.

Dense pairs, and MoE pairs whose experts are matched on half A and sampled (12 per layer, 8 tested); and
independent pairs that share a tokenizer (the same token ids, trained on the same token stream), read as
stored because no residual map passes its gate — and still calibrated when a fitted map is forced on them
(the embeddings it was fitted on and the output head set aside, as after any fitted map)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from scipy import stats

from generator.audit import experts, plan, residual, run_audit, toy, toy_moe
from generator.audit.report import ComponentReport

TINY = toy.ToyConfig(vocab=64, d_model=64, n_layers=2, d_ff=128)
TINY_MOE = toy_moe.MoeConfig(vocab=64, n_layers=2, n_experts=12, d_expert=16, dense_layers=0)
SEEDS = 48


def _model_component(candidate: Path, reference: Path) -> ComponentReport:
    return next(c for c in run_audit(candidate, reference).components if c.name == "model")


@pytest.fixture(scope="module")
def null_components(tmp_path_factory: pytest.TempPathFactory) -> list[ComponentReport]:
    root = tmp_path_factory.mktemp("calibration")
    out = []
    for seed in range(SEEDS):
        a = toy.save_checkpoint(toy.init_toy(TINY, seed=1000 + 2 * seed), root / f"{seed}a.safetensors")
        b = toy.save_checkpoint(toy.init_toy(TINY, seed=1001 + 2 * seed), root / f"{seed}b.safetensors")
        out.append(_model_component(a, b))
    return out


@pytest.fixture(scope="module")
def null_components_run_first(tmp_path_factory: pytest.TempPathFactory) -> list[ComponentReport]:
    """The same independent pairs, every unit search looking in a seeded run of units first (as wide
    tensors do; these are narrower than plan.SEARCH_MIN_UNITS, so it is lowered here)."""
    root = tmp_path_factory.mktemp("calibration-run")
    out = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan, "SEARCH_MIN_UNITS", 0)
        for seed in range(SEEDS):
            a = toy.save_checkpoint(toy.init_toy(TINY, seed=1000 + 2 * seed), root / f"{seed}a.safetensors")
            b = toy.save_checkpoint(toy.init_toy(TINY, seed=1001 + 2 * seed), root / f"{seed}b.safetensors")
            out.append(_model_component(a, b))
    return out


@pytest.fixture(scope="module")
def null_moe_components(tmp_path_factory: pytest.TempPathFactory) -> list[ComponentReport]:
    return _null_moe(tmp_path_factory.mktemp("calibration-moe"))


@pytest.fixture(scope="module")
def null_moe_components_searching(tmp_path_factory: pytest.TempPathFactory) -> list[ComponentReport]:
    """The same pairs, every expert searched for in the other layer too and matched to the best-scoring
    expert of both layers (no margin): the widest selection the search can make."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(experts, "MOVED_BELOW", 2.0)
        patch.setattr(experts, "SWITCH_MARGIN", 0.0)
        return _null_moe(tmp_path_factory.mktemp("calibration-moe-search"))


def _null_moe(root: Path) -> list[ComponentReport]:
    out = []
    for seed in range(SEEDS):
        a = toy_moe.init_moe(TINY_MOE, seed=3000 + 2 * seed)
        b = toy_moe.init_moe(TINY_MOE, seed=3001 + 2 * seed)
        out.append(
            _model_component(
                toy.save_checkpoint(a, root / f"{seed}a.safetensors"),
                toy.save_checkpoint(b, root / f"{seed}b.safetensors"),
            )
        )
    return out


@pytest.fixture(scope="module")
def shared_tokenizer_pairs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path]]:
    """Independent models with the same vocabulary, trained (each from its own seed) on the same task."""
    root = tmp_path_factory.mktemp("calibration-shared")
    pairs = []
    for seed in range(SEEDS):
        a = toy.save_checkpoint(toy.train_toy(TINY, seed=5000 + 2 * seed), root / f"{seed}a.safetensors")
        b = toy.save_checkpoint(toy.train_toy(TINY, seed=5001 + 2 * seed), root / f"{seed}b.safetensors")
        pairs.append((a, b))
    return pairs


FORCED = {
    "permutation": {"INDEX_GATE": 2.0, "PERMUTATION_GATE": -2.0},
    "rotation": {"INDEX_GATE": 2.0, "PERMUTATION_GATE": 2.0, "ROTATION_GATE": -2.0},
}
"""Gates that force a fitted map of each kind on any pair (a correlation is never above 1 or below -1)."""


@pytest.mark.slow
def test_independent_p_values_are_uniform_when_the_tokenizer_is_shared(
    shared_tokenizer_pairs: list[tuple[Path, Path]],
) -> None:
    components = [_model_component(a, b) for a, b in shared_tokenizer_pairs]
    fits = [c.residual for c in components]
    assert all(f is not None and f.kind == "none" for f in fits)
    quality = [f.held_out_correlation for f in fits if f is not None and f.held_out_correlation is not None]
    assert len(quality) == SEEDS
    assert max(abs(q) for q in quality) < 0.2  # the gates (0.5, 0.8) are far above what these pairs reach
    assert all("model.embed_tokens.weight" in {e.candidate for e in c.tensors} for c in components)
    _assert_uniform(components)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(FORCED))
def test_a_fitted_map_forced_on_independent_models_sharing_the_tokenizer_stays_calibrated(
    shared_tokenizer_pairs: list[tuple[Path, Path]], kind: str
) -> None:
    """What the gates guard against, measured: with the fitted tensors set aside, the half-B tests of the
    layers stay uniform however the map was fitted (the output head, were it kept, would not: z up to 8)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FORCED[kind].items():
            patch.setattr(residual, name, value)
        patch.setattr(residual, "MIN_KEPT", 0.0)
        reports = [run_audit(a, b) for a, b in shared_tokenizer_pairs]
    components = [next(c for c in r.components if c.name == "model") for r in reports]
    assert all(c.residual is not None and c.residual.kind == kind for c in components)
    assert all(
        r.components[0].name == "lm_head" and r.components[0].verdict == "inconclusive" for r in reports
    )
    _assert_uniform(components)
    layers = [
        e.test.p_permutation
        for c in components
        for e in c.tensors
        if e.test is not None and e.units is not None
    ]
    assert len(layers) == SEEDS * 2 * 7  # q, k, v, o, gate, up, down in two layers
    assert stats.kstest(layers, "uniform").pvalue > 0.001
    assert sum(p < 0.05 for p in layers) <= 0.05 * len(layers) + 3 * (0.05 * 0.95 * len(layers)) ** 0.5


@pytest.mark.slow
def test_independent_p_values_are_uniform(null_components: list[ComponentReport]) -> None:
    _assert_uniform(null_components)


@pytest.mark.slow
def test_independent_p_values_are_uniform_when_a_run_of_units_is_searched_first(
    null_components_run_first: list[ComponentReport],
) -> None:
    """Whether all units are searched is decided on half A: the half-B test stays exact."""
    searched = [e.units.searched for c in null_components_run_first for e in c.tensors if e.units is not None]
    # every unit of these toys is sampled: searched among the units already read (16 partners expected
    # among 64 or 128), no run; the choice is made on half A as a run's would be
    assert {64, 128} <= set(searched)
    _assert_uniform(null_components_run_first)


@pytest.mark.slow
def test_independent_moe_p_values_are_uniform(null_moe_components: list[ComponentReport]) -> None:
    """Experts chosen on half A (best match of 12, 8 sampled per layer — and, finding no clear source there,
    of the other layer's experts too) leave the half-B test exact."""
    assert all(len(c.expert_matches) == 2 * (8 + 1) for c in null_moe_components)  # and the shared expert
    _assert_uniform(null_moe_components)


@pytest.mark.slow
def test_independent_moe_p_values_stay_uniform_when_experts_are_searched_across_layers(
    null_moe_components_searching: list[ComponentReport],
) -> None:
    """Each expert matched to the best of both layers' experts on half A: the half-B test is still exact."""
    matches = [
        m for c in null_moe_components_searching for m in c.expert_matches if m.candidate_expert is not None
    ]
    moved = sum(m.reference_layer != m.candidate_layer for m in matches)
    assert len(matches) // 4 < moved < 3 * len(matches) // 4  # about half come from the other layer
    _assert_uniform(null_moe_components_searching)


def _assert_uniform(null_components: list[ComponentReport]) -> None:
    assert all(c.verdict == "independent" for c in null_components)
    permutation = [c.joint_tests[0].test.p_permutation for c in null_components]
    normal = [10 ** c.joint_tests[0].test.log10_p for c in null_components]
    for p_values in (permutation, normal):
        assert stats.kstest(p_values, "uniform").pvalue > 0.001
        # About 5% below 0.05: 48 draws give 2.4 on average; 8 or more has probability < 0.2%.
        assert sum(p < 0.05 for p in p_values) <= 7
        assert min(p_values) >= 1e-4


@pytest.mark.slow
def test_derived_p_values_are_far_below_threshold(tmp_path: Path) -> None:
    for seed in range(4):
        weights = toy.init_toy(TINY, seed=2000 + seed)
        reference = toy.save_checkpoint(weights, tmp_path / f"{seed}-ref.safetensors")
        noisy = toy.add_noise(toy.cast(weights, torch.bfloat16), 0.5, seed=seed)
        candidate = toy.save_checkpoint(noisy, tmp_path / f"{seed}-noisy.safetensors")
        component = _model_component(candidate, reference)
        assert component.verdict == "derived"
        assert component.log10_p is not None
        assert component.log10_p < -30
        assert component.joint_tests[0].test.p_permutation == pytest.approx(1e-4)
