"""Resolved values that cross stage boundaries: what ``validate`` produces and ``scoring`` consumes.

Everything here is frozen and keyword-only. The input models the user writes (YAML/CSV) live in
:mod:`generator.schema`; they are checked there and normalised into these types by :mod:`generator.validate`.
One module per subject, each re-exported here (``from generator.model import Round``):

* :mod:`.round`: the round (:class:`RoundInfo`) and all its data (:class:`Round`);
* :mod:`.text`: text in both languages;
* :mod:`.sources`: the publications cited;
* :mod:`.teams`: the teams and their outcomes;
* :mod:`.scores`: the rubric, published figures, relations between them, raw data;
* :mod:`.timeline`: events and the data's change record;
* :mod:`.independence`: criteria, the sovereignty scale, audit records with allegations and Hub audits (and
  the published figures a Hub audit reproduces);
* :mod:`.narrative`: hand-written, sourced prose.
"""

from __future__ import annotations

from generator.model.independence import (
    Allegation,
    AllegationOutcome,
    AuditReason,
    AuditRecord,
    Checkpoint,
    Component,
    Criterion,
    CriterionRule,
    EngineAudit,
    Evidence,
    Finding,
    HubAudit,
    Independence,
    Over,
    PublishedFigure,
    Replication,
    Ruling,
    RulingFinding,
    SovereigntyLevel,
    SovereigntyScale,
    Statement,
    Statistic,
    WeightsOrigin,
)
from generator.model.narrative import Narrative, Passage, Term
from generator.model.round import Round, RoundInfo
from generator.model.scores import (
    Aggregate,
    Basis,
    BenchmarkMethod,
    BenchmarkResult,
    BenchmarkSpec,
    Figure,
    Location,
    MeanRelation,
    Method,
    Normalise,
    PanelMethod,
    PanelScore,
    RankRelation,
    RawData,
    Relation,
    Rubric,
    RubricNode,
)
from generator.model.sources import Source
from generator.model.teams import ModelRef, Outcome, OutcomeKind, Team
from generator.model.text import Text
from generator.model.timeline import Change, Event

__all__ = [
    "Aggregate",
    "Allegation",
    "AllegationOutcome",
    "AuditReason",
    "AuditRecord",
    "Basis",
    "BenchmarkMethod",
    "BenchmarkResult",
    "BenchmarkSpec",
    "Change",
    "Checkpoint",
    "Component",
    "Criterion",
    "CriterionRule",
    "EngineAudit",
    "Event",
    "Evidence",
    "Figure",
    "Finding",
    "HubAudit",
    "Independence",
    "Location",
    "MeanRelation",
    "Method",
    "ModelRef",
    "Narrative",
    "Normalise",
    "Outcome",
    "OutcomeKind",
    "Over",
    "PanelMethod",
    "PanelScore",
    "Passage",
    "PublishedFigure",
    "RankRelation",
    "RawData",
    "Relation",
    "Replication",
    "Round",
    "RoundInfo",
    "Rubric",
    "RubricNode",
    "Ruling",
    "RulingFinding",
    "Source",
    "SovereigntyLevel",
    "SovereigntyScale",
    "Statement",
    "Statistic",
    "Team",
    "Term",
    "Text",
    "WeightsOrigin",
]
