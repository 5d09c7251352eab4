"""The January analyses, replicated: which published figure an audit reproduces, and how ours compares.

A configured Hub audit (``audits.yaml``, ``hub_audits[].replicates``) names figures of its allegation by id
(``allegations[].evidence[].id``), each with the statistic that reproduces it (:data:`Statistic`) and what
the figure summarises (:data:`Over`). :func:`resolve_replications` checks the links against the allegation;
``evidence`` measures the statistics on the same tensors (:mod:`generator.audit.published`) and
:func:`compare` sets each published figure beside ours: ``reproduces``, ``differs`` or ``not_comparable``,
always with the reason.

Kept apart from :mod:`generator.schema` and :mod:`generator.model` (which import it) so that it imports
neither: the link's input model belongs with the other input models once those settle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, StringConstraints

Statistic = Literal["norm_gain_cosine", "norm_gain_pearson", "tensor_cosine", "tensor_pearson"]
"""Ours: raw cosine or Pearson correlation of the normalisation gains, layer by layer (matched by depth), or
of the vision encoder's tensors, tensor by tensor (flattened)."""
Over = Literal["mean", "pooled", "unstated"]
"""What the published figure summarises: the mean over layers or tensors, every entry pooled into one
vector, or the source does not say (which layers or tensors, or how they were combined)."""
Result = Literal["reproduces", "differs", "not_comparable"]
"""How ours compares with the published figure."""
STATISTICS: tuple[Statistic, ...] = (
    "norm_gain_cosine",
    "norm_gain_pearson",
    "tensor_cosine",
    "tensor_pearson",
)
COMPATIBLE: Mapping[str, frozenset[Statistic]] = {
    "raw_cosine": frozenset({"norm_gain_cosine", "tensor_cosine"}),
    "pearson": frozenset({"norm_gain_pearson", "tensor_pearson"}),
    "centred_cosine": frozenset({"norm_gain_pearson", "tensor_pearson"}),
}
"""Which of ours reproduces a published statistic (Pearson is the centred cosine)."""
DECIMALS = 4
"""Ours are recorded, and compared, at four decimals (the published figures have three or four)."""

FigureId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]


class ReplicationIn(BaseModel):
    """One link as ``audits.yaml`` writes it: ``{figure: ID, statistic: KIND, over: OVER}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    figure: FigureId
    statistic: Statistic
    over: Over


@dataclass(frozen=True, kw_only=True)
class PublishedFigure:
    """A published figure, as the allegation records it."""

    id: str
    """The figure's id in its allegation."""
    statistic: str
    """The published statistic (``raw_cosine``, ``pearson`` …)."""
    value: float | None
    """The number, or ``None`` when the source gives none."""
    above: bool
    """Only a lower bound was published ("exceeded 99.5 percent")."""
    approximate: bool
    """The number is approximate ("≈ 0.01")."""
    sources: tuple[str, ...]
    """Source ids."""


@dataclass(frozen=True, kw_only=True)
class Replication:
    """A published figure an audit reproduces, and with which statistic."""

    figure: PublishedFigure
    """The figure."""
    statistic: Statistic
    """Ours."""
    over: Over
    """What the figure summarises."""


class FigureLike(Protocol):
    """What :func:`resolve_replications` reads of an allegation's figure (``generator.model.Evidence``)."""

    @property
    def id(self) -> str | None: ...
    @property
    def statistic(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def above(self) -> bool: ...
    @property
    def approximate(self) -> bool: ...
    @property
    def sources(self) -> Sequence[str]: ...


def resolve_replications(
    links: Sequence[ReplicationIn], allegation: str | None, figures: Sequence[FigureLike] | None
) -> tuple[tuple[Replication, ...], list[str]]:
    """The links resolved against the audit's allegation's figures, and a message per bad link.

    ``allegation`` is the audit's (``None`` for a screen), ``figures`` its published figures (``None`` when
    the allegation is unknown: that is reported elsewhere)."""
    if not links:
        return (), []
    if allegation is None:
        return (), ["a screen reproduces no published analysis: 'replicates' needs an allegation reason"]
    ids = [f.id for f in figures or () if f.id is not None]
    known = {f.id: f for f in figures or () if f.id is not None}
    out: list[Replication] = []
    problems = [
        f"allegation {allegation!r} names two figures {i!r}" for i in sorted(set(ids)) if ids.count(i) > 1
    ]
    for index, link in enumerate(links):
        where = f"replicates[{index}]"
        figure = known.get(link.figure)
        if figure is None:
            names = ", ".join(sorted(known)) or "none has an id"
            problems.append(
                f"{where}: figure {link.figure!r} is not one of allegation {allegation!r}'s ({names})"
            )
            continue
        if link.statistic not in COMPATIBLE.get(figure.statistic, frozenset()):
            allowed = ", ".join(sorted(COMPATIBLE.get(figure.statistic, frozenset()))) or "none"
            problems.append(
                f"{where}: figure {link.figure!r} is a {figure.statistic} figure; "
                f"statistic {link.statistic!r} does not reproduce it (use {allowed})"
            )
            continue
        published = PublishedFigure(
            id=link.figure,
            statistic=figure.statistic,
            value=figure.value,
            above=figure.above,
            approximate=figure.approximate,
            sources=tuple(figure.sources),
        )
        out.append(Replication(figure=published, statistic=link.statistic, over=link.over))
    seen = [r.figure.id for r in out]
    problems += [f"figure {f!r} is linked twice" for f in sorted({f for f in seen if seen.count(f) > 1})]
    return tuple(out), problems


# ---- comparing -------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Ours:
    """One of our statistics over the compared items (layers or tensors), at :data:`DECIMALS`."""

    unit: Literal["layer", "tensor"]
    """What one item is: a matched pair of layers' gain vectors, or a pair of tensors."""
    count: int
    """Items where the statistic is defined."""
    mean: float | None
    """Mean over those items."""
    low: float | None
    """Smallest."""
    high: float | None
    """Largest."""
    low_at: str | None = None
    """The candidate tensor where the smallest is (first of equals)."""
    high_at: str | None = None
    """The candidate tensor where the largest is (first of equals)."""
    pooled: float | None
    """Every entry of every item as one vector."""


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
