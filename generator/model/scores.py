"""The rubric, the published figures and the relations between them, and raw evaluation data.

``rubric.yaml``, ``figures.csv``, ``relations.yaml`` and ``raw/*.csv``: what scoring reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from generator.model.text import Text

Basis = Literal["stated", "interpreted"]
Normalise = Literal["linear", "relative_to_best"]
Aggregate = Literal["mean", "median", "trimmed_mean"]


# ---- rubric.yaml ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BenchmarkSpec:
    """One benchmark inside a benchmark rubric node, and how its raw score becomes a fraction."""

    id: str
    name: str
    normalise: Normalise
    floor: float
    """Raw score worth 0 (linear normalisation)."""
    ceiling: float
    """Raw score worth full marks (linear normalisation)."""
    weight: float


@dataclass(frozen=True, kw_only=True)
class BenchmarkMethod:
    """Points = max × weighted mean over benchmarks of the normalised score, each clipped to [0, 1]."""

    kind: Literal["benchmarks"] = "benchmarks"
    benchmarks: tuple[BenchmarkSpec, ...]


@dataclass(frozen=True, kw_only=True)
class PanelMethod:
    """Points from a panel (experts or users) rating each team on weighted criteria.

    Each rater's weighted criterion mean is rescaled to [0, 1] between ``scale_min`` and ``scale_max``;
    raters are then combined by ``aggregate`` and multiplied by the node's maximum.
    """

    kind: Literal["panel"] = "panel"
    table: str
    """Name of the raw table under ``raw/`` (``expert`` or ``user``)."""
    scale_min: float
    scale_max: float
    criteria: Mapping[str, float]
    """Criterion id → weight."""
    aggregate: Aggregate
    trim: float
    """Share cut from each end for ``trimmed_mean`` (0 ≤ trim < 0.5)."""


Method = BenchmarkMethod | PanelMethod


@dataclass(frozen=True, kw_only=True)
class RubricNode:
    """A node of the scoring tree; a parent's points are the sum of its children's."""

    id: str
    name: Text
    max: float
    parent: str | None
    children: tuple[str, ...]
    description: Text | None
    method: Method | None
    """How raw data becomes points; ``None`` when the method was not disclosed."""
    method_note: Text | None
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Rubric:
    """The scoring tree, nodes in reading order (depth first)."""

    root: str
    nodes: Mapping[str, RubricNode]

    def node(self, node_id: str) -> RubricNode:
        """The node with ``node_id``."""
        return self.nodes[node_id]

    def order(self) -> tuple[str, ...]:
        """Node ids depth first, parents before children."""
        return tuple(self.nodes)

    def depth(self, node_id: str) -> int:
        """0 for the root."""
        parent = self.nodes[node_id].parent
        return 0 if parent is None else 1 + self.depth(parent)


# ---- figures.csv ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Location:
    """Where a value came from in the data, so later stages can point at it in errors."""

    file: str
    where: str = ""


@dataclass(frozen=True, kw_only=True)
class Figure:
    """One team × rubric-node cell as published: a value with its source, or explicitly withheld."""

    team: str
    node: str
    disclosed: bool
    value: float | None
    uncertainty: float
    """Half-width of the rounding interval (0.05 for a value written with one decimal; 0 when exact)."""
    sources: tuple[str, ...]
    withheld_by: str | None
    """Actor id that withheld the value (``not_disclosed`` rows)."""
    note: Text | None
    origin: Location


# ---- relations.yaml ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MeanRelation:
    """The published average of one rubric node over all teams."""

    kind: Literal["mean"] = "mean"
    id: str
    node: str
    value: float
    uncertainty: float
    basis: Basis
    sources: tuple[str, ...]
    statement: Text
    origin: Location


@dataclass(frozen=True, kw_only=True)
class RankRelation:
    """A team had the highest (or lowest) value of a rubric node among all teams (ties allowed)."""

    kind: Literal["highest", "lowest"]
    id: str
    node: str
    team: str
    basis: Basis
    sources: tuple[str, ...]
    statement: Text
    origin: Location


Relation = MeanRelation | RankRelation


# ---- raw/*.csv --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BenchmarkResult:
    """One raw benchmark score of one team."""

    team: str
    node: str
    benchmark: str
    score: float


@dataclass(frozen=True, kw_only=True)
class PanelScore:
    """One rater's score of one team on one criterion."""

    team: str
    rater: str
    criterion: str
    score: float


@dataclass(frozen=True, kw_only=True)
class RawData:
    """Raw evaluation data, when a round publishes it (round 1 did not)."""

    benchmarks: tuple[BenchmarkResult, ...] = ()
    panels: Mapping[str, tuple[PanelScore, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when there is no raw data at all."""
        return not self.benchmarks and not any(self.panels.values())
