"""Charts, built in Python with Altair: a Vega-Lite spec for the browser and a static SVG fallback.

Undisclosed values are drawn as ranges (bars between the two ends) and labelled as ranges, never as
points; known values are points. Every chart carries alt text written from its data, and the page shows
the same data as a table next to it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import altair as alt
import vl_convert

from generator.render.formats import number
from generator.render.labels import MARK_LABEL, PHRASE, STATUS, UI, Lang
from generator.render.views import known, rounded_top_below
from generator.scoring.types import MEAN, Quantity, ScoredRound, Status

FONT = "NanumGothic, 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif"
"""Chart font; the static SVGs are laid out with NanumGothic (Debian ``fonts-nanum``)."""
FALLBACK_WIDTH = 560
ROW_STEP = 30

COLOURS: Mapping[Status, str] = {
    "disclosed": "#1565c0",
    "computed": "#00838f",
    "derived": "#6a1b9a",
    "bounded": "#e65100",
    "not_disclosed": "#9e9e9e",
}
"""Mid-tone colours that read on both the light and the dark palette."""
SHAPES: Mapping[Status, str] = {"disclosed": "circle", "computed": "square", "derived": "diamond"}


@dataclass(frozen=True, kw_only=True)
class ChartRow:
    """One row of a chart's data table."""

    label: str
    quantity: Quantity
    maximum: float


@dataclass(frozen=True, kw_only=True)
class ChartBlock:
    """What every chart block shows: the live spec, its static SVG, a caption and alt text from the data."""

    id: str
    caption: str
    alt: str
    spec: Mapping[str, Any]
    svg: str


@dataclass(frozen=True, kw_only=True)
class RangeChart(ChartBlock):
    """A score chart, with the rows of its data table (team, value, maximum, sources)."""

    rows: tuple[ChartRow, ...]


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One cell of a chart's data table: Markdown text and an optional ``data-sort`` key."""

    text: str
    sort: str | None = None


@dataclass(frozen=True, kw_only=True)
class TableChart(ChartBlock):
    """A chart whose data table has its own columns (the method demo's and the audits' charts)."""

    heads: tuple[str, ...]
    """Column headers, already in the page's language; a trailing ``#`` marks a numeric column."""
    rows: tuple[tuple[Cell, ...], ...]


def finish(chart: Any, *, alt_text: str) -> dict[str, Any]:
    """The live spec of an Altair chart: container width, transparent, the site's font, no ``$schema``."""
    spec: dict[str, Any] = (
        chart.properties(description=alt_text, width="container")
        .configure(font=FONT, background="transparent")
        .configure_view(stroke=None)
        .to_dict(validate=False)
    )
    spec.pop("$schema", None)
    return spec


def range_chart(scored: ScoredRound, node_id: str, lang: Lang, *, chart_id: str) -> RangeChart:
    """Every team's points on ``node_id``: points where known, ranges where not; the average as a rule."""
    round_ = scored.round
    node = round_.rubric.node(node_id)
    rows = tuple(
        ChartRow(label=team.name.get(lang), quantity=scored.cell(team.id, node_id), maximum=node.max)
        for team in round_.teams
    )
    mean = scored.aggregates.get((MEAN, node_id))
    if mean is not None and mean.value is not None:
        rows_all = (*rows, ChartRow(label=_mean_label(lang), quantity=mean, maximum=node.max))
    else:
        rows_all = rows
    data = [_datum(row, index, lang) for index, row in enumerate(rows)]
    axis_title = f"{node.name.get(lang)} ({UI['max'].get(lang)} {number(node.max)})"
    alt_text = _alt_text(node.name.get(lang), rows_all, lang)
    spec_live = _spec(data, mean, node.max, axis_title, alt_text, lang=lang)
    spec_static = static_spec(spec_live)
    caption = PHRASE["range_chart_caption"].get(lang).format(node=node.name.get(lang))
    overshoot = next((top for row in rows if (top := rounded_top_below(scored, row.quantity))), None)
    if overshoot is not None:
        shown = number(overshoot.value or 0.0, overshoot.decimals)
        caption += PHRASE["range_chart_rounding"].get(lang).format(top=shown)
    return RangeChart(
        id=chart_id, caption=caption, alt=alt_text, spec=spec_live, svg=svg(spec_static), rows=rows_all
    )


def _mean_label(lang: Lang) -> str:
    return UI["mean_col"].get(lang)


def _datum(row: ChartRow, index: int, lang: Lang) -> dict[str, Any]:
    q = row.quantity
    status_label = MARK_LABEL[q.status].get(lang)
    datum: dict[str, Any] = {
        "team": row.label,
        "order": index,
        "status": q.status,
        "kind": status_label,
        "zero": 0,
        "max": row.maximum,
        "value": None,
        "low": None,
        "high": None,
    }
    if known(q):
        assert q.value is not None
        datum["value"] = round(q.value, 6)
        datum["text"] = f"{number(q.value, q.decimals)} ({STATUS[q.status].get(lang)})"
    else:
        low, high = (q.bound.low, q.bound.high) if q.bound is not None else (0.0, row.maximum)
        datum["low"], datum["high"] = round(low, 6), round(high, 6)
        datum["text"] = (
            f"{UI['range'].get(lang)} {number(low)}–{number(high)} ({UI['not_a_score'].get(lang)})"
        )
    return datum


def _alt_text(node_name: str, rows: tuple[ChartRow, ...], lang: Lang) -> str:
    """A sentence per row, written from the data."""
    parts = []
    for row in rows:
        q = row.quantity
        if known(q):
            assert q.value is not None
            word = STATUS[q.status].get(lang)
            parts.append(
                PHRASE["alt_value"]
                .get(lang)
                .format(label=row.label, value=number(q.value, q.decimals), status=word)
            )
        else:
            low, high = (q.bound.low, q.bound.high) if q.bound is not None else (0.0, row.maximum)
            parts.append(
                PHRASE["alt_range"].get(lang).format(label=row.label, low=number(low), high=number(high))
            )
    maximum = number(rows[0].maximum) if rows else "?"
    head = PHRASE["alt_head"].get(lang).format(node=node_name, maximum=maximum)
    return head + ("; ".join(parts) + ".")


def _spec(
    data: list[dict[str, Any]],
    mean: Quantity | None,
    maximum: float,
    axis_title: str,
    alt_text: str,
    *,
    lang: Lang,
) -> dict[str, Any]:
    """The live spec: as wide as its container, transparent so it follows the light and dark palettes."""
    statuses = [s for s in MARK_LABEL if any(d["status"] == s for d in data)]
    colour = alt.Color(
        "kind:N",
        title=None,
        scale=alt.Scale(
            domain=[MARK_LABEL[s].get(lang) for s in statuses], range=[COLOURS[s] for s in statuses]
        ),
        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320),
    )
    x_scale = alt.Scale(domain=[0, maximum], nice=False)
    y = alt.Y(
        "team:N",
        sort=alt.EncodingSortField(field="order", order="ascending"),
        title=None,
        axis=alt.Axis(labelLimit=150, domain=False, ticks=False),
    )
    tooltip = [
        alt.Tooltip("team:N", title=UI["team"].get(lang)),
        alt.Tooltip("text:N", title=UI["value"].get(lang)),
    ]
    base = alt.Chart(inline(data)).encode(y=y)
    track = base.mark_bar(color="#9e9e9e", opacity=0.18, height=4).encode(
        x=alt.X("zero:Q", scale=x_scale, title=axis_title), x2="max:Q"
    )
    ranges = (
        base.transform_filter("datum.low !== null")
        .mark_bar(height=12, opacity=0.6)
        .encode(x=alt.X("low:Q", scale=x_scale), x2="high:Q", color=colour, tooltip=tooltip)
    )
    points = (
        base.transform_filter("datum.value !== null")
        .mark_point(filled=True, size=110, opacity=1)
        .encode(
            x=alt.X("value:Q", scale=x_scale),
            color=colour,
            tooltip=tooltip,
            shape=alt.Shape(
                "status:N", legend=None, scale=alt.Scale(domain=list(SHAPES), range=list(SHAPES.values()))
            ),
        )
    )
    layers: list[Any] = [track, ranges, points]
    if mean is not None and mean.value is not None:
        mean_label = f"{_mean_label(lang)} {number(mean.value, mean.decimals)}"
        rule_data = inline([{"mean": round(mean.value, 6), "label": mean_label}])
        mean_x = alt.X("mean:Q", scale=x_scale)
        layers.append(
            alt.Chart(rule_data)
            .mark_rule(strokeDash=[5, 4], color="#616161")
            .encode(x=mean_x, tooltip=[alt.Tooltip("label:N", title=_mean_label(lang))])
        )
        # The line is labelled on the chart itself, above the plot, not only in a tooltip.
        layers.append(
            alt.Chart(rule_data)
            .mark_text(align="right", baseline="bottom", dx=-3, dy=-2, fontSize=11, color="#616161")
            .encode(x=mean_x, y=alt.value(0), text="label:N")
        )
    chart = (
        alt.layer(*layers)
        .properties(
            description=alt_text,
            height=alt.Step(ROW_STEP),
            width="container",
        )
        .configure(font=FONT, background="transparent")
        .configure_view(stroke=None)
    )
    # Schema validation takes most of the render time; the tests validate every spec once instead.
    spec: dict[str, Any] = chart.to_dict(validate=False)
    spec.pop("$schema", None)
    return spec


def static_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The fallback image's spec: a fixed width on white, so the SVG reads without the page's palette."""
    static: dict[str, Any] = json.loads(json.dumps(spec))
    static["width"] = FALLBACK_WIDTH
    static["config"]["background"] = "white"
    return static


def inline(values: list[dict[str, Any]]) -> Any:
    """Inline chart data (Altair's ``Data`` class has no type annotations, hence ``Any``)."""
    data: Any = alt.Data
    return data(values=values)


def svg(spec: Mapping[str, Any]) -> str:
    """The static SVG of a Vega-Lite spec, rendered by vl-convert (deterministic for a given spec)."""
    return _svg_cached(_freeze(spec))


@cache
def _svg_cached(spec_json: str) -> str:
    return str(vl_convert.vegalite_to_svg(json.loads(spec_json)))


def _freeze(spec: Mapping[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True, ensure_ascii=False)


@cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one file, served from the site itself (no CDN)."""
    # The default snippet (None at run time) puts vegaEmbed on `window`; the stubs wrongly require a string.
    bundle: Any = vl_convert.javascript_bundle
    return str(bundle(None))


def png(svg_text: str) -> bytes:
    """The chart as a PNG at twice the fallback's size, for slides and articles (deterministic)."""
    return _png_cached(svg_text)


@cache
def _png_cached(svg_text: str) -> bytes:
    return bytes(vl_convert.svg_to_png(svg_text, scale=2))


MARKUP = re.compile(r"<[^>]+>|\*\*|\\(?=[\\`*_{}\[\]()#+\-.!|])")
"""HTML tags, bold markers and Markdown escapes, stripped from a cell for the CSV."""
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
CODE = re.compile(r"(?<!\\)`([^`]*)`")


def plain(text: str) -> str:
    """A table cell's Markdown as plain text: links keep their label, code its text."""
    return MARKUP.sub("", CODE.sub(r"\1", LINK.sub(r"\1", text))).strip()


def chart_csv(chart: ChartBlock) -> str:
    """The data behind a chart as CSV (UTF-8 with BOM so spreadsheet programs read Hangul right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if isinstance(chart, RangeChart):
        writer.writerow(["label", "status", "value", "range_low", "range_high", "max", "sources"])
        for row in chart.rows:
            q = row.quantity
            low, high = (
                (q.bound.low, q.bound.high) if q.bound is not None and q.value is None else (None, None)
            )
            writer.writerow(
                [
                    row.label,
                    q.status,
                    "" if q.value is None else number(q.value, q.decimals),
                    "" if low is None else number(low),
                    "" if high is None else number(high),
                    number(row.maximum),
                    ";".join(q.sources),
                ]
            )
    elif isinstance(chart, TableChart):
        writer.writerow([head.rstrip("#") for head in chart.heads])
        for cells in chart.rows:
            writer.writerow([plain(cell.text) for cell in cells])
    return "\ufeff" + out.getvalue()
