"""Input models: the YAML and CSV a person writes, checked with pydantic at the boundary.

These mirror the files in ``data/<round>/`` one to one, one module per kind of file (named as the
resolved values of :mod:`generator.model` are), each re-exported here. :mod:`generator.validate`
cross-references them and normalises them into the frozen types of :mod:`generator.model`.

* :mod:`.fields`: identifiers, dates, text, and the base model every input model shares;
* :mod:`.round`: ``round.yaml``;
* :mod:`.sources`: ``sources.yaml``;
* :mod:`.teams`: ``teams.yaml``, ``outcomes.yaml``;
* :mod:`.scores`: ``rubric.yaml``, ``figures.csv``, ``relations.yaml``, ``raw/*.csv``;
* :mod:`.timeline`: ``timeline.yaml``, ``corrections.yaml``;
* :mod:`.independence`: ``criteria.yaml``, ``sovereignty.yaml``, ``audits.yaml``;
* :mod:`.narrative`: ``narrative.yaml``.
"""

from __future__ import annotations

from generator.schema.fields import DATE_PATTERN, ID_PATTERN, Id, NonEmpty, PartialDate, Strict, TextIn
from generator.schema.independence import (
    AllegationIn,
    AuditReasonIn,
    AuditRecordIn,
    CheckpointIn,
    ComponentIn,
    CriterionIn,
    EngineAuditIn,
    EvidenceIn,
    HubAuditIn,
    HubRepo,
    LevelIn,
    ReplicationIn,
    RuleIn,
    RulingIn,
    SovereigntyScaleIn,
    StatementIn,
)
from generator.schema.narrative import NarrativeIn, PassageIn, TermIn
from generator.schema.round import RoundIn
from generator.schema.scores import (
    BenchmarkIn,
    BenchmarkMethodIn,
    BenchmarkRow,
    FigureRow,
    MeanIn,
    MethodIn,
    NodeIn,
    PanelMethodIn,
    PanelRow,
    RankIn,
    RelationIn,
    ScaleIn,
)
from generator.schema.sources import SourceIn
from generator.schema.teams import ModelRefIn, OutcomeIn, TeamIn
from generator.schema.timeline import ChangeIn, EventIn

__all__ = [
    "DATE_PATTERN",
    "ID_PATTERN",
    "AllegationIn",
    "AuditReasonIn",
    "AuditRecordIn",
    "BenchmarkIn",
    "BenchmarkMethodIn",
    "BenchmarkRow",
    "ChangeIn",
    "CheckpointIn",
    "ComponentIn",
    "CriterionIn",
    "EngineAuditIn",
    "EventIn",
    "EvidenceIn",
    "FigureRow",
    "HubAuditIn",
    "HubRepo",
    "Id",
    "LevelIn",
    "MeanIn",
    "MethodIn",
    "ModelRefIn",
    "NarrativeIn",
    "NodeIn",
    "NonEmpty",
    "OutcomeIn",
    "PanelMethodIn",
    "PanelRow",
    "PartialDate",
    "PassageIn",
    "RankIn",
    "RelationIn",
    "ReplicationIn",
    "RoundIn",
    "RuleIn",
    "RulingIn",
    "ScaleIn",
    "SourceIn",
    "SovereigntyScaleIn",
    "StatementIn",
    "Strict",
    "TeamIn",
    "TermIn",
    "TextIn",
]
