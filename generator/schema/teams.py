"""``teams.yaml`` (the teams and their models) and ``outcomes.yaml`` (how each team's round ended)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from generator.schema.fields import Id, NonEmpty, Strict, TextIn


class ModelRefIn(Strict):
    name: NonEmpty
    sources: list[Id] = Field(min_length=1)


class TeamIn(Strict):
    id: Id
    name: TextIn
    models: list[ModelRefIn] = Field(default_factory=list)


class OutcomeIn(Strict):
    team: Id
    result: Literal["advanced", "eliminated_score", "disqualified_independence"]
    grounds: TextIn
    summary: TextIn | None = None
    """Why, in one plain sentence for the home page (defaults to the grounds)."""
    summary_sources: list[Id] = Field(default_factory=list)
    """Sources of the summary when they differ from the grounds' sources."""
    sources: list[Id] = Field(min_length=1)
