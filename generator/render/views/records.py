"""The views of the pages that list records: what we don't know (withheld values, unpublished methods, open
questions), how often each source is cited, and the change record by day.

Pure functions only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from generator.model import Change, Narrative, Passage, Round, RubricNode, Team, Text
from generator.render.judged import record_sources, unique
from generator.render.views.results import known
from generator.scoring.types import Quantity, ScoredRound


@dataclass(frozen=True, kw_only=True)
class WithheldRow:
    """One team's values that were not published, who withheld them, and the source that says so."""

    team: Team
    nodes: tuple[RubricNode, ...]
    withheld_by: str | None
    """An actor id of the round (``None``: the source does not say who)."""
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MethodGap:
    """A part of the scoring whose method was not published."""

    node: RubricNode
    note: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Unknowns:
    """Everything the round's data records as not known: withheld values, unpublished methods, questions."""

    withheld: tuple[WithheldRow, ...]
    methods: tuple[MethodGap, ...]
    questions: tuple[Passage, ...]


def unknowns(scored: ScoredRound, narrative: Narrative) -> Unknowns:
    """What we don't know, generated from the data: no value here is typed twice."""
    round_ = scored.round
    withheld: list[WithheldRow] = []
    for team in round_.teams:
        hidden = [scored.cell(team.id, node) for node in round_.rubric.order()]
        hidden = [q for q in hidden if not known(q)]
        by_actor: dict[str | None, list[Quantity]] = {}
        for quantity in hidden:
            by_actor.setdefault(quantity.withheld_by, []).append(quantity)
        withheld += [
            WithheldRow(
                team=team,
                nodes=tuple(round_.rubric.node(q.node) for q in quantities),
                withheld_by=actor,
                sources=unique([s for q in quantities for s in q.sources]),
            )
            for actor, quantities in by_actor.items()
        ]
    methods = tuple(
        MethodGap(node=node, note=node.method_note, sources=node.sources)
        for node in (round_.rubric.node(n) for n in round_.rubric.order())
        if node.method_note is not None
    )
    return Unknowns(withheld=tuple(withheld), methods=methods, questions=narrative.open_questions)


def cited_by(round_: Round, narrative: Narrative) -> Mapping[str, int]:
    """How many figures, statements, rulings and passages cite each source (0 for sources nothing cites)."""
    ids: list[str] = [s for f in round_.figures for s in f.sources]
    ids += [s for r in round_.relations for s in r.sources]
    ids += [s for o in round_.outcomes.values() for s in o.sources]
    ids += [s for e in round_.events for s in e.sources]
    ids += [s for n in round_.rubric.nodes.values() for s in n.sources]
    ids += [s for c in round_.independence.criteria for s in c.sources]
    ids += list(round_.independence.scale.sources) if round_.independence.scale else []
    for record in round_.independence.records.values():
        ids += record_sources(record)
    ids += [s for p in narrative.passages for s in p.sources]
    ids += [s for t in narrative.glossary for s in t.sources]
    return {source: ids.count(source) for source in round_.sources}


def changes_by_day(changes: Sequence[Change]) -> tuple[tuple[date, tuple[Change, ...]], ...]:
    """The change record grouped by day, newest day first, in the record's order within a day."""
    days: dict[date, list[Change]] = {}
    for change in sorted(changes, key=lambda c: c.date, reverse=True):
        days.setdefault(change.date, []).append(change)
    return tuple((day, tuple(items)) for day, items in days.items())
