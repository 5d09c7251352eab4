"""What scoring reads: ``rubric.yaml``, ``figures.csv``, ``relations.yaml`` and ``raw/*.csv``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from generator.schema.fields import Id, NonEmpty, Strict, TextIn

# ---- rubric.yaml ------------------------------------------------------------------------------------------


class BenchmarkIn(Strict):
    id: Id
    name: NonEmpty
    normalise: Literal["linear", "relative_to_best"] = "linear"
    floor: float = 0.0
    ceiling: float = 100.0
    weight: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _ceiling_above_floor(self) -> BenchmarkIn:
        if self.ceiling <= self.floor:
            raise ValueError(f"ceiling ({self.ceiling}) must be above floor ({self.floor})")
        return self


class BenchmarkMethodIn(Strict):
    kind: Literal["benchmarks"]
    benchmarks: list[BenchmarkIn] = Field(min_length=1)


class ScaleIn(Strict):
    min: float
    max: float

    @model_validator(mode="after")
    def _max_above_min(self) -> ScaleIn:
        if self.max <= self.min:
            raise ValueError(f"scale max ({self.max}) must be above min ({self.min})")
        return self


class PanelMethodIn(Strict):
    kind: Literal["panel"]
    table: Id
    scale: ScaleIn
    criteria: dict[Id, Annotated[float, Field(gt=0)]] = Field(min_length=1)
    aggregate: Literal["mean", "median", "trimmed_mean"] = "mean"
    trim: float = Field(default=0.0, ge=0, lt=0.5)


MethodIn = Annotated[BenchmarkMethodIn | PanelMethodIn, Field(discriminator="kind")]


class NodeIn(Strict):
    id: Id
    name: TextIn
    max: float = Field(gt=0)
    description: TextIn | None = None
    sources: list[Id] = Field(default_factory=list)
    method: MethodIn | None = None
    method_note: TextIn | None = None
    children: list[NodeIn] = Field(default_factory=list)


# ---- figures.csv ------------------------------------------------------------------------------------------


class FigureRow(Strict):
    """One row of ``figures.csv``; every cell is text as read, parsed in :mod:`generator.validate.figures`."""

    team: NonEmpty
    node: NonEmpty
    status: Literal["disclosed", "not_disclosed"]
    value: str
    rounding: str
    sources: str
    withheld_by: str
    note_ko: str
    note_en: str


# ---- relations.yaml ---------------------------------------------------------------------------------------


class MeanIn(Strict):
    kind: Literal["mean"]
    id: Id
    node: Id
    value: float = Field(ge=0)
    basis: Literal["stated", "interpreted"]
    sources: list[Id] = Field(min_length=1)
    statement: TextIn


class RankIn(Strict):
    kind: Literal["highest", "lowest"]
    id: Id
    node: Id
    team: Id
    basis: Literal["stated", "interpreted"]
    sources: list[Id] = Field(min_length=1)
    statement: TextIn


RelationIn = Annotated[MeanIn | RankIn, Field(discriminator="kind")]


# ---- raw/*.csv --------------------------------------------------------------------------------------------


class BenchmarkRow(Strict):
    team: NonEmpty
    node: NonEmpty
    benchmark: NonEmpty
    score: float


class PanelRow(Strict):
    team: NonEmpty
    rater: NonEmpty
    criterion: NonEmpty
    score: float
