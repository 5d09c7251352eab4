"""The method demo's gain statistics as the pages quote them: mean, lowest and highest, computed here once so
that templates and charts only format them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.audit.demo import Demo


@dataclass(frozen=True, kw_only=True)
class Spread:
    """Mean, lowest and highest of a set of values."""

    mean: float
    low: float
    high: float


def spread_of(values: Sequence[float]) -> Spread | None:
    """The spread of ``values``; ``None`` for no values."""
    if not values:
        return None
    return Spread(mean=sum(values) / len(values), low=min(values), high=max(values))


@dataclass(frozen=True, kw_only=True)
class GainSpreads:
    """One demo model's normalisation gains against the reference: raw and centred cosine."""

    raw: Spread | None
    centred: Spread | None
    """``None`` when every gain is constant (the untrained model), so the centred value is undefined."""


def demo_spreads(demo: Demo) -> Mapping[str, GainSpreads]:
    """Every demo model's gain spreads, by case id."""
    return {
        case.id: GainSpreads(
            raw=spread_of([g.raw_cosine for g in case.main.gains]),
            centred=spread_of([g.centred_cosine for g in case.main.gains if g.centred_cosine is not None]),
        )
        for case in demo.cases
    }
