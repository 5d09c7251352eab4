"""The CLI contract: `audit … --json`, `fingerprint --out`, `--device`, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from generator.audit import run_audit
from tests.audit.conftest import Zoo

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_fingerprint_then_audit_via_cli(zoo: Zoo, tmp_path: Path) -> None:
    fingerprint = tmp_path / "reference.fp"
    made = _run("fingerprint", str(zoo.reference), "--out", str(fingerprint))
    assert made.returncode == 0, made.stderr
    assert fingerprint.exists()
    out = tmp_path / "report.json"
    audited = _run("audit", str(zoo.path("graft")), str(fingerprint), "--json", str(out), "--device", "auto")
    assert audited.returncode == 0, audited.stderr
    assert "Verdict: identical" in audited.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["verdict"] == "identical"
    verdicts = {c["name"]: c["verdict"] for c in document["components"]}
    assert verdicts["language_model"] == "identical"
    assert verdicts["vision_tower"] == "independent"


@pytest.mark.slow
def test_independent_verdict_still_exits_zero(zoo: Zoo, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    audited = _run("audit", str(zoo.path("independent_trained")), str(zoo.reference), "--json", str(out))
    assert audited.returncode == 0, audited.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["verdict"] == "independent"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without CUDA")
def test_cuda_without_cuda_is_a_clean_error(zoo: Zoo) -> None:
    result = _run("audit", str(zoo.path("noise")), str(zoo.fingerprint), "--device", "cuda")
    assert result.returncode != 0
    assert result.stderr.startswith("Error: --device cuda")
    assert "Traceback" not in result.stderr


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_reaches_the_same_verdicts(zoo: Zoo) -> None:
    for case in ("permuted", "independent_trained", "graft"):
        cpu = run_audit(zoo.path(case), zoo.fingerprint, device="cpu")
        gpu = run_audit(zoo.path(case), zoo.fingerprint, device="cuda")
        assert [c.verdict for c in gpu.components] == [c.verdict for c in cpu.components]
