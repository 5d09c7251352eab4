"""What the templates see: small frozen views built from the scored round. Pure functions only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from generator.audit.configured import ConfiguredAudit
from generator.criteria import CriterionResult, Judgement, TeamCriteria
from generator.evidence import EvidenceIn
from generator.model import (
    Allegation,
    AuditRecord,
    Change,
    Component,
    Criterion,
    Evidence,
    HubAudit,
    Narrative,
    Outcome,
    OutcomeKind,
    Passage,
    RankRelation,
    Round,
    RubricNode,
    SovereigntyScale,
    Team,
    Text,
)
from generator.render.labels import FINDING_REASON, PHRASE, UI, WEIGHTS_ORIGIN, Lang
from generator.scoring.types import MEAN, Constraint, Quantity, ScoredRound

KNOWN = ("disclosed", "computed", "derived")
SCALE_LEVELS: Final = tuple(range(7))
"""The proposed sovereignty scale runs from level 0 to level 6."""
DEMO_SECTION = "method-demo"
"""Id of the team-page section that shows the build-time method demo's numbers."""

Weight = Literal["not_evidence", "evidence", "unclear"]
HIGH_SIMILARITY: Final = 0.5
"""A similarity figure at or above this reads as "alike"; below it a figure argues for independence."""
"""What a published similarity figure can show on its own."""
STATISTIC_WEIGHT: Final[Mapping[str, Weight]] = {
    "raw_cosine": "not_evidence",
    "pearson": "evidence",
    "centred_cosine": "evidence",
    "relative_l2": "evidence",
    "other": "unclear",
}
"""Raw (uncentred) cosine is high for any two models whose weights share an offset — LayerNorm gains start
at 1 everywhere — so it is never evidence on its own; centred statistics and distances are."""


def known(quantity: Quantity | None) -> bool:
    """True when the quantity has a value (not a range, not withheld)."""
    return quantity is not None and quantity.status in KNOWN and quantity.value is not None


@dataclass(frozen=True, kw_only=True)
class TeamSection:
    """An extra section of a team page, already written in Markdown in both languages.

    This is the extension point for later stages (e.g. audit records and criteria tables): they hand the
    renderer finished sections and the team template places them under the independence questions. A
    section with id :data:`DEMO_SECTION` takes the place kept for the method demo's numbers.
    """

    id: str
    title: Text
    body: Text


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


@dataclass(frozen=True, kw_only=True)
class TeamView:
    """One team with everything its page shows."""

    team: Team
    outcome: Outcome | None
    cells: tuple[Quantity, ...]
    """Team × node quantities in rubric order."""
    independence: TeamIndependence
    sections: tuple[TeamSection, ...]
    audits: tuple[ConfiguredAudit, ...] = ()
    """Configured engine audits of the team: results, or what was not run and why."""
    hub_audits: tuple[HubAuditView, ...] = ()
    """The team's public checkpoints audited against references, with evidence where it exists."""

    @property
    def audits_ran(self) -> tuple[ConfiguredAudit, ...]:
        """The configured engine audits that produced a result."""
        return tuple(a for a in self.audits if a.result is not None)

    @property
    def hub_audits_ran(self) -> bool:
        """Whether any of the team's Hub audits has an evidence file."""
        return any(a.evidence is not None for a in self.hub_audits)

    def audit_component(self, audit: ConfiguredAudit) -> Component | None:
        """The recorded component a configured audit examines (``None``: the whole model, or not recorded)."""
        wanted = audit.audit.component
        return next((c for c in self.independence.components if c.id == wanted), None) if wanted else None

    @property
    def demo(self) -> TeamSection | None:
        """The method demo's section for this team, once a later stage provides it."""
        return next((s for s in self.sections if s.id == DEMO_SECTION), None)

    @property
    def extra_sections(self) -> tuple[TeamSection, ...]:
        """Every other section, in the order given."""
        return tuple(s for s in self.sections if s.id != DEMO_SECTION)

    @property
    def result(self) -> OutcomeKind | None:
        """The team's outcome, if recorded."""
        return self.outcome.result if self.outcome else None

    @property
    def hidden(self) -> tuple[Quantity, ...]:
        """The cells without a value (ranges and withheld ones)."""
        return tuple(q for q in self.cells if not known(q))

    @property
    def shown(self) -> tuple[Quantity, ...]:
        """The cells with a value."""
        return tuple(q for q in self.cells if known(q))


@dataclass(frozen=True, kw_only=True)
class Summary:
    """The facts of the home page's five sentences; each list carries the sources that state it."""

    announced: date
    announced_sources: tuple[str, ...]
    team_count: int
    advanced: tuple[Team, ...]
    advanced_sources: tuple[str, ...]
    """Sources of who advanced, the winner's total and the average."""
    out: tuple[tuple[Team, Outcome], ...]
    """The teams that are out, each with the outcome that says why."""
    out_score: tuple[Team, ...]
    out_independence: tuple[Team, ...]
    outcome_sources: tuple[str, ...]
    leader: Team | None
    leader_total: Quantity | None
    leader_sources: tuple[str, ...]
    mean_total: Quantity | None
    hidden_totals: tuple[Team, ...]
    hidden_sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class SumCheck:
    """A parent node's points as the sum of its children's, for one team (the worked example)."""

    node: RubricNode
    total: Quantity
    parts: tuple[tuple[RubricNode, Quantity], ...]
    difference: float
    """``total − Σ parts``; within the rounding of the inputs when the published figures agree."""
    tolerance: float

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources of the total and of every part."""
        return unique([*self.total.sources, *(s for _, q in self.parts for s in q.sources)])


@dataclass(frozen=True, kw_only=True)
class Example:
    """The scoring page's worked example: one team whose breakdown is (mostly) published."""

    team: Team
    checks: tuple[SumCheck, ...]
    shares: tuple[tuple[RubricNode, Quantity], ...]
    """Top-level categories with the team's points, for ``points / maximum`` percentages."""


def unique(ids: Sequence[str]) -> tuple[str, ...]:
    """``ids`` without repeats, first occurrence kept."""
    return tuple(dict.fromkeys(ids))


def team_views(
    scored: ScoredRound,
    judgement: Judgement,
    sections: Mapping[str, Sequence[TeamSection]],
    audits: Mapping[str, Sequence[ConfiguredAudit]] | None = None,
    evidence: Mapping[str, EvidenceIn] | None = None,
) -> tuple[TeamView, ...]:
    """A view per team, in the data's order."""
    round_ = scored.round
    hub = hub_audit_views(round_, evidence or {})
    return tuple(
        TeamView(
            team=team,
            outcome=round_.outcomes.get(team.id),
            cells=tuple(scored.cell(team.id, node) for node in round_.rubric.order()),
            independence=team_independence(round_, judgement.of(team.id)),
            sections=tuple(sections.get(team.id, ())),
            audits=tuple((audits or {}).get(team.id, ())),
            hub_audits=hub.get(team.id, ()),
        )
        for team in round_.teams
    )


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
            reasons=criterion_reasons(result, components),
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


def criterion_reasons(result: CriterionResult, components: Mapping[str, Component]) -> tuple[Text, ...]:
    """The reasons a criteria-table row gives, in both languages (see :attr:`CriterionRow.reasons`)."""
    reasons: list[Text] = []
    if result.official is not None:
        reasons.append(result.official.reason)
    elif result.finding in FINDING_REASON:
        reasons.append(FINDING_REASON[result.finding])
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


def team_sources(scored: ScoredRound, view: TeamView) -> tuple[str, ...]:
    """Every source a team page cites, in first-cited order."""
    ids = list(view.outcome.sources if view.outcome else ())
    ids += [s for q in view.cells for s in q.sources]
    ids += [s for c in cited_constraints(scored, view.cells) for s in c.sources]
    ids += record_sources(scored.round.independence.records.get(view.team.id))
    ids += [s for row in view.independence.rows for s in (*row.criterion.sources, *row.result.sources)]
    ids += [s for m in view.team.models for s in m.sources]
    return unique(ids)


def summary(scored: ScoredRound) -> Summary:
    """The home page's facts, derived from outcomes, figures, relations and events."""
    round_ = scored.round
    root = round_.rubric.root
    by_result: dict[str, list[Team]] = {
        "advanced": [],
        "eliminated_score": [],
        "disqualified_independence": [],
    }
    outcome_sources: list[str] = []
    advanced_sources: list[str] = []
    out: list[tuple[Team, Outcome]] = []
    for team in round_.teams:
        outcome = round_.outcomes.get(team.id)
        if outcome is not None:
            by_result[outcome.result].append(team)
            outcome_sources += outcome.sources
            if outcome.result == "advanced":
                advanced_sources += outcome.sources
            else:
                out.append((team, outcome))
    leader, leader_sources = _leader(scored)
    mean_total = scored.aggregates.get((MEAN, root))
    advanced_sources += [*leader_sources, *(mean_total.sources if mean_total else ())]
    hidden = tuple(t for t in round_.teams if not known(scored.cell(t.id, root)))
    hidden_sources = [s for t in hidden for s in scored.cell(t.id, root).sources]
    # The outcomes' sources report the announcement itself; other events of that day (a later analysis,
    # next-day coverage) do not.
    announced_sources = outcome_sources or [
        s for e in round_.events if e.date == round_.info.announced.isoformat() for s in e.sources
    ]
    return Summary(
        announced=round_.info.announced,
        announced_sources=unique(announced_sources or round_.rubric.node(root).sources),
        team_count=len(round_.teams),
        advanced=tuple(by_result["advanced"]),
        advanced_sources=unique(advanced_sources),
        out=tuple(out),
        out_score=tuple(by_result["eliminated_score"]),
        out_independence=tuple(by_result["disqualified_independence"]),
        outcome_sources=unique(outcome_sources),
        leader=leader,
        leader_total=scored.cell(leader.id, root) if leader else None,
        leader_sources=leader_sources,
        mean_total=mean_total,
        hidden_totals=hidden,
        hidden_sources=unique(hidden_sources),
    )


def _leader(scored: ScoredRound) -> tuple[Team | None, tuple[str, ...]]:
    """The first-placed team: stated by a 'highest' relation, or plain when every total is known."""
    round_ = scored.round
    root = round_.rubric.root
    for relation in round_.relations:
        if isinstance(relation, RankRelation) and relation.kind == "highest" and relation.node == root:
            cell = scored.cell(relation.team, root)
            if known(cell):
                return round_.team(relation.team), unique([*cell.sources, *relation.sources])
    totals = [scored.cell(t.id, root) for t in round_.teams]
    if totals and all(known(q) for q in totals):
        best = max(totals, key=lambda q: q.value or 0.0)
        if sum(1 for q in totals if q.value == best.value) == 1:
            return round_.team(best.entity), unique(best.sources)
    return None, ()


def example(scored: ScoredRound) -> Example | None:
    """The team with the most known values among those whose total is known; ``None`` if there is none."""
    round_ = scored.round
    rubric = round_.rubric
    candidates = [t for t in round_.teams if known(scored.cell(t.id, rubric.root))]
    if not candidates:
        return None
    team = max(
        candidates,
        key=lambda t: (sum(known(scored.cell(t.id, n)) for n in rubric.order()), -round_.teams.index(t)),
    )
    checks: list[SumCheck] = []
    for node in rubric.nodes.values():
        total = scored.cell(team.id, node.id)
        parts = [(rubric.node(c), scored.cell(team.id, c)) for c in node.children]
        if not node.children or not known(total) or not all(known(q) for _, q in parts):
            continue
        difference = (total.value or 0.0) - sum(q.value or 0.0 for _, q in parts)
        tolerance = total.uncertainty + sum(q.uncertainty for _, q in parts)
        checks.append(
            SumCheck(
                node=node,
                total=total,
                parts=tuple(parts),
                difference=round(difference, 9),
                tolerance=round(tolerance, 9),
            )
        )
    root = rubric.node(rubric.root)
    shares = tuple(
        (rubric.node(c), scored.cell(team.id, c)) for c in root.children if known(scored.cell(team.id, c))
    )
    return Example(team=team, checks=tuple(checks), shares=shares)


def cited_constraints(scored: ScoredRound, quantities: Sequence[Quantity]) -> tuple[Constraint, ...]:
    """The constraints that make any end of any of these ranges tight, sorted by id."""
    ids = {cid for q in quantities if q.bound is not None for cid in (*q.bound.low_by, *q.bound.high_by)}
    return tuple(scored.constraints[cid] for cid in sorted(ids) if cid in scored.constraints)


def aggregates_by_entity(scored: ScoredRound) -> tuple[tuple[str, tuple[Quantity, ...]], ...]:
    """Known aggregates grouped by entity, the all-team average first, nodes in rubric order."""
    order = {node: index for index, node in enumerate(scored.round.rubric.order())}
    entities = sorted({entity for entity, _ in scored.aggregates}, key=lambda e: (e != MEAN, e))
    return tuple(
        (
            entity,
            tuple(
                sorted(
                    (q for (e, _), q in scored.aggregates.items() if e == entity),
                    key=lambda q: order.get(q.node, len(order)),
                )
            ),
        )
        for entity in entities
    )


def cited_by(round_: Round, narrative: Narrative) -> Mapping[str, int]:
    """How many figures, statements, rulings and passages cite each source (0 for sources nothing cites)."""
    ids: list[str] = [s for f in round_.figures for s in f.sources]
    ids += [s for r in round_.relations for s in r.sources]
    ids += [s for o in round_.outcomes.values() for s in o.sources]
    ids += [s for e in round_.events for s in e.sources]
    ids += [s for n in round_.rubric.nodes.values() for s in n.sources]
    ids += [s for c in round_.independence.criteria for s in c.sources]
    ids += list(round_.independence.scale.sources) if round_.independence.scale else []
    for record in round_.independence.records.values():
        ids += record_sources(record)
    ids += [s for p in narrative.passages for s in p.sources]
    ids += [s for t in narrative.glossary for s in t.sources]
    return {source: ids.count(source) for source in round_.sources}


def rounded_top_below(scored: ScoredRound, quantity: Quantity) -> Quantity | None:
    """The published top score that a range's upper end passes only through rounding, if any.

    A source says team X scored highest on the node and X's published value is rounded, so the others may
    be up to half a unit of its last decimal above the shown value (63.75–90.25 against LG's 90.2).
    """
    if quantity.bound is None:
        return None
    for relation in scored.round.relations:
        if not (
            isinstance(relation, RankRelation)
            and relation.kind == "highest"
            and relation.node == quantity.node
            and relation.team != quantity.entity
        ):
            continue
        top = scored.cell(relation.team, relation.node)
        if top.value is not None and quantity.bound.high > top.value + 1e-9:
            return top
    return None


@dataclass(frozen=True, kw_only=True)
class WithheldRow:
    """One team's values that were not published, who withheld them, and the source that says so."""

    team: Team
    nodes: tuple[RubricNode, ...]
    withheld_by: str | None
    """An actor id of the round (``None``: the source does not say who)."""
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MethodGap:
    """A part of the scoring whose method was not published."""

    node: RubricNode
    note: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Unknowns:
    """Everything the round's data records as not known: withheld values, unpublished methods, questions."""

    withheld: tuple[WithheldRow, ...]
    methods: tuple[MethodGap, ...]
    questions: tuple[Passage, ...]


def unknowns(scored: ScoredRound, narrative: Narrative) -> Unknowns:
    """What we don't know, generated from the data: no value here is typed twice."""
    round_ = scored.round
    withheld: list[WithheldRow] = []
    for team in round_.teams:
        hidden = [scored.cell(team.id, node) for node in round_.rubric.order()]
        hidden = [q for q in hidden if not known(q)]
        by_actor: dict[str | None, list[Quantity]] = {}
        for quantity in hidden:
            by_actor.setdefault(quantity.withheld_by, []).append(quantity)
        withheld += [
            WithheldRow(
                team=team,
                nodes=tuple(round_.rubric.node(q.node) for q in quantities),
                withheld_by=actor,
                sources=unique([s for q in quantities for s in q.sources]),
            )
            for actor, quantities in by_actor.items()
        ]
    methods = tuple(
        MethodGap(node=node, note=node.method_note, sources=node.sources)
        for node in (round_.rubric.node(n) for n in round_.rubric.order())
        if node.method_note is not None
    )
    return Unknowns(withheld=tuple(withheld), methods=methods, questions=narrative.open_questions)


def home_description(s: Summary) -> Text:
    """The home page's one-line description (search results, share previews): who advanced, who is out."""

    def line(lang: Lang) -> str:
        def names(teams: Sequence[Team]) -> str:
            return PHRASE["list_separator"].get(lang).join(t.name.get(lang) for t in teams)

        outcome = (
            PHRASE["home_advanced"].get(lang).format(teams=names(s.advanced))
            if s.advanced
            else PHRASE["home_none_advanced"].get(lang)
        )
        if s.out:
            outcome += PHRASE["home_out"].get(lang).format(teams=names([team for team, _ in s.out]))
        return PHRASE["home_description"].get(lang).format(outcome=outcome)

    return Text(ko=line("ko"), en=line("en"))


def changes_by_day(changes: Sequence[Change]) -> tuple[tuple[date, tuple[Change, ...]], ...]:
    """The change record grouped by day, newest day first, in the record's order within a day."""
    days: dict[date, list[Change]] = {}
    for change in sorted(changes, key=lambda c: c.date, reverse=True):
        days.setdefault(change.date, []).append(change)
    return tuple((day, tuple(items)) for day, items in days.items())


STATUS_ORDER: Final = ("disclosed", "computed", "derived", "bounded", "not_disclosed")
"""The order statuses are explained in."""


def statuses_present(scored: ScoredRound) -> tuple[str, ...]:
    """The statuses some team value or aggregate of the round has, in :data:`STATUS_ORDER`."""
    present = {q.status for q in (*scored.cells.values(), *scored.aggregates.values())}
    return tuple(s for s in STATUS_ORDER if s in present)


@dataclass(frozen=True, kw_only=True)
class HubAuditView:
    """A configured audit of a team's public weights: what is compared with what and why, and its evidence
    file's result when the publishing side has run it (``None``: not run yet)."""

    audit: HubAudit
    allegation: Allegation | None
    """The allegation the audit tests (``reason.kind == "allegation"``)."""
    evidence: EvidenceIn | None


def hub_audit_views(round_: Round, evidence: Mapping[str, EvidenceIn]) -> dict[str, tuple[HubAuditView, ...]]:
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
