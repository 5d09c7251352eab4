"""Experts moved or copied across layers are traced to the layer and expert they came from."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import torch

from generator.audit import AuditReport, ComponentReport, make_fingerprint, run_audit, toy, toy_moe
from generator.audit.summary import summary_lines
from tests.audit.test_components import assert_every_tensor_accounted_for

MOE = toy_moe.MoeConfig()
"""Three layers (the first dense), eight experts of width 32 and a shared expert."""
MOVES = {(1, e): (2, e) for e in range(4)} | {(2, e): (1, e) for e in range(4)} | {(2, 7): (1, 5)}
"""Candidate (layer, expert) ← reference (layer, expert): four experts swapped between the MoE layers, and
one expert of layer 1 copied over an expert of layer 2."""
KINDS = ("checkpoint", "fingerprint")


def _moved(params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {n: t.clone() for n, t in params.items()}
    for (layer, e), (src_layer, src) in MOVES.items():
        for proj in ("gate_proj", "up_proj", "down_proj"):
            out[f"model.layers.{layer}.mlp.experts.{e}.{proj}.weight"] = params[
                f"model.layers.{src_layer}.mlp.experts.{src}.{proj}.weight"
            ].clone()
    return out


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("moved")
    reference = toy_moe.train_moe(MOE, seed=31)
    written = {
        "reference": toy.save_checkpoint(reference, root / "reference.safetensors"),
        "moved": toy.save_checkpoint(_moved(reference), root / "moved.safetensors"),
        "independent": toy.save_checkpoint(toy_moe.train_moe(MOE, seed=32), root / "independent.safetensors"),
    }
    make_fingerprint(written["reference"], root / "reference.fingerprint")
    return written | {"fingerprint": root / "reference.fingerprint"}


@cache
def _audit(candidate: Path, reference: Path) -> AuditReport:
    return run_audit(candidate, reference)


def _model(report: AuditReport) -> ComponentReport:
    return next(c for c in report.components if c.name == "model")


@pytest.mark.parametrize("kind", KINDS)
def test_moved_experts_are_traced_to_their_layer_and_expert(models: dict[str, Path], kind: str) -> None:
    report = _audit(models["moved"], models["reference" if kind == "checkpoint" else "fingerprint"])
    model = _model(report)
    found = {
        (m.candidate_layer, m.candidate_expert): (m.reference_layer, m.reference_expert)
        for m in model.expert_matches
        if m.candidate_expert is not None
    }
    expected = {
        (layer, e): MOVES.get((layer, e), (layer, e)) for layer in (1, 2) for e in range(MOE.n_experts)
    }
    assert found == expected
    assert all(m.significant for m in model.expert_matches)
    moved = [t for t in model.tensors if t.role.startswith("expert.")]
    assert moved
    assert all(t.whole_tensor_identical for t in moved)
    assert_every_tensor_accounted_for(report, models["moved"], models["reference"])
    lines = "\n".join(summary_lines(report))
    assert "expert 0 → 2:expert 0 *" in lines
    assert "expert 7 → 1:expert 5 *" in lines


def test_an_independent_moe_finds_no_moved_expert(models: dict[str, Path]) -> None:
    """Searching the other layers finds nothing in an independent model (the search chooses on half A;
    the calibration of the p-values with the search on is in test_calibration)."""
    model = _model(_audit(models["independent"], models["reference"]))
    assert model.verdict == "independent"
    assert not any(m.significant for m in model.expert_matches)
