"""Resolved values that cross stage boundaries: what ``validate`` produces and ``scoring`` consumes.

Everything here is frozen and keyword-only. The input models the user writes (YAML/CSV) live in
:mod:`generator.schema`; they are checked there and normalised into these types by :mod:`generator.validate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from generator.replication import Replication

Basis = Literal["stated", "interpreted"]
OutcomeKind = Literal["advanced", "eliminated_score", "disqualified_independence"]
Normalise = Literal["linear", "relative_to_best"]
Aggregate = Literal["mean", "median", "trimmed_mean"]


@dataclass(frozen=True, kw_only=True)
class Text:
    """A short text in both site languages; Korean is the original."""

    ko: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("ko" or "en")."""
        return self.ko if lang == "ko" else self.en


@dataclass(frozen=True, kw_only=True)
class Location:
    """Where a value came from in the data, so later stages can point at it in errors."""

    file: str
    where: str = ""


@dataclass(frozen=True, kw_only=True)
class Source:
    """A publication that states something the site shows."""

    id: str
    kind: Literal["seed", "external", "official", "analysis", "reference"]
    """``seed``: one of the project's primary news articles; ``external``: another outlet; ``analysis``: a
    public analysis (e.g. a GitHub repository); ``reference``: a method reference (a paper)."""
    publisher: Text
    published: str | None
    """Publication date, ``YYYY-MM-DD`` (``YYYY-MM`` when only the month is known; ``None``: not recorded)."""
    title: str | None
    """Headline as published; ``None`` when it was not recorded."""
    authors: tuple[str, ...]
    url: str | None
    seed_file: str | None
    note: Text | None


@dataclass(frozen=True, kw_only=True)
class ModelRef:
    """A model a team entered, named only where a source names it."""

    name: str
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Team:
    """One elite team (정예팀)."""

    id: str
    name: Text
    models: tuple[ModelRef, ...]


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


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What happened to a team at the end of the round, and on what grounds."""

    team: str
    result: OutcomeKind
    grounds: Text
    sources: tuple[str, ...]
    summary: Text
    """Why, in one plain sentence (the home page)."""
    summary_sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Change:
    """One entry of the data's change record: which value changed, from what to what, when, on what source."""

    date: date
    kind: Literal["corrected", "added", "removed", "published"]
    what: Text
    before: Text | None
    after: Text | None
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Event:
    """A dated event in the round's timeline."""

    date: str
    """``YYYY-MM-DD`` or ``YYYY-MM``."""
    title: Text
    detail: Text | None
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RoundInfo:
    """The round itself."""

    id: str
    title: Text
    programme: Text
    announced: date
    as_of: date
    """Date the data was last reviewed; the report shows it instead of the build clock."""
    actors: Mapping[str, Text]
    """Actor id → name, e.g. ``ministry`` → 과학기술정보통신부."""
    fictional: bool
    """True for demo/test rounds; the site marks every page of such a round as fictional."""
    omits: tuple[str, ...] = ()
    """Parts the round does not include (``criteria``, ``sovereignty``, ``audits``, ``narrative``,
    ``corrections``); the site says so."""


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


# --- independence audit records (round data) ------------------------------------------------------------

WeightsOrigin = Literal["trained_from_scratch", "fine_tuned", "frozen", "unknown", "not_applicable"]
RulingFinding = Literal["pass", "fail", "noted"]
"""What a published ruling said on one criterion."""
Finding = Literal["pass", "fail", "noted", "alleged", "no_finding", "not_assessed"]
"""What a page shows for one team and criterion: a ruling, or what is (not) on record without one."""
AllegationOutcome = Literal["upheld", "withdrawn", "not_decisive", "open"]


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
    """Published figures of the allegation this audit reproduces (:mod:`generator.replication`)."""


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
class CriterionRule:
    """A component fails the criterion when every given field matches."""

    origin: str | None
    weights: tuple[str, ...]
    licence_compliant: bool | None


@dataclass(frozen=True, kw_only=True)
class Criterion:
    """One of the ministry's independence criteria, with the rule that applies it to components."""

    id: str
    name: Text
    definition: Text
    sources: tuple[str, ...]
    fails_when: CriterionRule


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


@dataclass(frozen=True, kw_only=True)
class Independence:
    """The round's independence data: criteria, the sovereignty scale, and per-team audit records."""

    criteria: tuple[Criterion, ...] = ()
    scale: SovereigntyScale | None = None
    records: Mapping[str, AuditRecord] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Round:
    """A whole round's data, validated and cross-referenced."""

    info: RoundInfo
    sources: Mapping[str, Source]
    teams: tuple[Team, ...]
    rubric: Rubric
    figures: tuple[Figure, ...]
    relations: tuple[Relation, ...]
    outcomes: Mapping[str, Outcome]
    events: tuple[Event, ...]
    raw: RawData
    independence: Independence = field(default_factory=Independence)
    changes: tuple[Change, ...] = ()
    """The data's change record, newest first (``corrections.yaml``; empty when the round has none)."""

    def team(self, team_id: str) -> Team:
        """The team with ``team_id``."""
        return next(t for t in self.teams if t.id == team_id)


# --- narrative.yaml: hand-written, sourced prose ----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Passage:
    """A sentence or two with the sources that state it."""

    text: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Term:
    """A glossary entry; Korean terms are written with spaces so that search finds them."""

    term: Text
    definition: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Narrative:
    """Everything hand-written about a round that its data files do not hold; empty when the round omits it.

    The definition of an independent model, what "from scratch" means, what was allowed and what was not,
    the findings, a note on the proposed sovereignty scale and the glossary. The criteria, the allegations,
    the rulings and the scale's levels are data (:attr:`Round.independence`), never repeated here.
    """

    definition: Passage | None = None
    from_scratch: Passage | None = None
    allowed: tuple[Passage, ...] = ()
    not_allowed: tuple[Passage, ...] = ()
    findings: tuple[Passage, ...] = ()
    """What the official finding rested on, beyond the rulings recorded in ``audits.yaml``."""
    withheld_reason: Passage | None = None
    """Why the other teams' scores were not published, in the words of whoever withheld them."""
    open_questions: tuple[Passage, ...] = ()
    """What is not known yet, each with the source that shows the gap."""
    scale_about: Passage | None = None
    """What the proposed sovereignty scale grades, and that it is a proposal (its levels are data)."""
    glossary: tuple[Term, ...] = ()

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage, for source checks."""
        single = (self.definition, self.from_scratch, self.withheld_reason, self.scale_about)
        return (
            *(p for p in single if p is not None),
            *self.allowed,
            *self.not_allowed,
            *self.findings,
            *self.open_questions,
        )
