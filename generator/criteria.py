"""The independence criteria engine: pure, data-driven rules applied to each team's audit record.

For every team and criterion it reports two things side by side: what the criterion's rule says about the
team's declared components (``rule``), and the official ruling where one was published. The finding shown
is the official ruling when there is one (it decided the outcome), otherwise the rule's result; when both
exist and disagree, ``agrees`` is False so the page can say so. A sovereignty level on the proposed 0–6
scale is given only as far as the levels a source describes allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.model import (
    AuditRecord,
    Component,
    Criterion,
    Finding,
    Independence,
    Round,
    Ruling,
    SovereigntyScale,
    Text,
)

SELF_TRAINED_LEVEL = 4
"""Level 4 of the proposed scale: foreign architecture referenced, weights 100% self-trained."""

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


@dataclass(frozen=True, kw_only=True)
class CriterionResult:
    """One criterion evaluated for one team."""

    criterion: str
    finding: Finding
    """What the page shows: the official ruling if published, else the rule's result."""
    rule: Finding
    """What the data-driven rule says from the declared components alone."""
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
class SovereigntyResult:
    """Where the sourced level definitions place a team: a range of levels, or nothing."""

    low: int | None
    high: int | None
    reason: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class TeamCriteria:
    """Every criterion for one team, and its place on the sovereignty scale."""

    team: str
    results: tuple[CriterionResult, ...]
    sovereignty: SovereigntyResult


def evaluate(round_: Round) -> Mapping[str, TeamCriteria]:
    """Evaluate every criterion for every team of the round."""
    independence = round_.independence
    empty = AuditRecord(team="", components=(), allegations=(), rulings=(), engine_audits=())
    return {
        team.id: evaluate_team(independence, independence.records.get(team.id, empty), team.id)
        for team in round_.teams
    }


def evaluate_team(independence: Independence, record: AuditRecord, team: str) -> TeamCriteria:
    """Evaluate every criterion of ``independence`` against one team's record."""
    results = tuple(_criterion(criterion, record) for criterion in independence.criteria)
    return TeamCriteria(
        team=team, results=results, sovereignty=_sovereignty(independence.scale, record, results)
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


def _criterion(criterion: Criterion, record: AuditRecord) -> CriterionResult:
    failing = [c for c in record.components if fails(criterion, c)]
    assessable = [c for c in record.components if _assessable(criterion, c)]
    rule: Finding = "fail" if failing else ("pass" if assessable else "not_assessed")
    official = next((r for r in record.rulings if r.criterion == criterion.id), None)
    finding: Finding = official.finding if official else rule
    agrees = None
    if official is not None and rule != "not_assessed":
        agrees = (rule == "fail") == (official.finding == "fail")
    allegations = [a for a in record.allegations if a.criterion == criterion.id]
    reasons: list[Text] = []
    if official is not None:
        reasons.append(official.reason)
    for component in failing:
        reference = f" — {component.reference.ko}" if component.reference else ""
        reference_en = f" — {component.reference.en}" if component.reference else ""
        weights = WEIGHTS_TEXT[component.weights]
        reasons.append(
            Text(
                ko=f"{component.name.ko}{reference}: {weights.ko}",
                en=f"{component.name.en}{reference_en}: {weights.en}",
            )
        )
    if rule == "not_assessed" and official is None:
        reasons.append(
            Text(
                ko="공개된 판정도, 규칙을 적용할 구성 요소 기록도 없습니다.",
                en="No published ruling, and no recorded components to apply the rule to.",
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


def _sovereignty(
    scale: SovereigntyScale | None, record: AuditRecord, results: tuple[CriterionResult, ...]
) -> SovereigntyResult:
    if scale is None or SELF_TRAINED_LEVEL not in {level.level for level in scale.levels}:
        return SovereigntyResult(
            low=None,
            high=None,
            sources=(),
            reason=Text(
                ko="출처가 설명하는 단계 정의가 없어 평가하지 않습니다.",
                en="Not assessed: no sourced level definition applies.",
            ),
        )
    described = sorted(level.level for level in scale.levels)
    reused = [
        c
        for c in record.components
        if c.kind == "weights" and c.origin == "external" and c.weights in ("frozen", "fine_tuned")
    ]
    if reused:
        # Below level 4, but above 0 (the team trained weights of its own); levels 1–3 are not described.
        low = min((lv for lv in described if 0 < lv < SELF_TRAINED_LEVEL), default=1)
        names = Text(ko=", ".join(c.name.ko for c in reused), en=", ".join(c.name.en for c in reused))
        return SovereigntyResult(
            low=low,
            high=SELF_TRAINED_LEVEL - 1,
            sources=(*scale.sources, *(s for c in reused for s in c.sources)),
            reason=Text(
                ko=f"4단계는 가중치 100% 자체 학습을 요구하지만, 외부 가중치를 초기화 없이 "
                f"사용했습니다 ({names.ko}). 1–3단계는 출처에 정의가 없어 더 좁히지 않습니다.",
                en=f"Level 4 requires 100% self-trained weights, but external weights were used without "
                f"re-initialisation ({names.en}). Levels 1–3 are not defined in any source, "
                "so no finer level is given.",
            ),
        )
    technical = next((r for r in results if r.criterion == "technical"), None)
    if technical is not None and technical.finding in ("pass", "noted"):
        return SovereigntyResult(
            low=SELF_TRAINED_LEVEL,
            high=None,
            sources=(*scale.sources, *technical.sources),
            reason=Text(
                ko="기술적 독자성(가중치 초기화 후 학습) 기준을 통과해 "
                "4단계 조건(가중치 100% 자체 학습)에 맞습니다. "
                "5–6단계(국가 안보 보장 등)는 출처에 판단 근거가 없어 평가하지 않습니다.",
                en="Passed the technical criterion (weights initialised, then trained), which meets "
                "level 4's condition (100% self-trained weights). Levels 5–6 "
                "(e.g. national security assured) cannot be judged from the sources.",
            ),
        )
    return SovereigntyResult(
        low=None,
        high=None,
        sources=scale.sources,
        reason=Text(
            ko="가중치의 출처에 관한 기록이나 판정이 없어 평가하지 않습니다.",
            en="Not assessed: nothing recorded or ruled about where the weights came from.",
        ),
    )
