"""Charts of the method demo and of configured audits, built from their results (Altair; static SVG too).

Every number drawn comes from the audit results handed in — for the demo, computed at build time from the
seed the page states. Alt texts and data tables are written from the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import altair as alt

from generator.audit.align import LayerMap
from generator.audit.configured import ConfiguredAudit, GainPair, heatmaps_of
from generator.audit.demo import Demo, DemoCase
from generator.model import Text
from generator.render.charts import Cell, TableChart, finish, inline, static_spec, svg
from generator.render.evidence_views import GridCell, verdict_grid
from generator.render.formats import component_label, component_name, fixed, md, number, p_value, slug, spread
from generator.render.judged import HubAuditView
from generator.render.labels import DEMO_CASE, PHRASE, UI, VERDICT, VERDICT_SHORT, Lang
from generator.render.spreads import spread_of

RAW = "#ef6c00"
"""Raw cosine: the figure an accuser quotes, drawn in a warning colour."""
CENTRED = "#1565c0"
"""The centred statistic."""
NOT_RUN = "not_run"
"""The verdict grid's key for an audit without evidence."""


def _table_chart(
    *,
    chart_id: str,
    caption: str,
    alt_text: str,
    chart: Any,
    heads: Sequence[str],
    rows: Sequence[Sequence[Cell]],
) -> TableChart:
    spec = finish(chart, alt_text=alt_text)
    return TableChart(
        id=chart_id,
        caption=caption,
        alt=alt_text,
        spec=spec,
        svg=svg(static_spec(spec)),
        heads=tuple(heads),
        rows=tuple(tuple(r) for r in rows),
    )


def _label(case: DemoCase, lang: Lang) -> str:
    return DEMO_CASE[case.id].get(lang)


def _centred(gains: Sequence[GainPair]) -> list[float]:
    return [g.centred_cosine for g in gains if g.centred_cosine is not None]


def gains_chart(demo: Demo, lang: Lang) -> TableChart:
    """Raw vs centred cosine of every gain vector, per demo model: raw is ≈ 1 for all, centred separates."""
    raw_label, centred_label = UI["raw_gain"].get(lang), UI["centred_gain"].get(lang)
    data: list[dict[str, Any]] = []
    rows: list[list[Cell]] = []
    alt_parts: list[str] = []
    for order, case in enumerate(demo.cases):
        label = _label(case, lang)
        gains = case.main.gains
        raw = [g.raw_cosine for g in gains]
        centred = _centred(gains)
        for g in gains:
            data.append(
                {"case": label, "order": order, "statistic": raw_label, "value": round(g.raw_cosine, 6)}
            )
            if g.centred_cosine is not None:
                data.append(
                    {
                        "case": label,
                        "order": order,
                        "statistic": centred_label,
                        "value": round(g.centred_cosine, 6),
                    }
                )
        centred_text = spread(spread_of(centred), 3) if centred else UI["undefined"].get(lang)
        verdict = VERDICT[case.audit.verdict].get(lang)
        rows.append(
            [Cell(text=label), Cell(text=raw_label), Cell(text=spread(spread_of(raw), 4)), Cell(text=verdict)]
        )
        rows.append([Cell(text=label), Cell(text=centred_label), Cell(text=centred_text), Cell(text=verdict)])
        alt_parts.append(
            PHRASE["gains_alt_case"]
            .get(lang)
            .format(case=label, raw=spread(spread_of(raw), 4), centred=centred_text)
        )
    count = len(demo.cases[0].main.gains) if demo.cases else 0
    head = PHRASE["gains_alt"].get(lang).format(count=count, seed=demo.seed)
    alt_text = head + "; ".join(alt_parts) + "."
    colour = alt.Color(
        "statistic:N",
        title=None,
        scale=alt.Scale(domain=[raw_label, centred_label], range=[RAW, CENTRED]),
        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320),
    )
    chart = (
        alt.Chart(inline(data))
        .mark_point(filled=True, size=70, opacity=0.8)
        .encode(
            x=alt.X("value:Q", scale=alt.Scale(domain=[-1, 1]), title=UI["value"].get(lang)),
            y=alt.Y(
                "case:N", sort=alt.EncodingSortField(field="order"), title=None, axis=alt.Axis(labelLimit=200)
            ),
            yOffset=alt.YOffset("statistic:N", sort=[raw_label, centred_label]),
            color=colour,
            tooltip=[alt.Tooltip("case:N"), alt.Tooltip("statistic:N"), alt.Tooltip("value:Q", format=".4f")],
        )
        .properties(height=alt.Step(22))
    )
    caption = UI["gains_caption"].get(lang)
    heads = [
        UI["case"].get(lang),
        UI["statistic"].get(lang),
        UI["mean_range"].get(lang),
        UI["verdict"].get(lang),
    ]
    return _table_chart(
        chart_id="method-gains", caption=caption, alt_text=alt_text, chart=chart, heads=heads, rows=rows
    )


def evidence_strength(log10_p: float | None) -> float:
    """``−log10 p`` for a bar (0 when there was no test)."""
    return 0.0 if log10_p is None else max(0.0, -log10_p)


def tests_chart(demo: Demo, lang: Lang) -> TableChart:
    """Strength of evidence (−log10 of the corrected p-value) per demo model, with the decision threshold."""
    threshold = -math.log10(demo.cases[0].audit.alpha) if demo.cases else 6.0
    data = []
    rows: list[list[Cell]] = []
    alt_parts = []
    for order, case in enumerate(demo.cases):
        main = case.main
        label = _label(case, lang)
        strength = evidence_strength(main.log10_p)
        data.append({"case": label, "order": order, "strength": round(strength, 3), "verdict": main.verdict})
        matrix = fixed(main.matrix_centred, 3)
        rows.append(
            [
                Cell(text=label),
                Cell(text=VERDICT[main.verdict].get(lang)),
                Cell(text=p_value(main.log10_p), sort=number(strength, 3)),
                Cell(
                    text=matrix,
                    sort=number(main.matrix_centred, 4) if main.matrix_centred is not None else "",
                ),
            ]
        )
        alt_parts.append(f"{label} {number(strength, 1)} ({VERDICT[main.verdict].get(lang)})")
    alt_text = (
        PHRASE["tests_alt"].get(lang).format(threshold=number(threshold, 1), seed=demo.seed)
        + "; ".join(alt_parts)
        + "."
    )
    axis = UI["tests_axis"].get(lang)
    bars = (
        alt.Chart(inline(data))
        .mark_bar(height=14, color=CENTRED)
        .encode(
            x=alt.X("strength:Q", title=axis, scale=alt.Scale(type="symlog")),
            y=alt.Y(
                "case:N", sort=alt.EncodingSortField(field="order"), title=None, axis=alt.Axis(labelLimit=200)
            ),
            tooltip=[
                alt.Tooltip("case:N"),
                alt.Tooltip("strength:Q", format=".2f"),
                alt.Tooltip("verdict:N"),
            ],
        )
    )
    rule_label = PHRASE["tests_rule"].get(lang).format(exponent=number(threshold, 0))
    rule = (
        alt.Chart(inline([{"threshold": threshold, "label": rule_label}]))
        .mark_rule(strokeDash=[5, 4], color="#616161")
        .encode(x="threshold:Q", tooltip=[alt.Tooltip("label:N")])
    )
    caption = UI["tests_caption"].get(lang)
    heads = [
        UI["case"].get(lang),
        UI["verdict"].get(lang),
        UI["p_corrected"].get(lang) + "#",
        UI["matrix_centred"].get(lang) + "#",
    ]
    chart = alt.layer(bars, rule).properties(height=alt.Step(30))
    return _table_chart(
        chart_id="method-tests", caption=caption, alt_text=alt_text, chart=chart, heads=heads, rows=rows
    )


def heatmap_chart(heatmap: LayerMap, lang: Lang, *, chart_id: str, title: str) -> TableChart:
    """Layer-by-layer similarity, candidate layers × reference layers (a copy shows a bright diagonal)."""
    data = [
        {
            "candidate": f"{i}",
            "reference": f"{j}",
            "ci": ci,
            "ri": ri,
            "similarity": round(heatmap.similarity[ci][ri], 4),
            "text": fixed(heatmap.similarity[ci][ri], 2),
        }
        for ci, i in enumerate(heatmap.candidate_layers)
        for ri, j in enumerate(heatmap.reference_layers)
    ]
    x = alt.X(
        "reference:O",
        sort=[str(j) for j in heatmap.reference_layers],
        title=f"{UI['reference_layer'].get(lang)} ({heatmap.reference_stack})",
    )
    y = alt.Y(
        "candidate:O",
        sort=[str(i) for i in heatmap.candidate_layers],
        title=f"{UI['candidate_layer'].get(lang)} ({heatmap.candidate_stack})",
    )
    base = alt.Chart(inline(data)).encode(x=x, y=y)
    cells = base.mark_rect().encode(
        color=alt.Color(
            "similarity:Q",
            title=UI["value"].get(lang),
            scale=alt.Scale(domain=[-1, 1], scheme="redblue", reverse=True),
        ),
        tooltip=[
            alt.Tooltip("candidate:O"),
            alt.Tooltip("reference:O"),
            alt.Tooltip("similarity:Q", format=".3f"),
        ],
    )
    labels = base.mark_text(fontSize=11, color="black").encode(text="text:N")
    chart = alt.layer(cells, labels).properties(height=alt.Step(28))
    mapped = dict(heatmap.mapping)
    heads = [
        UI["candidate_layer"].get(lang),
        *(f"{UI['reference_layer'].get(lang)} {j}#" for j in heatmap.reference_layers),
        UI["mapped_to"].get(lang),
    ]
    rows = [
        [
            Cell(text=str(i), sort=str(i)),
            *(Cell(text=fixed(v, 3), sort=number(v, 4)) for v in heatmap.similarity[ci]),
            Cell(text=str(mapped[i]) if i in mapped else "—"),
        ]
        for ci, i in enumerate(heatmap.candidate_layers)
    ]
    diagonal = [
        heatmap.similarity[ci][heatmap.reference_layers.index(j)]
        for ci, i in enumerate(heatmap.candidate_layers)
        for j in (mapped.get(i),)
        if j is not None and j in heatmap.reference_layers
    ]
    off = [
        v
        for ci, i in enumerate(heatmap.candidate_layers)
        for ri, v in enumerate(heatmap.similarity[ci])
        if mapped.get(i) != heatmap.reference_layers[ri]
    ]
    size = f"{len(heatmap.candidate_layers)}×{len(heatmap.reference_layers)}"
    matched = ", ".join(fixed(v, 2) for v in diagonal) or "—"
    largest_off = fixed(max(off, key=abs), 2) if off else "—"
    alt_text = (
        PHRASE["heatmap_alt"].get(lang).format(title=title, size=size, matched=matched, largest=largest_off)
    )
    return _table_chart(
        chart_id=chart_id, caption=title, alt_text=alt_text, chart=chart, heads=heads, rows=rows
    )


VERDICT_COLOURS: Final[Mapping[str, str]] = {
    "identical": "#e57373",
    "derived": "#ffb74d",
    "independent": "#81c784",
    "inconclusive": "#bdbdbd",
    NOT_RUN: "#eeeeee",
}
"""A light colour per verdict (black words stay legible on each), and a pale grey for "not run yet"; every
cell is also labelled in words."""


def verdict_grid_chart(
    cells: Sequence[GridCell], team_names: Mapping[str, Text], lang: Lang, *, chart_id: str
) -> TableChart:
    """Every Hub audit's verdicts: a row per audit (team: its model vs the reference), a column per
    component; an audit without evidence is "not run yet" across the columns, never a verdict, never blank."""
    whole = UI["whole_model"].get(lang)
    columns = sorted({component_label(c.component, lang) for c in cells if c.component is not None}) or [
        whole
    ]
    not_run = UI["not_run_yet"].get(lang)

    def row_label(cell: GridCell) -> str:
        return f"{team_names[cell.audit.team].get(lang)}: {cell.audit.label.get(lang)}"

    def word(verdict: str | None) -> str:
        return not_run if verdict is None else VERDICT[verdict].get(lang)

    def short(verdict: str | None) -> str:
        return not_run if verdict is None else VERDICT_SHORT[verdict].get(lang)

    data = [
        {"audit": row_label(c), "component": component, "verdict": word(c.verdict), "short": short(c.verdict)}
        for c in cells
        for component in ([component_label(c.component, lang)] if c.component is not None else columns)
    ]
    rows_order = list(dict.fromkeys(row_label(c) for c in cells))
    kinds = [k for k in VERDICT_COLOURS if k == NOT_RUN or any(c.verdict == k for c in cells)]
    domain = [word(None if k == NOT_RUN else k) for k in kinds]
    base = alt.Chart(inline(data)).encode(
        x=alt.X("component:N", sort=columns, title=UI["component"].get(lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("audit:N", sort=rows_order, title=UI["audit_row"].get(lang), axis=alt.Axis(labelLimit=400)),
    )
    rects = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "verdict:N",
            title=UI["verdict"].get(lang),
            scale=alt.Scale(domain=domain, range=[VERDICT_COLOURS[k] for k in kinds]),
        ),
        tooltip=[alt.Tooltip("audit:N"), alt.Tooltip("component:N"), alt.Tooltip("verdict:N")],
    )
    labels = base.mark_text(fontSize=10, color="black").encode(text="short:N")
    chart = alt.layer(rects, labels).properties(height=alt.Step(30))
    ran = sum(1 for c in cells if c.verdict is not None)
    title = PHRASE["verdict_grid"].get(lang)
    alt_text = (
        PHRASE["verdict_grid_alt"]
        .get(lang)
        .format(audits=len(rows_order), ran=len({row_label(c) for c in cells if c.verdict}), cells=ran)
    )
    heads = [
        UI["team"].get(lang),
        UI["audit_row"].get(lang),
        UI["component"].get(lang),
        UI["verdict"].get(lang),
    ]
    rows = [
        [
            Cell(text=md(team_names[c.audit.team].get(lang))),
            Cell(text=md(c.audit.label.get(lang))),
            Cell(text=component_name(c.component, lang) if c.component else "—"),
            Cell(text=word(c.verdict)),
        ]
        for c in cells
    ]
    return _table_chart(
        chart_id=chart_id, caption=title, alt_text=alt_text, chart=chart, heads=heads, rows=rows
    )


# ---- the charts of the pages' audits --------------------------------------------------------------------


AUDITS_CHART = "audits-verdicts"
"""Id of the audits page's verdict grid."""


def audits_chart(rows: Sequence[HubAuditView], names: Mapping[str, Text], lang: Lang) -> TableChart:
    """The audits page's grid of every Hub audit's verdicts (``names``: team id → name)."""
    return verdict_grid_chart(verdict_grid(rows), names, lang, chart_id=AUDITS_CHART)


def audit_chart_ids(team: str, audit: ConfiguredAudit) -> tuple[str, ...]:
    """Ids of one configured audit's heatmaps on its team page (none when it did not run)."""
    if audit.result is None:
        return ()
    count = len(heatmaps_of(audit.result))
    return tuple(f"audit-{team}-{slug(audit.audit.id)}-{n}" for n in range(count))


def audit_charts(team: str, audits: Sequence[ConfiguredAudit], lang: Lang) -> tuple[TableChart, ...]:
    """The layer heatmaps of a team's configured audits that ran."""
    charts = []
    for audit in audits:
        if audit.result is None:
            continue
        ids = audit_chart_ids(team, audit)
        for chart_id, (component, heatmap) in zip(ids, heatmaps_of(audit.result), strict=True):
            title = (
                PHRASE["audit_heatmap"]
                .get(lang)
                .format(audit=audit.audit.label.get(lang), component=component.name)
            )
            charts.append(heatmap_chart(heatmap, lang, chart_id=chart_id, title=title))
    return tuple(charts)
