"""Every formatting rule of the pages, as named Jinja filters registered in one place (:func:`register`).

Templates stay dumb: they loop and call these. Filters that link somewhere read ``root`` (the way back to
the docs root from the page being rendered, ``""`` or ``"../"``) from the template context, and produce
Markdown links to ``.md`` files so that MkDocs checks every one of them in strict mode. Filters that turn
an id into what it prints as (a team's name, a source's citation) read the page's ``lookup``
(:class:`generator.render.lookup.Lookup`); no filter holds a round.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from generator.model import BenchmarkMethod, Evidence, Method, PanelMethod, Source, Text
from generator.render import korean
from generator.render.formats import (
    BOUND_DECIMALS,
    attr,
    badge_class,
    cell_anchor,
    component_name,
    constraint_anchor,
    count,
    fixed,
    level_list,
    localised_date,
    md,
    number,
    p_sortkey,
    p_value,
    percent,
    plural,
    power_of_ten,
    si_size,
    slug,
    source_anchor,
    spread,
)
from generator.render.labels import (
    ALLEGATION_OUTCOME,
    CHANGE_KIND,
    COMPONENT_SENTENCE,
    DEMO_CASE,
    ENTITY,
    FINDING,
    HEADING,
    OMITTED,
    OUTCOME,
    PHRASE,
    REFERENCE_KIND,
    STATISTIC,
    STATUS,
    STATUS_EXPLAINED,
    UI,
    VERDICT,
    WEIGHT,
    WEIGHTS_ORIGIN,
    Lang,
)
from generator.render.lookup import Lookup
from generator.render.placement import SITE_PAGES
from generator.render.wording import computation_text
from generator.scoring.types import (
    MEAN,
    OTHERS,
    OTHERS_MEAN,
    Constraint,
    Formula,
    Quantity,
    Term,
)


def _lookup(context: Context) -> Lookup:
    """The page's :class:`~generator.render.lookup.Lookup` (ids → what they print as)."""
    table: Lookup = context["lookup"]
    return table


class Filters:
    """The filters of one language. They hold no round: ids are resolved through the context's lookup."""

    def __init__(self, *, lang: Lang) -> None:
        self.lang: Lang = lang

    # --- plain text ---------------------------------------------------------------------------------
    def cited_count(self, count: int) -> str:
        """How many items on the site cite a source: ``이 사이트의 자료 3건이 인용`` / ``cited by 1 item``."""
        return self.phrase("cited_count", count=count, items=plural(count, "item"))

    def phrase(self, key: str, **fields: object) -> str:
        """A :data:`generator.render.labels.PHRASE` in this language with its fields filled in."""
        return PHRASE[key].get(self.lang).format(**fields)

    def t(self, key: str) -> str:
        """An interface label (see :data:`generator.render.labels.UI`)."""
        return UI[key].get(self.lang)

    def heading(self, key: str) -> str:
        """A section heading (see :data:`generator.render.labels.HEADING`)."""
        return HEADING[key].get(self.lang)

    def tx(self, text: Text | None) -> str:
        """A bilingual data text in this language, Markdown-escaped; empty for ``None``."""
        return "" if text is None else md(text.get(self.lang))

    def markdown(self, text: Text) -> str:
        """A bilingual text that is already Markdown (a later stage's finished section), unescaped."""
        return text.get(self.lang)

    def date(self, value: date | str) -> str:
        """A localised date."""
        return localised_date(value, self.lang)

    def josa(self, word: str, pair: str) -> str:
        """``word`` followed by the right Korean particle; English gets the word alone."""
        return word + korean.particle(word, pair) if self.lang == "ko" else word

    @pass_context
    def names(self, context: Context, teams: Iterable[Any]) -> str:
        """Team names joined for a sentence."""
        return korean.join([self.team(context, t.id) for t in teams], self.lang)

    @pass_context
    def team(self, context: Context, team_id: str) -> str:
        """A team's name."""
        return md(_lookup(context).teams[team_id].get(self.lang))

    @pass_context
    def node(self, context: Context, node_id: str) -> str:
        """A rubric node's name."""
        return md(_lookup(context).nodes[node_id].name.get(self.lang))

    @pass_context
    def maximum(self, context: Context, node_id: str) -> str:
        """A rubric node's maximum points."""
        return number(_lookup(context).nodes[node_id].max)

    @pass_context
    def constraint_label(self, context: Context, constraint_id: str) -> str:
        """What a constraint says, Markdown-escaped."""
        return md(_lookup(context).constraint_labels[constraint_id].get(self.lang))

    @pass_context
    def tree_indent(self, context: Context, node_id: str) -> str:
        """Four spaces per level of a rubric node below the root: its list item's indent in the tree."""
        return "    " * _lookup(context).depths[node_id]

    @pass_context
    def entity(self, context: Context, entity: str) -> str:
        """A team's name, or the name of an aggregate such as the all-team average."""
        if entity == MEAN:
            return ENTITY[MEAN].get(self.lang)
        for prefix in (OTHERS_MEAN, OTHERS):
            if entity.startswith(prefix):
                team = self.team(context, entity.removeprefix(prefix))
                return ENTITY[prefix].get(self.lang).format(team=team)
        return self.team(context, entity)

    @pass_context
    def actor(self, context: Context, actor_id: str | None) -> str:
        """Who withheld a value."""
        if actor_id is None:
            return ""
        name = _lookup(context).actors.get(actor_id)
        return md(name.get(self.lang)) if name else md(actor_id)

    def outcome(self, result: str) -> str:
        """A team's status label."""
        return OUTCOME[result].get(self.lang)  # type: ignore[index]

    def status(self, status: str) -> str:
        """A status as a word."""
        return STATUS[status].get(self.lang)  # type: ignore[index]

    def status_explained(self, status: str) -> str:
        """What a status means, in a sentence."""
        return STATUS_EXPLAINED[status].get(self.lang)  # type: ignore[index]

    def badge(self, status: str) -> str:
        """A status badge: text in a styled span, so the difference never rests on colour alone."""
        return f'<span class="st st-{status.replace("_", "-")}">{self.status(status)}</span>'

    def finding(self, finding: str) -> str:
        """A criterion finding as a badge: pass / fail / noted / not assessed, always in words."""
        label = FINDING[finding].get(self.lang)  # type: ignore[index]
        return f'<span class="{badge_class("finding", finding)}">{label}</span>'

    def allegation_outcome(self, outcome: str) -> str:
        """How an allegation ended, as a badge."""
        label = ALLEGATION_OUTCOME[outcome].get(self.lang)  # type: ignore[index]
        return f'<span class="{badge_class("claim", outcome)}">{label}</span>'

    def weight(self, weight: str) -> str:
        """What a similarity figure shows on its own, as a badge."""
        return f'<span class="{badge_class("weight", weight)}">{WEIGHT[weight].get(self.lang)}</span>'

    def statistic(self, statistic: str) -> str:
        """The name of a similarity statistic."""
        return STATISTIC[statistic].get(self.lang)

    def weights_origin(self, weights: str) -> str:
        """Where a component's weights came from, in words."""
        return WEIGHTS_ORIGIN[weights].get(self.lang)  # type: ignore[index]

    def levels(self, levels: Sequence[int]) -> str:
        """A list of scale levels, runs collapsed."""
        return level_list(levels)

    def size(self, size: int) -> str:
        """A file size: bytes with thousands separators, or MB/GB/… from a megabyte up (the exact count is in
        the file the page links)."""
        human = si_size(size)
        return self.phrase("size", size=f"{size:,}") if human is None else human

    def verdict(self, verdict: str) -> str:
        """An audit verdict as a badge, always in words."""
        return f'<span class="{badge_class("verdict", verdict)}">{VERDICT[verdict].get(self.lang)}</span>'

    def omitted(self, part: str) -> str:
        """A part of the data the round omits, in words."""
        return OMITTED[part].get(self.lang)

    def change_kind(self, kind: str) -> str:
        """What kind of change a change-record entry is, in words."""
        return CHANGE_KIND[kind].get(self.lang)

    def reference_kind(self, kind: str) -> str:
        """What an engine audit compared against, in words."""
        return REFERENCE_KIND[kind].get(self.lang)

    def demo_case(self, case_id: str) -> str:
        """The name of one of the method demo's models."""
        return DEMO_CASE[case_id].get(self.lang)

    def hub_link(self, repo: str, revision: str | None = None) -> str:
        """A Hub repository as a link (``owner/name``), pinned to ``revision`` when given."""
        tree = f"/tree/{revision}" if revision else ""
        shown = f"{repo}@{revision[:7]}" if revision else repo
        return f"[{md(shown)}](https://huggingface.co/{repo}{tree})"

    def component_verdict(self, component: Any) -> str:
        """``name: badge``: a component's verdict beside its name."""
        return f"{component_name(component.name, self.lang)}: {self.verdict(component.verdict)}"

    def component_sentence(self, component: Any) -> str:
        """One component's verdict as a sentence a citizen reads (the reference is named by the row)."""
        text = COMPONENT_SENTENCE[component.verdict].get(self.lang)
        return f"{component_name(component.name, self.lang)}: {text}"

    # --- numbers ------------------------------------------------------------------------------------
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
            table = _lookup(context)
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
        quantities = _lookup(context).quantities

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

    # --- links --------------------------------------------------------------------------------------
    @pass_context
    def cite(self, context: Context, ids: Sequence[str]) -> str:
        """Short citations linking to the sources page: ``[연합뉴스 2026-01-15](sources.md#src-…)``."""
        root = context["root"]
        links = []
        for source_id in dict.fromkeys(ids):
            source = _lookup(context).sources[source_id]
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
            known = _lookup(context).constraint_labels.get(cid)
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
                cap = _lookup(context).nodes[quantity.node].max
                parts.append(f"{self.t('range')} 0–{number(cap)} ({self.t('not_a_score')})")
        if quantity.withheld_by:
            parts.append(f"{self.t('withheld_by')}: {self.actor(context, quantity.withheld_by)}")
        if quantity.note is not None:
            parts.append(md(quantity.note.get(self.lang)))
        if quantity.sources:
            parts.append(f"{self.t('sources')}: {self.cite(context, quantity.sources)}")
        return "<br>".join(parts)

    # --- sources ------------------------------------------------------------------------------------
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


def register(env: Environment, filters: Filters) -> None:
    """Register every filter of ``filters`` on ``env``: the one place the templates' vocabulary is defined."""
    table: dict[str, Callable[..., Any]] = {
        "t": filters.t,
        "phrase": filters.phrase,
        "heading": filters.heading,
        "hub_link": filters.hub_link,
        "component_sentence": filters.component_sentence,
        "component_verdict": filters.component_verdict,
        "cited_count": filters.cited_count,
        "plural": plural,
        "tx": filters.tx,
        "date": filters.date,
        "josa": filters.josa,
        "names": filters.names,
        "team": filters.team,
        "node": filters.node,
        "maximum": filters.maximum,
        "tree_indent": filters.tree_indent,
        "constraint_label": filters.constraint_label,
        "entity": filters.entity,
        "actor": filters.actor,
        "outcome": filters.outcome,
        "status": filters.status,
        "status_explained": filters.status_explained,
        "badge": filters.badge,
        "num": filters.num,
        "qnum": filters.qnum,
        "pm": filters.pm,
        "span": filters.span,
        "short": filters.short,
        "sortkey": filters.sortkey,
        "formula": filters.formula,
        "formula_names": filters.formula_names,
        "cite": filters.cite,
        "cited": filters.cited,
        "page": filters.page,
        "constraint_links": filters.constraint_links,
        "evidence": filters.evidence,
        "source_title": filters.source_title,
        "basis": filters.basis,
        "method": filters.method,
        "json_script": filters.json_script,
        "attr": filters.attr,
        "md": md,
        "anchor_source": filters.anchor_source,
        "anchor_constraint": filters.anchor_constraint,
        "anchor_cell": filters.anchor_cell,
        "slug": filters.slug,
        "markdown": filters.markdown,
        "finding": filters.finding,
        "allegation_outcome": filters.allegation_outcome,
        "weight": filters.weight,
        "statistic": filters.statistic,
        "weights_origin": filters.weights_origin,
        "levels": filters.levels,
        "size": filters.size,
        "evalue": filters.evalue,
        "share": filters.share,
        "verdict": filters.verdict,
        "demo_case": filters.demo_case,
        "reference_kind": filters.reference_kind,
        "change_kind": filters.change_kind,
        "omitted": filters.omitted,
        "count": count,
        "percent": percent,
        "pval": filters.pval,
        "pval_sortkey": p_sortkey,
        "spread": spread,
        "fixed": fixed,
        "power_of_ten": power_of_ten,
    }
    env.filters.update(table)
