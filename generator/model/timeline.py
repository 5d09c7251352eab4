"""Dated records: the events of the round (``timeline.yaml``) and the change record (``corrections.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from generator.model.text import Text


@dataclass(frozen=True, kw_only=True)
class Event:
    """A dated event in the round's timeline."""

    date: str
    """``YYYY-MM-DD`` or ``YYYY-MM``."""
    title: Text
    detail: Text | None
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Change:
    """One entry of the data's change record: which value changed, from what to what, when, on what source."""

    date: date
    kind: Literal["corrected", "added", "removed", "published"]
    what: Text
    before: Text | None
    after: Text | None
    sources: tuple[str, ...]
