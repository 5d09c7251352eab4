"""``timeline.yaml`` (the round's events) and ``corrections.yaml`` (the data's change record)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from generator.schema.fields import Id, PartialDate, Strict, TextIn


class EventIn(Strict):
    date: PartialDate
    title: TextIn
    detail: TextIn | None = None
    sources: list[Id] = Field(min_length=1)

    @field_validator("date", mode="before")
    @classmethod
    def _date_to_text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, date) else value


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
