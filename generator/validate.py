"""Validate a round's data folder and resolve it into a :class:`generator.model.Round`.

Every problem in every file is collected first; then :class:`~generator.errors.DataError` is raised once
with all of them, each located by file and line, row or field.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from generator import schema
from generator.errors import DataError, Problem
from generator.evidence import EvidenceIn, check_evidence
from generator.load import CsvTable, Problems, YamlDocument, read_csv, read_yaml
from generator.model import (
    Allegation,
    AuditReason,
    AuditRecord,
    BenchmarkMethod,
    BenchmarkResult,
    BenchmarkSpec,
    Change,
    Checkpoint,
    Component,
    Criterion,
    CriterionRule,
    EngineAudit,
    Event,
    Evidence,
    Figure,
    HubAudit,
    Independence,
    Location,
    MeanRelation,
    Method,
    ModelRef,
    Outcome,
    PanelMethod,
    PanelScore,
    RankRelation,
    RawData,
    Relation,
    Round,
    RoundInfo,
    Rubric,
    RubricNode,
    Ruling,
    Source,
    SovereigntyLevel,
    SovereigntyScale,
    Statement,
    Team,
    Text,
)

M = TypeVar("M", bound=BaseModel)

FILES = {
    "round": "round.yaml",
    "sources": "sources.yaml",
    "teams": "teams.yaml",
    "rubric": "rubric.yaml",
    "figures": "figures.csv",
    "relations": "relations.yaml",
    "outcomes": "outcomes.yaml",
    "timeline": "timeline.yaml",
}
FIGURE_COLUMNS = tuple(schema.FigureRow.model_fields)
BENCHMARK_COLUMNS = tuple(schema.BenchmarkRow.model_fields)
PANEL_COLUMNS = tuple(schema.PanelRow.model_fields)
RAW_DIR = "raw"
TOLERANCE = 1e-9


@dataclass(frozen=True, kw_only=True)
class Validated:
    """A valid round plus the warnings found on the way."""

    round: Round
    warnings: tuple[Problem, ...]
    evidence: Mapping[str, EvidenceIn] = field(default_factory=dict)
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
        data_dir / FILES["figures"], FILES["figures"], FIGURE_COLUMNS, problems, allow_no_rows=True
    )

    info = _parse_one(schema.RoundIn, docs["round"], FILES["round"], problems)
    sources_in = _parse_list(schema.SourceIn, docs["sources"], FILES["sources"], problems)
    teams_in = _parse_list(schema.TeamIn, docs["teams"], FILES["teams"], problems)
    rubric_in = _parse_one(schema.NodeIn, docs["rubric"], FILES["rubric"], problems)
    relations_in = _parse_list(
        TypeAdapter(schema.RelationIn), docs["relations"], FILES["relations"], problems
    )
    outcomes_in = _parse_list(schema.OutcomeIn, docs["outcomes"], FILES["outcomes"], problems)
    events_in = _parse_list(schema.EventIn, docs["timeline"], FILES["timeline"], problems)

    # An id list stays None (unknown) when its own file could not be read, so that one broken file is
    # reported once rather than as an "unknown id" on every row that refers to it.
    refs = _References(problems=problems)
    sources = _resolve_sources(sources_in, docs["sources"], problems)
    # An entry that failed validation is reported once; its id still counts as known elsewhere.
    refs.sources = set(sources) | _declared_ids(docs["sources"]) if _readable_list(docs["sources"]) else None
    teams = _resolve_teams(teams_in, docs["teams"], refs)
    if _readable_list(docs["teams"]):
        valid = [t.id for t in teams]
        refs.teams = valid + sorted(_declared_ids(docs["teams"]) - set(valid))
    else:
        refs.teams = None
    rubric = _resolve_rubric(rubric_in, docs["rubric"], refs) if rubric_in else None
    refs.nodes = set(rubric.nodes) if rubric else None
    refs.actors = set(info[1].actors) if info else None

    if info is not None:
        _check_declared_parts(data_dir, info[1].omits, problems)
    raw = _read_raw(data_dir, rubric, refs)
    figures = _resolve_figures(figures_table, refs, rubric, _raw_covered(rubric, raw))
    relations = _resolve_relations(relations_in, docs["relations"], refs, rubric)
    outcomes = _resolve_outcomes(outcomes_in, docs["outcomes"], refs)
    events = _resolve_events(events_in, docs["timeline"], refs)
    independence = _read_independence(data_dir, refs)
    evidence = check_evidence(
        data_dir, [a for r in independence.records.values() for a in r.hub_audits], problems
    )
    changes = _read_changes(data_dir, refs, info[1].as_of if info else None)
    _warn_unused_sources(sources, refs, problems)
    if info is not None:
        _warn_cited_before_announced(info[1].announced, sources, [*figures, *relations], problems)

    if problems.errors or info is None or rubric is None:
        if not problems.errors:  # pragma: no cover - a missing required file always records an error
            problems.error(str(data_dir), "", "incomplete data")
        raise DataError(problems.errors)
    round_in = info[1]
    return Validated(
        round=Round(
            info=RoundInfo(
                id=round_in.id,
                title=_text(round_in.title),
                programme=_text(round_in.programme),
                announced=round_in.announced,
                as_of=round_in.as_of,
                actors={k: _text(v) for k, v in sorted(round_in.actors.items())},
                fictional=round_in.fictional,
                omits=tuple(round_in.omits),
            ),
            sources=sources,
            teams=tuple(teams),
            rubric=rubric,
            figures=tuple(figures),
            relations=tuple(relations),
            outcomes=outcomes,
            events=tuple(sorted(events, key=lambda e: e.date)),
            raw=raw,
            independence=independence,
            changes=changes,
        ),
        warnings=tuple(problems.warnings),
        evidence=evidence,
    )


# --- parsing with pydantic ---------------------------------------------------------------------------


def _where(
    doc: YamlDocument | None, path: Sequence[str | int], prefix: str = "", base: Sequence[str | int] = ()
) -> str:
    """``entry 3 (id "x"), field "name.ko", line 12`` — ``path`` is inside ``base`` (the entry's own path)."""
    field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")
    line = doc.line([*base, *path]) if doc else None
    parts = [p for p in (prefix, f'field "{field}"' if field else "", f"line {line}" if line else "") if p]
    return ", ".join(parts)


def _report(
    error: ValidationError,
    *,
    label: str,
    doc: YamlDocument | None,
    base: Sequence[str | int],
    prefix: str,
    problems: Problems,
) -> None:
    for item in error.errors():
        loc = [
            p
            for p in item["loc"]
            if not (isinstance(p, str) and p in {"mean", "highest", "lowest", "benchmarks", "panel"})
        ]
        problems.error(label, _where(doc, loc, prefix, base), _message(item))


def _message(item: Mapping[str, Any]) -> str:
    kind = item["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling)"
    if kind == "string_pattern_mismatch":
        pattern = item.get("ctx", {}).get("pattern", "")
        if pattern == schema.ID_PATTERN:
            return f"{item['input']!r} is not a valid id (lowercase letters, digits and single hyphens)"
        if pattern == schema.DATE_PATTERN:
            return f"{item['input']!r} is not a date (YYYY-MM-DD or YYYY-MM)"
        return f"{item['input']!r} has the wrong format"
    text = str(item["msg"])
    return text[0].lower() + text[1:] if text else kind


def _parse_one(
    model: type[M], doc: YamlDocument | None, label: str, problems: Problems
) -> tuple[YamlDocument, M] | None:
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.error(label, "line 1", f"expected a mapping of fields, found {_kind(doc.data)}")
        return None
    try:
        return doc, model.model_validate(doc.data)
    except ValidationError as error:
        _report(error, label=label, doc=doc, base=(), prefix="", problems=problems)
        return None


def _readable_list(doc: YamlDocument | None) -> bool:
    """True when a file was read and holds a list, so its ids can judge references from other files."""
    return doc is not None and isinstance(doc.data, list)


def _parse_list(
    model: type[M] | TypeAdapter[Any], doc: YamlDocument | None, label: str, problems: Problems
) -> list[tuple[int, Any]]:
    if doc is None:
        return []
    if not isinstance(doc.data, list):
        problems.error(label, "line 1", f"expected a list of entries, found {_kind(doc.data)}")
        return []
    parsed: list[tuple[int, Any]] = []
    for index, entry in enumerate(doc.data):
        prefix = f"entry {index + 1}"
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            prefix += f' (id "{entry["id"]}")'
        try:
            value = (
                model.validate_python(entry)
                if isinstance(model, TypeAdapter)
                else model.model_validate(entry)
            )
        except ValidationError as error:
            _report(error, label=label, doc=doc, base=(index,), prefix=prefix, problems=problems)
            continue
        parsed.append((index, value))
    return parsed


def _declared_ids(doc: YamlDocument | None) -> set[str]:
    """The ``id`` of every entry of a list file that has one, valid entry or not."""
    if doc is None or not isinstance(doc.data, list):
        return set()
    return {e["id"] for e in doc.data if isinstance(e, dict) and isinstance(e.get("id"), str)}


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text" if isinstance(value, str) else type(value).__name__


def _text(value: schema.TextIn) -> Text:
    return Text(ko=value.ko, en=value.en)


def _maybe_text(value: schema.TextIn | None) -> Text | None:
    return _text(value) if value is not None else None


# --- cross-references ------------------------------------------------------------------------------------


@dataclass
class _References:
    """Known ids, filled in as files are resolved, and a record of which sources are used."""

    problems: Problems
    sources: set[str] | None = None
    teams: list[str] | None = None
    nodes: set[str] | None = None
    actors: set[str] | None = None
    used_sources: set[str] | None = None

    def check(self, kind: str, ids: Iterable[str], label: str, where: str) -> None:
        known = {
            "source": self.sources,
            "team": set(self.teams) if self.teams is not None else None,
            "rubric node": self.nodes,
            "actor": self.actors,
        }[kind]
        for value in ids:
            if kind == "source":
                self.used_sources = (self.used_sources or set()) | {value}
            if known is not None and value not in known:
                hint = _closest(value, known)
                self.problems.error(label, where, f"unknown {kind} id {value!r}{hint}")


def _closest(value: str, known: Iterable[str]) -> str:
    import difflib  # noqa: PLC0415 - only needed for the hint

    match = difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _duplicates(ids: Iterable[tuple[str, str]], label: str, problems: Problems) -> None:
    counts = Counter(i for i, _ in ids)
    seen: set[str] = set()
    for value, where in ids:
        if counts[value] > 1 and value in seen:
            problems.error(label, where, f"duplicate id {value!r}")
        seen.add(value)


def _entry(doc: YamlDocument | None, index: int, ident: str | None = None) -> str:
    line = doc.line((index,)) if doc else None
    label = f"entry {index + 1}" + (f' (id "{ident}")' if ident else "")
    return f"{label}, line {line}" if line else label


def _resolve_sources(
    items: list[tuple[int, schema.SourceIn]], doc: YamlDocument | None, problems: Problems
) -> dict[str, Source]:
    _duplicates([(s.id, _entry(doc, i, s.id)) for i, s in items], FILES["sources"], problems)
    return {
        s.id: Source(
            id=s.id,
            kind=s.kind,
            publisher=_text(s.publisher),
            published=s.published,
            title=s.title,
            authors=tuple(s.authors),
            url=s.url,
            seed_file=s.seed_file,
            note=_maybe_text(s.note),
        )
        for _, s in items
    }


def _resolve_teams(
    items: list[tuple[int, schema.TeamIn]], doc: YamlDocument | None, refs: _References
) -> list[Team]:
    label = FILES["teams"]
    _duplicates([(t.id, _entry(doc, i, t.id)) for i, t in items], label, refs.problems)
    if doc is not None and not items and not refs.problems.errors:
        refs.problems.error(label, "", "no teams")
    teams = []
    for index, team in items:
        for model in team.models:
            refs.check("source", model.sources, label, _entry(doc, index, team.id))
        teams.append(
            Team(
                id=team.id,
                name=_text(team.name),
                models=tuple(ModelRef(name=m.name, sources=tuple(m.sources)) for m in team.models),
            )
        )
    seen: set[str] = set()
    return [t for t in teams if not (t.id in seen or seen.add(t.id))]  # type: ignore[func-returns-value]


def _resolve_rubric(
    parsed: tuple[YamlDocument, schema.NodeIn], _doc: YamlDocument | None, refs: _References
) -> Rubric | None:
    doc, root = parsed
    label = FILES["rubric"]
    nodes: dict[str, RubricNode] = {}
    errors_before = len(refs.problems.errors)

    def visit(node: schema.NodeIn, parent: str | None, path: tuple[str | int, ...]) -> None:
        where = _where(doc, path, f'node "{node.id}"')
        if node.id in nodes:
            refs.problems.error(label, where, f"duplicate node id {node.id!r}")
            return
        refs.check("source", node.sources, label, where)
        if node.children:
            total = sum(child.max for child in node.children)
            if abs(total - node.max) > TOLERANCE:
                refs.problems.error(
                    label, where, f"children's maxima sum to {total:g}, but max is {node.max:g}"
                )
            if node.method is not None:
                refs.problems.error(label, where, "only leaf nodes may declare a method; a parent is the sum")
        nodes[node.id] = RubricNode(
            id=node.id,
            name=_text(node.name),
            max=node.max,
            parent=parent,
            children=tuple(child.id for child in node.children),
            description=_maybe_text(node.description),
            method=_method(node.method),
            method_note=_maybe_text(node.method_note),
            sources=tuple(node.sources),
        )
        for index, child in enumerate(node.children):
            visit(child, node.id, (*path, "children", index))

    visit(root, None, ())
    if len(refs.problems.errors) > errors_before:
        return None
    return Rubric(root=root.id, nodes=nodes)


def _method(method: schema.BenchmarkMethodIn | schema.PanelMethodIn | None) -> Method | None:
    if method is None:
        return None
    if isinstance(method, schema.BenchmarkMethodIn):
        return BenchmarkMethod(
            benchmarks=tuple(
                BenchmarkSpec(
                    id=b.id,
                    name=b.name,
                    normalise=b.normalise,
                    floor=b.floor,
                    ceiling=b.ceiling,
                    weight=b.weight,
                )
                for b in method.benchmarks
            )
        )
    return PanelMethod(
        table=method.table,
        scale_min=method.scale.min,
        scale_max=method.scale.max,
        criteria=dict(method.criteria),
        aggregate=method.aggregate,
        trim=method.trim,
    )


# --- figures.csv -----------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def decimals_uncertainty(text: str) -> float:
    """Half-width of the rounding interval implied by how a number is written: "33.6" → 0.05, "25" → 0.5."""
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)


def _raw_covered(rubric: Rubric | None, raw: RawData) -> set[str]:
    """Nodes whose points follow from raw data: leaves with a method and data, and parents of only those."""
    if rubric is None:
        return set()
    tables = {b.node for b in raw.benchmarks} | {name for name, rows in raw.panels.items() if rows}
    covered: set[str] = set()
    for node_id in reversed(rubric.order()):  # children before parents
        node = rubric.node(node_id)
        if node.children:
            if all(child in covered for child in node.children):
                covered.add(node_id)
        elif _has_raw(node.method, node_id, tables):
            covered.add(node_id)
    return covered


def _has_raw(method: Method | None, node_id: str, tables: set[str]) -> bool:
    if isinstance(method, BenchmarkMethod):
        return node_id in tables
    return isinstance(method, PanelMethod) and method.table in tables


def _resolve_figures(
    table: CsvTable | None, refs: _References, rubric: Rubric | None, raw_covered: set[str]
) -> list[Figure]:
    if table is None:
        return []
    label = FILES["figures"]
    figures: list[Figure] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in table.rows:
        where = f"row {line}"
        try:
            row = schema.FigureRow.model_validate(cells)
        except ValidationError as error:
            for item in error.errors():
                refs.problems.error(label, f'{where}, column "{item["loc"][0]}"', _message(item))
            # the row is there, only wrong: no second error saying that it is missing
            seen.setdefault((str(cells.get("team", "")).strip(), str(cells.get("node", "")).strip()), line)
            continue
        refs.check("team", [row.team], label, f'{where}, column "team"')
        refs.check("rubric node", [row.node], label, f'{where}, column "node"')
        key = (row.team, row.node)
        if key in seen:
            refs.problems.error(label, where, f"{row.team} × {row.node} already given in row {seen[key]}")
            continue
        seen[key] = line
        sources = tuple(s.strip() for s in row.sources.split(";") if s.strip())
        if not sources:
            refs.problems.error(label, f'{where}, column "sources"', "every figure needs a source id")
        refs.check("source", sources, label, f'{where}, column "sources"')
        note = _row_note(row, label, where, refs.problems)
        figure = _figure_value(row, label, where, refs, rubric)
        if figure is None:
            continue
        value, uncertainty = figure
        figures.append(
            Figure(
                team=row.team,
                node=row.node,
                disclosed=row.status == "disclosed",
                value=value,
                uncertainty=uncertainty,
                sources=sources,
                withheld_by=row.withheld_by or None,
                note=note,
                origin=Location(file=label, where=where),
            )
        )
    if rubric is not None and refs.teams:
        for team in refs.teams:
            for node in rubric.order():
                if (team, node) not in seen and node not in raw_covered:
                    refs.problems.error(
                        label,
                        "",
                        f"no row for {team} × {node}: every team × rubric node "
                        "needs a row, 'disclosed' with a value or 'not_disclosed'",
                    )
    return figures


def _row_note(row: schema.FigureRow, label: str, where: str, problems: Problems) -> Text | None:
    if bool(row.note_ko) != bool(row.note_en):
        problems.error(
            label,
            f'{where}, column "{"note_en" if row.note_ko else "note_ko"}"',
            "a note needs both note_ko and note_en",
        )
        return None
    return Text(ko=row.note_ko, en=row.note_en) if row.note_ko else None


def _figure_value(
    row: schema.FigureRow, label: str, where: str, refs: _References, rubric: Rubric | None
) -> tuple[float | None, float] | None:
    problems = refs.problems
    if row.status == "not_disclosed":
        if row.value or row.rounding:
            problems.error(
                label,
                f'{where}, column "value"',
                "a not_disclosed row must leave value and rounding empty (a withheld value is not 0)",
            )
            return None
        if not row.withheld_by:
            problems.error(
                label,
                f'{where}, column "withheld_by"',
                "say who withheld the value (an actor id from round.yaml)",
            )
            return None
        refs.check("actor", [row.withheld_by], label, f'{where}, column "withheld_by"')
        return None, 0.0
    if row.withheld_by:
        problems.error(
            label, f'{where}, column "withheld_by"', "a disclosed row must leave withheld_by empty"
        )
    if not _NUMBER.match(row.value):
        what = "is empty" if not row.value else f"{row.value!r} is not a number"
        problems.error(label, f'{where}, column "value"', f"{what}; a disclosed row needs a value")
        return None
    value = float(row.value)
    if row.rounding in ("", "exact"):
        uncertainty = 0.0 if row.rounding == "exact" else decimals_uncertainty(row.value)
    elif _NUMBER.match(row.rounding) and float(row.rounding) >= 0:
        uncertainty = float(row.rounding)
    else:
        problems.error(
            label,
            f'{where}, column "rounding"',
            f"{row.rounding!r} must be empty, 'exact', or a non-negative half-width",
        )
        return None
    if value < 0:
        problems.error(
            label, f'{where}, column "value"', f"{row.value} is negative; points are never negative"
        )
        return None
    if rubric is not None and row.node in rubric.nodes:
        cap = rubric.node(row.node).max
        if value > cap + TOLERANCE:
            problems.error(
                label, f'{where}, column "value"', f"{row.value} is above the maximum of {row.node} ({cap:g})"
            )
            return None
    if math.isnan(value) or math.isinf(value):  # pragma: no cover - the number pattern excludes them
        return None
    return value, uncertainty


# --- relations, outcomes, timeline ------------------------------------------------------------------------


def _resolve_relations(
    items: list[tuple[int, schema.MeanIn | schema.RankIn]],
    doc: YamlDocument | None,
    refs: _References,
    rubric: Rubric | None,
) -> list[Relation]:
    label = FILES["relations"]
    _duplicates([(r.id, _entry(doc, i, r.id)) for i, r in items], label, refs.problems)
    relations: list[Relation] = []
    for index, item in items:
        where = _entry(doc, index, item.id)
        refs.check("rubric node", [item.node], label, where)
        refs.check("source", item.sources, label, where)
        origin = Location(file=label, where=where)
        if isinstance(item, schema.MeanIn):
            if rubric is not None and item.node in rubric.nodes and item.value > rubric.node(item.node).max:
                refs.problems.error(label, where, f"mean {item.value:g} is above the maximum of {item.node}")
            relations.append(
                MeanRelation(
                    id=item.id,
                    node=item.node,
                    value=item.value,
                    uncertainty=decimals_uncertainty(repr(item.value)),
                    basis=item.basis,
                    sources=tuple(item.sources),
                    statement=_text(item.statement),
                    origin=origin,
                )
            )
        else:
            refs.check("team", [item.team], label, where)
            relations.append(
                RankRelation(
                    kind=item.kind,
                    id=item.id,
                    node=item.node,
                    team=item.team,
                    basis=item.basis,
                    sources=tuple(item.sources),
                    statement=_text(item.statement),
                    origin=origin,
                )
            )
        if item.basis == "interpreted":
            refs.problems.warn(label, where, "basis is 'interpreted': the site will label it as our reading")
    return relations


def _resolve_outcomes(
    items: list[tuple[int, schema.OutcomeIn]], doc: YamlDocument | None, refs: _References
) -> dict[str, Outcome]:
    label = FILES["outcomes"]
    outcomes: dict[str, Outcome] = {}
    for index, item in items:
        where = _entry(doc, index, item.team)
        refs.check("team", [item.team], label, where)
        refs.check("source", item.sources, label, where)
        if item.team in outcomes:
            refs.problems.error(label, where, f"team {item.team!r} already has an outcome")
            continue
        refs.check("source", item.summary_sources, label, where)
        outcomes[item.team] = Outcome(
            team=item.team,
            result=item.result,
            grounds=_text(item.grounds),
            sources=tuple(item.sources),
            summary=_text(item.summary) if item.summary else _text(item.grounds),
            summary_sources=tuple(item.summary_sources or item.sources),
        )
    if doc is not None and refs.teams:
        for team in refs.teams:
            if team not in outcomes:
                refs.problems.error(label, "", f"team {team!r} has no outcome")
    return {t: outcomes[t] for t in (refs.teams or []) if t in outcomes}


def _resolve_events(
    items: list[tuple[int, schema.EventIn]], doc: YamlDocument | None, refs: _References
) -> list[Event]:
    label = FILES["timeline"]
    events = []
    for index, item in items:
        refs.check("source", item.sources, label, _entry(doc, index))
        events.append(
            Event(
                date=item.date,
                title=_text(item.title),
                detail=_maybe_text(item.detail),
                sources=tuple(item.sources),
            )
        )
    return events


def _warn_cited_before_announced(
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


def _warn_unused_sources(sources: Mapping[str, Source], refs: _References, problems: Problems) -> None:
    # A method reference is cited by the method page (the generator), not by a data file.
    for source_id, source in sources.items():
        if source.kind != "reference" and source_id not in (refs.used_sources or set()):
            problems.warn(FILES["sources"], f'id "{source_id}"', "source is never cited")


# --- raw data (optional) ------------------------------------------------------------------------------------


def _read_raw(data_dir: Path, rubric: Rubric | None, refs: _References) -> RawData:
    raw_dir = data_dir / RAW_DIR
    if rubric is None or not raw_dir.is_dir():
        return RawData()
    benchmark_nodes = {n.id: n.method for n in rubric.nodes.values() if isinstance(n.method, BenchmarkMethod)}
    panels = {n.method.table: n.method for n in rubric.nodes.values() if isinstance(n.method, PanelMethod)}
    benchmarks: list[BenchmarkResult] = []
    if benchmark_nodes:
        benchmarks = _read_benchmarks(raw_dir, benchmark_nodes, refs)
    panel_scores = {
        table: _read_panel(raw_dir, table, method, refs) for table, method in sorted(panels.items())
    }
    known = {"benchmarks.csv"} | {f"{t}.csv" for t in panels}
    for path in sorted(raw_dir.iterdir()):
        if path.name not in known:
            refs.problems.warn(f"{RAW_DIR}/{path.name}", "", "no rubric node reads this file")
    return RawData(benchmarks=tuple(benchmarks), panels=panel_scores)


def _read_benchmarks(
    raw_dir: Path, nodes: Mapping[str, BenchmarkMethod], refs: _References
) -> list[BenchmarkResult]:
    label = f"{RAW_DIR}/benchmarks.csv"
    table = read_csv(raw_dir / "benchmarks.csv", label, BENCHMARK_COLUMNS, refs.problems)
    if table is None:
        return []
    results: list[BenchmarkResult] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, cells in table.rows:
        where = f"row {line}"
        row = _row(schema.BenchmarkRow, cells, label, where, refs.problems)
        if row is None:
            continue
        refs.check("team", [row.team], label, f'{where}, column "team"')
        method = nodes.get(row.node)
        if method is None:
            refs.problems.error(
                label,
                f'{where}, column "node"',
                f"{row.node!r} is not a rubric node with a benchmarks method",
            )
            continue
        if row.benchmark not in {b.id for b in method.benchmarks}:
            refs.problems.error(
                label,
                f'{where}, column "benchmark"',
                f"{row.benchmark!r} is not a benchmark of node {row.node!r}",
            )
            continue
        key = (row.team, row.node, row.benchmark)
        if key in seen:
            refs.problems.error(label, where, f"{' × '.join(key)} already given in row {seen[key]}")
            continue
        seen[key] = line
        if not math.isfinite(row.score):
            refs.problems.error(label, f'{where}, column "score"', "score must be a finite number")
            continue
        results.append(
            BenchmarkResult(team=row.team, node=row.node, benchmark=row.benchmark, score=row.score)
        )
    _require_complete(
        label,
        {(r.team, r.node, r.benchmark) for r in results},
        [(team, node, b.id) for team in refs.teams or [] for node, m in nodes.items() for b in m.benchmarks],
        refs.problems,
    )
    return results


def _read_panel(
    raw_dir: Path, table_name: str, method: PanelMethod, refs: _References
) -> tuple[PanelScore, ...]:
    label = f"{RAW_DIR}/{table_name}.csv"
    table = read_csv(raw_dir / f"{table_name}.csv", label, PANEL_COLUMNS, refs.problems)
    if table is None:
        return ()
    scores: list[PanelScore] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, cells in table.rows:
        where = f"row {line}"
        row = _row(schema.PanelRow, cells, label, where, refs.problems)
        if row is None:
            continue
        refs.check("team", [row.team], label, f'{where}, column "team"')
        if row.criterion not in method.criteria:
            refs.problems.error(
                label,
                f'{where}, column "criterion"',
                f"unknown criterion {row.criterion!r}; the rubric declares {', '.join(method.criteria)}",
            )
            continue
        if not (method.scale_min <= row.score <= method.scale_max):
            refs.problems.error(
                label,
                f'{where}, column "score"',
                f"{row.score:g} is outside the scale {method.scale_min:g}–{method.scale_max:g}",
            )
            continue
        key = (row.team, row.rater, row.criterion)
        if key in seen:
            refs.problems.error(label, where, f"{' × '.join(key)} already given in row {seen[key]}")
            continue
        seen[key] = line
        scores.append(PanelScore(team=row.team, rater=row.rater, criterion=row.criterion, score=row.score))
    # A rater need not rate every team, but a rater who rates a team rates it on every criterion.
    pairs = sorted({(s.team, s.rater) for s in scores})
    _require_complete(
        label,
        set(seen),
        [(team, rater, criterion) for team, rater in pairs for criterion in method.criteria],
        refs.problems,
    )
    for team in refs.teams or []:
        if not any(t == team for t, _ in pairs):
            refs.problems.error(label, "", f"no ratings for team {team!r}")
    return tuple(scores)


def _row(model: type[M], cells: dict[str, str], label: str, where: str, problems: Problems) -> M | None:
    try:
        return model.model_validate(cells)
    except ValidationError as error:
        for item in error.errors():
            problems.error(label, f'{where}, column "{item["loc"][0]}"', _message(item))
        return None


def _require_complete(
    label: str, present: set[tuple[str, str, str]], expected: list[tuple[str, str, str]], problems: Problems
) -> None:
    missing = [key for key in expected if key not in present]
    for key in missing[:10]:
        problems.error(label, "", f"no row for {' × '.join(key)}")
    if len(missing) > 10:
        problems.error(label, "", f"… and {len(missing) - 10} more missing rows")


# --- parts a round may omit, if round.yaml says so ---------------------------------------------------------

DECLARABLE_FILES = {
    "criteria": "criteria.yaml",
    "sovereignty": "sovereignty.yaml",
    "audits": "audits.yaml",
    "narrative": "narrative.yaml",
    "corrections": "corrections.yaml",
}
"""Files a round includes unless ``round.yaml`` lists them under ``omits``."""


def _check_declared_parts(data_dir: Path, omits: Sequence[str], problems: Problems) -> None:
    """A missing file is one problem naming it, unless the round declares that it omits it."""
    for key, name in DECLARABLE_FILES.items():
        present = (data_dir / name).exists()
        if not present and key not in omits:
            problems.error(
                name, "", f"file missing: a round includes it, or lists {key!r} under omits in round.yaml"
            )
        elif present and key in omits:
            problems.warn(FILES["round"], "omits", f"lists {key!r}, but {name} is present (it is read)")


# --- the change record: corrections.yaml (optional) ---------------------------------------------------------

CHANGES_FILE = "corrections.yaml"


def _read_changes(data_dir: Path, refs: _References, as_of: date | None) -> tuple[Change, ...]:
    path = data_dir / CHANGES_FILE
    if not path.exists():
        return ()
    doc = read_yaml(path, CHANGES_FILE, refs.problems)
    changes: list[Change] = []
    for index, item in _parse_list(schema.ChangeIn, doc, CHANGES_FILE, refs.problems):
        where = _entry(doc, index)
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
                what=_text(item.what),
                before=_maybe_text(item.before),
                after=_maybe_text(item.after),
                sources=tuple(item.sources),
            )
        )
    return tuple(sorted(changes, key=lambda c: c.date, reverse=True))


# --- independence: criteria.yaml, sovereignty.yaml, audits.yaml (all optional) ------------------------------

INDEPENDENCE_FILES = {"criteria": "criteria.yaml", "scale": "sovereignty.yaml", "audits": "audits.yaml"}


def _read_independence(data_dir: Path, refs: _References) -> Independence:
    problems = refs.problems
    docs = {
        key: read_yaml(data_dir / name, name, problems) if (data_dir / name).exists() else None
        for key, name in INDEPENDENCE_FILES.items()
    }
    criteria = _resolve_criteria(
        _parse_list(schema.CriterionIn, docs["criteria"], INDEPENDENCE_FILES["criteria"], problems),
        docs["criteria"],
        refs,
    )
    scale = None
    parsed_scale = _parse_one(schema.ScaleIn6, docs["scale"], INDEPENDENCE_FILES["scale"], problems)
    if parsed_scale is not None:
        scale_in = parsed_scale[1]
        refs.check("source", scale_in.sources, INDEPENDENCE_FILES["scale"], "")
        levels = [level.level for level in scale_in.levels]
        if len(set(levels)) != len(levels):
            problems.error(INDEPENDENCE_FILES["scale"], "levels", "a level is listed twice")
        scale = SovereigntyScale(
            proposed_by=_text(scale_in.proposed_by),
            sources=tuple(scale_in.sources),
            levels=tuple(
                SovereigntyLevel(level=lv.level, description=_text(lv.description))
                for lv in sorted(scale_in.levels, key=lambda lv: lv.level)
            ),
        )
    # Without a criteria file (missing, or omitted) the criteria an audit names cannot be checked: one problem
    # about the file, not one "unknown criterion" per ruling.
    known_criteria = {c.id for c in criteria} if docs["criteria"] is not None else None
    records = _resolve_audits(
        _parse_list(schema.AuditRecordIn, docs["audits"], INDEPENDENCE_FILES["audits"], problems),
        docs["audits"],
        refs,
        known_criteria,
    )
    return Independence(criteria=tuple(criteria), scale=scale, records=records)


def _resolve_criteria(
    items: list[tuple[int, schema.CriterionIn]], doc: YamlDocument | None, refs: _References
) -> list[Criterion]:
    label = INDEPENDENCE_FILES["criteria"]
    _duplicates([(c.id, _entry(doc, i, c.id)) for i, c in items], label, refs.problems)
    result = []
    for index, item in items:
        refs.check("source", item.sources, label, _entry(doc, index, item.id))
        rule = item.fails_when
        result.append(
            Criterion(
                id=item.id,
                name=_text(item.name),
                definition=_text(item.definition),
                sources=tuple(item.sources),
                fails_when=CriterionRule(
                    origin=rule.origin, weights=tuple(rule.weights), licence_compliant=rule.licence_compliant
                ),
            )
        )
    return result


def _resolve_audits(
    items: list[tuple[int, schema.AuditRecordIn]],
    doc: YamlDocument | None,
    refs: _References,
    criteria: set[str] | None,
) -> dict[str, AuditRecord]:
    label = INDEPENDENCE_FILES["audits"]
    records: dict[str, AuditRecord] = {}
    for index, item in items:
        where = _entry(doc, index, item.team)
        refs.check("team", [item.team], label, where)
        if item.team in records:
            refs.problems.error(label, where, f"team {item.team!r} already has an audit record")
            continue
        cited = [s for c in item.components for s in c.sources] + [
            s for a in item.allegations for s in a.sources
        ]
        cited += [s for a in item.allegations for e in a.evidence for s in e.sources]
        cited += [s for a in item.allegations for r in a.responses for s in r.sources]
        cited += [s for r in item.rulings for s in r.sources]
        refs.check("source", cited, label, where)
        for criterion in [a.criterion for a in item.allegations] + [r.criterion for r in item.rulings]:
            if criteria is not None and criterion not in criteria:
                refs.problems.error(
                    label, where, f"unknown criterion id {criterion!r}{_closest(criterion, criteria)}"
                )
        ruled = [r.criterion for r in item.rulings]
        for criterion in sorted({c for c in ruled if ruled.count(c) > 1}):
            refs.problems.error(label, where, f"two rulings on criterion {criterion!r}")
        components = {c.id for c in item.components}
        for audit in item.engine_audits:
            if audit.component is not None and audit.component not in components:
                refs.problems.error(
                    label, where, f"engine audit {audit.id!r} names unknown component {audit.component!r}"
                )
        for allegation in item.allegations:
            for evidence in allegation.evidence:
                if not evidence.sources:
                    refs.problems.warn(
                        label, where, f"evidence in {allegation.id!r} has no source; the site will say so"
                    )
        records[item.team] = AuditRecord(
            team=item.team,
            components=tuple(
                Component(
                    id=c.id,
                    name=_text(c.name),
                    kind=c.kind,
                    origin=c.origin,
                    reference=_maybe_text(c.reference),
                    weights=c.weights,
                    licence_compliant=c.licence_compliant,
                    note=_maybe_text(c.note),
                    sources=tuple(c.sources),
                )
                for c in item.components
            ),
            allegations=tuple(
                Allegation(
                    id=a.id,
                    criterion=a.criterion,
                    against=_text(a.against),
                    claim=_text(a.claim),
                    evidence=tuple(
                        Evidence(
                            statistic=e.statistic,
                            value=e.value,
                            approximate=e.approximate,
                            above=e.above,
                            scope=_text(e.scope),
                            note=_maybe_text(e.note),
                            sources=tuple(e.sources),
                            unsourced=_maybe_text(e.unsourced),
                        )
                        for e in a.evidence
                    ),
                    outcome=a.outcome,
                    outcome_detail=_maybe_text(a.outcome_detail),
                    responses=tuple(
                        Statement(by=_text(r.by), said=_text(r.said), sources=tuple(r.sources))
                        for r in a.responses
                    ),
                    sources=tuple(a.sources),
                )
                for a in item.allegations
            ),
            rulings=tuple(
                Ruling(
                    criterion=r.criterion, finding=r.finding, reason=_text(r.reason), sources=tuple(r.sources)
                )
                for r in item.rulings
            ),
            engine_audits=tuple(
                EngineAudit(
                    id=e.id,
                    component=e.component,
                    candidate=e.candidate,
                    reference=e.reference,
                    label=_text(e.label),
                )
                for e in item.engine_audits
            ),
            hub_audits=_hub_audits(item, refs, where),
        )
    _duplicates(
        [(a.id, a.team) for r in records.values() for a in r.hub_audits], f"{label} hub_audits", refs.problems
    )
    return {t: records[t] for t in (refs.teams or []) if t in records}


def _hub_audits(item: schema.AuditRecordIn, refs: _References, where: str) -> tuple[HubAudit, ...]:
    """A team's configured Hub audits: each allegation one of the team's, each team against two references."""
    label = INDEPENDENCE_FILES["audits"]
    allegations = {a.id for a in item.allegations}
    for audit in item.hub_audits:
        refs.check("source", audit.reason.sources, label, f"{where}, hub audit {audit.id!r}")
        if audit.reason.allegation is not None and audit.reason.allegation not in allegations:
            refs.problems.error(
                label,
                where,
                f"hub audit {audit.id!r} names allegation {audit.reason.allegation!r}, "
                f"which is not one of {item.team!r}'s{_closest(audit.reason.allegation, allegations)}",
            )
        if set(audit.candidate.repos) & set(audit.reference.repos):
            refs.problems.error(label, where, f"hub audit {audit.id!r} compares a repository with itself")
    references = {a.reference.repos[0] for a in item.hub_audits}
    if item.hub_audits and len(references) < 2:
        refs.problems.error(
            label,
            where,
            f"team {item.team!r} is audited against {len(references)} reference(s); at least two",
        )
    return tuple(
        HubAudit(
            id=a.id,
            team=item.team,
            candidate=_checkpoint(a.candidate),
            reference=_checkpoint(a.reference),
            reason=AuditReason(
                kind=a.reason.kind,
                allegation=a.reason.allegation,
                basis=a.reason.basis,
                sources=tuple(a.reason.sources),
                note=_text(a.reason.note),
            ),
            label=_text(a.label),
        )
        for a in item.hub_audits
    )


def _checkpoint(c: schema.CheckpointIn) -> Checkpoint:
    return Checkpoint(
        repos=tuple(c.repos), revision=c.revision, seen_in=tuple(c.seen_in), confirmed=c.confirmed
    )
