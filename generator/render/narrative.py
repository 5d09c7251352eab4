"""Hand-written, sourced prose about a round that its data files do not hold (yet).

The independence criteria, the definitions the ministry gave, the questions raised about each team and the
glossary are written by hand in ``docs/content/<round id>.yaml``. This module checks that file (every
source and team it names must exist in the round) and turns it into frozen values for the templates.
A round without such a file gets an empty :class:`Narrative`; its pages say that nothing was recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from generator.errors import DataError, Problem
from generator.model import Round, Text

Effect = Literal["disqualifying", "noted", "withdrawn"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _TextIn(_Strict):
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _PassageIn(_Strict):
    text: _TextIn
    sources: list[str] = Field(min_length=1)


class _CriterionIn(_PassageIn):
    id: str
    name: _TextIn


class _LevelIn(_PassageIn):
    level: int = Field(ge=0)


class _ScaleIn(_Strict):
    name: _TextIn
    proposer: _PassageIn
    levels: list[_LevelIn]
    undescribed: _TextIn


class _QuestionIn(_Strict):
    team: str
    question: _TextIn
    ruling: _TextIn
    effect: Effect
    sources: list[str] = Field(min_length=1)


class _TermIn(_Strict):
    term: _TextIn
    definition: _TextIn
    sources: list[str] = []


class _NarrativeIn(_Strict):
    round: str
    definition: _PassageIn
    criteria: list[_CriterionIn]
    from_scratch: _PassageIn
    allowed: list[_PassageIn]
    not_allowed: list[_PassageIn]
    findings: list[_PassageIn]
    scale: _ScaleIn | None = None
    questions: list[_QuestionIn] = []
    glossary: list[_TermIn] = []


@dataclass(frozen=True, kw_only=True)
class Passage:
    """A sentence or two with the sources that state it."""

    text: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Criterion:
    """One angle of the independence judgement (technical, policy, ethical)."""

    id: str
    name: Text
    text: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Level:
    """One level of a proposed sovereignty scale, only where a source describes it."""

    level: int
    text: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Scale:
    """A proposed scale of AI sovereignty, with who proposed it."""

    name: Text
    proposer: Passage
    levels: tuple[Level, ...]
    undescribed: Text
    """What to say about the levels no source describes."""


@dataclass(frozen=True, kw_only=True)
class Question:
    """An independence question raised about a team, and how it was judged."""

    team: str
    question: Text
    ruling: Text
    effect: Effect
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
    criteria: tuple[Criterion, ...] = ()
    from_scratch: Passage | None = None
    allowed: tuple[Passage, ...] = ()
    not_allowed: tuple[Passage, ...] = ()
    findings: tuple[Passage, ...] = ()
    scale: Scale | None = None
    questions: tuple[Question, ...] = ()
    glossary: tuple[Term, ...] = ()

    def questions_for(self, team: str) -> tuple[Question, ...]:
        """The questions raised about ``team``, in file order."""
        return tuple(q for q in self.questions if q.team == team)


def parse_narrative(text: str, *, label: str, round_: Round) -> Narrative:
    """Check a narrative file's text against the round and resolve it; raise :class:`DataError` if wrong."""
    try:
        raw = yaml.safe_load(text)
        parsed = _NarrativeIn.model_validate(raw)
    except yaml.YAMLError as error:
        raise DataError([Problem(file=label, message=f"not valid YAML: {error}")]) from error
    except ValidationError as error:
        raise DataError([
            Problem(file=label, where=".".join(str(p) for p in item["loc"]), message=item["msg"])
            for item in error.errors()
        ]) from error
    problems: list[Problem] = []
    if parsed.round != round_.info.id:
        problems.append(Problem(file=label, where="round", message=(
            f"written for round {parsed.round!r}, but the data is round {round_.info.id!r}")))
    teams = {t.id for t in round_.teams}
    for where, ids in _source_lists(parsed):
        problems += [Problem(file=label, where=where, message=f"unknown source {sid!r}")
                     for sid in ids if sid not in round_.sources]
    problems += [Problem(file=label, where=f"questions[{i}].team", message=f"unknown team {q.team!r}")
                 for i, q in enumerate(parsed.questions) if q.team not in teams]
    if problems:
        raise DataError(problems)
    return _resolve(parsed)


def _source_lists(parsed: _NarrativeIn) -> list[tuple[str, Sequence[str]]]:
    found: list[tuple[str, Sequence[str]]] = [
        ("definition", parsed.definition.sources),
        ("from_scratch", parsed.from_scratch.sources),
    ]
    for name, items in (("criteria", parsed.criteria), ("allowed", parsed.allowed),
                        ("not_allowed", parsed.not_allowed), ("findings", parsed.findings),
                        ("questions", parsed.questions), ("glossary", parsed.glossary)):
        found += [(f"{name}[{i}].sources", item.sources) for i, item in enumerate(items)]
    if parsed.scale is not None:
        found.append(("scale.proposer.sources", parsed.scale.proposer.sources))
        found += [(f"scale.levels[{i}].sources", lv.sources) for i, lv in enumerate(parsed.scale.levels)]
    return found


def _text(value: _TextIn) -> Text:
    return Text(ko=value.ko.strip(), en=value.en.strip())


def _passage(value: _PassageIn) -> Passage:
    return Passage(text=_text(value.text), sources=tuple(value.sources))


def _resolve(parsed: _NarrativeIn) -> Narrative:
    scale = None
    if parsed.scale is not None:
        scale = Scale(
            name=_text(parsed.scale.name), proposer=_passage(parsed.scale.proposer),
            levels=tuple(Level(level=lv.level, text=_text(lv.text), sources=tuple(lv.sources))
                         for lv in sorted(parsed.scale.levels, key=lambda lv: lv.level)),
            undescribed=_text(parsed.scale.undescribed),
        )
    return Narrative(
        definition=_passage(parsed.definition),
        criteria=tuple(Criterion(id=c.id, name=_text(c.name), text=_text(c.text), sources=tuple(c.sources))
                       for c in parsed.criteria),
        from_scratch=_passage(parsed.from_scratch),
        allowed=tuple(_passage(p) for p in parsed.allowed),
        not_allowed=tuple(_passage(p) for p in parsed.not_allowed),
        findings=tuple(_passage(p) for p in parsed.findings),
        scale=scale,
        questions=tuple(Question(team=q.team, question=_text(q.question), ruling=_text(q.ruling),
                                 effect=q.effect, sources=tuple(q.sources)) for q in parsed.questions),
        glossary=tuple(Term(term=_text(t.term), definition=_text(t.definition), sources=tuple(t.sources))
                       for t in parsed.glossary),
    )
