"""Team pages tell the story first (issue 11 §2): outcome → why → what was alleged and found → each side's
response → what is not disclosed, with the bound tables folded."""

from __future__ import annotations

import re

import pytest

from generator.render import RenderedSite
from generator.scoring.types import ScoredRound
from tests.render.test_truth import text

ORDER = ("status", "criteria", "questions", "disclosed", "not-disclosed", "sources")


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
@pytest.mark.parametrize("team", ["lg-ai-research", "upstage", "sk-telecom", "naver-cloud", "nc-ai"])
def test_sections_come_in_story_order(round1_site: RenderedSite, team: str, suffix: str) -> None:
    page = text(round1_site, f"teams/{team}{suffix}")
    anchors = re.findall(r"^## .*\{ #([a-z-]+) \}$", page, re.M)
    positions = [anchors.index(anchor) for anchor in ORDER]
    assert positions == sorted(positions), anchors


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
def test_every_response_is_shown_with_its_speaker_and_source(
    round1: tuple[ScoredRound, RenderedSite], suffix: str
) -> None:
    scored, site = round1
    lang = "ko" if suffix == ".md" else "en"
    shown = 0
    for team, record in scored.round.independence.records.items():
        page = text(site, f"teams/{team}{suffix}")
        for allegation in record.allegations:
            section = page[page.index(f"{{ #allegation-{allegation.id} }}") :]
            for response in allegation.responses:
                head = f"- **{response.by.get(lang)}**: {response.said.get(lang)}"
                line = next((ln for ln in section.splitlines() if ln.startswith(head)), None)
                assert line is not None, (team, response.by.en)
                for source in response.sources:
                    assert f"sources.md#src-{source}" in line
                shown += 1
    assert shown >= 10


@pytest.mark.parametrize(
    ("suffix", "words"),
    [
        (".md", ("지침이 없었기에", '"무임승차"', "해석의 영역")),
        (".en.md", ("no guidance against", '"free-riding"', "a matter of interpretation")),
    ],
)
def test_naver_page_gives_both_sides(round1_site: RenderedSite, suffix: str, words: tuple[str, ...]) -> None:
    page = text(round1_site, f"teams/naver-cloud{suffix}")
    for word in words:
        assert word in page


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
def test_the_bound_conditions_are_folded(round1_site: RenderedSite, suffix: str) -> None:
    page = text(round1_site, f"teams/upstage{suffix}")
    fold = page[page.index('<details class="bounds-fold" markdown>') :]
    assert fold.index('<table class="sortable constraints"') < fold.index("</details>")


@pytest.mark.parametrize(
    ("suffix", "badge", "home"),
    [
        (".md", "결선 진출", "- **결선 진출 — "),
        (".en.md", "Advanced to the finals", "- **Advanced to the finals — "),
    ],
)
def test_the_fictional_round_names_its_own_next_stage(
    fictional_site: RenderedSite, suffix: str, badge: str, home: str
) -> None:
    """The fictional round's advancing teams go on to the finals (its round.yaml), not to phase 2."""
    page = text(fictional_site, f"teams/aurora{suffix}")
    assert f'<span class="outcome outcome-advanced">{badge}</span>' in page
    assert f"tags:\n- {badge}\n" in page
    assert home in text(fictional_site, f"index{suffix}")
    assert len(fictional_site.pages) > 10
    for path in fictional_site.pages:
        assert "2차 진출" not in text(fictional_site, path), path
        assert "phase 2" not in text(fictional_site, path), path
