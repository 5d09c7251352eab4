"""``narrative.yaml``: hand-written prose about the round, every passage with sources that the round lists.

A round that omits it (``omits: [narrative]`` in ``round.yaml``) gets an empty
:class:`~generator.model.Narrative`; its pages say that nothing was recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator import schema
from generator.load import read_yaml
from generator.model import Narrative, Passage, Term
from generator.validate.parse import parse_one, text, where
from generator.validate.parts import DECLARABLE_FILES
from generator.validate.references import References

NARRATIVE_FILE = DECLARABLE_FILES["narrative"]


def read_narrative(data_dir: Path, refs: References, round_id: str | None) -> Narrative:
    """The narrative, checked against the round (``round_id``: ``None`` when round.yaml is not valid)."""
    path = data_dir / NARRATIVE_FILE
    if not path.exists():
        return Narrative()
    doc = read_yaml(path, NARRATIVE_FILE, refs.problems)
    parsed = parse_one(schema.NarrativeIn, doc, NARRATIVE_FILE, refs.problems)
    if parsed is None:
        return Narrative()
    doc, narrative = parsed
    if round_id is not None and narrative.round != round_id:
        refs.problems.error(
            NARRATIVE_FILE,
            where(doc, ["round"]),
            f"written for round {narrative.round!r}, but the data is round {round_id!r}",
        )
    if refs.sources is not None:
        for path_in_file, ids in _source_lists(narrative):
            for source_id in ids:
                if source_id not in refs.sources:
                    refs.problems.error(
                        NARRATIVE_FILE, where(doc, path_in_file), f"unknown source {source_id!r}"
                    )
    return _resolve(narrative)


def _source_lists(parsed: schema.NarrativeIn) -> list[tuple[list[str | int], Sequence[str]]]:
    single = {
        "definition": parsed.definition,
        "from_scratch": parsed.from_scratch,
        "scale_about": parsed.scale_about,
        "withheld_reason": parsed.withheld_reason,
    }
    found: list[tuple[list[str | int], Sequence[str]]] = [
        ([name, "sources"], passage.sources) for name, passage in single.items() if passage is not None
    ]
    lists: dict[str, Sequence[schema.PassageIn | schema.TermIn]] = {
        "allowed": parsed.allowed,
        "not_allowed": parsed.not_allowed,
        "findings": parsed.findings,
        "open_questions": parsed.open_questions,
        "glossary": parsed.glossary,
    }
    for name, items in lists.items():
        found += [([name, i, "sources"], item.sources) for i, item in enumerate(items)]
    return found


def _passage(value: schema.PassageIn) -> Passage:
    return Passage(text=text(value.text), sources=tuple(value.sources))


def _maybe_passage(value: schema.PassageIn | None) -> Passage | None:
    return _passage(value) if value is not None else None


def _resolve(parsed: schema.NarrativeIn) -> Narrative:
    return Narrative(
        definition=_passage(parsed.definition),
        from_scratch=_passage(parsed.from_scratch),
        allowed=tuple(_passage(p) for p in parsed.allowed),
        not_allowed=tuple(_passage(p) for p in parsed.not_allowed),
        findings=tuple(_passage(p) for p in parsed.findings),
        withheld_reason=_maybe_passage(parsed.withheld_reason),
        open_questions=tuple(_passage(p) for p in parsed.open_questions),
        scale_about=_maybe_passage(parsed.scale_about),
        glossary=tuple(
            Term(term=text(t.term), definition=text(t.definition), sources=tuple(t.sources))
            for t in parsed.glossary
        ),
    )
