"""The scoring engine on the real round-1 data and on hand-checkable raw data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from generator.commands import scores_command
from generator.model import BenchmarkMethod, BenchmarkResult, BenchmarkSpec, PanelMethod, PanelScore
from generator.scoring import score_round
from generator.scoring.raw import benchmark_points, panel_points
from tests.data.rounds import fictional, round1

TEAMS = ("lg-ai-research", "upstage", "sk-telecom", "naver-cloud", "nc-ai")


def scores_json(data: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(scores_command, ["--data", str(data), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_lg_scores_are_disclosed_with_sources() -> None:
    document = scores_json(Path("data/round-1"))
    lg = next(t for t in document["teams"] if t["id"] == "lg-ai-research")
    by_node = {s["node"]: s for s in lg["scores"]}
    for node, value in {"benchmark": 33.6, "expert": 31.6, "user": 25, "total": 90.2}.items():
        assert by_node[node]["status"] == "disclosed"
        assert by_node[node]["value"] == value
        assert "yonhap-0115" in by_node[node]["sources"]


def test_the_implied_user_average_is_derived_with_its_formula() -> None:
    document = scores_json(Path("data/round-1"))
    mean_user = next(a for a in document["aggregates"] if a["entity"] == "@mean" and a["node"] == "user")
    assert mean_user["status"] == "derived"
    assert mean_user["value"] == 20.74
    assert mean_user["formula"]["numeric"] == "79.7 - 30.4 - 28.56"
    assert set(mean_user["sources"]) >= {"yonhap-0115"}
    others = next(
        a for a in document["aggregates"] if a["entity"] == "@others:lg-ai-research" and a["node"] == "total"
    )
    assert others["value"] == 308.3
    assert others["formula"]["numeric"] == "5 × 79.7 - 90.2"


def test_every_undisclosed_team_total_is_a_range_not_a_value() -> None:
    document = scores_json(Path("data/round-1"))
    for team in document["teams"]:
        total = next(s for s in team["scores"] if s["node"] == "total")
        if team["id"] == "lg-ai-research":
            continue
        assert total["status"] == "bounded"
        assert total["value"] is None
        bounds = total["bounds"]
        assert 0 < bounds["low"] < bounds["high"] < 100
        assert bounds["low_constrained_by"]
        assert bounds["high_constrained_by"]


def test_round1_bounds_follow_from_the_published_figures() -> None:
    scored = score_round(round1())
    nc = scored.cell("nc-ai", "total").bound
    assert nc is not None
    # NC AI is lowest, so at most the others' average: (5 × 79.75 − 90.15) / 4, with rounding at its widest.
    assert nc.high == pytest.approx((5 * 79.75 - 90.15) / 4)
    assert "nc-ai-lowest-total" in nc.high_by
    upstage = scored.cell("upstage", "total").bound
    assert upstage is not None
    assert upstage.high == pytest.approx(90.25)  # nobody beats LG's 90.2 (+ rounding)
    assert "lg-highest-total" in upstage.high_by
    # Upstage's team-chosen 10/10 is disclosed; its other benchmark parts are not even bounded.
    assert scored.cell("upstage", "team-chosen").status == "disclosed"
    assert scored.cell("upstage", "nia").status == "not_disclosed"


def test_no_undisclosed_value_is_shown_as_zero() -> None:
    scored = score_round(round1())
    for quantity in scored.cells.values():
        if quantity.status in ("bounded", "not_disclosed"):
            assert quantity.value is None
            assert quantity.withheld_by == "ministry"


def test_linear_and_relative_benchmarks() -> None:
    method = BenchmarkMethod(
        benchmarks=(
            BenchmarkSpec(id="a", name="A", normalise="linear", floor=20, ceiling=80, weight=1),
            BenchmarkSpec(id="b", name="B", normalise="relative_to_best", floor=0, ceiling=100, weight=3),
        )
    )
    rows = [
        BenchmarkResult(team="x", node="n", benchmark="a", score=50),
        BenchmarkResult(team="x", node="n", benchmark="b", score=600),
        BenchmarkResult(team="y", node="n", benchmark="a", score=95),
        BenchmarkResult(team="y", node="n", benchmark="b", score=1200),
    ]
    points = benchmark_points(method, rows, 10)
    assert points["x"] == pytest.approx(10 * (0.5 * 1 + 0.5 * 3) / 4)
    assert points["y"] == pytest.approx(10.0)  # 95 is clipped to the ceiling; 1200 is the best


def test_panel_trimmed_mean_drops_the_extremes() -> None:
    method = PanelMethod(
        table="expert", scale_min=0, scale_max=10, criteria={"c": 1.0}, aggregate="trimmed_mean", trim=0.2
    )
    scores = [
        PanelScore(team="x", rater=f"r{i}", criterion="c", score=s) for i, s in enumerate([0, 6, 7, 8, 10])
    ]
    points = panel_points(method, scores, 35)
    assert points["x"] == pytest.approx(35 * np.mean([0.6, 0.7, 0.8]))


def test_fictional_round_is_computed_end_to_end_from_raw() -> None:
    scored = score_round(fictional())
    for team in ("aurora", "borealis", "cirrus", "dolmen"):
        for leaf in ("nia", "global", "team-chosen", "expert", "user"):
            assert scored.cell(team, leaf).status == "computed"
        parts = sum(scored.cell(team, n).value or 0 for n in ("benchmark", "expert", "user"))
        total = scored.cell(team, "total")
        assert total.value is not None
        assert total.value == pytest.approx(parts, abs=0.1)
    assert scored.cell("aurora", "total").status == "disclosed"  # published, and agrees with the raw data
    assert scored.cell("borealis", "total").status == "derived"
