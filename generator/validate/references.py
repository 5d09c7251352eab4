"""Which ids exist, so that every reference from one file to another can be checked.

:class:`References` is built once, from the parsed files, before anything is resolved. An id list stays
``None`` (unknown) when its own file could not be read, so that one broken file is reported once rather
than as an "unknown id" on every row that refers to it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator import schema
from generator.load import Problems, YamlDocument
from generator.validate.parse import declared_ids, readable_list


@dataclass(frozen=True, kw_only=True)
class References:
    """The known ids of a round, and the collector that an unknown one is reported to."""

    problems: Problems
    sources: frozenset[str] | None
    """Every source id, valid entry or not (an invalid entry is reported once, by its own file)."""
    teams: tuple[str, ...] | None
    """Team ids in the order of ``teams.yaml`` (the order of every per-team listing)."""
    actors: frozenset[str] | None
    """Who may withhold a figure (``round.yaml`` ``actors``)."""

    def check(self, kind: str, ids: Iterable[str], label: str, where: str) -> None:
        """Report each of ``ids`` that is not a known ``kind`` ("source", "team" or "actor")."""
        known = {"source": self.sources, "team": self.teams, "actor": self.actors}[kind]
        check_ids(
            kind,
            ids,
            known=None if known is None else set(known),
            label=label,
            where=where,
            problems=self.problems,
        )


def check_ids(
    kind: str, ids: Iterable[str], *, known: set[str] | None, label: str, where: str, problems: Problems
) -> None:
    """Report each of ``ids`` not in ``known``, with the closest known id as a hint; nothing when unknown."""
    if known is None:
        return
    for value in ids:
        if value not in known:
            problems.error(label, where, f"unknown {kind} id {value!r}{closest(value, known)}")


def references(
    *,
    sources: Iterable[tuple[int, schema.SourceIn]],
    sources_doc: YamlDocument | None,
    teams: Iterable[tuple[int, schema.TeamIn]],
    teams_doc: YamlDocument | None,
    actors: Mapping[str, Any] | None,
    problems: Problems,
) -> References:
    """The known ids of the parsed files; an entry that failed validation still counts as known."""
    team_ids = None
    if readable_list(teams_doc):
        valid = list(dict.fromkeys(t.id for _, t in teams))
        team_ids = (*valid, *sorted(declared_ids(teams_doc) - set(valid)))
    return References(
        problems=problems,
        sources=frozenset({s.id for _, s in sources} | declared_ids(sources_doc))
        if readable_list(sources_doc)
        else None,
        teams=team_ids,
        actors=frozenset(actors) if actors is not None else None,
    )


def closest(value: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a known id is close to ``value``; empty otherwise."""
    import difflib  # noqa: PLC0415 - only needed for the hint

    match = difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def duplicates(ids: Iterable[tuple[str, str]], label: str, problems: Problems) -> None:
    """Report every repeat of an id after its first (``ids``: the id and where it is)."""
    listed = list(ids)
    counts = Counter(i for i, _ in listed)
    seen: set[str] = set()
    for value, where in listed:
        if counts[value] > 1 and value in seen:
            problems.error(label, where, f"duplicate id {value!r}")
        seen.add(value)
