"""The independence criteria engine: pure, data-driven rules applied to each team's audit record.

For every team and criterion it reports two things side by side: what the criterion's rule says about the
team's declared components (``rule``, our reading), and the official ruling where one was published. The
finding shown is never more than a source says: the published ruling when there is one; otherwise
"allegation raised" when one was, "no finding reported" for a team that advanced, and "no published
assessment" for the rest. When a ruling and the rule disagree, ``agrees`` is False so the page can say so.
No team is placed on the proposed sovereignty scale: no source places one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from generator.model import (
    AuditRecord,
    Component,
    Criterion,
    Finding,
    Independence,
    OutcomeKind,
    Round,
    Ruling,
    Text,
)

WEIGHTS_TEXT = {
    "trained_from_scratch": Text(ko="처음부터 학습", en="trained from scratch"),
    "fine_tuned": Text(
        ko="기존 가중치에서 미세조정 (초기화 안 함)",
        en="fine-tuned from existing weights (not re-initialised)",
    ),
    "frozen": Text(ko="가중치를 그대로 사용 (프로즌)", en="weights used as-is (frozen)"),
    "unknown": Text(ko="알 수 없음", en="unknown"),
    "not_applicable": Text(ko="가중치 아님 (코드)", en="not weights (code)"),
}


NO_FINDING_REASON = Text(
    ko="팀은 2차 단계에 진출했고, 이 기준에 대한 지적은 보도되지 않았습니다. "
    "기준별 판정은 공개되지 않았습니다.",
    en="The team advanced to phase 2 and no finding on this criterion was reported; "
    "no per-criterion ruling was published.",
)
"""Why an advanced team with no ruling reads "no finding reported", not "pass"."""

NOT_ASSESSED_REASON = Text(
    ko="이 기준에 대해 공개된 판정도, 보도된 지적도 없습니다.",
    en="No ruling on this criterion was published and no finding was reported.",
)
"""Why a team that did not advance, with no ruling, reads "no published assessment"."""


@dataclass(frozen=True, kw_only=True)
class CriterionResult:
    """One criterion evaluated for one team."""

    criterion: str
    finding: Finding
    """What the page shows: the published ruling, else what is on record (never "pass" without a ruling)."""
    rule: Literal["pass", "fail", "not_assessed"]
    """What the data-driven rule says from the declared components alone (our reading, not a ruling)."""
    official: Ruling | None
    agrees: bool | None
    """False when the rule and the official ruling disagree; None when either is missing."""
    reasons: tuple[Text, ...]
    components: tuple[str, ...]
    """Ids of the components that fail the rule."""
    allegations: tuple[str, ...]
    """Ids of the allegations raised under this criterion."""
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class TeamCriteria:
    """Every criterion for one team."""

    team: str
    results: tuple[CriterionResult, ...]


def evaluate(round_: Round) -> Mapping[str, TeamCriteria]:
    """Evaluate every criterion for every team of the round."""
    independence = round_.independence
    empty = AuditRecord(team="", components=(), allegations=(), rulings=(), engine_audits=())
    return {
        team.id: evaluate_team(
            independence,
            independence.records.get(team.id, empty),
            team.id,
            outcome=outcome.result if (outcome := round_.outcomes.get(team.id)) else None,
        )
        for team in round_.teams
    }


def evaluate_team(
    independence: Independence, record: AuditRecord, team: str, *, outcome: OutcomeKind | None
) -> TeamCriteria:
    """Evaluate every criterion of ``independence`` against one team's record and round outcome."""
    return TeamCriteria(
        team=team, results=tuple(_criterion(c, record, outcome) for c in independence.criteria)
    )


def fails(criterion: Criterion, component: Component) -> bool:
    """True when ``component`` matches every field of the criterion's ``fails_when`` rule."""
    rule = criterion.fails_when
    if rule.origin is not None and component.origin != rule.origin:
        return False
    if rule.weights and component.weights not in rule.weights:
        return False
    return rule.licence_compliant is None or component.licence_compliant == rule.licence_compliant


def _assessable(criterion: Criterion, component: Component) -> bool:
    """Whether the component records what the rule needs to decide."""
    rule = criterion.fails_when
    if rule.weights and component.weights == "unknown":
        return False
    return rule.licence_compliant is None or component.licence_compliant is not None


def shown_finding(official: Ruling | None, *, alleged: bool, outcome: OutcomeKind | None) -> Finding:
    """What a page may say for one team and criterion: no more than a published source says."""
    if official is not None:
        return official.finding
    if alleged:
        return "alleged"
    return "no_finding" if outcome == "advanced" else "not_assessed"


def _criterion(criterion: Criterion, record: AuditRecord, outcome: OutcomeKind | None) -> CriterionResult:
    failing = [c for c in record.components if fails(criterion, c)]
    assessable = [c for c in record.components if _assessable(criterion, c)]
    rule: Literal["pass", "fail", "not_assessed"] = (
        "fail" if failing else ("pass" if assessable else "not_assessed")
    )
    official = next((r for r in record.rulings if r.criterion == criterion.id), None)
    allegations = [a for a in record.allegations if a.criterion == criterion.id]
    finding = shown_finding(official, alleged=bool(allegations), outcome=outcome)
    agrees = None
    if official is not None and rule != "not_assessed":
        agrees = (rule == "fail") == (official.finding == "fail")
    reasons: list[Text] = []
    if official is not None:
        reasons.append(official.reason)
    elif finding == "no_finding":
        reasons.append(NO_FINDING_REASON)
    elif finding == "not_assessed":
        reasons.append(NOT_ASSESSED_REASON)
    for component in failing:
        reference = f" — {component.reference.ko}" if component.reference else ""
        reference_en = f" — {component.reference.en}" if component.reference else ""
        weights = WEIGHTS_TEXT[component.weights]
        ours = (
            Text(ko="", en="")
            if official
            else Text(ko=" (공식 판정 아님, 이 사이트의 해석)", en=" (not a ruling; our reading)")
        )
        reasons.append(
            Text(
                ko=f"{component.name.ko}{reference}: {weights.ko}{ours.ko}",
                en=f"{component.name.en}{reference_en}: {weights.en}{ours.en}",
            )
        )
    sources = [*(official.sources if official else ()), *(s for c in failing for s in c.sources)]
    sources += [s for a in allegations for s in a.sources]
    return CriterionResult(
        criterion=criterion.id,
        finding=finding,
        rule=rule,
        official=official,
        agrees=agrees,
        reasons=tuple(reasons),
        components=tuple(c.id for c in failing),
        allegations=tuple(a.id for a in allegations),
        sources=tuple(dict.fromkeys(sources)),
    )
