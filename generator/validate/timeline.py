"""Dated records: ``timeline.yaml`` (what happened) and ``corrections.yaml`` (what this site changed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from generator import schema
from generator.load import YamlDocument, read_yaml
from generator.model import Change, Event
from generator.validate.parse import entry, maybe_text, parse_list, text
from generator.validate.parts import DECLARABLE_FILES, FILES
from generator.validate.references import References

CHANGES_FILE = DECLARABLE_FILES["corrections"]


def resolve_events(
    items: list[tuple[int, schema.EventIn]], doc: YamlDocument | None, refs: References
) -> list[Event]:
    """The timeline's events, in file order."""
    label = FILES["timeline"]
    events = []
    for index, item in items:
        refs.check("source", item.sources, label, entry(doc, index))
        events.append(
            Event(
                date=item.date,
                title=text(item.title),
                detail=maybe_text(item.detail),
                sources=tuple(item.sources),
            )
        )
    return events


def read_changes(data_dir: Path, refs: References, as_of: date | None) -> tuple[Change, ...]:
    """The change record, newest first; none when the round has no ``corrections.yaml``."""
    path = data_dir / CHANGES_FILE
    if not path.exists():
        return ()
    doc = read_yaml(path, CHANGES_FILE, refs.problems)
    changes: list[Change] = []
    for index, item in parse_list(schema.ChangeIn, doc, CHANGES_FILE, refs.problems):
        where = entry(doc, index)
        refs.check("source", item.sources, CHANGES_FILE, where)
        if as_of is not None and item.date > as_of:
            refs.problems.error(
                CHANGES_FILE,
                where,
                f"dated {item.date.isoformat()}, after the data's as_of {as_of.isoformat()} in round.yaml",
            )
        changes.append(
            Change(
                date=item.date,
                kind=item.kind,
                what=text(item.what),
                before=maybe_text(item.before),
                after=maybe_text(item.after),
                sources=tuple(item.sources),
            )
        )
    return tuple(sorted(changes, key=lambda c: c.date, reverse=True))
