"""Plain records of a scored round, for JSON/CSV output and downloads. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.model import Text
from generator.scoring.types import Formula, Quantity, ScoredRound

FLOAT_DIGITS = 6


def output_float(value: float | None) -> float | None:
    """A float rounded for output (no binary noise such as 20.740000000000002)."""
    return None if value is None else round(value, FLOAT_DIGITS) + 0.0


def format_number(value: float, decimals: int) -> str:
    """``value`` with at most ``decimals`` decimals and no trailing zeros: 27.8000 → "27.8", 25.0 → "25"."""
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def formula_text(formula: Formula, scored: ScoredRound, *, with_values: bool) -> str:
    """A formula in plain text, e.g. ``@mean/total - @mean/benchmark`` or ``79.7 - 30.4``.

    An average is written as one: ``(a + b + c + d) / 4`` rather than ``0.25 × a + 0.25 × b …``.
    """
    operands = [_operand(term.entity, term.node, scored, with_values=with_values) for term in formula.terms]
    first = formula.terms[0].coefficient
    divisor = 1 / first if first > 0 else 0.0
    if (
        divisor > 1
        and abs(divisor - round(divisor)) < 1e-9
        and all(abs(t.coefficient - first) < 1e-12 for t in formula.terms)
    ):
        joined = " + ".join(operands)
        return f"({joined}) / {round(divisor)}" if len(operands) > 1 else f"{joined} / {round(divisor)}"
    parts: list[str] = []
    for index, (term, operand) in enumerate(zip(formula.terms, operands, strict=True)):
        coefficient = abs(term.coefficient)
        factor = "" if abs(coefficient - 1) < 1e-12 else f"{format_number(coefficient, 4)} × "
        sign = (
            ("-" if term.coefficient < 0 else "")
            if index == 0
            else (" - " if term.coefficient < 0 else " + ")
        )
        parts.append(f"{sign}{factor}{operand}")
    return "".join(parts)


def _operand(entity: str, node: str, scored: ScoredRound, *, with_values: bool) -> str:
    quantity = scored.quantity(entity, node)
    if with_values and quantity is not None and quantity.value is not None:
        return format_number(quantity.value, quantity.decimals)
    return f"{entity}/{node}"


@dataclass(frozen=True, kw_only=True)
class ScoreWords:
    """The document's bilingual texts, worded by the render stage (scoring hands over values only)."""

    constraints: Mapping[str, Text]
    """Constraint id → what it says."""
    computed: Mapping[tuple[str, str], Text]
    """(team, node) → how a computed value was computed from raw data."""


def quantity_record(quantity: Quantity, scored: ScoredRound, words: ScoreWords) -> dict[str, Any]:
    """One quantity as a JSON-able dict."""
    record: dict[str, Any] = {
        "entity": quantity.entity,
        "node": quantity.node,
        "status": quantity.status,
        "value": output_float(quantity.value),
        "display": format_number(quantity.value, quantity.decimals) if quantity.value is not None else None,
        "rounding": output_float(quantity.uncertainty) if quantity.value is not None else None,
        "sources": list(quantity.sources),
        "formula": None,
        "bounds": None,
        "withheld_by": quantity.withheld_by,
    }
    if quantity.formula is not None:
        record["formula"] = {
            "symbolic": formula_text(quantity.formula, scored, with_values=False),
            "numeric": formula_text(quantity.formula, scored, with_values=True),
            "equation": quantity.formula.equation,
        }
    if quantity.computed is not None:
        how = words.computed[(quantity.entity, quantity.node)]
        record["computed"] = {"ko": how.ko, "en": how.en}
    if quantity.bound is not None:
        record["bounds"] = {
            "low": output_float(quantity.bound.low),
            "high": output_float(quantity.bound.high),
            "low_constrained_by": list(quantity.bound.low_by),
            "high_constrained_by": list(quantity.bound.high_by),
            "note": "a range of values consistent with every published figure, not a score",
        }
    return record


def scores_document(scored: ScoredRound, *, words: ScoreWords) -> dict[str, Any]:
    """The whole resolved score tree as one JSON-able document, deterministic in order and rounding.

    ``words``: the texts render gives the values (:func:`generator.render.wording.score_words`).
    """
    round_ = scored.round
    return {
        "round": round_.info.id,
        "fictional": round_.info.fictional,
        "as_of": round_.info.as_of.isoformat(),
        "rubric": [
            {"id": n.id, "parent": n.parent, "max": n.max, "name": {"ko": n.name.ko, "en": n.name.en}}
            for n in round_.rubric.nodes.values()
        ],
        "teams": [
            {
                "id": team.id,
                "name": {"ko": team.name.ko, "en": team.name.en},
                "outcome": round_.outcomes[team.id].result if team.id in round_.outcomes else None,
                "scores": [
                    quantity_record(scored.cell(team.id, node), scored, words)
                    for node in round_.rubric.order()
                ],
            }
            for team in round_.teams
        ],
        "aggregates": [quantity_record(q, scored, words) for q in scored.aggregates.values()],
        "constraints": [
            {
                "id": c.id,
                "kind": c.kind,
                "basis": c.basis,
                "sources": list(c.sources),
                "label": {"ko": words.constraints[c.id].ko, "en": words.constraints[c.id].en},
            }
            for c in scored.constraints.values()
        ],
        "sources": [
            {
                "id": s.id,
                "publisher": s.publisher.en,
                "published": s.published,
                "title": s.title,
                "authors": list(s.authors),
                "url": s.url,
            }
            for s in round_.sources.values()
        ],
    }
