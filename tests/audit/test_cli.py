"""The CLI contract: `audit … --json`, `fingerprint --out`, `--device`, exit codes.

The commands run in-process (:func:`tests.cli.run.run_cli`); one test runs a real process to show that a
refused option prints one line and no traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from generator.audit import ComponentReport, run_audit
from tests.audit.conftest import Zoo
from tests.cli.run import run_cli, run_process


@pytest.mark.slow
def test_fingerprint_then_audit_via_cli(zoo: Zoo, tmp_path: Path) -> None:
    fingerprint = tmp_path / "reference.fp"
    made = run_cli("fingerprint", str(zoo.reference), "--out", str(fingerprint))
    assert made.returncode == 0, made.stderr
    assert fingerprint.exists()
    out = tmp_path / "report.json"
    audited = run_cli(
        "audit", str(zoo.path("graft")), str(fingerprint), "--json", str(out), "--device", "auto"
    )
    assert audited.returncode == 0, audited.stderr
    assert "Verdict: derived" in audited.stdout
    assert "Shares origin with the reference in: language_model: identical." in audited.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["verdict"] == "derived"
    verdicts = {c["name"]: c["verdict"] for c in document["components"]}
    assert verdicts["language_model"] == "identical"
    assert verdicts["vision_tower"] == "independent"


@pytest.mark.slow
def test_independent_verdict_still_exits_zero(zoo: Zoo, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    audited = run_cli("audit", str(zoo.path("independent_trained")), str(zoo.reference), "--json", str(out))
    assert audited.returncode == 0, audited.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["verdict"] == "independent"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without CUDA")
def test_cuda_without_cuda_is_a_clean_error(zoo: Zoo) -> None:
    result = run_process("audit", str(zoo.path("noise")), str(zoo.fingerprint), "--device", "cuda")
    assert result.returncode != 0
    assert result.stderr.startswith("Error: --device cuda")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("reference_kind", ["checkpoint", "fingerprint"])
def test_cuda_reaches_the_same_verdicts_and_evidence(zoo: Zoo, reference_kind: str) -> None:
    reference = zoo.reference if reference_kind == "checkpoint" else zoo.fingerprint
    for case in ("permuted", "independent_trained", "graft", "every_other_layer", "renamed_transposed"):
        cpu = run_audit(zoo.path(case), reference, device="cpu")
        gpu = run_audit(zoo.path(case), reference, device="cuda")
        assert gpu.method["device"] == "cuda"
        assert gpu.verdict == cpu.verdict, case
        for on_gpu, on_cpu in zip(gpu.components, cpu.components, strict=True):
            assert (on_gpu.name, on_gpu.verdict) == (on_cpu.name, on_cpu.verdict), case
            assert on_gpu.share_identical == on_cpu.share_identical, case
            assert on_gpu.share_significant == pytest.approx(on_cpu.share_significant), case
            assert on_gpu.log10_p == pytest.approx(on_cpu.log10_p, rel=1e-3, abs=1e-3), case
            # the unit matching is the step that runs on the GPU: the same units are moved
            assert _moved_units(on_gpu) == _moved_units(on_cpu), case


def _moved_units(component: ComponentReport) -> list[tuple[str, str | None, int | None]]:
    return [
        (t.candidate, t.units.method if t.units else None, t.units.moved if t.units else None)
        for t in component.tensors
    ]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cli_auto_uses_cuda_when_present(zoo: Zoo, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    audited = run_cli("audit", str(zoo.path("permuted")), str(zoo.fingerprint), "--json", str(out))
    assert audited.returncode == 0, audited.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["method"]["device"] == "cuda"
    verdicts = {c["name"]: c["verdict"] for c in document["components"]}
    assert verdicts == {"model": "derived", "lm_head": "identical"}


def test_fingerprint_never_overwrites_the_model_or_another_file(zoo: Zoo, tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    shard = model / "model.safetensors"
    shard.write_bytes(zoo.path("noise").read_bytes())
    before = shard.read_bytes()
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    for model_arg, out, message in (
        (shard, shard, "that is the model itself"),
        (model, shard, "that is the model itself"),
        (model, model / "fp.safetensors", "would join the model"),
        (model, notes, "exists and is not a fingerprint"),
    ):
        made = run_cli("fingerprint", str(model_arg), "--out", str(out))
        assert made.returncode != 0
        assert message in made.stderr, made.stderr
        assert "Traceback" not in made.stderr
    assert shard.read_bytes() == before
    assert notes.read_text() == "keep me"
    assert sorted(p.name for p in model.iterdir()) == ["model.safetensors"]
    again = tmp_path / "reference.fp"
    for _ in range(2):  # an existing fingerprint may be replaced
        assert run_cli("fingerprint", str(shard), "--out", str(again)).returncode == 0


def test_an_unwritable_report_path_is_refused_before_the_audit(zoo: Zoo, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "report.json"
    audited = run_cli("audit", str(zoo.path("noise")), str(zoo.fingerprint), "--json", str(out))
    assert audited.returncode != 0
    assert audited.stderr.startswith(f"Error: --json {out}: folder")
    assert "Verdict" not in audited.stdout, "refused before auditing"
