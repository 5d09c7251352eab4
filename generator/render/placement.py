"""Where a round's pages go in a site of several rounds (issue 12 §7).

One round rendered alone sits at the docs root, exactly as before (the render tests and golden files see
this). In the published site every round sits under its frozen prefix, its ``id`` (``round-1/``): Korean
``/round-1/teams/<team>/``, English ``/en/round-1/teams/<team>/``. Links between the round's own pages and
to its charts stay relative to the round's folder (``root``); links to the downloads, which keep their
site-level ``downloads/<round-id>/`` addresses, go through ``site_root``. The latest round with published
figures is also the site's home page (``site_home``), and every page carries a line naming the rounds when
the site holds more than one.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model import Text
from generator.render.labels import Lang

SITE_PAGES = ("about.md", "tags.md")
"""Pages of the site rather than of a round, written by hand in ``docs/pages`` (both languages); a round's
pages link them through ``site_root``."""


@dataclass(frozen=True, kw_only=True)
class RoundLink:
    """A round as the round switcher names and links it."""

    id: str
    title: Text
    prefix: str
    """Its folder under the docs root, ending in ``/`` (``round-1/``)."""


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Where one round's pages go, and the rounds beside it."""

    prefix: str = ""
    """The round's folder under the docs root (``round-1/``); empty: the docs root itself."""
    rounds: tuple[RoundLink, ...] = ()
    """Every round of the site, oldest first; with fewer than two no switcher is shown."""
    site_home: bool = False
    """Also write the round's home page at the docs root (the site's home: the latest round)."""

    def switcher(self, current: str, site_root: str, lang: Lang) -> tuple[tuple[str, str | None], ...]:
        """The switcher line's entries: (title, link from the page, ``None`` for the page's own round)."""
        if len(self.rounds) < 2:
            return ()
        return tuple(
            (r.title.get(lang), None if r.id == current else f"{site_root}{r.prefix}index.md")
            for r in self.rounds
        )


def up(prefix: str) -> str:
    """The way back to the docs root from a folder ``prefix`` (``round-1/`` → ``../``)."""
    return "../" * prefix.count("/")
