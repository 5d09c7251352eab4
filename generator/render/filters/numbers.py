"""The filters that write numbers: values at their published precision, rounding error, ranges (never shown
as scores), a cell's value in a few words, published figures, shares, sort keys, sizes and the formulas of
derived values."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from jinja2 import pass_context
from jinja2.runtime import Context

from generator.model import Evidence
from generator.render.filters.text import TextFilters, page_lookup
from generator.render.formats import BOUND_DECIMALS, level_list, number, p_value, si_size
from generator.scoring.types import Formula, Quantity, Term


class NumberFilters(TextFilters):
    """Numbers, ranges and formulas in one language."""

    def levels(self, levels: Sequence[int]) -> str:
        """A list of scale levels, runs collapsed."""
        return level_list(levels)

    def size(self, size: int) -> str:
        """A file size: bytes with thousands separators, or MB/GB/… from a megabyte up (the exact count is in
        the file the page links)."""
        human = si_size(size)
        return self.phrase("size", size=f"{size:,}") if human is None else human

    def num(self, value: float, decimals: int = BOUND_DECIMALS) -> str:
        """A number for display."""
        return number(value, decimals)

    def pval(self, log10_p: float | None) -> str:
        """A p-value from its log10 (see :func:`p_value`)."""
        return p_value(log10_p)

    def qnum(self, quantity: Quantity) -> str:
        """A known quantity's value as published (its own precision)."""
        assert quantity.value is not None
        return number(quantity.value, quantity.decimals)

    def pm(self, quantity: Quantity) -> str:
        """``±0.11`` for a value carrying rounding error, else empty.

        At the value's own precision, rounded up, and wide enough to cover the shown value's own rounding:
        77.075 ± 0.075 is shown as 77.1 ±0.1, and 77.0–77.2 still holds every value it allowed.
        """
        if quantity.value is None or quantity.uncertainty <= 0 or quantity.status != "derived":
            return ""
        shown = float(number(quantity.value, quantity.decimals))
        scale = 10**quantity.decimals
        widened = math.ceil((quantity.uncertainty + abs(quantity.value - shown)) * scale - 1e-9) / scale
        return f"±{number(widened, quantity.decimals)}"

    def span(self, quantity: Quantity) -> str:
        """``63.75–90.25`` for a range."""
        assert quantity.bound is not None
        return f"{number(quantity.bound.low)}–{number(quantity.bound.high)}"

    @pass_context
    def short(self, context: Context, quantity: Quantity) -> str:
        """A cell's value in a few words: the number, or the range marked as not a score, or withheld."""
        if quantity.value is not None:
            extra = f" {self.pm(quantity)}" if self.pm(quantity) else ""
            return f"{self.badge(quantity.status)} **{self.qnum(quantity)}**{extra}"
        if quantity.status == "bounded" and quantity.bound is not None:
            table = page_lookup(context)
            key = (quantity.entity, quantity.node)
            reading = f", **{self.t('rests_on_reading')}**" if key in table.on_reading else ""
            top = self.qnum(table.tops[key]) if key in table.tops else None
            rounding = f"; {self.t('above_top_rounding').format(top=top)}" if top else ""
            return (
                f"{self.badge('bounded')} {self.span(quantity)} ({self.t('not_a_score')}{reading}{rounding})"
            )
        return self.badge("not_disclosed")

    def evalue(self, evidence: Evidence) -> str:
        """A published figure: ``약 0.99`` if approximate, ``0.995 초과`` for a lower bound; else a badge."""
        if evidence.value is None:
            return self.badge("not_disclosed")
        shown = f"**{number(evidence.value, 4)}**"
        if evidence.above:
            return self.phrase("above", value=shown)
        return f"{self.t('approx')} {shown}" if evidence.approximate else shown

    def share(self, quantity: Quantity, maximum: float) -> str:
        """``33.6 ÷ 40 = 84%``: a known value as a share of the maximum, with its formula."""
        assert quantity.value is not None
        percent = number(100 * quantity.value / maximum, 1)
        return f"{self.qnum(quantity)} ÷ {number(maximum)} = {percent}%"

    def sortkey(self, quantity: Quantity) -> str:
        """The ``data-sort`` value of a cell: the number when known, empty otherwise (sorts last)."""
        return "" if quantity.value is None else number(quantity.value, 6)

    @pass_context
    def formula(self, context: Context, formula: Formula | None) -> str:
        """``79.7 − 30.4 − 28.56`` from a derived value's terms (typographic minus and times)."""
        if formula is None:
            return ""
        quantities = page_lookup(context).quantities

        def value(term: Term) -> str:
            operand = quantities.get((term.entity, term.node))
            return self.qnum(operand) if operand is not None and operand.value is not None else "?"

        return _linear(formula, value)

    @pass_context
    def formula_names(self, context: Context, formula: Formula | None) -> str:
        """The same formula with names instead of numbers."""
        if formula is None:
            return ""
        return _linear(
            formula, lambda term: f"{self.entity(context, term.entity)} {self.node(context, term.node)}"
        )


def _linear(formula: Formula, operand: Callable[[Term], str]) -> str:
    parts: list[str] = []
    for index, term in enumerate(formula.terms):
        magnitude = abs(term.coefficient)
        factor = "" if abs(magnitude - 1) < 1e-12 else f"{number(magnitude, 4)} × "
        text = f"{factor}{operand(term)}"
        if index == 0:
            parts.append(("−" if term.coefficient < 0 else "") + text)
        else:
            parts.append(("− " if term.coefficient < 0 else "+ ") + text)
    return " ".join(parts)
