"""Raw evaluation data → points, by the method each rubric leaf declares. Pure functions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator.model import BenchmarkMethod, BenchmarkResult, PanelMethod, PanelScore, RawData, Rubric
from generator.scoring.types import RawComputation


@dataclass(frozen=True, kw_only=True)
class Computed:
    """Points of one team on one rubric leaf, computed from raw data."""

    team: str
    node: str
    points: float
    how: RawComputation


def compute_points(rubric: Rubric, raw: RawData, teams: Sequence[str]) -> tuple[Computed, ...]:
    """Points for every rubric leaf that declares a method and has raw data, for every team."""
    results: list[Computed] = []
    for node in rubric.nodes.values():
        if isinstance(node.method, BenchmarkMethod):
            rows = [r for r in raw.benchmarks if r.node == node.id]
            if rows:
                points = benchmark_points(node.method, rows, node.max)
                how = RawComputation(method=node.method, maximum=node.max, raters=None)
                results += [
                    Computed(team=t, node=node.id, points=points[t], how=how) for t in teams if t in points
                ]
        elif isinstance(node.method, PanelMethod):
            scores = raw.panels.get(node.method.table, ())
            if scores:
                points = panel_points(node.method, scores, node.max)
                how = RawComputation(
                    method=node.method, maximum=node.max, raters=len({s.rater for s in scores})
                )
                results += [
                    Computed(team=t, node=node.id, points=points[t], how=how) for t in teams if t in points
                ]
    return tuple(results)


def benchmark_points(
    method: BenchmarkMethod, rows: Sequence[BenchmarkResult], maximum: float
) -> dict[str, float]:
    """Points per team: ``maximum × Σ wᵢ·normᵢ / Σ wᵢ``, each normalised score clipped to [0, 1]."""
    by_benchmark: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        by_benchmark[row.benchmark][row.team] = row.score
    total_weight = sum(b.weight for b in method.benchmarks)
    teams = sorted({row.team for row in rows})
    points: dict[str, float] = {}
    for team in teams:
        weighted = 0.0
        for spec in method.benchmarks:
            scores = by_benchmark[spec.id]
            score = scores.get(team)
            if score is None:
                continue
            if spec.normalise == "linear":
                fraction = (score - spec.floor) / (spec.ceiling - spec.floor)
            else:
                best = max(scores.values())
                fraction = score / best if best > 0 else 0.0
            weighted += spec.weight * min(1.0, max(0.0, fraction))
        points[team] = maximum * weighted / total_weight
    return points


def panel_points(method: PanelMethod, scores: Sequence[PanelScore], maximum: float) -> dict[str, float]:
    """Points per team: each rater's weighted criterion mean rescaled to [0, 1], then aggregated."""
    per_rater: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for score in scores:
        per_rater[score.team][score.rater][score.criterion] = score.score
    total_weight = sum(method.criteria.values())
    span = method.scale_max - method.scale_min
    points: dict[str, float] = {}
    for team, raters in sorted(per_rater.items()):
        fractions = np.array(
            [
                (sum(method.criteria[c] * s for c, s in ratings.items()) / total_weight - method.scale_min)
                / span
                for _, ratings in sorted(raters.items())
            ]
        )
        points[team] = maximum * aggregate(fractions, method.aggregate, method.trim)
    return points


def aggregate(values: np.ndarray, how: str, trim: float) -> float:
    """Combine raters' scores: mean, median, or trimmed mean cutting ``trim`` from each end."""
    if how == "median":
        return float(np.median(values))
    if how == "trimmed_mean":
        from scipy import stats  # noqa: PLC0415 - 0.25 s to import; `check` of a round without panels skips it

        return float(stats.trim_mean(values, trim))
    return float(np.mean(values))
