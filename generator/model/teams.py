"""The teams (``teams.yaml``) and what happened to each at the end of the round (``outcomes.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.model.text import Text


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


OutcomeKind = Literal["advanced", "eliminated_score", "disqualified_independence"]


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
