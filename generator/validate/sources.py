"""``sources.yaml``, and the two checks of how sources are cited: never, or before the figure existed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from generator import schema
from generator.load import Problems, YamlDocument
from generator.model import Figure, Relation, Round, Source
from generator.validate.parse import entry, maybe_text, text
from generator.validate.parts import FILES
from generator.validate.references import duplicates


def resolve_sources(
    items: list[tuple[int, schema.SourceIn]], doc: YamlDocument | None, problems: Problems
) -> dict[str, Source]:
    """Sources by id; a repeated id is reported."""
    duplicates([(s.id, entry(doc, i, s.id)) for i, s in items], FILES["sources"], problems)
    return {
        s.id: Source(
            id=s.id,
            kind=s.kind,
            publisher=text(s.publisher),
            published=s.published,
            title=s.title,
            authors=tuple(s.authors),
            url=s.url,
            seed_file=s.seed_file,
            note=maybe_text(s.note),
        )
        for _, s in items
    }


def cited_sources(round_: Round) -> set[str]:
    """Every source id a data file of the round cites (the narrative's prose not counted)."""
    records = round_.independence.records.values()
    allegations = [a for r in records for a in r.allegations]
    scale = round_.independence.scale
    return {
        *(s for t in round_.teams for m in t.models for s in m.sources),
        *(s for n in round_.rubric.nodes.values() for s in n.sources),
        *(s for f in round_.figures for s in f.sources),
        *(s for r in round_.relations for s in r.sources),
        *(s for o in round_.outcomes.values() for s in (*o.sources, *o.summary_sources)),
        *(s for e in round_.events for s in e.sources),
        *(s for c in round_.changes for s in c.sources),
        *(s for c in round_.independence.criteria for s in c.sources),
        *(scale.sources if scale is not None else ()),
        *(s for r in records for c in r.components for s in c.sources),
        *(s for a in allegations for s in a.sources),
        *(s for a in allegations for e in a.evidence for s in e.sources),
        *(s for a in allegations for r in a.responses for s in r.sources),
        *(s for r in records for ruling in r.rulings for s in ruling.sources),
        *(s for r in records for h in r.hub_audits for s in h.reason.sources),
    }


def warn_unused_sources(sources: Mapping[str, Source], cited: Iterable[str], problems: Problems) -> None:
    """A source that no data file cites is probably a leftover or a typo."""
    used = set(cited)
    # A method reference is cited by the method page (the generator), not by a data file.
    for source_id, source in sources.items():
        if source.kind != "reference" and source_id not in used:
            problems.warn(FILES["sources"], f'id "{source_id}"', "source is never cited")


def warn_cited_before_announced(
    announced: date, sources: Mapping[str, Source], cited: Sequence[Figure | Relation], problems: Problems
) -> None:
    """A source published before the round's figures were announced cannot be the source of one.

    A month-only date warns only when the whole month lies before the announcement.
    """
    for item in cited:
        for source_id in item.sources:
            source = sources.get(source_id)
            if source is None or source.published is None:
                continue
            if not _published_before(source.published, announced):
                continue
            problems.warn(
                item.origin.file,
                item.origin.where,
                f"cites {source_id} (published {source.published}) for a figure announced on "
                f"{announced.isoformat()}: a source cannot state a figure before it was announced",
            )


def _published_before(published: str, announced: date) -> bool:
    if len(published) == len("YYYY-MM"):
        return published < announced.isoformat()[:7]
    return published < announced.isoformat()
