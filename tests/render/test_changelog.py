"""The changes-and-corrections page is generated from the data's change record and agrees with the data
date, CITATION.cff and CHANGELOG.md (issue 11 §3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands import check_command
from generator.render import RenderedSite
from generator.scoring.types import ScoredRound
from tests.data.test_malformed import replace
from tests.render.test_truth import text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
def test_every_change_is_on_the_page_with_before_after_and_sources(
    round1: tuple[ScoredRound, RenderedSite], suffix: str
) -> None:
    scored, site = round1
    lang = "ko" if suffix == ".md" else "en"
    page = text(site, f"changelog{suffix}")
    items = [line for line in page.splitlines() if line.startswith("- ")]
    changes = scored.round.changes
    assert len(changes) >= 5
    assert len([i for i in items if " — **" in i]) == len(changes)
    for change in changes:
        line = next(i for i in items if f"**{change.what.get(lang)}**" in i)
        for part in (change.before, change.after):
            if part is not None:
                assert part.get(lang) in line
        for source in change.sources:
            assert f"sources.md#src-{source}" in line
    corrected = [c for c in changes if c.kind == "corrected"]
    assert corrected
    assert all(c.before and c.after for c in corrected)
    days = re.findall(r"\{ #d-(\d{4}-\d\d-\d\d) \}", page)
    assert days == sorted(days, reverse=True)


def test_the_latest_change_is_the_data_date_everywhere(round1: tuple[ScoredRound, RenderedSite]) -> None:
    scored, site = round1
    as_of = scored.round.info.as_of.isoformat()
    assert max(c.date for c in scored.round.changes).isoformat() == as_of
    cff = next(data for path, data in site.files.items() if path.endswith("CITATION.cff")).decode("utf-8")
    assert f'date-released: "{as_of}"' in cff
    assert as_of in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_a_change_dated_after_the_data_date_is_an_error(round1_copy: Path) -> None:
    replace("corrections.yaml", "- date: 2026-11-23\n", "- date: 2027-01-01\n")(round1_copy)
    outcome = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert outcome.exit_code == 2
    assert "corrections.yaml: entry 1" in outcome.output
    assert "after the data's as_of 2026-11-30" in outcome.output


def test_a_correction_must_say_before_and_after(round1_copy: Path) -> None:
    replace(
        "corrections.yaml",
        "  before:\n    ko: 코사인 99.51%, 피어슨 98.98%\n    en: cosine 99.51%, Pearson 98.98%\n",
        "",
    )(round1_copy)
    outcome = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert outcome.exit_code == 2
    assert "corrections.yaml" in outcome.output
    assert "what the site said before" in outcome.output
