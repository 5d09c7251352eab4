"""Independence: ``criteria.yaml``, ``sovereignty.yaml`` and ``audits.yaml`` (per team: components,
allegations, rulings, engine audits and Hub audits).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from generator.model import Over, Statistic
from generator.schema.fields import Id, NonEmpty, Strict, TextIn

# ---- criteria.yaml ----------------------------------------------------------------------------------------


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


# ---- sovereignty.yaml -------------------------------------------------------------------------------------


class LevelIn(Strict):
    level: int = Field(ge=0, le=6)
    description: TextIn


class SovereigntyScaleIn(Strict):
    """``sovereignty.yaml``: a proposed scale of sovereignty levels 0–6, with who proposed it."""

    proposed_by: TextIn
    sources: list[Id] = Field(min_length=1)
    levels: list[LevelIn] = Field(min_length=1)


# ---- audits.yaml ------------------------------------------------------------------------------------------


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


class ReplicationIn(Strict):
    """A published figure a Hub audit reproduces: ``{figure: ID, statistic: KIND, over: OVER}``.

    ``figure`` is the id of one of its allegation's figures (``allegations[].evidence[].id``).
    """

    figure: Id
    statistic: Statistic
    over: Over


class HubAuditIn(Strict):
    """An audit of a team's public checkpoint against a reference, run by ``python -m generator evidence``."""

    id: Id
    candidate: CheckpointIn
    reference: CheckpointIn
    reason: AuditReasonIn
    label: TextIn
    replicates: list[ReplicationIn] = Field(default_factory=list)
    """Figures of its allegation the audit reproduces, each with our statistic that reproduces it."""


class AuditRecordIn(Strict):
    team: Id
    components: list[ComponentIn] = Field(default_factory=list)
    allegations: list[AllegationIn] = Field(default_factory=list)
    rulings: list[RulingIn] = Field(default_factory=list)
    engine_audits: list[EngineAuditIn] = Field(default_factory=list)
    hub_audits: list[HubAuditIn] = Field(default_factory=list)
