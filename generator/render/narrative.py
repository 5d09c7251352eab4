"""Hand-written, sourced prose about a round that its data files do not hold.

The definition of an independent model, what "from scratch" means, what was allowed and what was not, the
findings, a note on the proposed sovereignty scale and the glossary are written by hand in the round's
``narrative.yaml``. The criteria, the questions raised about each team, the rulings and the scale's levels
are data (``criteria.yaml``, ``audits.yaml``, ``sovereignty.yaml``) and are read from
:attr:`generator.model.Round.independence`, never repeated here. This module checks the file (every source
it names must exist in the round) and turns it into frozen values for the templates. A round without such a
file gets an empty :class:`Narrative`; its pages say that nothing was recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from generator.errors import DataError, Problem
from generator.load import duplicate_key_problems
from generator.model import Round, Text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _TextIn(_Strict):
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _PassageIn(_Strict):
    text: _TextIn
    sources: list[str] = Field(min_length=1)


class _TermIn(_Strict):
    term: _TextIn
    definition: _TextIn
    sources: list[str] = []


class _NarrativeIn(_Strict):
    round: str
    definition: _PassageIn
    from_scratch: _PassageIn
    allowed: list[_PassageIn]
    not_allowed: list[_PassageIn]
    findings: list[_PassageIn]
    withheld_reason: _PassageIn | None = None
    open_questions: list[_PassageIn] = []
    scale_about: _PassageIn | None = None
    glossary: list[_TermIn] = []


@dataclass(frozen=True, kw_only=True)
class Passage:
    """A sentence or two with the sources that state it."""

    text: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Term:
    """A glossary entry; Korean terms are written with spaces so that search finds them."""

    term: Text
    definition: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Narrative:
    """Everything hand-written about a round; empty when the round has no narrative file."""

    definition: Passage | None = None
    from_scratch: Passage | None = None
    allowed: tuple[Passage, ...] = ()
    not_allowed: tuple[Passage, ...] = ()
    findings: tuple[Passage, ...] = ()
    """What the official finding rested on, beyond the rulings recorded in ``audits.yaml``."""
    withheld_reason: Passage | None = None
    """Why the other teams' scores were not published, in the words of whoever withheld them."""
    open_questions: tuple[Passage, ...] = ()
    """What is not known yet, each with the source that shows the gap."""
    scale_about: Passage | None = None
    """What the proposed sovereignty scale grades, and that it is a proposal (its levels are data)."""
    glossary: tuple[Term, ...] = ()

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage, for source checks."""
        single = (self.definition, self.from_scratch, self.withheld_reason, self.scale_about)
        return (
            *(p for p in single if p is not None),
            *self.allowed,
            *self.not_allowed,
            *self.findings,
            *self.open_questions,
        )


def parse_narrative(text: str, *, label: str, round_: Round) -> Narrative:
    """Check a narrative file's text against the round and resolve it; raise :class:`DataError` if wrong."""
    try:
        duplicates = duplicate_key_problems(yaml.compose(text, Loader=yaml.SafeLoader), label)
        if duplicates:
            raise DataError(duplicates)
        raw = yaml.safe_load(text)
        parsed = _NarrativeIn.model_validate(raw)
    except yaml.YAMLError as error:
        raise DataError([Problem(file=label, message=f"not valid YAML: {error}")]) from error
    except ValidationError as error:
        raise DataError(
            [
                Problem(file=label, where=".".join(str(p) for p in item["loc"]), message=item["msg"])
                for item in error.errors()
            ]
        ) from error
    problems: list[Problem] = []
    if parsed.round != round_.info.id:
        problems.append(
            Problem(
                file=label,
                where="round",
                message=f"written for round {parsed.round!r}, but the data is round {round_.info.id!r}",
            )
        )
    for where, ids in _source_lists(parsed):
        problems += [
            Problem(file=label, where=where, message=f"unknown source {sid!r}")
            for sid in ids
            if sid not in round_.sources
        ]
    if problems:
        raise DataError(problems)
    return _resolve(parsed)


def _source_lists(parsed: _NarrativeIn) -> list[tuple[str, Sequence[str]]]:
    found: list[tuple[str, Sequence[str]]] = [
        ("definition.sources", parsed.definition.sources),
        ("from_scratch.sources", parsed.from_scratch.sources),
    ]
    if parsed.scale_about is not None:
        found.append(("scale_about.sources", parsed.scale_about.sources))
    if parsed.withheld_reason is not None:
        found.append(("withheld_reason.sources", parsed.withheld_reason.sources))
    lists: tuple[tuple[str, Sequence[_PassageIn | _TermIn]], ...] = (
        ("allowed", parsed.allowed),
        ("not_allowed", parsed.not_allowed),
        ("findings", parsed.findings),
        ("open_questions", parsed.open_questions),
        ("glossary", parsed.glossary),
    )
    for name, items in lists:
        found += [(f"{name}[{i}].sources", item.sources) for i, item in enumerate(items)]
    return found


def _text(value: _TextIn) -> Text:
    return Text(ko=value.ko.strip(), en=value.en.strip())


def _passage(value: _PassageIn) -> Passage:
    return Passage(text=_text(value.text), sources=tuple(value.sources))


def _resolve(parsed: _NarrativeIn) -> Narrative:
    return Narrative(
        definition=_passage(parsed.definition),
        from_scratch=_passage(parsed.from_scratch),
        allowed=tuple(_passage(p) for p in parsed.allowed),
        not_allowed=tuple(_passage(p) for p in parsed.not_allowed),
        findings=tuple(_passage(p) for p in parsed.findings),
        withheld_reason=_passage(parsed.withheld_reason) if parsed.withheld_reason is not None else None,
        open_questions=tuple(_passage(p) for p in parsed.open_questions),
        scale_about=_passage(parsed.scale_about) if parsed.scale_about is not None else None,
        glossary=tuple(
            Term(term=_text(t.term), definition=_text(t.definition), sources=tuple(t.sources))
            for t in parsed.glossary
        ),
    )
