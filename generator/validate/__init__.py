"""Validate a round's data folder and resolve it into a :class:`generator.model.Round` and its narrative.

Every problem in every file is collected first; then :class:`~generator.errors.DataError` is raised once
with all of them, each located by file and line, row or field. The steps, in order: read every file
(:mod:`generator.load`); parse each with its pydantic model (:mod:`.parse`); note which ids exist
(:mod:`.references`); resolve each file, checking what it refers to (:mod:`.sources`, :mod:`.teams`,
:mod:`.rubric`, :mod:`.raw`, :mod:`.figures`, :mod:`.relations`, :mod:`.timeline`, :mod:`.independence`
with :mod:`.audits`, :mod:`.narrative`); check the evidence files (:func:`generator.evidence.check_evidence`);
then warn about what is legal but probably not meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter

from generator import schema
from generator.errors import DataError, Problem
from generator.evidence import EvidenceFileIn, check_evidence
from generator.load import Problems, read_csv, read_yaml
from generator.model import Narrative, Round, RoundInfo
from generator.validate import figures as figures_csv
from generator.validate.independence import read_independence
from generator.validate.narrative import read_narrative
from generator.validate.parse import parse_list, parse_one, text
from generator.validate.parts import DECLARABLE_FILES, FILES, check_declared_parts
from generator.validate.raw import read_raw
from generator.validate.references import references
from generator.validate.relations import resolve_relations
from generator.validate.rubric import resolve_rubric
from generator.validate.sources import (
    cited_sources,
    resolve_sources,
    warn_cited_before_announced,
    warn_unused_sources,
)
from generator.validate.teams import resolve_outcomes, resolve_teams
from generator.validate.timeline import read_changes, resolve_events

__all__ = ["DECLARABLE_FILES", "FILES", "Validated", "read_round"]


@dataclass(frozen=True, kw_only=True)
class Validated:
    """A valid round plus the warnings found on the way."""

    round: Round
    warnings: tuple[Problem, ...]
    narrative: Narrative = field(default_factory=Narrative)
    """The round's hand-written prose (``narrative.yaml``); empty when the round omits it."""
    evidence: Mapping[str, EvidenceFileIn] = field(default_factory=dict)
    """Valid evidence files by audit id (``evidence/<id>.json``), for the pages."""


def read_round(data_dir: Path) -> Validated:
    """Read, validate and resolve every file of a round; raise :class:`DataError` listing all problems."""
    problems = Problems()
    if not data_dir.is_dir():
        raise DataError([Problem(file=str(data_dir), message="data folder not found")])
    docs = {
        key: read_yaml(data_dir / name, name, problems)
        for key, name in FILES.items()
        if name.endswith(".yaml")
    }
    figures_table = read_csv(
        data_dir / FILES["figures"], FILES["figures"], figures_csv.COLUMNS, problems, allow_no_rows=True
    )

    info = parse_one(schema.RoundIn, docs["round"], FILES["round"], problems)
    sources_in = parse_list(schema.SourceIn, docs["sources"], FILES["sources"], problems)
    teams_in = parse_list(schema.TeamIn, docs["teams"], FILES["teams"], problems)
    rubric_in = parse_one(schema.NodeIn, docs["rubric"], FILES["rubric"], problems)
    relations_in = parse_list(TypeAdapter(schema.RelationIn), docs["relations"], FILES["relations"], problems)
    outcomes_in = parse_list(schema.OutcomeIn, docs["outcomes"], FILES["outcomes"], problems)
    events_in = parse_list(schema.EventIn, docs["timeline"], FILES["timeline"], problems)
    round_in = info[1] if info is not None else None

    refs = references(
        sources=sources_in,
        sources_doc=docs["sources"],
        teams=teams_in,
        teams_doc=docs["teams"],
        actors=round_in.actors if round_in is not None else None,
        problems=problems,
    )
    sources = resolve_sources(sources_in, docs["sources"], problems)
    teams = resolve_teams(teams_in, docs["teams"], refs)
    rubric = resolve_rubric(rubric_in, refs) if rubric_in else None
    if round_in is not None:
        check_declared_parts(data_dir, round_in.omits, problems)
    raw = read_raw(data_dir, rubric, refs)
    pending = round_in is not None and round_in.results == "pending"
    # A round whose results are not announced needs no figure or outcome per team; it may hold none.
    covered = set(rubric.order()) if pending and rubric else figures_csv.raw_covered(rubric, raw)
    figures = figures_csv.resolve_figures(figures_table, refs, rubric, covered)
    relations = resolve_relations(relations_in, docs["relations"], refs, rubric)
    outcomes = resolve_outcomes(outcomes_in, None if pending else docs["outcomes"], refs)
    if pending:
        for name, held in (("figures", figures), ("relations", relations), ("outcomes", outcomes)):
            if held:
                problems.error(FILES[name], "", "round.yaml says results: pending, yet this file has entries")
    events = resolve_events(events_in, docs["timeline"], refs)
    independence = read_independence(data_dir, refs)
    evidence = check_evidence(
        data_dir, [a for r in independence.records.values() for a in r.hub_audits], problems
    )
    changes = read_changes(data_dir, refs, round_in.as_of if round_in else None)
    narrative = read_narrative(data_dir, refs, round_in.id if round_in else None)

    if problems.errors or round_in is None or rubric is None:
        if not problems.errors:  # pragma: no cover - a missing required file always records an error
            problems.error(str(data_dir), "", "incomplete data")
        raise DataError(problems.errors)
    round_ = Round(
        info=RoundInfo(
            id=round_in.id,
            title=text(round_in.title),
            programme=text(round_in.programme),
            announced=round_in.announced,
            as_of=round_in.as_of,
            advances_to=text(round_in.advances_to),
            actors={k: text(v) for k, v in sorted(round_in.actors.items())},
            fictional=round_in.fictional,
            omits=tuple(round_in.omits),
            pending=pending,
        ),
        sources=sources,
        teams=teams,
        rubric=rubric,
        figures=tuple(figures),
        relations=tuple(relations),
        outcomes=outcomes,
        events=tuple(sorted(events, key=lambda e: e.date)),
        raw=raw,
        independence=independence,
        changes=changes,
    )
    narrative_cites = (
        *(s for p in narrative.passages for s in p.sources),
        *(s for t in narrative.glossary for s in t.sources),
    )
    warn_unused_sources(sources, {*cited_sources(round_), *narrative_cites}, problems)
    warn_cited_before_announced(round_in.announced, sources, [*figures, *relations], problems)
    return Validated(round=round_, warnings=tuple(problems.warnings), narrative=narrative, evidence=evidence)
