"""What the scoring stage hands to rendering: every quantity with its status, source or formula."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from generator.model import Basis, BenchmarkMethod, PanelMethod, Round, Text

Status = Literal["disclosed", "computed", "derived", "bounded", "not_disclosed"]
"""``disclosed``: published, with a source. ``computed``: from raw data by the rubric's method.
``derived``: implied by published figures, with its formula. ``bounded``: not published; only an interval
is known. ``not_disclosed``: not published and not even bounded beyond the rubric's range."""

MEAN = "@mean"
"""Entity id of the all-team average."""
OTHERS = "@others:"
"""Prefix of the entity "every team but X", summed (``@others:lg-ai-research``)."""
OTHERS_MEAN = "@others-mean:"
"""Prefix of the entity "every team but X", averaged."""


@dataclass(frozen=True, kw_only=True)
class Term:
    """``coefficient × value(entity, node)`` inside a formula."""

    coefficient: float
    entity: str
    node: str


@dataclass(frozen=True, kw_only=True)
class Formula:
    """A derived value as a linear combination of other quantities: ``Σ coefficient × value``."""

    terms: tuple[Term, ...]
    equation: str
    """Id of the equation it was solved from (e.g. ``tree:@mean:total``), for the reader's trail."""


@dataclass(frozen=True, kw_only=True)
class Bound:
    """The tightest interval consistent with every published constraint. A range, never a score."""

    low: float
    high: float
    low_by: tuple[str, ...]
    """Ids of the constraints that make the lower end tight."""
    high_by: tuple[str, ...]
    """Ids of the constraints that make the upper end tight."""


@dataclass(frozen=True, kw_only=True)
class RawComputation:
    """How a computed value came from raw data: the rubric leaf's method and what it was applied to."""

    method: BenchmarkMethod | PanelMethod
    maximum: float
    """The node's maximum, the points the normalised result is scaled to."""
    raters: int | None
    """For a panel: how many raters' scores were combined."""


@dataclass(frozen=True, kw_only=True)
class Quantity:
    """One value of the round: a team's points on a rubric node, or an aggregate over teams."""

    entity: str
    """A team id, :data:`MEAN`, or an ``@others…`` entity."""
    node: str
    status: Status
    value: float | None
    uncertainty: float
    """Half-width from the rounding of the published inputs (0 when exact)."""
    decimals: int
    """Decimals to show; derived values keep the precision of their inputs."""
    sources: tuple[str, ...]
    """Sources of the value, or of every input of its formula."""
    formula: Formula | None
    computed: RawComputation | None
    """For ``computed`` values: how the raw data became points."""
    bound: Bound | None
    withheld_by: str | None
    note: Text | None


ConstraintKind = Literal["cap", "floor", "tree", "figure", "mean", "rank"]


@dataclass(frozen=True, kw_only=True)
class Constraint:
    """One constraint used for derivations and bounds, named so a bound can cite it."""

    id: str
    kind: ConstraintKind
    node: str | None
    """The rubric node a cap, floor, tree or figure constraint is about."""
    team: str | None
    """The team of a published figure."""
    value: float | None
    """A published figure's value."""
    statement: Text | None
    """A mean or rank relation's statement, in the data's words (the others are worded by render)."""
    basis: Basis | Literal["definition"]
    """``definition``: true of every score by construction (points are never negative); cites no source."""
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ScoredRound:
    """The round with every team × node quantity resolved, plus aggregates and the constraints used."""

    round: Round
    cells: Mapping[tuple[str, str], Quantity]
    """(team id, node id) → quantity, for every team and node."""
    aggregates: Mapping[tuple[str, str], Quantity]
    """(aggregate entity, node id) → quantity, only those that are known (disclosed or derived)."""
    constraints: Mapping[str, Constraint]

    def cell(self, team: str, node: str) -> Quantity:
        """The quantity for ``team`` on ``node``."""
        return self.cells[(team, node)]

    def quantity(self, entity: str, node: str) -> Quantity | None:
        """A team cell or a known aggregate."""
        return self.cells.get((entity, node)) or self.aggregates.get((entity, node))
