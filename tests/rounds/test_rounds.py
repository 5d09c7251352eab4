"""Several rounds in one data folder (issue 12 §7, step a): found, validated per round, ordered, the latest
with published figures identified, problems located by round folder, and a fictional round kept out of a
real site."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands.round import build_command, check_command
from generator.errors import DataError
from generator.rounds import RoundData, Rounds, read_rounds, round_folders
from tests.conftest import FICTIONAL, ROOT, ROUND_1


@pytest.fixture
def parent(tmp_path: Path) -> Path:
    """A data folder holding a copy of round 1 and a copy of the fictional round."""
    data = tmp_path / "data"
    shutil.copytree(ROUND_1, data / "round-1")
    shutil.copytree(FICTIONAL, data / "fictional-round")
    return data


def _messages(error: pytest.ExceptionInfo[DataError]) -> list[str]:
    return [str(p) for p in error.value.problems]


def test_a_round_folder_is_one_round_as_before() -> None:
    rounds = read_rounds(ROUND_1)
    assert [r.folder for r in rounds.rounds] == [ROUND_1]
    assert rounds.latest.round.info.id == "round-1"


def test_the_real_data_folder_holds_round_1_only() -> None:
    rounds = read_rounds(ROOT / "data")
    assert [r.round.info.id for r in rounds.rounds] == ["round-1"]
    assert not any(r.round.info.fictional for r in rounds.rounds)


def test_a_folder_without_rounds_is_located(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    with pytest.raises(DataError) as error:
        round_folders(tmp_path)
    assert _messages(error) == [
        f"{tmp_path}: no round folder found: neither round.yaml here nor a sub-folder holding one"
    ]


def test_a_fictional_round_is_refused_beside_a_real_one(parent: Path) -> None:
    with pytest.raises(DataError) as error:
        read_rounds(parent)
    assert _messages(error) == [
        "fictional-round/round.yaml: fictional: a fictional round is never published beside real rounds; "
        "move it out of the data folder (tests build it as a second round on purpose)"
    ]


def test_tests_may_read_the_fictional_round_as_a_second_round(parent: Path) -> None:
    rounds = read_rounds(parent, allow_fictional=True)
    # Ordered by announcement date: round 1 (2026-01-15) before the fictional round (2030-03-02).
    assert [r.folder.name for r in rounds.rounds] == ["round-1", "fictional-round"]
    assert rounds.latest.round.info.id == "demo-round"


def test_problems_of_every_round_are_located_by_round_folder(parent: Path) -> None:
    (parent / "round-1" / "rubric.yaml").write_text("id: [", encoding="utf-8")
    (parent / "fictional-round" / "teams.yaml").write_text("- id: [", encoding="utf-8")
    with pytest.raises(DataError) as error:
        read_rounds(parent, allow_fictional=True)
    files = {p.file for p in error.value.problems}
    assert "round-1/rubric.yaml" in files
    assert "fictional-round/teams.yaml" in files
    assert all(f.startswith(("round-1/", "fictional-round/")) for f in files), files


def test_a_round_id_is_used_once(tmp_path: Path) -> None:
    shutil.copytree(ROUND_1, tmp_path / "round-1")
    shutil.copytree(ROUND_1, tmp_path / "round-1-copy")
    with pytest.raises(DataError) as error:
        read_rounds(tmp_path)
    assert _messages(error) == [
        "round-1-copy/round.yaml: id: round id 'round-1' is already used by round-1/round.yaml"
    ]


def test_the_latest_round_is_the_newest_with_published_figures() -> None:
    read = read_rounds(ROUND_1).rounds[0]
    validated = read.validated
    info = replace(
        validated.round.info, id="round-2", announced=validated.round.info.announced.replace(year=2027)
    )
    unannounced = RoundData(
        folder=Path("round-2"),
        validated=replace(validated, round=replace(validated.round, info=info, figures=())),
    )
    assert read.published
    assert not unannounced.published
    assert Rounds(rounds=(read, unannounced)).latest is read
    assert Rounds(rounds=(unannounced,)).latest is unannounced


def test_check_reports_every_round(tmp_path: Path) -> None:
    shutil.copytree(ROUND_1, tmp_path / "round-1")
    result = CliRunner().invoke(check_command, ["--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert next(line for line in lines if ": OK — " in line).startswith(
        f"{tmp_path / 'round-1'}: OK — 5 teams,"
    )
    warnings = [line for line in lines if line.startswith("warning: ")]
    assert warnings, lines
    assert all(line.startswith("warning: round-1/") for line in warnings), warnings


def test_build_refuses_a_fictional_round_in_the_data_folder_before_generating(
    parent: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(build_command, ["--data", str(parent), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "fictional-round/round.yaml: fictional: a fictional round is never published" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


PENDING = ROOT / "tests" / "fixtures" / "pending-round"


def test_a_round_whose_results_are_pending_has_teams_and_rubric_only() -> None:
    read = read_rounds(PENDING).rounds[0]
    assert read.round.info.pending
    assert not read.published
    assert [t.id for t in read.round.teams] == ["aurora", "etesian"]
    assert read.round.figures == ()
    assert read.round.outcomes == {}


def test_a_pending_round_may_not_hold_figures_or_outcomes(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(PENDING, tmp_path / "pending-round"))
    with (folder / "figures.csv").open("a", encoding="utf-8") as handle:
        handle.write("aurora,total,disclosed,80,,demo-board-0501,,,\n")
    (folder / "outcomes.yaml").write_text(
        "- {team: aurora, result: advanced, sources: [demo-board-0501],\n"
        "   grounds: {ko: 가상, en: fictional}}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as error:
        read_rounds(folder)
    assert _messages(error) == [
        "figures.csv: round.yaml says results: pending, yet this file has entries",
        "outcomes.yaml: round.yaml says results: pending, yet this file has entries",
    ]
