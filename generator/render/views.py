"""What the templates see: small frozen views built from the scored round. Pure functions only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from generator.model import Outcome, RankRelation, Round, RubricNode, Team, Text
from generator.render.narrative import Narrative, Question
from generator.scoring.types import MEAN, Constraint, Quantity, ScoredRound

KNOWN = ("disclosed", "computed", "derived")


def known(quantity: Quantity | None) -> bool:
    """True when the quantity has a value (not a range, not withheld)."""
    return quantity is not None and quantity.status in KNOWN and quantity.value is not None


@dataclass(frozen=True, kw_only=True)
class TeamSection:
    """An extra section of a team page, already written in Markdown in both languages.

    This is the extension point for later stages (e.g. audit records and criteria tables): they hand the
    renderer finished sections and the team template places them under the independence questions.
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
    questions: tuple[Question, ...]
    sections: tuple[TeamSection, ...]

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


def team_views(scored: ScoredRound, narrative: Narrative,
               sections: Mapping[str, Sequence[TeamSection]]) -> tuple[TeamView, ...]:
    """A view per team, in the data's order."""
    round_ = scored.round
    return tuple(
        TeamView(
            team=team, outcome=round_.outcomes.get(team.id),
            cells=tuple(scored.cell(team.id, node) for node in round_.rubric.order()),
            questions=narrative.questions_for(team.id), sections=tuple(sections.get(team.id, ())),
        )
        for team in round_.teams
    )


def summary(scored: ScoredRound) -> Summary:
    """The home page's facts, derived from outcomes, figures, relations and events."""
    round_ = scored.round
    root = round_.rubric.root
    by_result: dict[str, list[Team]] = {"advanced": [], "eliminated_score": [], "disqualified_independence": []}
    outcome_sources: list[str] = []
    for team in round_.teams:
        outcome = round_.outcomes.get(team.id)
        if outcome is not None:
            by_result[outcome.result].append(team)
            outcome_sources += outcome.sources
    leader, leader_sources = _leader(scored)
    hidden = tuple(t for t in round_.teams if not known(scored.cell(t.id, root)))
    hidden_sources = [s for t in hidden for s in scored.cell(t.id, root).sources]
    announced_sources = [s for e in round_.events if e.date == round_.info.announced.isoformat() for s in e.sources]
    return Summary(
        announced=round_.info.announced,
        announced_sources=unique(announced_sources or round_.rubric.node(root).sources),
        team_count=len(round_.teams),
        advanced=tuple(by_result["advanced"]),
        out_score=tuple(by_result["eliminated_score"]),
        out_independence=tuple(by_result["disqualified_independence"]),
        outcome_sources=unique(outcome_sources),
        leader=leader,
        leader_total=scored.cell(leader.id, root) if leader else None,
        leader_sources=leader_sources,
        mean_total=scored.aggregates.get((MEAN, root)),
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
    team = max(candidates, key=lambda t: (sum(known(scored.cell(t.id, n)) for n in rubric.order()),
                                          -round_.teams.index(t)))
    checks: list[SumCheck] = []
    for node in rubric.nodes.values():
        total = scored.cell(team.id, node.id)
        parts = [(rubric.node(c), scored.cell(team.id, c)) for c in node.children]
        if not node.children or not known(total) or not all(known(q) for _, q in parts):
            continue
        difference = (total.value or 0.0) - sum(q.value or 0.0 for _, q in parts)
        tolerance = total.uncertainty + sum(q.uncertainty for _, q in parts)
        checks.append(SumCheck(node=node, total=total, parts=tuple(parts), difference=round(difference, 9),
                               tolerance=round(tolerance, 9)))
    root = rubric.node(rubric.root)
    shares = tuple((rubric.node(c), scored.cell(team.id, c)) for c in root.children
                   if known(scored.cell(team.id, c)))
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
        (entity, tuple(sorted((q for (e, _), q in scored.aggregates.items() if e == entity),
                              key=lambda q: order.get(q.node, len(order)))))
        for entity in entities
    )


def round_sources_cited(round_: Round, narrative: Narrative) -> set[str]:
    """Every source id any page cites (used to flag sources nothing cites)."""
    cited: set[str] = set()
    for figure in round_.figures:
        cited.update(figure.sources)
    for relation in round_.relations:
        cited.update(relation.sources)
    for outcome in round_.outcomes.values():
        cited.update(outcome.sources)
    for event in round_.events:
        cited.update(event.sources)
    for node in round_.rubric.nodes.values():
        cited.update(node.sources)
    for question in narrative.questions:
        cited.update(question.sources)
    return cited
