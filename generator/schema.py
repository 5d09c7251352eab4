"""Input models: the YAML and CSV a person writes, checked with pydantic at the boundary.

These mirror the files in ``data/<round>/`` one to one. :mod:`generator.validate` cross-references them
and normalises them into the frozen types of :mod:`generator.model`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from generator.replication import ReplicationIn

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DATE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=80)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
PartialDate = Annotated[str, StringConstraints(pattern=DATE_PATTERN)]


class Strict(BaseModel):
    """Base for input models: unknown keys are errors (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TextIn(Strict):
    ko: NonEmpty
    en: NonEmpty


class RoundIn(Strict):
    id: Id
    title: TextIn
    programme: TextIn
    announced: date
    as_of: date
    fictional: bool = False
    actors: dict[Id, TextIn] = Field(default_factory=dict)
    omits: list[Literal["criteria", "sovereignty", "audits", "narrative", "corrections"]] = Field(
        default_factory=list
    )
    """The parts this round does not include; any other missing file is an error."""


class SourceIn(Strict):
    id: Id
    kind: Literal["seed", "external", "official", "analysis", "reference"]
    publisher: TextIn
    published: PartialDate | None
    title: NonEmpty | None
    authors: list[NonEmpty] = Field(default_factory=list)
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    seed_file: NonEmpty | None = None
    note: TextIn | None = None

    @field_validator("published", mode="before")
    @classmethod
    def _date_to_text(cls, value: object) -> object:
        # YAML reads an unquoted 2026-01-08 as a date; accept it as the same text.
        return value.isoformat() if isinstance(value, date) else value


class ModelRefIn(Strict):
    name: NonEmpty
    sources: list[Id] = Field(min_length=1)


class TeamIn(Strict):
    id: Id
    name: TextIn
    models: list[ModelRefIn] = Field(default_factory=list)


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


class OutcomeIn(Strict):
    team: Id
    result: Literal["advanced", "eliminated_score", "disqualified_independence"]
    grounds: TextIn
    summary: TextIn | None = None
    """Why, in one plain sentence for the home page (defaults to the grounds)."""
    summary_sources: list[Id] = Field(default_factory=list)
    """Sources of the summary when they differ from the grounds' sources."""
    sources: list[Id] = Field(min_length=1)


class ChangeIn(Strict):
    """One entry of the data's change record (``corrections.yaml``)."""

    date: date
    kind: Literal["corrected", "added", "removed", "published"]
    what: TextIn
    before: TextIn | None = None
    """What the site said before (``corrected`` and ``removed``)."""
    after: TextIn | None = None
    """What it says now (``corrected`` and ``added``)."""
    sources: list[Id] = Field(default_factory=list)
    """The sources the change rests on."""

    @model_validator(mode="after")
    def _complete(self) -> ChangeIn:
        if self.kind == "corrected" and (self.before is None or self.after is None):
            raise ValueError("a correction says what the site said before and what it says now")
        if self.kind in ("corrected", "added") and not self.sources:
            raise ValueError("a correction or addition names the sources it rests on")
        return self


class EventIn(Strict):
    date: PartialDate
    title: TextIn
    detail: TextIn | None = None
    sources: list[Id] = Field(min_length=1)

    @field_validator("date", mode="before")
    @classmethod
    def _date_to_text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, date) else value


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


# --- independence records -----------------------------------------------------------------------------------


class ComponentIn(Strict):
    id: Id
    name: TextIn
    kind: Literal["weights", "code"] = "weights"
    origin: Literal["own", "external", "alleged"]
    reference: TextIn | None = None
    weights: Literal["trained_from_scratch", "fine_tuned", "frozen", "unknown", "not_applicable"]
    licence_compliant: bool | None = None
    note: TextIn | None = None
    sources: list[Id] = Field(min_length=1)


class EvidenceIn(Strict):
    id: Id | None = None
    """Names the figure for a Hub audit that reproduces it (``hub_audits[].replicates``)."""
    statistic: Literal["raw_cosine", "pearson", "centred_cosine", "relative_l2", "other"]
    value: float | None
    approximate: bool = False
    above: bool = False
    """The source gives only a lower bound ("exceeded 99.5 percent"): shown as "above" the value."""
    scope: TextIn
    note: TextIn | None = None
    sources: list[Id] = Field(default_factory=list)
    unsourced: TextIn | None = None

    @model_validator(mode="after")
    def _sourced(self) -> EvidenceIn:
        if not self.sources and self.unsourced is None:
            raise ValueError("evidence needs sources, or an 'unsourced' note saying why there is none")
        if self.approximate and self.above:
            raise ValueError("a figure is either approximate or a lower bound ('above'), not both")
        return self


class StatementIn(Strict):
    """What one side said, in its own published words or a close paraphrase, with who said it."""

    by: TextIn
    said: TextIn
    sources: list[Id] = Field(min_length=1)


class AllegationIn(Strict):
    id: Id
    criterion: Id
    against: TextIn
    claim: TextIn
    evidence: list[EvidenceIn] = Field(default_factory=list)
    outcome: Literal["upheld", "withdrawn", "not_decisive", "open"]
    outcome_detail: TextIn | None = None
    responses: list[StatementIn] = Field(default_factory=list)
    sources: list[Id] = Field(min_length=1)


class RulingIn(Strict):
    criterion: Id
    finding: Literal["pass", "fail", "noted"]
    reason: TextIn
    sources: list[Id] = Field(min_length=1)


class EngineAuditIn(Strict):
    id: Id
    component: Id | None = None
    candidate: NonEmpty
    reference: NonEmpty
    label: TextIn


HubRepo = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
"""A Hugging Face Hub repository id, ``OWNER/NAME``."""


class CheckpointIn(Strict):
    """A public checkpoint on the Hub; several ``repos``: spellings of one unconfirmed id, tried in order."""

    repos: list[HubRepo] = Field(min_length=1)
    revision: Annotated[str, StringConstraints(pattern=r"^(main|[0-9a-f]{40})$")] = "main"
    seen_in: list[NonEmpty] = Field(min_length=1)
    confirmed: bool = True

    @model_validator(mode="after")
    def _spellings(self) -> CheckpointIn:
        if len(self.repos) > 1 and self.confirmed:
            raise ValueError("several spellings of a repository id: mark it 'confirmed: false'")
        if len(set(self.repos)) != len(self.repos):
            raise ValueError("a repository id is listed twice")
        return self


class AuditReasonIn(Strict):
    """Why an audit is run: an allegation (with its sources), or a screen where nobody alleged anything."""

    kind: Literal["allegation", "screen"]
    allegation: Id | None = None
    basis: Literal["same_family", "other_team"] | None = None
    sources: list[Id] = Field(default_factory=list)
    note: TextIn

    @model_validator(mode="after")
    def _complete(self) -> AuditReasonIn:
        if self.kind == "allegation" and (self.allegation is None or not self.sources or self.basis):
            raise ValueError("an allegation reason names the allegation and its sources, and no screen basis")
        if self.kind == "screen" and (self.basis is None or self.allegation is not None):
            raise ValueError("a screen names its basis (same_family or other_team) and no allegation")
        return self


class HubAuditIn(Strict):
    """An audit of a team's public checkpoint against a reference, run by ``python -m generator evidence``."""

    id: Id
    candidate: CheckpointIn
    reference: CheckpointIn
    reason: AuditReasonIn
    label: TextIn
    replicates: list[ReplicationIn] = Field(default_factory=list)
    """Figures of its allegation the audit reproduces, with our statistic (:mod:`generator.replication`)."""


class AuditRecordIn(Strict):
    team: Id
    components: list[ComponentIn] = Field(default_factory=list)
    allegations: list[AllegationIn] = Field(default_factory=list)
    rulings: list[RulingIn] = Field(default_factory=list)
    engine_audits: list[EngineAuditIn] = Field(default_factory=list)
    hub_audits: list[HubAuditIn] = Field(default_factory=list)


class RuleIn(Strict):
    origin: Literal["own", "external"] | None = None
    weights: list[Literal["trained_from_scratch", "fine_tuned", "frozen", "unknown", "not_applicable"]] = (
        Field(default_factory=list)
    )
    licence_compliant: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> RuleIn:
        if self.origin is None and not self.weights and self.licence_compliant is None:
            raise ValueError("a rule needs at least one of origin, weights, licence_compliant")
        return self


class CriterionIn(Strict):
    id: Id
    name: TextIn
    definition: TextIn
    sources: list[Id] = Field(min_length=1)
    fails_when: RuleIn


class LevelIn(Strict):
    level: int = Field(ge=0, le=6)
    description: TextIn


class SovereigntyScaleIn(Strict):
    """``sovereignty.yaml``: a proposed scale of sovereignty levels 0–6, with who proposed it."""

    proposed_by: TextIn
    sources: list[Id] = Field(min_length=1)
    levels: list[LevelIn] = Field(min_length=1)


# --- narrative.yaml: hand-written, sourced prose ----------------------------------------------------------


class PassageIn(Strict):
    """A sentence or two with the sources that state it."""

    text: TextIn
    sources: list[str] = Field(min_length=1)


class TermIn(Strict):
    """A glossary entry."""

    term: TextIn
    definition: TextIn
    sources: list[str] = Field(default_factory=list)


class NarrativeIn(Strict):
    """``narrative.yaml``: prose the data files do not hold (criteria, allegations and the scale are data)."""

    round: str
    """The round it was written for."""
    definition: PassageIn
    from_scratch: PassageIn
    allowed: list[PassageIn]
    not_allowed: list[PassageIn]
    findings: list[PassageIn]
    withheld_reason: PassageIn | None = None
    open_questions: list[PassageIn] = Field(default_factory=list)
    scale_about: PassageIn | None = None
    glossary: list[TermIn] = Field(default_factory=list)
