"""Property tests of the scoring arithmetic (Hypothesis)."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.model import MeanRelation, PanelScore, RankRelation, RawData
from generator.render.wording import score_words
from generator.scoring import score_round
from generator.scoring.export import scores_document
from tests.data.rounds import complete_values, fictional, make_round, mean_relation, rank_relation, round1

LEAVES = ("nia", "global", "team-chosen", "expert", "user")
NODES = ("total", "benchmark", *LEAVES)
EPS = 1e-6


@st.composite
def complete_rounds(draw: st.DrawFn) -> tuple[list[str], dict[tuple[str, str], float]]:
    count = draw(st.integers(min_value=2, max_value=5))
    teams = [f"team-{i}" for i in range(count)]
    rubric = round1().rubric
    leaves = {
        (t, n): draw(st.integers(min_value=0, max_value=int(rubric.node(n).max * 100))) / 100
        for t in teams
        for n in LEAVES
    }
    return teams, complete_values(leaves, teams)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=complete_rounds(), draw=st.data())
def test_bounds_contain_the_hidden_truth(
    data: tuple[list[str], dict[tuple[str, str], float]], draw: st.DataObject
) -> None:
    teams, values = data
    cells = [(t, n) for t in teams for n in NODES]
    hidden = set(draw.draw(st.lists(st.sampled_from(cells), unique=True)))
    relations: list[MeanRelation | RankRelation] = []
    for node in draw.draw(st.lists(st.sampled_from(NODES), unique=True, max_size=3)):
        relations.append(mean_relation(node, sum(values[(t, node)] for t in teams) / len(teams)))
    for node in draw.draw(st.lists(st.sampled_from(NODES), unique=True, max_size=2)):
        best = max(teams, key=lambda t: values[(t, node)])
        worst = min(teams, key=lambda t: values[(t, node)])
        relations += [rank_relation("highest", best, node), rank_relation("lowest", worst, node)]
    scored = score_round(make_round(values, teams, hidden, relations))
    for key in hidden:
        quantity = scored.cell(*key)
        truth = values[key]
        if quantity.value is not None:
            assert quantity.status == "derived"
            assert abs(quantity.value - truth) <= quantity.uncertainty + EPS
        else:
            assert quantity.bound is not None
            assert quantity.bound.low - EPS <= truth <= quantity.bound.high + EPS
            assert quantity.status in ("bounded", "not_disclosed")


@settings(max_examples=25, deadline=None)
@given(seed=st.randoms(use_true_random=False))
def test_row_order_never_changes_results(seed: object) -> None:
    base = fictional()
    figures = list(base.figures)
    benchmarks = list(base.raw.benchmarks)
    panels = {name: list(rows) for name, rows in base.raw.panels.items()}
    for rows in (figures, benchmarks, *panels.values()):
        seed.shuffle(rows)  # type: ignore[attr-defined]
    shuffled = dataclasses.replace(
        base,
        figures=tuple(figures),
        raw=RawData(benchmarks=tuple(benchmarks), panels={k: tuple(v) for k, v in panels.items()}),
    )
    first, second = score_round(shuffled), score_round(base)
    assert scores_document(first, words=score_words(first)) == scores_document(
        second, words=score_words(second)
    )


def _bump(raw: RawData, table: str, index: int, delta: float, high: float) -> RawData:
    rows = list(raw.panels[table])
    row = rows[index]
    rows[index] = PanelScore(
        team=row.team, rater=row.rater, criterion=row.criterion, score=min(high, row.score + delta)
    )
    return RawData(benchmarks=raw.benchmarks, panels={**raw.panels, table: tuple(rows)})


@settings(max_examples=40, deadline=None)
@given(
    table=st.sampled_from(["expert", "user"]),
    index=st.integers(min_value=0, max_value=10_000),
    delta=st.integers(min_value=1, max_value=4),
)
def test_raising_a_raw_score_never_lowers_a_total(table: str, index: int, delta: int) -> None:
    base = dataclasses.replace(fictional(), figures=())
    rows = base.raw.panels[table]
    row = rows[index % len(rows)]
    high = 10 if table == "expert" else 5
    raised = dataclasses.replace(base, raw=_bump(base.raw, table, index % len(rows), delta, high))
    before = score_round(base).cell(row.team, "total").value
    after = score_round(raised).cell(row.team, "total").value
    assert before is not None
    assert after is not None
    assert after >= before - 1e-9


@settings(max_examples=30, deadline=None)
@given(
    scores=st.lists(st.integers(min_value=0, max_value=10), min_size=28 * 4, max_size=28 * 4),
    ratings=st.lists(st.integers(min_value=1, max_value=5), min_size=24 * 4, max_size=24 * 4),
)
def test_points_never_exceed_a_nodes_maximum(scores: list[int], ratings: list[int]) -> None:
    base = dataclasses.replace(fictional(), figures=())
    expert = tuple(
        dataclasses.replace(row, score=float(s))
        for row, s in zip(base.raw.panels["expert"], scores, strict=True)
    )
    user = tuple(
        dataclasses.replace(row, score=float(s))
        for row, s in zip(base.raw.panels["user"], ratings, strict=True)
    )
    scored = score_round(
        dataclasses.replace(
            base, raw=RawData(benchmarks=base.raw.benchmarks, panels={"expert": expert, "user": user})
        )
    )
    for (_, node), quantity in scored.cells.items():
        assert quantity.value is not None
        assert -EPS <= quantity.value <= base.rubric.node(node).max + EPS
