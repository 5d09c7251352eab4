"""The narrative (``narrative.yaml``) is read and validated with the rest of the round (issue 12 §1): its
problems are located like any other file's, reported together with them, and ``check`` finds them without
importing the site stack. It holds only prose the data files do not hold (criteria, questions, the scale).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands import check_command
from generator.errors import DataError
from generator.model import Narrative, Passage, Text
from generator.validate import read_round
from tests.conftest import ROOT, ROUND_1
from tests.data.test_malformed import replace

SMALL = """\
round: round-1
definition:
  text: {ko: 정의, en: "  The definition.  "}
  sources: [yonhap-0115]
from_scratch:
  text: {ko: 처음부터, en: From scratch.}
  sources: [yonhap-0115]
allowed: []
not_allowed: []
findings:
  - text: {ko: 발견, en: A finding.}
    sources: [yonhap-0115]
glossary:
  - term: {ko: 용어, en: term}
    definition: {ko: 뜻, en: meaning}
"""
"""A narrative small enough that a test can name the line of each part."""


def problems_of(folder: Path) -> tuple[int, list[str]]:
    """``check``'s exit code and the problems it listed."""
    outcome = CliRunner().invoke(check_command, ["--data", str(folder)])
    return outcome.exit_code, [line[4:] for line in outcome.output.splitlines() if line.startswith("  - ")]


def test_round_1_narrative_is_read_with_the_round() -> None:
    validated = read_round(ROUND_1)
    narrative = validated.narrative
    assert narrative.definition is not None
    assert narrative.from_scratch is not None
    for part in (narrative.allowed, narrative.not_allowed, narrative.findings, narrative.glossary):
        assert part
    cited = {s for p in narrative.passages for s in p.sources} | {
        s for t in narrative.glossary for s in t.sources
    }
    assert cited
    assert cited <= set(validated.round.sources)


def test_a_narrative_resolves_into_frozen_values_with_its_text_stripped(round1_copy: Path) -> None:
    (round1_copy / "narrative.yaml").write_text(SMALL, encoding="utf-8")
    narrative = read_round(round1_copy).narrative
    assert narrative.definition == Passage(
        text=Text(ko="정의", en="The definition."), sources=("yonhap-0115",)
    )
    assert narrative.allowed == ()
    assert [p.text.en for p in narrative.findings] == ["A finding."]
    assert [(t.term.en, t.definition.en, t.sources) for t in narrative.glossary] == [("term", "meaning", ())]
    assert narrative.withheld_reason is None


BROKEN = [
    pytest.param(
        (
            "findings:\n  - text: {ko: 발견, en: A finding.}\n    sources: [yonhap-0115]",
            "findings:\n  - text: {ko: 발견, en: A finding.}\n    sources: [ghost-0101]",
        ),
        ["narrative.yaml: field \"findings[0].sources\", line 12: unknown source 'ghost-0101'"],
        id="unknown source",
    ),
    pytest.param(
        ("round: round-1", "round: round-2"),
        [
            'narrative.yaml: field "round", line 1: '
            "written for round 'round-2', but the data is round 'round-1'"
        ],
        id="another round",
    ),
    pytest.param(
        ("allowed: []\n", "allowed: []\ncriteria: []\n"),
        ['narrative.yaml: field "criteria", line 9: unknown field (check the spelling)'],
        id="data held elsewhere",
    ),
    pytest.param(
        (
            "from_scratch:\n  text: {ko: 처음부터, en: From scratch.}\n",
            "from_scratch:\n  text: {ko: 처음부터}\n",
        ),
        ['narrative.yaml: field "from_scratch.text.en", line 6: required field is missing'],
        id="missing field",
    ),
    pytest.param(
        ("not_allowed: []", "not_allowed: ["),
        ["narrative.yaml: line 11, column 3: not valid YAML: expected the node content, but found '-'"],
        id="not yaml",
    ),
]


@pytest.mark.parametrize(("change", "expected"), BROKEN)
def test_check_reports_a_broken_narrative_with_its_location_and_exit_2(
    round1_copy: Path, change: tuple[str, str], expected: list[str]
) -> None:
    old, new = change
    assert old in SMALL, "test setup"
    (round1_copy / "narrative.yaml").write_text(SMALL.replace(old, new, 1), encoding="utf-8")
    code, problems = problems_of(round1_copy)
    assert code == 2
    assert problems == expected


@pytest.mark.parametrize("key", ["criteria", "questions", "scale"])
def test_data_held_elsewhere_cannot_come_back_into_the_narrative(round1_copy: Path, key: str) -> None:
    replace("narrative.yaml", "\nglossary:", f"\n{key}: []\nglossary:")(round1_copy)
    with pytest.raises(DataError) as error:
        read_round(round1_copy)
    assert [p.where.split(", line")[0] for p in error.value.problems] == [f'field "{key}"']


def test_narrative_problems_are_reported_with_every_other_file_s(round1_copy: Path) -> None:
    (round1_copy / "narrative.yaml").write_text(
        SMALL.replace("round: round-1", "round: round-9"), encoding="utf-8"
    )
    replace("teams.yaml", "id: nc-ai", "id: NC_AI")(round1_copy)
    with pytest.raises(DataError) as error:
        read_round(round1_copy)
    assert {p.file for p in error.value.problems} >= {"teams.yaml", "narrative.yaml"}


def test_a_round_that_omits_its_narrative_has_an_empty_one(round1_copy: Path) -> None:
    (round1_copy / "narrative.yaml").unlink()
    replace("round.yaml", "fictional: false\n", "fictional: false\nomits: [narrative]\n")(round1_copy)
    validated = read_round(round1_copy)
    assert validated.narrative == Narrative()
    assert validated.warnings == read_round(ROUND_1).warnings


def test_check_validates_the_narrative_without_importing_the_site_stack() -> None:
    process = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "generator", "check", "--data", str(ROUND_1)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in process.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "generator.validate.narrative" in modules  # the narrative was checked, in this process
    site_stack = {m for m in modules if m.split(".")[0] in ("altair", "jinja2")} | {
        m for m in modules if m.startswith("generator.render")
    }
    assert site_stack == set()
