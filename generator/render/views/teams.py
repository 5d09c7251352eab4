"""The team pages' views: one team with everything its page shows, the sections later stages hand in, and the
sources the page cites.

Pure functions only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.audit.configured import ConfiguredAudit
from generator.criteria import Judgement
from generator.evidence import EvidenceFileIn
from generator.model import Component, Outcome, OutcomeKind, Team, Text
from generator.render.judged import (
    HubAuditView,
    TeamIndependence,
    hub_audit_views,
    record_sources,
    team_independence,
    unique,
)
from generator.render.views.results import cited_constraints, known
from generator.scoring.types import Quantity, ScoredRound

DEMO_SECTION = "method-demo"
"""Id of the team-page section that shows the build-time method demo's numbers."""


@dataclass(frozen=True, kw_only=True)
class TeamSection:
    """An extra section of a team page, already written in Markdown in both languages.

    This is the extension point for later stages (e.g. audit records and criteria tables): they hand the
    renderer finished sections and the team template places them under the independence questions. A
    section with id :data:`DEMO_SECTION` takes the place kept for the method demo's numbers.
    """

    id: str
    title: Text
    body: Text


@dataclass(frozen=True, kw_only=True)
class TeamView:
    """One team with everything its page shows."""

    team: Team
    outcome: Outcome | None
    cells: tuple[Quantity, ...]
    """Team × node quantities in rubric order."""
    independence: TeamIndependence
    sections: tuple[TeamSection, ...]
    audits: tuple[ConfiguredAudit, ...] = ()
    """Configured engine audits of the team: results, or what was not run and why."""
    hub_audits: tuple[HubAuditView, ...] = ()
    """The team's public checkpoints audited against references, with evidence where it exists."""

    @property
    def audits_ran(self) -> tuple[ConfiguredAudit, ...]:
        """The configured engine audits that produced a result."""
        return tuple(a for a in self.audits if a.result is not None)

    @property
    def hub_audits_ran(self) -> bool:
        """Whether any of the team's Hub audits has an evidence file."""
        return any(a.evidence is not None for a in self.hub_audits)

    def audit_component(self, audit: ConfiguredAudit) -> Component | None:
        """The recorded component a configured audit examines (``None``: the whole model, or not recorded)."""
        wanted = audit.audit.component
        return next((c for c in self.independence.components if c.id == wanted), None) if wanted else None

    @property
    def demo(self) -> TeamSection | None:
        """The method demo's section for this team, once a later stage provides it."""
        return next((s for s in self.sections if s.id == DEMO_SECTION), None)

    @property
    def extra_sections(self) -> tuple[TeamSection, ...]:
        """Every other section, in the order given."""
        return tuple(s for s in self.sections if s.id != DEMO_SECTION)

    @property
    def result(self) -> OutcomeKind | None:
        """The team's outcome, if recorded."""
        return self.outcome.result if self.outcome else None

    @property
    def hidden(self) -> tuple[Quantity, ...]:
        """The cells without a value (ranges and withheld ones)."""
        return tuple(q for q in self.cells if not known(q))

    @property
    def shown(self) -> tuple[Quantity, ...]:
        """The cells with a value."""
        return tuple(q for q in self.cells if known(q))


def team_views(
    scored: ScoredRound,
    judgement: Judgement,
    sections: Mapping[str, Sequence[TeamSection]],
    audits: Mapping[str, Sequence[ConfiguredAudit]] | None = None,
    evidence: Mapping[str, EvidenceFileIn] | None = None,
) -> tuple[TeamView, ...]:
    """A view per team, in the data's order."""
    round_ = scored.round
    hub = hub_audit_views(round_, evidence or {})
    return tuple(
        TeamView(
            team=team,
            outcome=round_.outcomes.get(team.id),
            cells=tuple(scored.cell(team.id, node) for node in round_.rubric.order()),
            independence=team_independence(round_, judgement.of(team.id)),
            sections=tuple(sections.get(team.id, ())),
            audits=tuple((audits or {}).get(team.id, ())),
            hub_audits=hub.get(team.id, ()),
        )
        for team in round_.teams
    )


def team_sources(scored: ScoredRound, view: TeamView) -> tuple[str, ...]:
    """Every source a team page cites, in first-cited order."""
    ids = list(view.outcome.sources if view.outcome else ())
    ids += [s for q in view.cells for s in q.sources]
    ids += [s for c in cited_constraints(scored, view.cells) for s in c.sources]
    ids += record_sources(scored.round.independence.records.get(view.team.id))
    ids += [s for row in view.independence.rows for s in (*row.criterion.sources, *row.result.sources)]
    ids += [s for m in view.team.models for s in m.sources]
    return unique(ids)
