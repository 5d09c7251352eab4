"""The round itself (``round.yaml``) and the whole round's data, validated and cross-referenced."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from generator.model.independence import Independence
from generator.model.scores import Figure, RawData, Relation, Rubric
from generator.model.sources import Source
from generator.model.teams import Outcome, Team
from generator.model.text import Text
from generator.model.timeline import Change, Event


@dataclass(frozen=True, kw_only=True)
class RoundInfo:
    """The round itself."""

    id: str
    title: Text
    programme: Text
    announced: date
    as_of: date
    """Date the data was last reviewed; the report shows it instead of the build clock."""
    advances_to: Text
    """The stage the advancing teams go on to (``2차`` / ``phase 2`` in round 1); every "advanced" badge,
    tag and sentence of the round names it."""
    actors: Mapping[str, Text]
    """Actor id → name, e.g. ``ministry`` → 과학기술정보통신부."""
    fictional: bool
    """True for demo/test rounds; the site marks every page of such a round as fictional."""
    omits: tuple[str, ...] = ()
    """Parts the round does not include (``criteria``, ``sovereignty``, ``audits``, ``narrative``,
    ``corrections``); the site says so."""
    pending: bool = False
    """True while the round's results are not announced: the site shows its teams and rubric and says
    "not yet announced", never a score or an outcome."""


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
