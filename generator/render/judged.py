"""The independence part of the views: a team's judged criteria worded, its allegations with their
evidence weighed, the sovereignty scale, and the Hub audits. Pure functions of the round and the judgement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from generator.criteria import CriterionResult, TeamCriteria
from generator.evidence import EvidenceFileIn
from generator.model import (
    Allegation,
    AuditRecord,
    Component,
    Criterion,
    Evidence,
    HubAudit,
    Round,
    SovereigntyScale,
    Text,
)
from generator.render.labels import UI, WEIGHTS_ORIGIN, Lang, finding_reason


def unique(ids: Sequence[str]) -> tuple[str, ...]:
    """``ids`` without repeats, first occurrence kept."""
    return tuple(dict.fromkeys(ids))


SCALE_LEVELS: Final = tuple(range(7))
"""The proposed sovereignty scale runs from level 0 to level 6."""


Weight = Literal["not_evidence", "evidence", "unclear"]
"""What a published similarity figure can show on its own."""

HIGH_SIMILARITY: Final = 0.5
"""A similarity figure at or above this reads as "alike"; below it a figure argues for independence."""


STATISTIC_WEIGHT: Final[Mapping[str, Weight]] = {
    "raw_cosine": "not_evidence",
    "pearson": "evidence",
    "centred_cosine": "evidence",
    "relative_l2": "evidence",
    "other": "unclear",
}
"""Raw (uncentred) cosine is high for any two models whose weights share an offset — LayerNorm gains start
at 1 everywhere — so it is never evidence on its own; centred statistics and distances are."""


@dataclass(frozen=True, kw_only=True)
class EvidenceView:
    """A published figure offered as evidence, with what it can show on its own."""

    evidence: Evidence
    weight: Weight


@dataclass(frozen=True, kw_only=True)
class AllegationView:
    """A question raised about a team, its evidence weighed, and the criterion it was raised under."""

    allegation: Allegation
    criterion: Criterion | None
    evidence: tuple[EvidenceView, ...]

    @property
    def not_evidence(self) -> bool:
        """True when every published figure showing high similarity is one that proves nothing on its own.

        Low centred figures (a rebuttal's Pearson ≈ 0.01) do not make a raw cosine of 0.99 evidence; figures
        whose value was not published cannot be weighed and do not count either way.
        """
        high = [
            e for e in self.evidence if e.evidence.value is not None and e.evidence.value >= HIGH_SIMILARITY
        ]
        return bool(high) and all(e.weight == "not_evidence" for e in high)


@dataclass(frozen=True, kw_only=True)
class CriterionRow:
    """One line of a team's criteria table."""

    criterion: Criterion
    result: CriterionResult
    reasons: tuple[Text, ...]
    """Why the finding reads as it does: the ruling's reason or what is on record, then each component that
    fails the rule (marked as our reading when no ruling says so)."""
    allegations: tuple[Allegation, ...]


@dataclass(frozen=True, kw_only=True)
class TeamIndependence:
    """A team's independence record as its page shows it (all from the round's data files)."""

    recorded: bool
    """False when the round has no audit record for the team."""
    rows: tuple[CriterionRow, ...]
    components: tuple[Component, ...]
    allegations: tuple[AllegationView, ...]

    def row(self, criterion: str) -> CriterionRow | None:
        """The row of one criterion."""
        return next((r for r in self.rows if r.criterion.id == criterion), None)


@dataclass(frozen=True, kw_only=True)
class ScaleView:
    """The proposed sovereignty scale: the described levels and those no source describes (no team placed)."""

    scale: SovereigntyScale
    missing: tuple[int, ...]


def team_independence(round_: Round, judged: TeamCriteria) -> TeamIndependence:
    """The criteria table, components and allegations of one team, from its judged criteria."""
    independence = round_.independence
    record = independence.records.get(judged.team)
    criteria = {c.id: c for c in independence.criteria}
    components = {c.id: c for c in record.components} if record else {}
    allegations = record.allegations if record else ()
    rows = tuple(
        CriterionRow(
            criterion=criteria[result.criterion],
            result=result,
            reasons=criterion_reasons(result, components, stage=round_.info.advances_to),
            allegations=tuple(a for a in allegations if a.criterion == result.criterion),
        )
        for result in judged.results
    )
    return TeamIndependence(
        recorded=record is not None,
        rows=rows,
        components=record.components if record else (),
        allegations=allegation_views(round_, judged.team),
    )


def criterion_reasons(
    result: CriterionResult, components: Mapping[str, Component], *, stage: Text
) -> tuple[Text, ...]:
    """The reasons a criteria-table row gives, in both languages (see :attr:`CriterionRow.reasons`);
    ``stage``: where the round's advancing teams go on to."""
    reasons: list[Text] = []
    if result.official is not None:
        reasons.append(result.official.reason)
    elif (reason := finding_reason(result.finding, stage)) is not None:
        reasons.append(reason)
    ruled = result.official is not None
    reasons += [_failing_reason(components[c], ruled=ruled) for c in result.components]
    return tuple(reasons)


def _failing_reason(component: Component, *, ruled: bool) -> Text:
    """``name — reference: where its weights came from``, marked as our reading without a ruling."""

    def line(lang: Lang) -> str:
        reference = f" — {component.reference.get(lang)}" if component.reference else ""
        mark = "" if ruled else f" ({UI['not_a_ruling'].get(lang)})"
        return f"{component.name.get(lang)}{reference}: {WEIGHTS_ORIGIN[component.weights].get(lang)}{mark}"

    return Text(ko=line("ko"), en=line("en"))


def allegation_views(round_: Round, team: str) -> tuple[AllegationView, ...]:
    """A team's allegations, each with its criterion and its evidence weighed."""
    record = round_.independence.records.get(team)
    criteria = {c.id: c for c in round_.independence.criteria}
    return tuple(_allegation(a, criteria.get(a.criterion)) for a in (record.allegations if record else ()))


def not_evidence_teams(round_: Round) -> tuple[str, ...]:
    """Teams with an allegation whose every published figure is no evidence on its own (raw cosine)."""
    return tuple(
        team.id for team in round_.teams if any(a.not_evidence for a in allegation_views(round_, team.id))
    )


def _weight(evidence: Evidence) -> Weight:
    """What a figure can show on its own; a figure whose value was not published cannot be weighed."""
    return STATISTIC_WEIGHT[evidence.statistic] if evidence.value is not None else "unclear"


def _allegation(allegation: Allegation, criterion: Criterion | None) -> AllegationView:
    return AllegationView(
        allegation=allegation,
        criterion=criterion,
        evidence=tuple(EvidenceView(evidence=e, weight=_weight(e)) for e in allegation.evidence),
    )


def scale_view(round_: Round) -> ScaleView | None:
    """The sovereignty scale with its undescribed levels; ``None`` without one."""
    scale = round_.independence.scale
    if scale is None:
        return None
    described = {level.level for level in scale.levels}
    return ScaleView(scale=scale, missing=tuple(level for level in SCALE_LEVELS if level not in described))


def record_sources(record: AuditRecord | None) -> tuple[str, ...]:
    """Every source an audit record cites."""
    if record is None:
        return ()
    ids = [s for c in record.components for s in c.sources]
    ids += [s for a in record.allegations for s in (*a.sources, *(x for e in a.evidence for x in e.sources))]
    ids += [s for a in record.allegations for r in a.responses for s in r.sources]
    ids += [s for r in record.rulings for s in r.sources]
    return unique(ids)


@dataclass(frozen=True, kw_only=True)
class HubAuditView:
    """A configured audit of a team's public weights: what is compared with what and why, and its evidence
    file's result when the publishing side has run it (``None``: not run yet)."""

    audit: HubAudit
    allegation: Allegation | None
    """The allegation the audit tests (``reason.kind == "allegation"``)."""
    evidence: EvidenceFileIn | None


def hub_audit_views(
    round_: Round, evidence: Mapping[str, EvidenceFileIn]
) -> dict[str, tuple[HubAuditView, ...]]:
    """Every team's configured Hub audits, each with its allegation and evidence where they exist."""
    out: dict[str, tuple[HubAuditView, ...]] = {}
    for team, record in round_.independence.records.items():
        allegations = {a.id: a for a in record.allegations}
        out[team] = tuple(
            HubAuditView(
                audit=audit,
                allegation=allegations.get(audit.reason.allegation or ""),
                evidence=evidence.get(audit.id),
            )
            for audit in record.hub_audits
        )
    return out
