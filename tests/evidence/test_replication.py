"""Published figures beside ours: the links resolved against the allegation, and the comparison rules."""

from __future__ import annotations

from typing import Literal

import pytest

from generator.audit.published_stats import Ours
from generator.evidence.replication import Comparison, compare, tolerance
from generator.model import Evidence, PublishedFigure, Replication, Text
from generator.schema import ReplicationIn
from generator.validate.audits import resolve_replications


def _figure(
    figure_id: str | None, statistic: Literal["raw_cosine", "pearson"], value: float | None
) -> Evidence:
    """A figure of an allegation, as ``audits.yaml`` records it."""
    return Evidence(
        statistic=statistic,
        value=value,
        approximate=False,
        above=False,
        scope=Text(ko="범위", en="scope"),
        note=None,
        sources=("a-source",),
        unsourced=None,
        id=figure_id,
    )


FIGURES = (
    _figure("cosine", "raw_cosine", 0.989),
    _figure("pearson", "pearson", 0.012),
    _figure(None, "pearson", 0.5),
)


def _link(figure: str, statistic: str = "norm_gain_cosine", over: str = "unstated") -> ReplicationIn:
    return ReplicationIn.model_validate({"figure": figure, "statistic": statistic, "over": over})


def test_links_resolve_to_the_allegations_figures() -> None:
    resolved, problems = resolve_replications(
        [_link("cosine"), _link("pearson", "norm_gain_pearson", "mean")], "alleged", FIGURES
    )
    assert problems == []
    assert [(r.figure.id, r.figure.value, r.statistic, r.over) for r in resolved] == [
        ("cosine", 0.989, "norm_gain_cosine", "unstated"),
        ("pearson", 0.012, "norm_gain_pearson", "mean"),
    ]
    assert resolved[0].figure.sources == ("a-source",)


@pytest.mark.parametrize(
    ("links", "allegation", "expected"),
    [
        ([_link("nope")], "alleged", "figure 'nope' is not one of allegation 'alleged''s (cosine, pearson)"),
        ([_link("pearson")], "alleged", "statistic 'norm_gain_cosine' does not reproduce it"),
        ([_link("cosine")], None, "a screen reproduces no published analysis"),
        ([_link("cosine"), _link("cosine", "tensor_cosine")], "alleged", "figure 'cosine' is linked twice"),
        ([_link("cosine")], "twice", "allegation 'twice' names two figures 'pearson'"),
    ],
)
def test_a_bad_link_is_a_problem(links: list[ReplicationIn], allegation: str | None, expected: str) -> None:
    figures = (*FIGURES, _figure("pearson", "pearson", 0.2)) if allegation == "twice" else FIGURES
    _, problems = resolve_replications(links, allegation, figures)
    assert any(expected in p for p in problems), problems


def test_an_unknown_statistic_is_refused_by_the_input_model() -> None:
    with pytest.raises(ValueError, match="norm_gain_cosine"):
        _link("cosine", statistic="spearman")


def _replication(
    value: float | None, *, above: bool = False, approximate: bool = False, over: str = "mean"
) -> Replication:
    figure = PublishedFigure(
        id="f", statistic="pearson", value=value, above=above, approximate=approximate, sources=("s",)
    )
    return Replication(figure=figure, statistic="tensor_pearson", over=over)  # type: ignore[arg-type]


def _ours(mean: float, low: float, high: float, pooled: float, unit: str = "tensor") -> Ours:
    return Ours(unit=unit, count=3, mean=mean, low=low, high=high, pooled=pooled)  # type: ignore[arg-type]


def test_tolerance_is_half_a_unit_of_the_published_precision() -> None:
    assert tolerance(_replication(0.989).figure) == pytest.approx(0.0005)
    assert tolerance(_replication(0.0054).figure) == pytest.approx(0.00005)
    assert tolerance(_replication(0.01, approximate=True).figure) == pytest.approx(0.01)


@pytest.mark.parametrize(
    ("replication", "ours", "result", "reason"),
    [
        # a lower bound whose tensors the source does not name: reproduced only if every tensor clears it
        (
            _replication(0.995, above=True, over="unstated"),
            _ours(1.0, 0.9999, 1.0, 1.0),
            "reproduces",
            "every tensor",
        ),
        (
            _replication(0.995, above=True, over="unstated"),
            _ours(0.6, 0.2, 0.999, 0.7),
            "not_comparable",
            "does not say which tensors",
        ),
        (
            _replication(0.995, above=True, over="unstated"),
            _ours(0.01, -0.02, 0.03, 0.0),
            "differs",
            "none of ours",
        ),
        # an exact figure of unstated layers: inside our range is no verdict either way
        (
            _replication(0.989, over="unstated"),
            _ours(0.98, 0.95, 0.999, 0.98, "layer"),
            "not_comparable",
            "which layers",
        ),
        (
            _replication(0.989, over="unstated"),
            _ours(0.989, 0.9888, 0.9894, 0.989, "layer"),
            "reproduces",
            "every layer",
        ),
        (_replication(0.989, over="unstated"), _ours(0.1, 0.0, 0.2, 0.1, "layer"), "differs", "outside ours"),
        # a figure that says what it summarises: our mean or pooled value, at the published precision
        (_replication(0.0054), _ours(0.0054, -0.1, 0.1, 0.0), "reproduces", "our mean 0.0054 = 0.0054"),
        (_replication(0.0054), _ours(0.0061, -0.1, 0.1, 0.0054), "differs", "our mean 0.0061"),
        (_replication(0.0054, over="pooled"), _ours(0.0061, -0.1, 0.1, 0.0054), "reproduces", "our pooled"),
        (_replication(0.9, above=True), _ours(0.95, 0.5, 1.0, 0.9), "reproduces", "≥ 0.9"),
        (_replication(0.9, above=True), _ours(0.85, 0.5, 1.0, 0.9), "differs", "below the published bound"),
        (_replication(None), _ours(0.85, 0.5, 1.0, 0.9), "not_comparable", "gives no number"),
        (_replication(0.9), None, "not_comparable", "nothing measured"),
    ],
)
def test_comparison_rules(replication: Replication, ours: Ours | None, result: str, reason: str) -> None:
    got = compare(replication, ours, "nothing measured")
    assert isinstance(got, Comparison)
    assert got.result == result, got
    assert reason in got.reason, got
