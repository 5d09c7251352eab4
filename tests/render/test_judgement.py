"""Independence is judged once, before rendering (issue 12 §1): render formats the judgement and never
calls back into the criteria engine or the scoring arithmetic."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import generator.criteria
from generator.criteria import TeamCriteria, evaluate_team, judge_independence
from generator.model import AuditRecord, Component, Ruling, Text
from generator.render import RenderedSite
from generator.render.judged import criterion_reasons
from generator.scoring.types import ScoredRound
from tests.data.rounds import round1
from tests.render.conftest import round_1_with
from tests.render.test_truth import text

RENDER = Path(generator.criteria.__file__).parent / "render"
ALLOWED = {
    "generator.criteria": {"CriterionResult", "Judgement", "TeamCriteria"},
    "generator.scoring.types": None,
    "generator.scoring.export": None,
}
"""What render may import from the earlier stages: their value types and the export format (``None``: any)."""


def test_render_imports_only_the_earlier_stages_values() -> None:
    imported: list[tuple[str, str, str]] = []
    for path in sorted(RENDER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported += [(path.name, node.module, alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                imported += [(path.name, alias.name, "") for alias in node.names]
    upstream = [
        (f, m, n) for f, m, n in imported if m.startswith(("generator.criteria", "generator.scoring"))
    ]
    assert upstream, "no import of an earlier stage found: the walk read nothing"
    for file, module, name in upstream:
        assert module in ALLOWED, (file, module)
        allowed = ALLOWED[module]
        assert allowed is None or name in allowed, (file, module, name)


def test_rendering_does_not_judge_again(
    round1: tuple[ScoredRound, RenderedSite], monkeypatch: pytest.MonkeyPatch
) -> None:
    scored, site = round1
    judgement = judge_independence(scored.round)

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("render judged independence again")

    monkeypatch.setattr(generator.criteria, "evaluate", refuse)
    monkeypatch.setattr(generator.criteria, "evaluate_team", refuse)
    again = round_1_with(scored, judgement=judgement)
    assert text(again, "teams/naver-cloud.md") == text(site, "teams/naver-cloud.md")


def test_the_page_words_the_judgement_it_is_given(round1: tuple[ScoredRound, RenderedSite]) -> None:
    """A judgement is a value: rendering shows the one it is handed, not one it computes itself."""
    scored, site = round1
    judgement = judge_independence(scored.round)
    naver = judgement.of("naver-cloud")
    flipped = tuple(dataclasses.replace(r, finding="noted") for r in naver.results)
    changed = dataclasses.replace(
        judgement, teams={**judgement.teams, "naver-cloud": dataclasses.replace(naver, results=flipped)}
    )
    page = text(round_1_with(scored, judgement=changed), "teams/naver-cloud.en.md")
    assert 'class="finding finding-noted"' in page
    assert 'class="finding finding-noted"' not in text(site, "teams/naver-cloud.en.md")


STAGE = Text(ko="최종", en="the final stage")
"""Where a later round's advancing teams go on to (round 1's go on to phase 2)."""
FROZEN = Component(
    id="vision",
    name=Text(ko="비전 인코더", en="vision encoder"),
    kind="weights",
    origin="external",
    reference=Text(ko="큐웬", en="Qwen"),
    weights="frozen",
    licence_compliant=None,
    note=None,
    sources=("s",),
)


def test_a_failing_component_without_a_ruling_reads_as_our_reading() -> None:
    result = next(r for r in _judged_with(FROZEN).results if r.criterion == "technical")
    (on_record, reason) = criterion_reasons(result, {FROZEN.id: FROZEN}, stage=STAGE)
    assert on_record.en == "No ruling on this criterion was published and no finding was reported."
    assert reason.en == "vision encoder — Qwen: weights used as-is (frozen) (not a ruling; our reading)"
    assert reason.ko == "비전 인코더 — 큐웬: 가중치를 그대로 사용 (프로즌) (공식 판정 아님, 이 사이트의 해석)"


def test_a_ruling_gives_its_own_reason_first_and_no_reading_mark() -> None:
    ruling = Ruling(
        criterion="technical",
        finding="fail",
        reason=Text(ko="판정 이유", en="the ruling's reason"),
        sources=("s",),
    )
    result = next(r for r in _judged_with(FROZEN, ruling=ruling).results if r.criterion == "technical")
    reasons = criterion_reasons(result, {FROZEN.id: FROZEN}, stage=STAGE)
    assert [r.en for r in reasons] == [
        "the ruling's reason",
        "vision encoder — Qwen: weights used as-is (frozen)",
    ]


def test_an_advanced_team_without_a_ruling_reads_no_finding_reported(
    round1: tuple[ScoredRound, RenderedSite],
) -> None:
    scored, _ = round1
    result = next(
        r for r in judge_independence(scored.round).of("lg-ai-research").results if r.official is None
    )
    assert result.finding == "no_finding"
    (reason,) = criterion_reasons(result, {}, stage=scored.round.info.advances_to)
    assert reason.en.startswith("The team advanced to phase 2 and no finding on this criterion was reported")
    assert reason.ko.startswith("팀은 2차 단계에 진출했고")
    # Another round's advancing teams go on to its own next stage, and the reason says so.
    (later,) = criterion_reasons(result, {}, stage=STAGE)
    assert later.en.startswith("The team advanced to the final stage and no finding")
    assert later.ko.startswith("팀은 최종 단계에 진출했고")


def _judged_with(component: Component, ruling: Ruling | None = None) -> TeamCriteria:
    record = AuditRecord(
        team="t",
        components=(component,),
        allegations=(),
        rulings=(ruling,) if ruling else (),
        engine_audits=(),
    )
    return evaluate_team(round1().independence, record, "t", outcome=None)
