"""``raw/``: benchmark results and panel ratings from which a leaf's points are computed (optional)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from generator import schema
from generator.load import Problems, read_csv
from generator.model import BenchmarkMethod, BenchmarkResult, PanelMethod, PanelScore, RawData, Rubric
from generator.validate.parse import parse_row
from generator.validate.references import References

RAW_DIR = "raw"
BENCHMARK_COLUMNS = tuple(schema.BenchmarkRow.model_fields)
PANEL_COLUMNS = tuple(schema.PanelRow.model_fields)


def read_raw(data_dir: Path, rubric: Rubric | None, refs: References) -> RawData:
    """The tables the rubric's methods read; a file no method reads is a warning."""
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
    raw_dir: Path, nodes: Mapping[str, BenchmarkMethod], refs: References
) -> list[BenchmarkResult]:
    label = f"{RAW_DIR}/benchmarks.csv"
    table = read_csv(raw_dir / "benchmarks.csv", label, BENCHMARK_COLUMNS, refs.problems)
    if table is None:
        return []
    results: list[BenchmarkResult] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, cells in table.rows:
        where = f"row {line}"
        row = parse_row(schema.BenchmarkRow, cells, label, where, refs.problems)
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
    raw_dir: Path, table_name: str, method: PanelMethod, refs: References
) -> tuple[PanelScore, ...]:
    label = f"{RAW_DIR}/{table_name}.csv"
    table = read_csv(raw_dir / f"{table_name}.csv", label, PANEL_COLUMNS, refs.problems)
    if table is None:
        return ()
    scores: list[PanelScore] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, cells in table.rows:
        where = f"row {line}"
        row = parse_row(schema.PanelRow, cells, label, where, refs.problems)
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


def _require_complete(
    label: str, present: set[tuple[str, str, str]], expected: list[tuple[str, str, str]], problems: Problems
) -> None:
    missing = [key for key in expected if key not in present]
    for key in missing[:10]:
        problems.error(label, "", f"no row for {' × '.join(key)}")
    if len(missing) > 10:
        problems.error(label, "", f"… and {len(missing) - 10} more missing rows")
