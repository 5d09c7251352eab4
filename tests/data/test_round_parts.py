"""A round folder is complete or says what it omits (issue 12 §6): a missing file is one problem naming it;
a part a round may leave out is declared under `omits` in round.yaml, and the site says what is not there."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands import check_command
from generator.validate import DECLARABLE_FILES, FILES, read_round
from tests.data.test_malformed import replace


def check(folder: Path) -> tuple[int, list[str]]:
    outcome = CliRunner().invoke(check_command, ["--data", str(folder)])
    return outcome.exit_code, [line for line in outcome.output.splitlines() if line.startswith("  - ")]


@pytest.mark.parametrize("name", sorted(DECLARABLE_FILES.values()))
def test_a_missing_part_is_one_problem_naming_the_file(round1_copy: Path, name: str) -> None:
    (round1_copy / name).unlink()
    code, problems = check(round1_copy)
    assert code == 2
    assert problems == [
        f"  - {name}: file missing: a round includes it, or lists "
        f"{next(k for k, v in DECLARABLE_FILES.items() if v == name)!r} under omits in round.yaml"
    ]


@pytest.mark.parametrize("name", sorted(v for v in FILES.values() if v != "round.yaml"))
def test_a_missing_required_file_is_one_problem_naming_it(round1_copy: Path, name: str) -> None:
    (round1_copy / name).unlink()
    code, problems = check(round1_copy)
    assert code == 2
    assert problems == [f"  - {name}: file not found"], problems


def test_a_declared_omission_passes_and_a_present_omitted_file_is_a_warning(round1_copy: Path) -> None:
    (round1_copy / "criteria.yaml").unlink()
    (round1_copy / "corrections.yaml").unlink()
    replace(
        "round.yaml", "fictional: false\n", "fictional: false\nomits: [criteria, corrections, narrative]\n"
    )(round1_copy)
    validated = read_round(round1_copy)
    assert validated.round.info.omits == ("criteria", "corrections", "narrative")
    assert validated.round.independence.criteria == ()
    warnings = [str(w) for w in validated.warnings]
    assert any("lists 'narrative', but narrative.yaml is present" in w for w in warnings)


def test_an_unknown_part_in_omits_is_refused(round1_copy: Path) -> None:
    replace("round.yaml", "fictional: false\n", "fictional: false\nomits: [figures]\n")(round1_copy)
    code, problems = check(round1_copy)
    assert code == 2
    assert any("round.yaml" in p and "omits" in p for p in problems), problems
