"""``evidence --data`` names one round: a data folder holding a single round is that round; a folder of
several rounds is refused with the folders to choose from, never run on all of them or on the wrong one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.run import run_cli
from tests.conftest import ROUND_1


def test_a_data_folder_with_one_round_is_that_round(tmp_path: Path) -> None:
    shutil.copytree(ROUND_1, tmp_path / "round-1")
    direct = run_cli("evidence", "--data", str(ROUND_1), "--list")
    via_parent = run_cli("evidence", "--data", str(tmp_path), "--list")
    assert direct.returncode == via_parent.returncode == 0, via_parent.stderr
    assert json.loads(via_parent.stdout) == json.loads(direct.stdout)
    assert json.loads(direct.stdout)  # round 1 configures Hub audits


def test_a_folder_of_several_rounds_is_refused_naming_them(tmp_path: Path) -> None:
    for name in ("round-1", "round-9"):
        shutil.copytree(ROUND_1, tmp_path / name)
    ran = run_cli("evidence", "--data", str(tmp_path), "--list")
    assert ran.returncode == 2
    assert ran.stdout == ""
    assert "evidence runs on one round folder" in ran.stderr
    assert str(tmp_path / "round-1") in ran.stderr
    assert str(tmp_path / "round-9") in ran.stderr
