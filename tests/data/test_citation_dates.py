"""A source published before the round's figures were announced cannot be the source of one (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands import check_command
from generator.validate import read_round
from tests.conftest import ROUND_1
from tests.data.test_malformed import replace

WARNING = "a source cannot state a figure before it was announced"


def test_round_1_cites_no_source_for_a_figure_it_predates() -> None:
    warnings = [str(w) for w in read_round(ROUND_1).warnings]
    assert not [w for w in warnings if WARNING in w]


@pytest.mark.parametrize(
    ("name", "old", "new", "where"),
    [
        (
            "figures.csv",
            "lg-ai-research,expert,disclosed,31.6,,yonhap-0115,,,",
            "lg-ai-research,expert,disclosed,31.6,,yonhap-0115;etnews-0108,,,",
            "figures.csv: row 7",
        ),
        (
            "relations.yaml",
            "  value: 28.56\n  basis: stated\n  sources: [yonhap-0115]",
            "  value: 28.56\n  basis: stated\n  sources: [yonhap-0115, etnews-0108]",
            'relations.yaml: entry 3 (id "mean-expert")',
        ),
    ],
)
def test_check_names_a_citation_that_predates_the_announcement(
    round1_copy: Path, name: str, old: str, new: str, where: str
) -> None:
    replace(name, old, new)(round1_copy)
    outcome = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert outcome.exit_code == 0  # a warning: the data is still usable
    lines = [line for line in outcome.output.splitlines() if WARNING in line]
    assert len(lines) == 1
    assert lines[0].startswith(f"warning: {where}")
    assert "etnews-0108 (published 2026-01-08)" in lines[0]
    assert "announced on 2026-01-15" in lines[0]


def test_a_month_only_date_warns_only_when_the_whole_month_is_earlier(round1_copy: Path) -> None:
    replace("sources.yaml", "  published: 2026-01-08\n", "  published: 2026-01\n")(round1_copy)
    replace(
        "figures.csv",
        "lg-ai-research,expert,disclosed,31.6,,yonhap-0115,,,",
        "lg-ai-research,expert,disclosed,31.6,,yonhap-0115;etnews-0108,,,",
    )(round1_copy)
    assert not [w for w in read_round(round1_copy).warnings if WARNING in str(w)]
    replace("sources.yaml", "  published: 2026-01\n", "  published: 2025-12\n")(round1_copy)
    assert [w for w in read_round(round1_copy).warnings if WARNING in str(w)]
