"""The independence criteria engine: pure, data-driven rules applied to each team's audit record.

For every team and criterion it reports two things side by side: what the criterion's rule says about the
team's declared components (``rule``, our reading), and the official ruling where one was published. The
finding shown is never more than a source says: the published ruling when there is one; otherwise
"allegation raised" when one was, "no finding reported" for a team that advanced, and "no published
assessment" for the rest. When a ruling and the rule disagree, ``agrees`` is False so the page can say so.
No team is placed on the proposed sovereignty scale: no source places one.

This is the judging stage: :func:`judge_independence` runs once per build, between scoring and rendering,
and returns values only (findings, the ruling, the ids of the components that fail a rule); the pages word
them (:mod:`generator.render.judged`).
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
)


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
    components: tuple[str, ...]
    """Ids of the components that fail the rule, in the record's order (the page says why for each)."""
    allegations: tuple[str, ...]
    """Ids of the allegations raised under this criterion."""
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class TeamCriteria:
    """Every criterion for one team."""

    team: str
    results: tuple[CriterionResult, ...]


@dataclass(frozen=True, kw_only=True)
class Judgement:
    """The independence stage's result: every criterion judged for every team of a round, once."""

    teams: Mapping[str, TeamCriteria]
    """Team id → its criteria, for every team of the round."""

    def of(self, team: str) -> TeamCriteria:
        """One team's criteria."""
        return self.teams[team]


def judge_independence(round_: Round) -> Judgement:
    """Judge every criterion for every team of the round (the stage between scoring and rendering)."""
    return Judgement(teams=evaluate(round_))


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
    sources = [*(official.sources if official else ()), *(s for c in failing for s in c.sources)]
    sources += [s for a in allegations for s in a.sources]
    return CriterionResult(
        criterion=criterion.id,
        finding=finding,
        rule=rule,
        official=official,
        agrees=agrees,
        components=tuple(c.id for c in failing),
        allegations=tuple(a.id for a in allegations),
        sources=tuple(dict.fromkeys(sources)),
    )
