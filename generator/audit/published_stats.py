"""The January analyses' statistics, pure: cosine and Pearson of paired vectors, layers matched by depth.

The public analyses of these models used two statistics our verdict does not rest on:

* **normalisation gains** (LayerNorm/RMSNorm weights), layer by layer: the accuser's raw cosine, which is
  high for *any* two trained models (gains stay near 1), and the rebuttal's Pearson correlation (the same
  vectors centred), which is near 0 for independent ones. Layers are matched by relative depth when the
  counts differ (:func:`match_by_depth`); the mismatched pairs give a control, as in the rebuttal
  (:func:`compare_gains`).
* **vision encoder** tensors: cosine and Pearson of the flattened weights, per tensor and pooled.

Both follow from a pair's sums (:class:`Moments`), which combine exactly over chunks and pairs
(:func:`pooled`). What was measured (:class:`Measured`) is summarised per statistic into :class:`Ours`
(:func:`summary`), which :mod:`generator.evidence.replication` sets beside the published figure. Reading
the tensors is :mod:`generator.audit.published`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from generator.model import Statistic

Vector = npt.NDArray[np.float64]
DECIMALS = 4
"""Ours are recorded, and compared, at four decimals (the published figures have three or four)."""
MATCHING = "by relative depth: candidate layer i of n ↔ reference layer ⌊i·(m−1)/(n−1) + ½⌋ of m"
"""How layers are matched (the same index when the counts agree)."""


# ---- statistics ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Moments:
    """Sums of two paired vectors from which both statistics follow; chunks combine exactly (Chan et al.)."""

    n: int
    """Entries."""
    mean_a: float
    """Mean of the candidate's entries."""
    mean_b: float
    """Mean of the reference's entries."""
    m2_a: float
    """Σ (a − mean a)²."""
    m2_b: float
    """Σ (b − mean b)²."""
    co: float
    """Σ (a − mean a)(b − mean b)."""
    dot: float
    """Σ a·b (raw)."""
    sq_a: float
    """Σ a² (raw)."""
    sq_b: float
    """Σ b² (raw)."""

    @property
    def cosine(self) -> float | None:
        """Raw (uncentred) cosine; ``None`` when either vector is all zeros."""
        denominator = math.sqrt(self.sq_a * self.sq_b)
        return self.dot / denominator if denominator > 0 else None

    @property
    def pearson(self) -> float | None:
        """Pearson correlation (the centred cosine); ``None`` when either vector is constant."""
        denominator = math.sqrt(self.m2_a * self.m2_b)
        return self.co / denominator if denominator > 0 else None


def moments(a: Vector, b: Vector) -> Moments:
    """The sums of two equally long vectors (float64)."""
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"vectors of {a.size} and {b.size} entries")
    mean_a, mean_b = float(a.mean()), float(b.mean())
    da, db = a - mean_a, b - mean_b
    return Moments(
        n=a.size,
        mean_a=mean_a,
        mean_b=mean_b,
        m2_a=float(da @ da),
        m2_b=float(db @ db),
        co=float(da @ db),
        dot=float(a @ b),
        sq_a=float(a @ a),
        sq_b=float(b @ b),
    )


def combine(x: Moments, y: Moments) -> Moments:
    """The sums of the two vectors' concatenations."""
    n = x.n + y.n
    da, db = y.mean_a - x.mean_a, y.mean_b - x.mean_b
    weight = x.n * y.n / n
    return Moments(
        n=n,
        mean_a=x.mean_a + da * y.n / n,
        mean_b=x.mean_b + db * y.n / n,
        m2_a=x.m2_a + y.m2_a + da * da * weight,
        m2_b=x.m2_b + y.m2_b + db * db * weight,
        co=x.co + y.co + da * db * weight,
        dot=x.dot + y.dot,
        sq_a=x.sq_a + y.sq_a,
        sq_b=x.sq_b + y.sq_b,
    )


def pooled(parts: Iterable[Moments]) -> Moments | None:
    """Every part as one vector (``None`` for no parts)."""
    out: Moments | None = None
    for part in parts:
        out = part if out is None else combine(out, part)
    return out


def cosine(a: Vector, b: Vector) -> float | None:
    """Raw cosine of two vectors."""
    return moments(a, b).cosine


def pearson(a: Vector, b: Vector) -> float | None:
    """Pearson correlation of two vectors."""
    return moments(a, b).pearson


def match_by_depth(candidate: Sequence[int], reference: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """Each candidate layer with the reference layer at the same relative depth (see :data:`MATCHING`)."""
    n, m = len(candidate), len(reference)
    if n == 0 or m == 0:
        return ()
    if n == 1:
        return ((candidate[0], reference[0]),)
    return tuple(
        (layer, reference[math.floor(i * (m - 1) / (n - 1) + 0.5)]) for i, layer in enumerate(candidate)
    )


# ---- what was measured -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Pair:
    """Two tensors compared entry by entry."""

    candidate: str
    """Candidate tensor name."""
    reference: str
    """Reference tensor name."""
    role: str
    """The normalised role (``norm.attn.weight`` …)."""
    layers: tuple[int, int] | None
    """Candidate and reference layer (gain vectors); ``None`` for a vision tensor."""
    moments: Moments
    """Its sums (entries, cosine, Pearson)."""


@dataclass(frozen=True, kw_only=True)
class NormGains:
    """Gain vectors of matched layers."""

    stacks: tuple[str, str]
    """The candidate's and the reference's layer stacks compared (the deepest holding gains)."""
    layers: tuple[int, int]
    """Layers in each (multi-token-prediction layers left out)."""
    pairs: tuple[Pair, ...]
    """Matched layers × gain roles both have at equal width, in layer then role order."""
    control: tuple[float | None, float | None]
    """Mean cosine and mean Pearson over every mismatched layer pair of the same roles — the rebuttal's
    control: a derived model shows its matched pairs clearly above it, an independent one does not."""
    skipped: tuple[str, ...]
    """Gain roles left out, each with why (one side lacks it, widths differ)."""


@dataclass(frozen=True, kw_only=True)
class VisionTensors:
    """The vision encoder's paired tensors."""

    components: tuple[str, ...]
    """The candidate components the audit's pairs came from."""
    pairs: tuple[Pair, ...]
    """Every compared pair, in the audit's order."""
    skipped: tuple[str, ...]
    """Pairs left out, each with why."""


@dataclass(frozen=True, kw_only=True)
class Measured:
    """What :func:`measure` found; ``None`` parts say why in ``…_missing``."""

    gains: NormGains | None
    """The gain vectors compared (``None``: not asked for, or none to compare)."""
    gains_missing: str
    """Why there are none, when they were asked for; else empty."""
    vision: VisionTensors | None
    """The vision encoder's tensors compared (``None``: not asked for, or none to compare)."""
    vision_missing: str
    """Why there are none, when they were asked for; else empty."""
    transfer: Mapping[str, int]
    """Requests and bytes of the remote reads (empty for local checkpoints)."""


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


def summary(statistic: Statistic, measured: Measured) -> Ours | None:
    """Ours for one statistic, at :data:`DECIMALS` decimals; ``None``: not measured."""
    source = measured.gains if statistic.startswith("norm_gain") else measured.vision
    if source is None:
        return None
    which = "cosine" if statistic.endswith("cosine") else "pearson"
    named = [(v, p.candidate) for p in source.pairs if (v := getattr(p.moments, which)) is not None]
    values = [v for v, _ in named]
    whole = pooled(p.moments for p in source.pairs)
    return Ours(
        unit="layer" if statistic.startswith("norm_gain") else "tensor",
        count=len(values),
        mean=_round(sum(values) / len(values)) if values else None,
        low=_round(min(values)) if values else None,
        high=_round(max(values)) if values else None,
        pooled=_round(getattr(whole, which)) if whole is not None else None,
        low_at=min(named, key=lambda x: x[0])[1] if named else None,
        high_at=max(named, key=lambda x: x[0])[1] if named else None,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS) + 0.0  # + 0.0: never -0.0


# ---- gains -----------------------------------------------------------------------------------------------

Gains = Mapping[int, Mapping[str, tuple[str, Vector]]]
"""Layer → gain role → (tensor name, values)."""


def compare_gains(stacks: tuple[str, str], candidate: Gains, reference: Gains) -> NormGains:
    """Matched layers' gain vectors compared role by role, and the mismatched layers as a control."""
    matched = match_by_depth(sorted(candidate), sorted(reference))
    roles = sorted(
        {r for layer in candidate.values() for r in layer} | {r for x in reference.values() for r in x}
    )
    usable, skipped = [], []
    for role in roles:
        widths = {len(x[role][1]) for side in (candidate, reference) for x in side.values() if role in x}
        on = [any(role in x for x in side.values()) for side in (candidate, reference)]
        if not all(on):
            skipped.append(f"{role}: only in the {'candidate' if on[0] else 'reference'}")
        elif len(widths) > 1:
            skipped.append(f"{role}: widths differ ({', '.join(str(w) for w in sorted(widths))})")
        else:
            usable.append(role)
    pairs = [
        Pair(
            candidate=candidate[c][role][0],
            reference=reference[r][role][0],
            role=role,
            layers=(c, r),
            moments=moments(candidate[c][role][1], reference[r][role][1]),
        )
        for c, r in matched
        for role in usable
        if role in candidate[c] and role in reference[r]
    ]
    control = [
        moments(candidate[c][role][1], reference[r][role][1])
        for c, partner in matched
        for r in sorted(reference)
        if r != partner
        for role in usable
        if role in candidate[c] and role in reference[r]
    ]
    return NormGains(
        stacks=stacks,
        layers=(len(candidate), len(reference)),
        pairs=tuple(pairs),
        control=(_mean(m.cosine for m in control), _mean(m.pearson for m in control)),
        skipped=tuple(skipped),
    )


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return _round(sum(kept) / len(kept)) if kept else None
