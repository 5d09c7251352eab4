"""The "what we don't know" page is generated from the data: every withheld value, who withheld it, the
methods that were not published, and the open questions — each with its source (issue 11 §2)."""

from __future__ import annotations

import re

import pytest

from generator.render import RenderedSite
from generator.render.views import known
from generator.scoring.types import ScoredRound
from tests.render.test_truth import text


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
def test_every_withheld_value_is_listed_with_who_withheld_it(
    round1: tuple[ScoredRound, RenderedSite], suffix: str
) -> None:
    scored, site = round1
    lang = "ko" if suffix == ".md" else "en"
    page = text(site, f"unknowns{suffix}")
    table = page[page.index('<table class="sortable withheld"') :]
    table = table[: table.index("</table>")]
    listed = 0
    for team in scored.round.teams:
        hidden = [q for q in (scored.cell(team.id, n) for n in scored.round.rubric.order()) if not known(q)]
        rows = [r for r in re.findall(r"<tr markdown>(.*?)</tr>", table) if f"teams/{team.id}.md" in r]
        if not hidden:
            assert not rows
            continue
        (row,) = rows
        for quantity in hidden:
            assert scored.round.rubric.node(quantity.node).name.get(lang) in row
            actor = scored.round.info.actors[quantity.withheld_by or ""]
            assert actor.get(lang) in row
            for source in quantity.sources:
                assert f"sources.md#src-{source}" in row
            listed += 1
        assert f"({len(hidden)})" in row
    assert listed == sum(1 for q in scored.cells.values() if not known(q))


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
def test_methods_and_questions_each_carry_a_source(
    round1: tuple[ScoredRound, RenderedSite], suffix: str
) -> None:
    scored, site = round1
    page = text(site, f"unknowns{suffix}")
    methods = page[page.index("{ #methods }") : page.index("{ #questions }")]
    notes = [n for n in scored.round.rubric.nodes.values() if n.method_note is not None]
    assert notes
    assert methods.count("\n- **") == len(notes)
    questions = page[page.index("{ #questions }") :]
    items = [line for line in questions.splitlines() if line.startswith("- ")]
    assert len(items) >= 4
    assert all("sources.md#src-" in line for line in items)
