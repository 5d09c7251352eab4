"""Independence: the criteria, the proposed sovereignty scale, and per team its audit record.

``criteria.yaml``, ``sovereignty.yaml`` and ``audits.yaml``: components, allegations with their published
figures, rulings, engine audits, and Hub audits with the published figures each reproduces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from generator.model.text import Text

WeightsOrigin = Literal["trained_from_scratch", "fine_tuned", "frozen", "unknown", "not_applicable"]
RulingFinding = Literal["pass", "fail", "noted"]
"""What a published ruling said on one criterion."""

Finding = Literal["pass", "fail", "noted", "alleged", "no_finding", "not_assessed"]
"""What a page shows for one team and criterion: a ruling, or what is (not) on record without one."""

AllegationOutcome = Literal["upheld", "withdrawn", "not_decisive", "open"]


# ---- criteria.yaml ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Criterion:
    """One of the ministry's independence criteria, with the rule that applies it to components."""

    id: str
    name: Text
    definition: Text
    sources: tuple[str, ...]
    fails_when: CriterionRule


@dataclass(frozen=True, kw_only=True)
class CriterionRule:
    """A component fails the criterion when every given field matches."""

    origin: str | None
    weights: tuple[str, ...]
    licence_compliant: bool | None


# ---- sovereignty.yaml -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SovereigntyLevel:
    """A level of the proposed 0–6 sovereignty scale that a source describes."""

    level: int
    description: Text


@dataclass(frozen=True, kw_only=True)
class SovereigntyScale:
    """The proposed scale: only the described levels."""

    proposed_by: Text
    sources: tuple[str, ...]
    levels: tuple[SovereigntyLevel, ...]


# ---- audits.yaml ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Component:
    """A declared part of a team's model and where it came from."""

    id: str
    name: Text
    kind: Literal["weights", "code"]
    origin: Literal["own", "external", "alleged"]
    """``alleged``: said to come from outside, not confirmed by the team or a ruling."""
    reference: Text | None
    """The model it came from or resembles."""
    weights: WeightsOrigin
    licence_compliant: bool | None
    note: Text | None
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """A published figure offered as evidence in an allegation."""

    statistic: Literal["raw_cosine", "pearson", "centred_cosine", "relative_l2", "other"]
    value: float | None
    approximate: bool
    above: bool
    """The source gives only a lower bound: the true figure is above ``value``."""
    scope: Text
    note: Text | None
    sources: tuple[str, ...]
    unsourced: Text | None
    """Set when we hold no citable source for the figure; the site says so."""
    id: str | None = None
    """The figure's id, for a Hub audit that reproduces it (``HubAudit.replicates``)."""


@dataclass(frozen=True, kw_only=True)
class Statement:
    """What one side said (the team, an official, an expert), and who said it."""

    by: Text
    """The speaker, with title as published (e.g. "류제명 과기정통부 제2차관")."""
    said: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Allegation:
    """An independence question raised about a team, and how it ended."""

    id: str
    criterion: str
    against: Text
    claim: Text
    evidence: tuple[Evidence, ...]
    outcome: AllegationOutcome
    outcome_detail: Text | None
    responses: tuple[Statement, ...]
    """Each side's published response: the team, officials, experts who disagree."""
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Ruling:
    """The official finding on one criterion for one team."""

    criterion: str
    finding: RulingFinding
    reason: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class EngineAudit:
    """A weight audit the build runs when the checkpoint (or fingerprint) paths exist."""

    id: str
    component: str | None
    candidate: str
    """Path; ``${VAR}`` is expanded from the environment at build time."""
    reference: str
    label: Text


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    """A public checkpoint on the Hugging Face Hub."""

    repos: tuple[str, ...]
    """``OWNER/NAME``; more than one when the id is not confirmed (spellings tried in order)."""
    revision: str
    """``main``, or a pinned commit SHA."""
    seen_in: tuple[str, ...]
    """Where the id was published (a URL, or a document named as it is cited)."""
    confirmed: bool
    """Whether the id is confirmed."""


@dataclass(frozen=True, kw_only=True)
class AuditReason:
    """Why an audit is run."""

    kind: Literal["allegation", "screen"]
    """``allegation``: someone alleged derivation; ``screen``: nobody did (a screen is not an accusation)."""
    allegation: str | None
    """The allegation's id (``kind == "allegation"``)."""
    basis: Literal["same_family", "other_team"] | None
    """What a screen compares with: an open model of the same architecture family, another team's model."""
    sources: tuple[str, ...]
    """Source ids behind the reason."""
    note: Text
    """The reason in a sentence."""


# ---- audits.yaml: the published figures a Hub audit reproduces --------------------------------------------


Statistic = Literal["norm_gain_cosine", "norm_gain_pearson", "tensor_cosine", "tensor_pearson"]
"""Our statistic that reproduces a published figure: raw cosine or Pearson correlation of the
normalisation gains, layer by layer (matched by depth), or of the vision encoder's tensors, tensor by tensor
(flattened)."""

Over = Literal["mean", "pooled", "unstated"]
"""What the published figure summarises: the mean over layers or tensors, every entry pooled into one
vector, or the source does not say (which layers or tensors, or how they were combined)."""


@dataclass(frozen=True, kw_only=True)
class PublishedFigure:
    """A published figure, as the allegation records it."""

    id: str
    """The figure's id in its allegation."""
    statistic: str
    """The published statistic (``raw_cosine``, ``pearson`` …)."""
    value: float | None
    """The number, or ``None`` when the source gives none."""
    above: bool
    """Only a lower bound was published ("exceeded 99.5 percent")."""
    approximate: bool
    """The number is approximate ("≈ 0.01")."""
    sources: tuple[str, ...]
    """Source ids."""


@dataclass(frozen=True, kw_only=True)
class Replication:
    """A published figure an audit reproduces, and with which statistic."""

    figure: PublishedFigure
    """The figure."""
    statistic: Statistic
    """Ours, that reproduces it."""
    over: Over
    """What the figure summarises."""


@dataclass(frozen=True, kw_only=True)
class HubAudit:
    """A configured audit of a team's public checkpoint (``python -m generator evidence`` runs it)."""

    id: str
    team: str
    candidate: Checkpoint
    reference: Checkpoint
    reason: AuditReason
    label: Text
    replicates: tuple[Replication, ...] = ()
    """Published figures of the allegation this audit reproduces, each set beside ours by ``evidence``
    (:mod:`generator.evidence.replication`)."""


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    """Everything recorded about one team's independence."""

    team: str
    components: tuple[Component, ...]
    allegations: tuple[Allegation, ...]
    rulings: tuple[Ruling, ...]
    engine_audits: tuple[EngineAudit, ...]
    hub_audits: tuple[HubAudit, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Independence:
    """The round's independence data: criteria, the sovereignty scale, and per-team audit records."""

    criteria: tuple[Criterion, ...] = ()
    scale: SovereigntyScale | None = None
    records: Mapping[str, AuditRecord] = field(default_factory=dict)
