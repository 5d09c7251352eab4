"""The publications the site cites (``sources.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.model.text import Text


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
