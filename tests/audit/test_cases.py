"""Every case of issue 4 point 7 gets its verdict, against the full reference and against its fingerprint."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import pytest
import torch

from generator.audit import AuditReport, make_fingerprint, run_audit, toy
from tests.audit.conftest import CONFIG, Zoo

EXPECTED: dict[str, tuple[str, dict[str, str]]] = {
    "graft": (
        "derived",
        {
            "language_model": "identical",
            "vision_tower": "independent",
            "multi_modal_projector": "independent",
        },
    ),
    "finetuned": ("derived", {"model": "derived", "lm_head": "derived"}),
    "every_other_layer": ("derived", {"model": "derived", "lm_head": "identical"}),
    "duplicated_layers": ("derived", {"model": "derived", "lm_head": "identical"}),
    "fused_qkv": ("identical", {"model": "identical", "lm_head": "identical"}),
    "vocab_grown": ("derived", {"model": "derived", "lm_head": "derived"}),
    "noise": ("derived", {"model": "derived", "lm_head": "derived"}),
    "permuted": ("derived", {"model": "derived", "lm_head": "identical"}),
    "renamed_transposed": ("identical", {"export": "identical"}),
    "independent_trained": ("independent", {"model": "independent", "lm_head": "independent"}),
    "independent_untrained": ("independent", {"model": "independent", "lm_head": "independent"}),
}
KINDS = ("checkpoint", "fingerprint")


@cache
def _audit(candidate: Path, reference: Path) -> AuditReport:
    return run_audit(candidate, reference)


def _report(zoo: Zoo, case: str, kind: str) -> AuditReport:
    return _audit(zoo.path(case), zoo.reference if kind == "checkpoint" else zoo.fingerprint)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_verdicts(zoo: Zoo, case: str, kind: str) -> None:
    report = _report(zoo, case, kind)
    overall, components = EXPECTED[case]
    assert {c.name: c.verdict for c in report.components} == components
    assert report.verdict == overall
    assert report.reference_kind == kind


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_fingerprint_gives_the_same_numbers(zoo: Zoo, case: str) -> None:
    full = _report(zoo, case, "checkpoint").to_dict()
    light = _report(zoo, case, "fingerprint").to_dict()
    for document in (full, light):
        del document["reference"], document["reference_kind"], document["reference_files"]  # what was read
        del document["cheap"]  # config and tokenizer beside the weights: a fingerprint holds neither
    assert full == light


@pytest.mark.parametrize("case", ["independent_trained", "independent_untrained"])
def test_gains_have_high_raw_cosine_but_are_no_evidence(zoo: Zoo, case: str) -> None:
    report = _report(zoo, case, "checkpoint")
    gains = [e for c in report.components for e in c.tensors if e.role.startswith("norm.")]
    assert len(gains) == 2 * 4 + 1
    raw = [e.raw_cosine_not_evidence for e in gains]
    assert min(raw) > 0.95, raw  # what an accuser would quote
    assert all(abs(e.centred_cosine) < 0.5 for e in gains)
    assert all(c.verdict == "independent" for c in report.components)


def test_derived_evidence_is_overwhelming_and_shared(zoo: Zoo) -> None:
    for case in ("finetuned", "noise", "every_other_layer", "permuted"):
        model = next(c for c in _report(zoo, case, "checkpoint").components if c.name == "model")
        assert model.log10_p is not None
        assert model.log10_p < -30, case
        assert model.share_significant > 0.5, case
        assert model.share_compared > 0.9, case


def test_layer_map_of_every_other_layer(zoo: Zoo) -> None:
    model = next(c for c in _report(zoo, "every_other_layer", "checkpoint").components if c.name == "model")
    (layer_map,) = model.layer_maps
    assert layer_map.mapping == ((0, 0), (1, 2))
    assert len(layer_map.similarity) == 2
    assert len(layer_map.similarity[0]) == 4
    assert "layers dropped, duplicated or re-ordered" in model.disguises


def test_layer_map_of_duplicated_layers(zoo: Zoo) -> None:
    model = next(c for c in _report(zoo, "duplicated_layers", "checkpoint").components if c.name == "model")
    (layer_map,) = model.layer_maps
    assert layer_map.mapping == ((0, 0), (1, 1), (2, 1), (3, 2), (4, 3), (5, 3))
    assert "layers dropped, duplicated or re-ordered" in model.disguises
    assert all(e.whole_tensor_identical for e in model.tensors)  # each copy is the reference layer, unchanged


def test_fused_qkv_parts_are_paired_with_the_split_reference(zoo: Zoo) -> None:
    model = next(c for c in _report(zoo, "fused_qkv", "fingerprint").components if c.name == "model")
    fused = {e.candidate: e.reference for e in model.tensors if "qkv_proj" in e.candidate}
    assert fused == {
        f"model.layers.{i}.self_attn.qkv_proj.weight[{p}]": f"model.layers.{i}.self_attn.{p}_proj.weight"
        for i in range(4)
        for p in "qkv"
    }
    assert all(e.whole_tensor_identical for e in model.tensors)
    assert "q, k, v projections fused or split" in model.disguises


def test_permuted_units_are_found(zoo: Zoo) -> None:
    model = next(c for c in _report(zoo, "permuted", "checkpoint").components if c.name == "model")
    ffn = [e for e in model.tensors if e.role.startswith("mlp.")]
    assert ffn
    assert all(e.units is not None and e.units.moved > 0 for e in ffn)
    assert all(e.cast_identical == 1.0 for e in model.tensors)
    assert "units re-ordered" in model.disguises


def test_graft_is_confirmed_by_whole_tensor_hashes(zoo: Zoo) -> None:
    report = _report(zoo, "graft", "fingerprint")
    language = next(c for c in report.components if c.name == "language_model")
    assert language.share_identical == pytest.approx(1.0)
    assert all(e.whole_tensor_identical and e.bit_identical is None for e in language.tensors)
    assert language.disguises == ("cast to BF16", "renamed")


def test_report_document_has_the_contract_fields(zoo: Zoo) -> None:
    document = _report(zoo, "graft", "checkpoint").to_dict()
    assert document["verdict"] == "derived"
    assert document["shared_origin"] == ["language_model: identical"]
    for component in document["components"]:
        assert {"name", "verdict", "parameters", "tensors", "layer_maps", "log10_p"} <= set(component)
        assert isinstance(component["parameters"], int)
        assert component["parameters"] > 0
    pair = document["components"][0]["tensors"][0]
    assert {"centred_cosine", "raw_cosine_not_evidence", "relative_l2", "test", "cast_identical"} <= set(pair)


def test_mapping_names_components(zoo: Zoo) -> None:
    report = run_audit(
        zoo.path("graft"), zoo.fingerprint, mapping={"language_model": "llm", "vision_tower.blocks": "vision"}
    )
    names = {c.name: c.verdict for c in report.components}
    assert names["llm"] == "identical"
    assert names["vision"] == "independent"


def _with_qkv_biases(weights: dict[str, torch.Tensor], seed: int) -> dict[str, torch.Tensor]:
    """Qwen2 style: q, k and v projections carry biases."""
    gen = torch.Generator().manual_seed(seed)
    out = dict(weights)
    for layer in range(CONFIG.n_layers):
        for part in "qkv":
            out[f"model.layers.{layer}.self_attn.{part}_proj.bias"] = 0.1 * torch.randn(64, generator=gen)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_rotary_qk_biases_are_skipped_on_both_sides(zoo: Zoo, tmp_path: Path, kind: str) -> None:
    """A q/k bias is never evidence (positions not exchangeable under rotary embeddings): the candidate's
    is not tested, like the reference's, nor paired by content with some norm gain of the same length; in a
    copy it is still compared whole with its own counterpart, so the copy is identical."""
    reference = toy.save_checkpoint(_with_qkv_biases(zoo.weights, 1), tmp_path / "reference.safetensors")
    if kind == "fingerprint":
        make_fingerprint(reference, tmp_path / "reference.fp")
        reference = tmp_path / "reference.fp"
    copy = toy.save_checkpoint(_with_qkv_biases(zoo.weights, 1), tmp_path / "copy.safetensors")
    report = run_audit(copy, reference)
    model = next(c for c in report.components if c.name == "model")
    assert (report.verdict, model.verdict, model.disguises) == ("identical", "identical", ())
    assert all(t.candidate == t.reference for t in model.tensors)
    assert model.unpaired == ()
    whole = {t.candidate for t in model.tensors if t.how == "whole" and t.test is None}
    assert whole == {f"model.layers.{i}.self_attn.{p}_proj.bias" for i in range(4) for p in "qk"}
    independent = toy.save_checkpoint(_with_qkv_biases(toy.init_toy(CONFIG, seed=8), 2), tmp_path / "ind.st")
    other = next(c for c in run_audit(independent, reference).components if c.name == "model")
    skipped = {u.name for u in other.unpaired if u.reason.startswith("as in the reference")}
    assert skipped == whole


def test_a_long_fine_tune_is_paired_as_named_and_claims_no_disguise(zoo: Zoo, tmp_path: Path) -> None:
    """Weakly related weights give noisy profiles; noise must not re-order layers or transpose tensors."""
    tuned = toy.train_toy(toy.ToyConfig(lr=3e-2), seed=3, task_seed=4, init=zoo.weights, steps=400)
    report = run_audit(toy.save_checkpoint(tuned, tmp_path / "tuned.safetensors"), zoo.reference)
    model = next(c for c in report.components if c.name == "model")
    assert model.verdict == "derived"
    assert model.disguises == ("values changed",)
    assert all(t.candidate == t.reference and not t.transposed for t in model.tensors)
    assert all(m.mapping == tuple((i, i) for i in range(4)) for m in model.layer_maps)
    assert any(j.significant for j in model.joint_tests), "the joint test can be significant"


def _sinusoids(length: int, channels: int) -> torch.Tensor:
    step = math.log(10000) / (channels // 2 - 1)
    angles = torch.arange(length)[:, None] * torch.exp(-step * torch.arange(channels // 2))[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


def _with_deterministic_inits(weights: dict[str, torch.Tensor], seed: int) -> dict[str, torch.Tensor]:
    """A fixed sinusoidal position table (Whisper style) and Mamba's ``A_log = log(1..16)`` per row, plus
    a little drift of this model's own."""
    gen = torch.Generator().manual_seed(seed)
    out = dict(weights)
    out["model.embed_positions.weight"] = _sinusoids(64, 64)
    for layer in range(CONFIG.n_layers):
        a_log = torch.log(torch.arange(1, 17, dtype=torch.float32)).repeat(128, 1)
        out[f"model.layers.{layer}.mixer.A_log"] = a_log + 0.05 * torch.randn(a_log.shape, generator=gen)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_deterministic_initialisations_are_no_evidence(zoo: Zoo, tmp_path: Path, kind: str) -> None:
    """Independent models that share only what every such model starts with stay independent."""
    reference = toy.save_checkpoint(_with_deterministic_inits(zoo.weights, 1), tmp_path / "ref.safetensors")
    if kind == "fingerprint":
        make_fingerprint(reference, tmp_path / "ref.fp")
        reference = tmp_path / "ref.fp"
    independent = toy.train_toy(CONFIG, seed=2)
    candidate = toy.save_checkpoint(_with_deterministic_inits(independent, 2), tmp_path / "ind.safetensors")
    report = run_audit(candidate, reference)
    assert report.verdict == "independent", [(c.name, c.verdict, c.log10_p) for c in report.components]
    model = next(c for c in report.components if c.name == "model")
    assert "model.embed_positions.weight" in {u.name for u in model.unpaired}
    # …while a copy of the same model is still caught by those tensors' own drift
    copied = toy.add_noise(_with_deterministic_inits(zoo.weights, 1), 0.01, seed=9)
    a_logs = {k: v for k, v in copied.items() if k.endswith("A_log")}
    only_a_log = toy.save_checkpoint(a_logs, tmp_path / "a_log.safetensors")
    report = run_audit(only_a_log, reference)
    assert report.verdict == "derived", [(c.name, c.verdict, c.log10_p) for c in report.components]


def _flip_unit_signs(weights: dict[str, torch.Tensor], seed: int) -> dict[str, torch.Tensor]:
    """Negate half the FFN neurons (up row and down column) and value dimensions (v row and o column):
    the model computes exactly the same function."""
    gen = torch.Generator().manual_seed(seed)
    out = dict(weights)
    for layer in range(CONFIG.n_layers):
        prefix = f"model.layers.{layer}"
        for into, out_of in (("mlp.up_proj", "mlp.down_proj"), ("self_attn.v_proj", "self_attn.o_proj")):
            rows = out[f"{prefix}.{into}.weight"].shape[0]
            sign = torch.where(torch.rand(rows, generator=gen) < 0.5, -1.0, 1.0)
            out[f"{prefix}.{into}.weight"] = out[f"{prefix}.{into}.weight"] * sign[:, None]
            out[f"{prefix}.{out_of}.weight"] = out[f"{prefix}.{out_of}.weight"] * sign[None, :]
    return out


def test_flipped_unit_signs_are_undone_before_testing(zoo: Zoo, tmp_path: Path) -> None:
    flipped = toy.save_checkpoint(_flip_unit_signs(zoo.weights, 3), tmp_path / "flipped.safetensors")
    model = next(c for c in run_audit(flipped, zoo.fingerprint).components if c.name == "model")
    assert model.verdict == "derived"
    assert "unit signs flipped" in model.disguises
    assert any(t.units is not None and t.units.flipped for t in model.tensors), "flips were found"
    assert all(t.test is not None and t.test.z > 10 for t in model.tensors if t.units is not None)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("direction", ["bf16 → fp16", "fp16 → bf16"])
def test_a_cast_between_bf16_and_fp16_is_identical(
    zoo: Zoo, tmp_path: Path, kind: str, direction: str
) -> None:
    """Neither format holds the other (bf16 has the range, fp16 the mantissa): a copy cast either way,
    tiny values flushed or rounded, is still the same weights."""
    bf16 = toy.cast(zoo.weights, torch.bfloat16)
    fp16 = toy.cast(bf16, torch.float16)
    lost = sum(
        int((v.to(torch.bfloat16) != b).sum()) for v, b in zip(fp16.values(), bf16.values(), strict=True)
    )
    assert lost > 0, "the case needs values that do not survive the round trip"
    source, copy = (bf16, fp16) if direction == "bf16 → fp16" else (fp16, bf16)
    reference = toy.save_checkpoint(source, tmp_path / "reference.safetensors")
    if kind == "fingerprint":
        make_fingerprint(reference, tmp_path / "reference.fp")
        reference = tmp_path / "reference.fp"
    report = run_audit(toy.save_checkpoint(copy, tmp_path / "copy.safetensors"), reference)
    assert report.verdict == "identical"
    assert all(c.verdict == "identical" for c in report.components), [
        (c.name, c.verdict) for c in report.components
    ]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("change", ["rows 10–25 removed", "rows re-ordered"])
def test_token_rows_are_matched_when_the_vocabulary_changes_inside(
    zoo: Zoo, tmp_path: Path, kind: str, change: str
) -> None:
    """A pruned or re-ordered vocabulary shifts token rows; each sampled row is found again on half A."""
    vocab = zoo.weights["model.embed_tokens.weight"].shape[0]
    if change == "rows re-ordered":
        rows = torch.randperm(vocab, generator=torch.Generator().manual_seed(5))
    else:
        rows = torch.tensor([i for i in range(vocab) if not 10 <= i < 26])
    changed = dict(zoo.weights)
    for name in ("model.embed_tokens.weight", "lm_head.weight"):
        changed[name] = zoo.weights[name][rows].clone()
    report = run_audit(
        toy.save_checkpoint(changed, tmp_path / "changed.safetensors"),
        zoo.reference if kind == "checkpoint" else zoo.fingerprint,
    )
    for component in report.components:
        assert component.verdict == "derived", (component.name, component.verdict)
        token = [
            t for t in component.tensors if t.candidate in ("model.embed_tokens.weight", "lm_head.weight")
        ]
        assert token, component.name
        assert all(t.test is not None and t.test.z > 10 for t in token), component.name
        assert "units re-ordered" in component.disguises
