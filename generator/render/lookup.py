"""What the pages show by id, resolved once from the scored round (names, sources, constraints, ranges).

The filters format a value; when the value is an id (a team, a rubric node, a source), they read its name
from the :class:`Lookup` in the template context, never from the round. So the Jinja environment of a
language holds no round at all, and nothing round-specific can be folded into a compiled template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.model import RubricNode, Source, Text
from generator.render.views import rounded_top_below
from generator.render.wording import constraint_label
from generator.scoring.types import Constraint, Quantity, ScoredRound

Key = tuple[str, str]
"""(entity, node)."""


@dataclass(frozen=True, kw_only=True)
class Lookup:
    """Tables from ids to what a page prints for them."""

    teams: Mapping[str, Text]
    """Team id → name."""
    nodes: Mapping[str, RubricNode]
    """Rubric node id → node (name, maximum)."""
    depths: Mapping[str, int]
    """Rubric node id → its depth in the tree (the root is 0)."""
    actors: Mapping[str, Text]
    """Actor id → who withheld a value."""
    advances_to: Text
    """The stage the round's advancing teams go on to (the ``advanced`` badge and finding name it)."""
    sources: Mapping[str, Source]
    constraints: Mapping[str, Constraint]
    constraint_labels: Mapping[str, Text]
    """Constraint id → what it says (:func:`generator.render.wording.constraint_label`)."""
    quantities: Mapping[Key, Quantity]
    """Every team value and known aggregate, for the operands of a formula."""
    tops: Mapping[Key, Quantity]
    """For a range whose upper end passes a published top score only through rounding: that score."""
    on_reading: frozenset[Key]
    """Ranges with an end set by a relation that is our reading of a source, not its words."""


def lookup(scored: ScoredRound) -> Lookup:
    """The lookup tables of one scored round."""
    round_ = scored.round
    quantities = {**scored.aggregates, **scored.cells}
    tops = {key: top for key, q in scored.cells.items() if (top := rounded_top_below(scored, q)) is not None}
    on_reading = frozenset(key for key, q in scored.cells.items() if _rests_on_reading(scored, q))
    return Lookup(
        teams={team.id: team.name for team in round_.teams},
        nodes=dict(round_.rubric.nodes),
        depths={node: round_.rubric.depth(node) for node in round_.rubric.nodes},
        actors=dict(round_.info.actors),
        advances_to=round_.info.advances_to,
        sources=dict(round_.sources),
        constraints=dict(scored.constraints),
        constraint_labels={cid: constraint_label(c, round_) for cid, c in scored.constraints.items()},
        quantities=quantities,
        tops=tops,
        on_reading=on_reading,
    )


def _rests_on_reading(scored: ScoredRound, quantity: Quantity) -> bool:
    if quantity.bound is None:
        return False
    ends = (*quantity.bound.low_by, *quantity.bound.high_by)
    return any((c := scored.constraints.get(cid)) is not None and c.basis == "interpreted" for cid in ends)
