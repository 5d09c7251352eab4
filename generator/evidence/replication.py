"""The January analyses, replicated: each published figure beside ours, and the evidence file's section.

A configured Hub audit links figures of its allegation (:attr:`generator.model.HubAudit.replicates`, checked
in :mod:`generator.validate.audits`). ``evidence`` measures our statistics on the same tensors
(:mod:`generator.audit.published`, each summarised into :class:`~generator.audit.published_stats.Ours`);
here :func:`compare` sets each published figure beside ours —
``reproduces``, ``differs`` or ``not_comparable``, always with the reason — and :func:`section` writes the
evidence file's ``replication`` section: what was measured (the tensors, the layer matching, a value per pair
at four decimals), and for each figure the published number, ours, and the comparison.
:func:`section_problems` checks a file's section against the configuration: the same figures, the same
published numbers, and comparisons that follow from the numbers written beside them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from generator.audit.published_stats import DECIMALS, MATCHING, Measured, Ours, Pair, summary
from generator.model import Over, PublishedFigure, Replication, Statistic
from generator.schema.fields import Strict

Result = Literal["reproduces", "differs", "not_comparable"]
"""How ours compares with the published figure."""
Measure = Literal["norm_gains", "vision"]
STALE = "(audits.yaml changed since the file was written: delete it and run evidence again)"


# ---- comparing -------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """A published figure set beside ours."""

    result: Result
    """``reproduces``, ``differs`` or ``not_comparable``."""
    reason: str
    """One line saying why."""


def tolerance(figure: PublishedFigure) -> float:
    """Half a unit in the published figure's last decimal (a whole unit when it is approximate)."""
    assert figure.value is not None
    exponent = Decimal(repr(figure.value)).as_tuple().exponent
    unit = 10.0 ** (exponent if isinstance(exponent, int) else 0)
    return unit if figure.approximate else unit / 2


def compare(replication: Replication, ours: Ours | None, missing: str) -> Comparison:
    """Ours beside the published figure; ``missing`` says why there is no ``ours``."""
    figure, over = replication.figure, replication.over
    if ours is None or ours.count == 0:
        return Comparison(result="not_comparable", reason=missing)
    if figure.value is None:
        return Comparison(result="not_comparable", reason="the source gives no number")
    published = figure.value
    if over != "unstated":
        value = ours.mean if over == "mean" else ours.pooled
        if value is None:
            return Comparison(result="not_comparable", reason=f"our {over} is undefined")
        if figure.above:
            if value >= published:
                return Comparison(result="reproduces", reason=f"our {over} {value:g} ≥ {published:g}")
            return Comparison(
                result="differs", reason=f"our {over} {value:g} is below the published bound {published:g}"
            )
        tol = tolerance(figure)
        if abs(value - published) <= tol + 1e-12:
            return Comparison(result="reproduces", reason=f"our {over} {value:g} = {published:g} ± {tol:g}")
        return Comparison(result="differs", reason=f"our {over} {value:g}, published {published:g} ± {tol:g}")
    return _unstated(figure, ours)


def _unstated(figure: PublishedFigure, ours: Ours) -> Comparison:
    """The source does not say which items it used: reproduced only if every choice of ours agrees."""
    assert figure.value is not None
    assert ours.low is not None
    assert ours.high is not None
    published, unit = figure.value, ours.unit
    values = [v for v in (ours.low, ours.high, ours.pooled) if v is not None]
    low, high = min(values), max(values)
    span = f"{low:g} to {high:g} over {ours.count} {unit}s and pooled"
    unsaid = f"the source does not say which {unit}s it used"
    if figure.above:
        if low >= published:
            return Comparison(result="reproduces", reason=f"every {unit} of ours ≥ {published:g} ({span})")
        if high < published:
            return Comparison(result="differs", reason=f"none of ours reaches {published:g} ({span})")
        return Comparison(result="not_comparable", reason=f"{unsaid}; ours span {span}, across {published:g}")
    tol = tolerance(figure)
    if published - tol - 1e-12 <= low and high <= published + tol + 1e-12:
        return Comparison(result="reproduces", reason=f"every {unit} of ours is {published:g} ± {tol:g}")
    if low - tol - 1e-12 <= published <= high + tol + 1e-12:
        return Comparison(
            result="not_comparable", reason=f"{unsaid}; {published:g} lies within ours ({span})"
        )
    return Comparison(result="differs", reason=f"{published:g} lies outside ours ({span})")


# ---- the section ---------------------------------------------------------------------------------------


def measure_of(statistic: Statistic) -> Measure:
    """Which measurement a statistic is summarised from."""
    return "norm_gains" if statistic.startswith("norm_gain") else "vision"


# ---- the format ------------------------------------------------------------------------------------------


class PublishedIn(Strict):
    statistic: str
    value: float | None
    qualifier: Literal["exact", "above", "approximate"]
    sources: list[str]


class OursIn(Strict):
    unit: Literal["layer", "tensor"]
    count: int = Field(ge=0)
    mean: float | None
    low: float | None
    high: float | None
    pooled: float | None
    low_at: str | None
    high_at: str | None
    value: float | None
    """The one set beside the published figure: the mean (or pooled value, as the figure summarises)."""


class ComparisonIn(Strict):
    result: Literal["reproduces", "differs", "not_comparable"]
    reason: str


class FigureIn(Strict):
    figure: str
    statistic: Literal["norm_gain_cosine", "norm_gain_pearson", "tensor_cosine", "tensor_pearson"]
    over: Literal["mean", "pooled", "unstated"]
    published: PublishedIn
    measured: Literal["norm_gains", "vision"]
    ours: OursIn | None
    comparison: ComparisonIn


class PairIn(Strict):
    candidate: str
    reference: str
    role: str
    layers: list[int] | None
    entries: int = Field(ge=1)
    cosine: float | None
    pearson: float | None


class MeasuredIn(Strict):
    """One measurement; ``missing`` says why there is none (then ``pairs`` is empty)."""

    missing: str
    stacks: dict[Literal["candidate", "reference"], str] | None = None
    layers: dict[Literal["candidate", "reference"], int] | None = None
    matching: str | None = None
    components: list[str] | None = None
    pairs: list[PairIn]
    control: dict[Literal["cosine", "pearson"], float | None] | None = None
    skipped: list[str]


class SectionIn(Strict):
    """The ``replication`` section as ``check`` reads it."""

    figures: list[FigureIn]
    measured: dict[Literal["norm_gains", "vision"], MeasuredIn]
    transfer: dict[str, int]


# ---- writing ---------------------------------------------------------------------------------------------


def qualifier(figure: PublishedFigure) -> Literal["exact", "above", "approximate"]:
    """How the published number is qualified."""
    return "above" if figure.above else "approximate" if figure.approximate else "exact"


def headline(over: Over, ours: Ours | None) -> float | None:
    """The value of ours set beside the figure."""
    if ours is None:
        return None
    return ours.pooled if over == "pooled" else ours.mean


def section(replications: Sequence[Replication], measured: Measured) -> dict[str, Any]:
    """The section's plain JSON values (keys in a fixed order)."""
    missing = {"norm_gains": measured.gains_missing, "vision": measured.vision_missing}
    needed = {measure_of(r.statistic) for r in replications}
    figures = []
    for replication in replications:
        ours = summary(replication.statistic, measured)
        where = measure_of(replication.statistic)
        figures.append(_figure(replication, ours, compare(replication, ours, missing[where]), where))
    out: dict[str, Any] = {}
    if "norm_gains" in needed:
        gains = measured.gains
        out["norm_gains"] = (
            {"missing": missing["norm_gains"], "pairs": [], "skipped": []}
            if gains is None
            else {
                "missing": "",
                "stacks": {"candidate": gains.stacks[0], "reference": gains.stacks[1]},
                "layers": {"candidate": gains.layers[0], "reference": gains.layers[1]},
                "matching": MATCHING,
                "pairs": [_pair(p) for p in gains.pairs],
                "control": {"cosine": gains.control[0], "pearson": gains.control[1]},
                "skipped": list(gains.skipped),
            }
        )
    if "vision" in needed:
        vision = measured.vision
        out["vision"] = (
            {"missing": missing["vision"], "pairs": [], "skipped": []}
            if vision is None
            else {
                "missing": "",
                "components": list(vision.components),
                "pairs": [_pair(p) for p in vision.pairs],
                "skipped": list(vision.skipped),
            }
        )
    return {"figures": figures, "measured": out, "transfer": dict(measured.transfer)}


def _figure(
    replication: Replication, ours: Ours | None, comparison: Comparison, where: str
) -> dict[str, Any]:
    figure = replication.figure
    return {
        "figure": figure.id,
        "statistic": replication.statistic,
        "over": replication.over,
        "published": {
            "statistic": figure.statistic,
            "value": figure.value,
            "qualifier": qualifier(figure),
            "sources": list(figure.sources),
        },
        "measured": where,
        "ours": None
        if ours is None
        else {
            "unit": ours.unit,
            "count": ours.count,
            "mean": ours.mean,
            "low": ours.low,
            "high": ours.high,
            "pooled": ours.pooled,
            "low_at": ours.low_at,
            "high_at": ours.high_at,
            "value": headline(replication.over, ours),
        },
        "comparison": {"result": comparison.result, "reason": comparison.reason},
    }


def _pair(pair: Pair) -> dict[str, Any]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, DECIMALS) + 0.0

    return {
        "candidate": pair.candidate,
        "reference": pair.reference,
        "role": pair.role,
        "layers": None if pair.layers is None else list(pair.layers),
        "entries": pair.moments.n,
        "cosine": rounded(pair.moments.cosine),
        "pearson": rounded(pair.moments.pearson),
    }


# ---- checking --------------------------------------------------------------------------------------------


def section_problems(stored: SectionIn | None, replications: Sequence[Replication]) -> Iterator[str]:
    """What in a file's section does not match the configured figures, or does not follow from its numbers."""
    if stored is None:
        if replications:
            yield f"replication: missing, but audits.yaml links published figures {STALE}"
        return
    configured = [(r.figure.id, r.statistic, r.over) for r in replications]
    written = [(f.figure, f.statistic, f.over) for f in stored.figures]
    if configured != written:
        yield f"replication: figures {written} differ from audits.yaml's {configured} {STALE}"
        return
    for replication, figure in zip(replications, stored.figures, strict=True):
        yield from _figure_problems(replication, figure, stored.measured)


def _figure_problems(
    replication: Replication, figure: FigureIn, measured: Mapping[Measure, MeasuredIn]
) -> Iterator[str]:
    where = f"replication: figure {figure.figure!r}"
    config = replication.figure
    published = (config.statistic, config.value, qualifier(config), list(config.sources))
    if (
        figure.published.statistic,
        figure.published.value,
        figure.published.qualifier,
        figure.published.sources,
    ) != published:
        yield f"{where}: published figure differs from audits.yaml's {STALE}"
    part = measured.get(figure.measured)
    if figure.measured != measure_of(replication.statistic) or part is None:
        yield f"{where}: measured {figure.measured!r} is not recorded, or is not what {figure.statistic} uses"
        return
    ours = None if figure.ours is None else Ours(**figure.ours.model_dump(exclude={"value"}))
    if figure.ours is not None and figure.ours.value != headline(figure.over, ours):
        yield f"{where}: ours.value is not our {figure.over}"
    expected = compare(replication, ours, part.missing)
    if (figure.comparison.result, figure.comparison.reason) != (expected.result, expected.reason):
        yield (
            f"{where}: comparison {figure.comparison.result!r} does not follow from the numbers "
            f"(they give {expected.result!r}: {expected.reason})"
        )
