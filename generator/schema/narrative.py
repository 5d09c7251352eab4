"""``narrative.yaml``: hand-written, sourced prose."""

from __future__ import annotations

from pydantic import Field

from generator.schema.fields import Strict, TextIn


class PassageIn(Strict):
    """A sentence or two with the sources that state it."""

    text: TextIn
    sources: list[str] = Field(min_length=1)


class TermIn(Strict):
    """A glossary entry."""

    term: TextIn
    definition: TextIn
    sources: list[str] = Field(default_factory=list)


class NarrativeIn(Strict):
    """``narrative.yaml``: prose the data files do not hold (criteria, allegations and the scale are data)."""

    round: str
    """The round it was written for."""
    definition: PassageIn
    from_scratch: PassageIn
    allowed: list[PassageIn]
    not_allowed: list[PassageIn]
    findings: list[PassageIn]
    withheld_reason: PassageIn | None = None
    open_questions: list[PassageIn] = Field(default_factory=list)
    scale_about: PassageIn | None = None
    glossary: list[TermIn] = Field(default_factory=list)
