"""Mixture-of-Experts (issue 9 part 2): experts matched under permutation, upcycling, sampling — and MLA."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from generator.audit import (
    AuditReport,
    ComponentReport,
    make_fingerprint,
    plan,
    remote_transport,
    run_audit,
    toy,
    toy_moe,
)
from generator.audit.experts import EXPERTS_PER_LAYER
from generator.audit.fingerprint import load_fingerprint
from generator.audit.names import parse_name
from generator.audit.read import open_checkpoint
from generator.audit.remote import RemoteFile
from generator.audit.summary import summary_lines
from generator.commands import audit_command
from tests.audit.conftest import Zoo
from tests.audit.hubserver import load, serving
from tests.audit.test_components import assert_every_tensor_accounted_for

MOE = toy_moe.MoeConfig()
"""Three layers (the first dense), eight experts of width 32 and a shared expert."""
PERMUTATION = (3, 7, 0, 5, 1, 6, 2, 4)
REGROUPED = (5, 2, None, 7, None, 0)
MANY = toy_moe.MoeConfig(n_experts=12, d_expert=16, steps=40)
"""More experts than are sampled per layer."""
UPCYCLED = toy_moe.MoeConfig(n_layers=4, n_experts=4, d_expert=128, shared_expert=False, steps=30)
"""The zoo's dense reference (FFN width 128) turned MoE from its second layer on."""
MLA = toy_moe.MoeConfig(mla=True, post_mlp_norm=True, steps=60)
WIDE = toy_moe.MoeConfig(n_layers=2, n_experts=6, d_expert=128, steps=40)
"""Experts wider than the units sampled per expert (``plan.EXPERT_UNITS``), as every real MoE's are."""
WIDE_ORDER = (4, 0, 5, 2, 1, 3)
KINDS = ("checkpoint", "fingerprint")


@dataclass(frozen=True, kw_only=True)
class MoeZoo:
    """References (checkpoint and fingerprint) and candidates, written once per module."""

    root: Path
    """Folder of every file."""

    def path(self, name: str) -> Path:
        """A checkpoint."""
        return self.root / f"{name}.safetensors"

    def reference(self, name: str, kind: str) -> Path:
        """A reference as a checkpoint or a fingerprint."""
        return self.path(name) if kind == "checkpoint" else self.root / f"{name}.fingerprint"


@pytest.fixture(scope="module")
def moe(zoo: Zoo, tmp_path_factory: pytest.TempPathFactory) -> MoeZoo:
    root = tmp_path_factory.mktemp("moe")
    reference = toy_moe.train_moe(MOE, seed=31)
    many = toy_moe.train_moe(MANY, seed=33)
    mla = toy_moe.train_moe(MLA, seed=35)
    upcycled = toy_moe.upcycle(zoo.weights, UPCYCLED, seed=34)
    wide = toy_moe.train_moe(WIDE, seed=38)
    wide_permuted = toy_moe.regroup_experts(wide, WIDE_ORDER, seed=4, d_expert=WIDE.d_expert)
    references = {"moe": reference, "many": many, "mla": toy.cast(mla, torch.bfloat16), "wide": wide}
    candidates = {
        "copy": toy.cast(reference, torch.bfloat16),
        "fused": toy_moe.fuse_experts(reference),
        "permuted": toy_moe.regroup_experts(reference, PERMUTATION, seed=1),
        "regrouped": toy_moe.regroup_experts(reference, REGROUPED, seed=2),
        "independent": toy_moe.train_moe(MOE, seed=32),
        "upcycled": toy_moe.train_moe(UPCYCLED, seed=34, init=upcycled),
        "many_copy": many,
        "many_permuted": toy_moe.regroup_experts(many, list(range(11, -1, -1)), seed=3, d_expert=16),
        "mla_tuned": toy_moe.train_moe(MLA, seed=36, task_seed=1, init=mla, steps=20),
        "mla_independent": toy_moe.train_moe(MLA, seed=37),
        "wide_tuned": toy_moe.train_moe(WIDE, seed=39, task_seed=1, init=wide_permuted, steps=20),
        "wide_independent": toy_moe.train_moe(WIDE, seed=40),
    }
    for name, weights in {**references, **candidates}.items():
        toy.save_checkpoint(weights, root / f"{name}.safetensors")
    for name in references:
        make_fingerprint(root / f"{name}.safetensors", root / f"{name}.fingerprint")
    return MoeZoo(root=root)


@cache
def _audit(candidate: Path, reference: Path, expert_seed: int = 0) -> AuditReport:
    return run_audit(candidate, reference, expert_seed=expert_seed)


def _model(report: AuditReport) -> ComponentReport:
    return next(c for c in report.components if c.name == "model")


def _mapping(component: ComponentReport) -> dict[tuple[int, str], tuple[int, str]]:
    return {
        (m.candidate_layer, m.candidate): (m.reference_layer, m.reference) for m in component.expert_matches
    }


@pytest.mark.parametrize("kind", KINDS)
def test_a_copy_is_identical(moe: MoeZoo, kind: str) -> None:
    report = _audit(moe.path("copy"), moe.reference("moe", kind))
    assert report.verdict == "identical", [(c.name, c.verdict, c.summary) for c in report.components]
    model = _model(report)
    assert all(m.candidate == m.reference and m.significant for m in model.expert_matches)
    assert len(model.expert_matches) == 2 * (MOE.n_experts + 1)  # two MoE layers: experts and shared
    assert_every_tensor_accounted_for(report, moe.path("copy"), moe.path("moe"))


@pytest.mark.parametrize("kind", KINDS)
def test_fused_expert_tensors_are_split_and_paired_per_expert(moe: MoeZoo, kind: str) -> None:
    report = _audit(moe.path("fused"), moe.reference("moe", kind))
    assert report.verdict == "identical"
    pairs = {t.candidate: t.reference for t in _model(report).tensors}
    stem = "model.layers.1.mlp.experts."
    assert pairs[stem + "gate_up_proj[3.gate]"] == stem + "3.gate_proj.weight"
    assert pairs[stem + "gate_up_proj[3.up]"] == stem + "3.up_proj.weight"
    assert pairs[stem + "down_proj[3]"] == stem + "3.down_proj.weight"
    assert_every_tensor_accounted_for(report, moe.path("fused"), moe.path("moe"))


@pytest.mark.parametrize("kind", KINDS)
def test_permuted_experts_are_matched_to_their_sources(moe: MoeZoo, kind: str) -> None:
    report = _audit(moe.path("permuted"), moe.reference("moe", kind))
    model = _model(report)
    assert model.verdict == "derived"
    assert report.verdict == "derived"
    expected = {
        (layer, f"expert {e}"): (layer, f"expert {s}") for layer in (1, 2) for e, s in enumerate(PERMUTATION)
    }
    expected |= {(layer, "shared expert"): (layer, "shared expert") for layer in (1, 2)}
    assert _mapping(model) == expected
    assert all(m.significant for m in model.expert_matches)
    assert all(t.whole_tensor_identical for t in model.tensors if t.role.startswith("expert."))
    assert "units re-ordered" in model.disguises  # the router's rows follow the experts
    assert_every_tensor_accounted_for(report, moe.path("permuted"), moe.path("moe"))
    lines = "\n".join(summary_lines(report))
    assert "layer 1 experts: expert 0 → 1:expert 3 *" in lines
    assert "expert seed 0" in lines


@pytest.mark.parametrize("kind", KINDS)
def test_regrouped_and_added_experts(moe: MoeZoo, kind: str) -> None:
    """Experts dropped, re-ordered and added: the copied ones are found, the new ones show nothing."""
    model = _model(_audit(moe.path("regrouped"), moe.reference("moe", kind)))
    assert model.verdict == "derived"
    by_expert = {(m.candidate_layer, m.candidate_expert): m for m in model.expert_matches}
    for layer in (1, 2):
        for e, source in enumerate(REGROUPED):
            match = by_expert[(layer, e)]
            if source is None:
                assert not match.significant, match
            else:
                assert (match.reference_layer, match.reference_expert, match.significant) == (
                    layer,
                    source,
                    True,
                )


@pytest.mark.parametrize("kind", KINDS)
def test_an_independent_moe_is_independent(moe: MoeZoo, kind: str) -> None:
    report = _audit(moe.path("independent"), moe.reference("moe", kind))
    assert report.verdict == "independent", [(c.name, c.verdict, c.log10_p) for c in report.components]
    assert report.shared_origin == ()
    assert not any(m.significant for m in _model(report).expert_matches)
    assert_every_tensor_accounted_for(report, moe.path("independent"), moe.path("moe"))


@pytest.mark.parametrize("kind", KINDS)
def test_wide_experts_are_sampled_sparingly_and_still_matched(moe: MoeZoo, kind: str) -> None:
    """A MoE reference is read at every expert: each routed expert's matrices are sampled at
    ``EXPERT_UNITS`` units (two runs), not ``HIDDEN_UNITS``. A fine-tuned copy with its experts re-ordered is
    still matched expert by expert, significantly; an independent MoE stays independent."""
    fingerprint = load_fingerprint(moe.reference("wide", "fingerprint"))
    units = {p.name: p.units for p in fingerprint.tensors}
    stem = "model.layers.1.mlp."
    for e in range(WIDE.n_experts):
        sampled = units[f"{stem}experts.{e}.gate_proj.weight"]
        assert len(sampled) == plan.EXPERT_UNITS < WIDE.d_expert
        assert len(set(sampled)) == len(sampled)
    assert len(units[f"{stem}shared_experts.gate_proj.weight"]) == WIDE.d_expert  # ≤ HIDDEN_UNITS: all
    tuned = _model(_audit(moe.path("wide_tuned"), moe.reference("wide", kind)))
    assert tuned.verdict == "derived"
    expected = {(1, f"expert {e}"): (1, f"expert {s}") for e, s in enumerate(WIDE_ORDER)}
    expected[(1, "shared expert")] = (1, "shared expert")
    assert _mapping(tuned) == expected
    assert all(m.significant for m in tuned.expert_matches)
    report = _audit(moe.path("wide_independent"), moe.reference("wide", kind))
    assert report.verdict == "independent", [(c.name, c.verdict, c.log10_p) for c in report.components]
    assert not any(m.significant for m in _model(report).expert_matches)


@pytest.mark.parametrize("kind", ["checkpoint", "fingerprint"])
def test_sparse_upcycling_maps_every_expert_to_the_dense_ffn(moe: MoeZoo, zoo: Zoo, kind: str) -> None:
    """A dense FFN copied into every expert, then trained: reuse, found expert by expert."""
    report = _audit(moe.path("upcycled"), zoo.reference if kind == "checkpoint" else zoo.fingerprint)
    model = _model(report)
    assert model.verdict == "derived"
    assert report.verdict == "derived"
    expected = {(layer, f"expert {e}"): (layer, "dense FFN") for layer in (1, 2, 3) for e in range(4)}
    assert _mapping(model) == expected
    assert all(m.significant for m in model.expert_matches)
    assert_every_tensor_accounted_for(report, moe.path("upcycled"), zoo.reference)


@pytest.mark.parametrize("kind", KINDS)
def test_experts_are_sampled_by_a_recorded_seed(moe: MoeZoo, kind: str) -> None:
    reference = moe.reference("many", kind)
    first, second = (_audit(moe.path("many_permuted"), reference, seed) for seed in (0, 5))
    assert (first.expert_seed, second.expert_seed) == (0, 5)
    assert first.method["experts_sampled_per_layer"] == EXPERTS_PER_LAYER
    samples = []
    for report in (first, second):
        model = _model(report)
        assert model.verdict == "derived"
        routed = [m for m in model.expert_matches if m.candidate_expert is not None]
        assert len(routed) == 2 * EXPERTS_PER_LAYER  # two MoE layers
        pairs = {(m.candidate_expert, m.reference_expert) for m in routed}
        assert pairs == {(e, 11 - e) for e, _ in pairs if e is not None}  # reversed order, found
        skipped = [u for u in model.unpaired if u.reason.startswith("expert not sampled")]
        assert len(skipped) == 2 * (MANY.n_experts - EXPERTS_PER_LAYER) * 3
        assert all(f"expert seed {report.expert_seed}" in u.reason for u in skipped)
        samples.append({(m.candidate_layer, m.candidate_expert) for m in routed})
        assert_every_tensor_accounted_for(report, moe.path("many_permuted"), moe.path("many"))
    assert samples[0] != samples[1]


@pytest.mark.parametrize("kind", KINDS)
def test_experts_outside_the_sample_of_an_exact_copy_are_compared_whole(moe: MoeZoo, kind: str) -> None:
    report = _audit(moe.path("many_copy"), moe.reference("many", kind))
    assert report.verdict == "identical"
    model = _model(report)
    assert model.unpaired == ()
    whole = [t for t in model.tensors if t.how == "whole" and t.role.startswith("expert.")]
    assert len(whole) == 2 * (MANY.n_experts - EXPERTS_PER_LAYER) * 3
    assert all(t.candidate == t.reference for t in whole)


@pytest.mark.parametrize("kind", KINDS)
def test_latent_attention_and_extra_norms_are_paired_by_role(moe: MoeZoo, kind: str) -> None:
    tuned = _model(_audit(moe.path("mla_tuned"), moe.reference("mla", kind)))
    assert tuned.verdict == "derived"
    roles = {t.role for t in tuned.tensors}
    for role in ("attn.q_a", "attn.kv_a", "norm.q_a", "norm.kv_a", "norm.post_mlp"):
        assert f"{role}.weight" in roles, role
    assert all(t.candidate == t.reference for t in tuned.tensors)
    assert tuned.disguises == ("cast to BF16", "values changed")
    independent = _audit(moe.path("mla_independent"), moe.reference("mla", kind))
    assert independent.verdict == "independent", [(c.name, c.verdict) for c in independent.components]
    assert_every_tensor_accounted_for(independent, moe.path("mla_independent"), moe.path("mla"))


def test_the_cli_takes_the_expert_seed_and_reports_it(moe: MoeZoo, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    args = [str(moe.path("many_permuted")), str(moe.reference("many", "fingerprint")), "--json", str(out)]
    result = CliRunner().invoke(audit_command, [*args, "--device", "cpu", "--expert-seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Routed experts sampled per layer with expert seed 5." in result.output
    assert "layer 1 experts: expert " in result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["expert_seed"] == 5
    routed = [
        m for c in document["components"] for m in c["expert_matches"] if m["candidate_expert"] is not None
    ]
    assert {(m["candidate_layer"], m["candidate_expert"]) for m in routed} == {
        (m.candidate_layer, m.candidate_expert)
        for m in _model(
            _audit(moe.path("many_permuted"), moe.reference("many", "fingerprint"), 5)
        ).expert_matches
        if m.candidate_expert is not None
    }


def test_remote_experts_are_read_where_sampled_and_matched_only(
    moe: MoeZoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over HTTP each stage is read ahead in one batch. A candidate's routed expert outside the sample is
    never asked for (rehearsed or read), though named like a reference expert (before: every expert of every
    layer was read ahead); a reference expert's output projection is asked for only where a candidate
    expert was matched with it (its input projections, which the matching scores, at every expert)."""
    asked: list[tuple[str, int, int]] = []
    plain = RemoteFile.read_many

    def read_many(self: RemoteFile, spans: Sequence[tuple[int, int]]) -> list[bytes]:
        asked.extend((self.url, offset, offset + length) for offset, length in spans)
        return plain(self, spans)

    monkeypatch.setattr(RemoteFile, "read_many", read_many)
    monkeypatch.setattr(remote_transport, "BACKOFF_S", 0.001)
    files = {"o/many": moe.path("many"), "o/many_permuted": moe.path("many_permuted")}
    with serving({repo: load({"model.safetensors": path}) for repo, path in files.items()}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        report = run_audit("hf://o/many_permuted", "hf://o/many")
    local = _audit(moe.path("many_permuted"), moe.path("many"))
    assert report.verdict == local.verdict == "derived"
    assert _mapping(_model(report)) == _mapping(_model(local))
    routed = [m for m in _model(report).expert_matches if m.candidate_expert is not None]
    assert len(routed) == 2 * EXPERTS_PER_LAYER < 2 * MANY.n_experts

    def experts_asked(name: str) -> dict[str, set[tuple[int | None, int]]]:
        spans = [(start, end) for url, start, end in asked if f"/o/{name}/" in url]
        read: dict[str, set[tuple[int | None, int]]] = {}
        for info in open_checkpoint(moe.path(name)).tensors:
            parsed, end = parse_name(info.name), info.offset + info.nbytes
            if parsed.expert is not None and any(s < end and e > info.offset for s, e in spans):
                read.setdefault(parsed.role.split(".")[1], set()).add((parsed.layer, parsed.expert))
        return read

    ours, theirs = experts_asked("many_permuted"), experts_asked("many")
    sampled = {(m.candidate_layer, m.candidate_expert) for m in routed}
    assert ours == {"gate": sampled, "up": sampled, "down": sampled}
    every = {(layer, e) for layer in (1, 2) for e in range(MANY.n_experts)}
    assert theirs["gate"] == theirs["up"] == every
    assert theirs["down"] == {(m.reference_layer, m.reference_expert) for m in routed}


@pytest.mark.parametrize("candidate", ["many_permuted", "permuted", "regrouped", "independent", "upcycled"])
def test_a_checkpoint_and_its_fingerprint_give_the_same_report(moe: MoeZoo, zoo: Zoo, candidate: str) -> None:
    """Against its checkpoint a reference's routed experts' output projections are read only once matched;
    against its fingerprint they are all at hand. The experts are matched on their input projections either
    way, so the two reports agree number for number."""
    name = {"many_permuted": "many", "upcycled": ""}.get(candidate, "moe")
    checkpoint = moe.path(name) if name else zoo.reference
    fingerprint = moe.reference(name, "fingerprint") if name else zoo.fingerprint
    full, light = (_audit(moe.path(candidate), ref).to_dict() for ref in (checkpoint, fingerprint))
    for document in (full, light):
        for key in ("reference", "reference_kind", "reference_files", "cheap"):
            del document[key]
    assert full == light
