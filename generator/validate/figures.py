"""``figures.csv``: one row per team × rubric node, a published value with its sources or who withheld it."""

from __future__ import annotations

import math
import re

from pydantic import ValidationError

from generator import schema
from generator.load import CsvTable, Problems
from generator.model import BenchmarkMethod, Figure, Location, Method, PanelMethod, RawData, Rubric, Text
from generator.validate.parse import report_cells
from generator.validate.parts import FILES
from generator.validate.references import References, check_ids
from generator.validate.rubric import TOLERANCE, node_ids

COLUMNS = tuple(schema.FigureRow.model_fields)

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def decimals_uncertainty(text: str) -> float:
    """Half-width of the rounding interval implied by how a number is written: "33.6" → 0.05, "25" → 0.5."""
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)


def raw_covered(rubric: Rubric | None, raw: RawData) -> set[str]:
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


def resolve_figures(
    table: CsvTable | None, refs: References, rubric: Rubric | None, covered: set[str]
) -> list[Figure]:
    """Every valid row as a figure; every team × node not ``covered`` by raw data needs a row."""
    if table is None:
        return []
    label = FILES["figures"]
    nodes = node_ids(rubric)
    figures: list[Figure] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in table.rows:
        where = f"row {line}"
        try:
            row = schema.FigureRow.model_validate(cells)
        except ValidationError as error:
            report_cells(error, label, where, refs.problems)
            # the row is there, only wrong: no second error saying that it is missing
            seen.setdefault((str(cells.get("team", "")).strip(), str(cells.get("node", "")).strip()), line)
            continue
        refs.check("team", [row.team], label, f'{where}, column "team"')
        check_ids(
            "rubric node",
            [row.node],
            known=nodes,
            label=label,
            where=f'{where}, column "node"',
            problems=refs.problems,
        )
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
                if (team, node) not in seen and node not in covered:
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
    row: schema.FigureRow, label: str, where: str, refs: References, rubric: Rubric | None
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
