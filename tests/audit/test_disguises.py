"""Relabelling disguises (issue 9 §5): the residual stream permuted, rotated or pruned, recovered from the
token embeddings — against the reference's checkpoint and its fingerprint, the fitted tensors set aside."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pytest
import torch

from generator.audit import AuditReport, make_fingerprint, residual, run_audit, toy, toy_disguise, toy_moe
from generator.audit.exact import NOT_COMPARED
from generator.audit.plan import RESIDUAL_WIDTH, window_for
from generator.audit.read import open_checkpoint
from generator.audit.residual import GAIN_NOT_ROTATED, SAME_TOKENS, USED_TO_FIT
from generator.audit.summary import summary_lines
from tests.audit.conftest import CONFIG, Zoo

EMBED = "model.embed_tokens.weight"
KINDS = ("checkpoint", "fingerprint")
PRUNED = "residual width pruned (a subset of dimensions kept)"
GROWN = "residual width grown (the reference's dimensions kept among new ones)"


@dataclass(frozen=True, kw_only=True)
class Case:
    """A disguised copy and what the audit must find."""

    residual: str
    """The residual alignment the audit must report."""
    disguise: str
    """A change it must name."""
    positions: int
    """Reference window positions the alignment must find a counterpart for."""


CASES = {
    "relabelled": Case(residual="permutation", disguise="residual stream permuted", positions=64),
    "rotated": Case(residual="rotation", disguise="residual stream rotated", positions=64),
    "pruned": Case(
        residual="subset", disguise="residual width pruned (a subset of dimensions kept)", positions=48
    ),
    "pruned_rotated": Case(residual="rotation", disguise="residual stream rotated", positions=48),
    "grown": Case(residual="grown", disguise=GROWN, positions=64),
    "grown_rotated": Case(residual="rotation", disguise="residual stream rotated", positions=64),
}
OTHER_WIDTH_ROTATED = ("pruned_rotated", "grown_rotated")
"""Rotated streams of another width: their gains are ones (folded) and of no reference gain's length."""


def _disguised(weights: dict[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
    pruned, narrower = toy_disguise.prune(weights, CONFIG, keep=0.75, seed=5)
    return {
        "relabelled": toy_disguise.relabel(weights, CONFIG, seed=3),
        "rotated": toy.cast(toy_disguise.rotate(weights, CONFIG, seed=4), torch.bfloat16),
        "pruned": pruned,
        "pruned_rotated": toy_disguise.rotate(pruned, narrower, seed=6),
        "grown": toy_disguise.grow(weights, CONFIG, extra=32, seed=7),
        "grown_rotated": toy_disguise.rotate(
            toy_disguise.grow(weights, CONFIG, extra=32, seed=7), replace(CONFIG, d_model=96), seed=8
        ),
    }


@pytest.fixture(scope="module")
def disguised(zoo: Zoo) -> Zoo:
    for name, params in _disguised(zoo.weights).items():
        toy.save_checkpoint(params, zoo.path(name))
    return zoo


@cache
def _audit(candidate: Path, reference: Path) -> AuditReport:
    return run_audit(candidate, reference)


def _report(zoo: Zoo, case: str, kind: str) -> AuditReport:
    return _audit(zoo.path(case), zoo.reference if kind == "checkpoint" else zoo.fingerprint)


def test_relabelling_and_rotation_keep_the_function(zoo: Zoo) -> None:
    tokens = toy.task_batches(CONFIG, task_seed=0, data_seed=5, steps=1)[0][:, :-1]
    expected = toy.toy_logits(zoo.weights, CONFIG, tokens)
    for disguise in (
        toy_disguise.relabel(zoo.weights, CONFIG, seed=3),
        toy_disguise.rotate(zoo.weights, CONFIG, seed=4),
    ):
        assert disguise[EMBED].shape == zoo.weights[EMBED].shape
        assert not torch.equal(disguise[EMBED], zoo.weights[EMBED])
        assert torch.allclose(toy.toy_logits(disguise, CONFIG, tokens), expected, atol=1e-4)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_relabelled_copies_are_derived(disguised: Zoo, case: str, kind: str) -> None:
    report = _report(disguised, case, kind)
    expected = CASES[case]
    assert report.verdict == "derived"
    # the output head's rows are the tokens the alignment was fitted on: set aside, never evidence
    assert {c.name: c.verdict for c in report.components} == {"model": "derived", "lm_head": "inconclusive"}
    head = next(c for c in report.components if c.name == "lm_head")
    assert [(u.name, u.reason) for u in head.unpaired] == [("lm_head.weight", SAME_TOKENS)]
    assert SAME_TOKENS in head.summary
    model = next(c for c in report.components if c.name == "model")
    assert expected.disguise in model.disguises
    assert model.log10_p is not None
    assert model.log10_p < -50
    for component in report.components:
        residual = component.residual
        assert residual is not None
        assert residual.kind == expected.residual
        assert residual.positions == expected.positions
        assert residual.held_out_correlation is not None
        assert residual.held_out_correlation > 0.9
        assert residual.applied_to == ("model", "lm_head")


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_fitted_embeddings_are_listed_never_compared(disguised: Zoo, case: str) -> None:
    report = _report(disguised, case, "checkpoint")
    model = next(c for c in report.components if c.name == "model")
    assert model.residual is not None
    assert model.residual.fitted_on == (EMBED, EMBED)
    assert EMBED not in {e.candidate for c in report.components for e in c.tensors}
    assert EMBED not in {e.reference for c in report.components for e in c.tensors}
    unpaired = {(u.name, u.reason) for u in model.unpaired}
    if case in OTHER_WIDTH_ROTATED:
        gains = {(u.name, GAIN_NOT_ROTATED) for u in model.unpaired if u.name.endswith("norm.weight")}
        assert len(gains) == 2 * CONFIG.n_layers + 1
        unpaired -= gains
    assert unpaired == {(EMBED, USED_TO_FIT)}
    reference = {(u.name, u.reason) for u in report.reference_unpaired}
    if case in OTHER_WIDTH_ROTATED:
        reference -= {(name, NOT_COMPARED) for name, _ in gains}
    assert reference == {(EMBED, USED_TO_FIT), ("lm_head.weight", SAME_TOKENS)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_tensor_of_both_checkpoints_is_accounted_for(disguised: Zoo, case: str) -> None:
    report = _report(disguised, case, "checkpoint")
    candidate = {t.name for t in open_checkpoint(disguised.path(case)).tensors}
    reference = {t.name for t in open_checkpoint(disguised.reference).tensors}
    compared = [e for c in report.components for e in c.tensors]
    listed = [u.name for c in report.components for u in c.unpaired]
    assert sorted([e.candidate for e in compared] + listed) == sorted(candidate)
    assert sorted({e.reference for e in compared} | {u.name for u in report.reference_unpaired}) == sorted(
        reference
    )
    assert len({e.reference for e in compared}) == len(compared)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fingerprint_gives_the_same_numbers(disguised: Zoo, case: str) -> None:
    full = _report(disguised, case, "checkpoint").to_dict()
    light = _report(disguised, case, "fingerprint").to_dict()
    for document in (full, light):
        del document["reference"], document["reference_kind"], document["reference_files"], document["cheap"]
    assert full == light


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", ["independent_trained", "independent_untrained"])
def test_independent_models_sharing_the_tokenizer_are_read_as_stored(zoo: Zoo, case: str, kind: str) -> None:
    """Same token ids (and for the trained one the same token stream): a fit is tried, fails its gate, and the
    embeddings stay evidence, tested by index as before."""
    report = _report(zoo, case, kind)
    assert report.verdict == "independent"
    model = next(c for c in report.components if c.name == "model")
    assert model.residual is not None
    assert model.residual.kind == "none"
    assert model.residual.held_out_correlation is not None
    assert abs(model.residual.held_out_correlation) < 0.2
    assert model.residual.applied_to == ()
    assert "read as stored" in model.residual.note
    assert EMBED in {e.candidate for e in model.tensors}


@pytest.mark.parametrize("kind", KINDS)
def test_an_independent_wider_model_on_the_same_tokens_is_not_taken_for_a_grown_copy(
    tmp_path_factory: pytest.TempPathFactory, zoo: Zoo, kind: str
) -> None:
    wider = replace(CONFIG, d_model=96, n_heads=4, d_ff=192)
    path = toy.save_checkpoint(
        toy.train_toy(wider, seed=2), tmp_path_factory.mktemp("wider") / "wider.safetensors"
    )
    report = run_audit(path, zoo.reference if kind == "checkpoint" else zoo.fingerprint)
    assert report.verdict in {"independent", "inconclusive"}
    model = next(c for c in report.components if c.name == "model")
    assert model.residual is not None
    assert (model.residual.kind, model.residual.candidate_width, model.residual.reference_width) == (
        "none",
        96,
        64,
    )
    assert model.residual.held_out_correlation is not None
    assert abs(model.residual.held_out_correlation) < 0.2


def test_a_grown_copy_keeps_every_reference_dimension_in_its_place(disguised: Zoo) -> None:
    report = _report(disguised, "grown", "checkpoint")
    model = next(c for c in report.components if c.name == "model")
    assert model.residual is not None
    assert (model.residual.candidate_width, model.residual.reference_width) == (96, 64)
    assert model.verdict == "derived"
    # every matrix and gain of the reference is compared (only the embeddings the map was fitted on are not)
    reference = {t.name for t in open_checkpoint(disguised.reference).tensors} - {EMBED, "lm_head.weight"}
    assert {e.reference for e in model.tensors} == reference


@pytest.mark.parametrize("case", ["fused_qkv", "finetuned"])
def test_copies_need_no_alignment(zoo: Zoo, case: str) -> None:
    report = _report(zoo, case, "fingerprint")
    model = next(c for c in report.components if c.name == "model")
    assert model.residual is not None
    assert model.residual.kind == "none"
    assert model.residual.index_correlation is not None
    assert model.residual.index_correlation > 0.9
    assert model.residual.note == "the same-index columns agree: read as stored"


WIDE = toy.ToyConfig(vocab=1024, d_model=320, n_layers=1, d_ff=640)
"""Wider than the residual window (256 positions): the map is fitted on the window's columns only, as for a
real model, from the 512 token rows a fingerprint keeps."""


@pytest.mark.slow
def test_a_model_wider_than_the_window_is_aligned_on_the_window(tmp_path: Path) -> None:
    weights = toy.init_toy(WIDE, seed=1)
    fingerprint = tmp_path / "reference.fingerprint"
    make_fingerprint(toy.save_checkpoint(weights, tmp_path / "reference.safetensors"), fingerprint)
    pruned, _ = toy_disguise.prune(weights, WIDE, keep=0.75, seed=5)
    cases = {
        "relabelled": (toy_disguise.relabel(weights, WIDE, seed=3), "derived", "permutation"),
        "pruned": (pruned, "derived", "subset"),
        "independent": (toy.init_toy(WIDE, seed=2), "independent", "none"),
    }
    for name, (params, verdict, kind) in cases.items():
        report = run_audit(toy.save_checkpoint(params, tmp_path / f"{name}.safetensors"), fingerprint)
        model = next(c for c in report.components if c.name == "model")
        assert (report.verdict, model.verdict) == (verdict, verdict)
        assert model.residual is not None
        residual = model.residual
        assert (residual.kind, residual.window, residual.tokens) == (kind, RESIDUAL_WIDTH, 512)
        if kind == "subset":
            # the window positions whose dimension was kept (240 of 320), every one found
            kept = set(toy_disguise.kept_dimensions(WIDE, keep=0.75, seed=5).tolist())
            assert model.residual.positions == len(kept & set(window_for(320).positions().tolist()))
        elif kind == "permutation":
            assert model.residual.positions == RESIDUAL_WIDTH


SOURCES = [3, 1, 7, 0, 5, 2, 6, 4]
"""New expert ``e`` of each MoE layer is old expert ``SOURCES[e]``."""


@pytest.mark.parametrize("mla", [False, True], ids=["attention", "latent attention"])
def test_a_relabelled_moe_is_derived_and_its_experts_are_traced(tmp_path: Path, mla: bool) -> None:
    config = toy_moe.MoeConfig(mla=mla, n_layers=2)
    weights = toy_moe.init_moe(config, seed=1)
    permuted = toy_disguise.permute_residual(weights, d=config.d_model, seed=3)
    candidate = toy_moe.regroup_experts(permuted, SOURCES, seed=0, d_expert=config.d_expert)
    tokens = toy.task_batches(config.tokens, task_seed=0, data_seed=5, steps=1)[0][:, :-1]
    expected = toy_moe.moe_logits(weights, config, tokens)
    assert torch.allclose(toy_moe.moe_logits(candidate, config, tokens), expected, atol=1e-5)
    reference = toy.save_checkpoint(weights, tmp_path / "reference.safetensors")
    make_fingerprint(reference, tmp_path / "reference.fingerprint")
    path = toy.save_checkpoint(candidate, tmp_path / "candidate.safetensors")
    for against in (reference, tmp_path / "reference.fingerprint"):
        report = run_audit(path, against)
        model = next(c for c in report.components if c.name == "model")
        assert report.verdict == model.verdict == "derived"
        assert model.residual is not None
        assert model.residual.kind == "permutation"
        assert "residual stream permuted" in model.disguises
        if mla:  # the latent up-projections do not read the residual stream: unchanged, read as stored
            latent = [e for e in model.tensors if "q_b_proj" in e.candidate or "kv_b_proj" in e.candidate]
            assert len(latent) == 2 * config.n_layers
            assert all(e.centred_cosine > 0.99 for e in latent)
        routed = {
            (m.candidate_expert, m.reference_expert)
            for m in model.expert_matches
            if m.candidate_expert is not None
        }
        assert routed == set(enumerate(SOURCES))


def test_the_summary_names_the_fitted_alignment(disguised: Zoo) -> None:
    lines = summary_lines(_report(disguised, "pruned", "fingerprint"))
    fitted = [line for line in lines if "residual stream read through" in line]
    expected = (
        "    residual stream read through a fitted subset (48 → 64 dimensions; 48 of 64 window positions"
        f" found; held-out correlation 1.00); fitted on {EMBED}: not evidence"
    )
    assert fitted == [expected, expected]  # the model and the lm_head read through it


def test_a_copy_fitted_anyway_is_read_as_stored_and_stays_identical(zoo: Zoo) -> None:
    """Were the same-index check ever to miss a copy, the assignment it falls back on finds the identity."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(residual, "INDEX_GATE", 2.0)
        report = run_audit(zoo.path("fused_qkv"), zoo.fingerprint)
    model = next(c for c in report.components if c.name == "model")
    assert model.residual is not None
    assert model.residual.kind == "none"
    assert model.residual.held_out_correlation == pytest.approx(1.0)
    assert model.residual.note == "the fitted permutation is the identity: read as stored"
    assert report.verdict == "identical"
