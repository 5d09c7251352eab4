"""What a value shows, and the views of the results and scoring pages: known values, the constraints a
range cites, aggregates by entity, a top score passed only through rounding, the statuses present, and the
scoring page's worked example.

Pure functions only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from generator.model import RankRelation, RubricNode, Team
from generator.render.judged import unique
from generator.scoring.types import MEAN, Constraint, Quantity, ScoredRound

KNOWN = ("disclosed", "computed", "derived")


def known(quantity: Quantity | None) -> bool:
    """True when the quantity has a value (not a range, not withheld)."""
    return quantity is not None and quantity.status in KNOWN and quantity.value is not None


STATUS_ORDER: Final = ("disclosed", "computed", "derived", "bounded", "not_disclosed")
"""The order statuses are explained in."""


def statuses_present(scored: ScoredRound) -> tuple[str, ...]:
    """The statuses some team value or aggregate of the round has, in :data:`STATUS_ORDER`."""
    present = {q.status for q in (*scored.cells.values(), *scored.aggregates.values())}
    return tuple(s for s in STATUS_ORDER if s in present)


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
