"""``sources.yaml``: the publications the site cites."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from generator.schema.fields import Id, NonEmpty, PartialDate, Strict, TextIn


class SourceIn(Strict):
    id: Id
    kind: Literal["seed", "external", "official", "analysis", "reference"]
    publisher: TextIn
    published: PartialDate | None
    title: NonEmpty | None
    authors: list[NonEmpty] = Field(default_factory=list)
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    seed_file: NonEmpty | None = None
    note: TextIn | None = None

    @field_validator("published", mode="before")
    @classmethod
    def _date_to_text(cls, value: object) -> object:
        # YAML reads an unquoted 2026-01-08 as a date; accept it as the same text.
        return value.isoformat() if isinstance(value, date) else value
