"""Pure formatters: a value in, the text a page shows out (numbers, p-values, dates, anchors, escaping).

No language table, no round: :mod:`generator.render.filters` wraps these as Jinja filters, and the chart
modules call them directly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date

from markupsafe import escape

from generator.audit.names import TOWER_KINDS
from generator.render.labels import COMPONENT_KIND, ComponentKind, Lang
from generator.render.spreads import Spread
from generator.scoring.export import format_number

BOUND_DECIMALS = 3
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_SLUG = re.compile(r"[^a-z0-9]+")
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def slug(text: str) -> str:
    """A lower-case ASCII id fragment: ``figure:lg-ai-research/total`` → ``figure-lg-ai-research-total``."""
    return _SLUG.sub("-", text.lower()).strip("-")


def source_anchor(source_id: str) -> str:
    """The anchor of a source on the sources page."""
    return f"src-{slug(source_id)}"


def constraint_anchor(constraint_id: str) -> str:
    """The anchor of a constraint in a page's constraint table."""
    return f"c-{slug(constraint_id)}"


def badge_class(kind: str, value: str) -> str:
    """``<span class="kind kind-value">``: the CSS hook of a badge (underscores become hyphens)."""
    return f"{kind} {kind}-{value.replace('_', '-')}"


def level_list(levels: Sequence[int]) -> str:
    """``1–3, 5`` from ``[1, 2, 3, 5]``: runs of consecutive levels joined with an en dash."""
    runs: list[list[int]] = []
    for level in sorted(levels):
        if runs and level == runs[-1][-1] + 1:
            runs[-1].append(level)
        else:
            runs.append([level])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def cell_anchor(team: str, node: str) -> str:
    """The anchor of one team × node row in an evidence table."""
    return f"v-{slug(team)}-{slug(node)}"


def md(text: str) -> str:
    """Data text made safe inside Markdown: characters Markdown would act on are escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def attr(text: object) -> str:
    """A value made safe inside a double-quoted HTML attribute."""
    return str(escape(str(text)))


def number(value: float, decimals: int = BOUND_DECIMALS) -> str:
    """A number with at most ``decimals`` decimals and no trailing zeros."""
    return format_number(value, decimals)


def plural(count: int, word: str) -> str:
    """``1 item``, ``2 items``: an English count with its noun (Korean counters need no plural)."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def p_value(log10_p: float | None) -> str:
    """A p-value from its log10: ``0.708``, or ``≈ 10<sup>−175</sup>`` below 0.001; ``—``: no test."""
    if log10_p is None:
        return "—"
    if log10_p >= -3:
        return number(10**log10_p, 3)
    return f"≈ 10<sup>−{round(-log10_p)}</sup>"


def p_sortkey(log10_p: float | None) -> str:
    """The ``data-sort`` key of a p-value column: ``−log10 p`` (larger is stronger), empty without a test."""
    return "" if log10_p is None else number(-log10_p, 3)


def fixed(value: float | None, decimals: int = BOUND_DECIMALS) -> str:
    """A correlation with a fixed number of decimals and a typographic minus (``−0.053``); ``—``: none."""
    if value is None:
        return "—"
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text.replace("-", "−")


def spread(value: Spread | None, decimals: int = BOUND_DECIMALS) -> str:
    """``0.030 (−0.230 … 0.160)``: the mean, then the smallest and largest value; ``—`` for none."""
    if value is None:
        return "—"
    return f"{fixed(value.mean, decimals)} ({fixed(value.low, decimals)} … {fixed(value.high, decimals)})"


def count(value: int) -> str:
    """A whole count with thousands separators: ``1,234,567``."""
    return f"{value:,}"


def percent(share: float, decimals: int = 1) -> str:
    """A share of 1 as a percentage: ``0.125`` → ``12.5%``."""
    return f"{number(100 * share, decimals)}%"


def power_of_ten(value: float) -> str:
    """``10<sup>−6</sup>`` for a threshold such as 1e-06."""
    exponent = round(math.log10(value))
    if abs(10**exponent - value) > 1e-12 * value:
        return number(value, 12)
    return f"10<sup>{fixed(exponent, 0)}</sup>"


def localised_date(value: date | str, lang: Lang) -> str:
    """``2026년 1월 15일`` / ``15 January 2026``; ``YYYY-MM`` gives the month only."""
    text = value.isoformat() if isinstance(value, date) else value
    parts = [int(p) for p in text.split("-")]
    if lang == "ko":
        units = ("년", "월", "일")
        return " ".join(f"{p}{u}" for p, u in zip(parts, units, strict=False))
    if len(parts) == 1:
        return str(parts[0])
    month = MONTHS_EN[parts[1] - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{parts[2]} {month} {parts[0]}"


_KIND_WORDS: Mapping[ComponentKind, frozenset[str]] = {
    "vision": TOWER_KINDS["vision"],
    "audio": TOWER_KINDS["audio"],
    "projector": TOWER_KINDS["projector"] | {"merger"},
    "language": TOWER_KINDS["language"] | {"model", "transformer"},
    "head": frozenset({"lm_head", "embed_out"}),
}
"""The name segments of each kind of component: the audit's own tower words, and the names of what is left
(the towers are split off before what remains under ``model`` is judged, so ``model`` is the text model)."""


def component_kind(name: str) -> ComponentKind | None:
    """The kind of part an audit component is, from its name's segments (the last one known wins)."""
    for segment in reversed(name.split(".")):
        for kind, words in _KIND_WORDS.items():
            if segment.lower() in words:
                return kind
    return None


def component_label(name: str, lang: Lang) -> str:
    """A component's plain name, for a chart (no Markdown): "비전 인코더", or the checkpoint's name."""
    kind = component_kind(name)
    return COMPONENT_KIND[kind].get(lang) if kind else name


def component_name(name: str, lang: Lang) -> str:
    """A component in Markdown: its plain name and the checkpoint's own name in code type
    ("비전 인코더 (`vision_tower`)"), or the name alone when its kind is not known."""
    kind = component_kind(name)
    code = f"`{name}`"
    return f"{COMPONENT_KIND[kind].get(lang)} ({code})" if kind else code


_SI_UNITS = ("kB", "MB", "GB", "TB", "PB")


def si_size(size: int) -> str | None:
    """A large byte count in SI units at two significant figures or more ("3.9 MB", "412 GB"); ``None`` under
    a megabyte, where the exact count reads well enough."""
    if size < 10**6:
        return None
    value, unit = float(size), ""
    for unit in _SI_UNITS:  # noqa: B007 - the last unit reached is the one shown
        value /= 1000
        if value < 1000:
            break
    return f"{value:.1f} {unit}" if round(value, 1) < 100 else f"{value:,.0f} {unit}"
