"""The filters that link and cite: citations to the sources page, paths between pages, the evidence of a
value (sources, formula, method, the constraints that set a range's ends), and the anchors and markup those
links point at."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from generator.model import BenchmarkMethod, Method, PanelMethod, Source
from generator.render.filters.numbers import NumberFilters
from generator.render.filters.text import page_lookup
from generator.render.formats import attr, cell_anchor, constraint_anchor, md, number, slug, source_anchor
from generator.render.placement import SITE_PAGES
from generator.render.wording import computation_text
from generator.scoring.types import Constraint, Quantity


class LinkFilters(NumberFilters):
    """Citations, links, evidence and anchors in one language."""

    @pass_context
    def cite(self, context: Context, ids: Sequence[str]) -> str:
        """Short citations linking to the sources page: ``[연합뉴스 2026-01-15](sources.md#src-…)``."""
        root = context["root"]
        links = []
        for source_id in dict.fromkeys(ids):
            source = page_lookup(context).sources[source_id]
            label = f"{md(source.publisher.get(self.lang))} {source.published or self.t('undated')}"
            links.append(f"[{label}]({root}sources.md#{source_anchor(source_id)})")
        return ", ".join(links)

    @pass_context
    def cited(self, context: Context, ids: Sequence[str]) -> str:
        """Citations in parentheses after a sentence, or nothing when there are no sources."""
        return f" ({self.cite(context, ids)})" if ids else ""

    @pass_context
    def page(self, context: Context, path: str, anchor: str = "") -> str:
        """A path to another page, relative to the current one (a page of the site, not of the round, through
        ``site_root``: the round may sit in its own folder)."""
        root = context["site_root"] if path in SITE_PAGES else context["root"]
        return f"{root}{path}" + (f"#{anchor}" if anchor else "")

    @pass_context
    def constraint_links(self, context: Context, ids: Sequence[str]) -> str:
        """Links to the constraint table rows (on the same page) that set one end of a range."""
        labels = []
        for cid in ids:
            known = page_lookup(context).constraint_labels.get(cid)
            label = md(known.get(self.lang)) if known else md(cid)
            labels.append(f"[{label}](#{constraint_anchor(cid)})")
        return "; ".join(labels)

    @pass_context
    def evidence(self, context: Context, quantity: Quantity) -> str:
        """Where a value comes from: sources; formula; raw-data method; or what sets a range's ends."""
        parts: list[str] = []
        if quantity.status == "derived" and quantity.formula is not None:
            values = self.formula(context, quantity.formula)
            names = self.formula_names(context, quantity.formula)
            parts.append(f"= {values} ({names}), {self.t('rounding')} {self.pm(quantity) or '±0'}")
        if quantity.status == "computed" and quantity.computed is not None:
            parts.append(md(computation_text(quantity.computed).get(self.lang)))
        if quantity.bound is not None and quantity.value is None:
            if quantity.status == "bounded":
                parts.append(f"{self.t('low_by')}: {self.constraint_links(context, quantity.bound.low_by)}")
                parts.append(f"{self.t('high_by')}: {self.constraint_links(context, quantity.bound.high_by)}")
            else:
                cap = page_lookup(context).nodes[quantity.node].max
                parts.append(f"{self.t('range')} 0–{number(cap)} ({self.t('not_a_score')})")
        if quantity.withheld_by:
            parts.append(f"{self.t('withheld_by')}: {self.actor(context, quantity.withheld_by)}")
        if quantity.note is not None:
            parts.append(md(quantity.note.get(self.lang)))
        if quantity.sources:
            parts.append(f"{self.t('sources')}: {self.cite(context, quantity.sources)}")
        return "<br>".join(parts)

    def source_title(self, source: Source) -> str:
        """A source's headline, or a plain statement that it was not recorded."""
        return md(source.title) if source.title else f"*{self.t('title_not_recorded')}*"

    def basis(self, constraint: Constraint) -> str:
        """Whether a constraint is stated by its source, our reading of it, or true by definition."""
        if constraint.basis == "definition":
            return self.t("by_definition")
        return self.t("stated") if constraint.basis == "stated" else f"**{self.t('our_reading')}**"

    def method(self, method: Method | None) -> str:
        """How a rubric node turns raw data into points, when that was published."""
        if isinstance(method, BenchmarkMethod):
            items = ", ".join(f"{md(b.name)} ×{number(b.weight)}" for b in method.benchmarks)
            return self.phrase("benchmark_method", items=items)
        if isinstance(method, PanelMethod):
            criteria = ", ".join(f"{md(k)} ×{number(v)}" for k, v in sorted(method.criteria.items()))
            scale = f"{number(method.scale_min)}–{number(method.scale_max)}"
            return self.phrase("panel_method", scale=scale, criteria=criteria, aggregate=method.aggregate)
        return ""

    def json_script(self, value: Any) -> str:
        """JSON for an inline ``<script type="application/json">``: sorted, compact, ``</`` escaped."""
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text.replace("</", "<\\/")

    def attr(self, value: object) -> str:
        """An HTML attribute value."""
        return attr(value)

    def anchor_source(self, source_id: str) -> str:
        """The sources-page anchor of a source."""
        return source_anchor(source_id)

    def anchor_constraint(self, constraint_id: str) -> str:
        """The anchor of a constraint row."""
        return constraint_anchor(constraint_id)

    def anchor_cell(self, quantity: Quantity) -> str:
        """The anchor of a cell's evidence row."""
        return cell_anchor(quantity.entity, quantity.node)

    def slug(self, text: str) -> str:
        """An id fragment for an anchor (criteria, allegations, events)."""
        return slug(text)
