"""What the templates see: small frozen views built from the scored round. Pure functions only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from generator.audit.configured import ConfiguredAudit
from generator.criteria import Judgement
from generator.evidence import EvidenceFileIn
from generator.model import (
    Change,
    Component,
    Narrative,
    Outcome,
    OutcomeKind,
    Passage,
    RankRelation,
    Round,
    RubricNode,
    Team,
    Text,
)
from generator.render.judged import (
    HubAuditView,
    TeamIndependence,
    hub_audit_views,
    record_sources,
    team_independence,
    unique,
)
from generator.render.labels import PHRASE, Lang
from generator.scoring.types import MEAN, Constraint, Quantity, ScoredRound

KNOWN = ("disclosed", "computed", "derived")
DEMO_SECTION = "method-demo"
"""Id of the team-page section that shows the build-time method demo's numbers."""


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


def team_views(
    scored: ScoredRound,
    judgement: Judgement,
    sections: Mapping[str, Sequence[TeamSection]],
    audits: Mapping[str, Sequence[ConfiguredAudit]] | None = None,
    evidence: Mapping[str, EvidenceFileIn] | None = None,
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
