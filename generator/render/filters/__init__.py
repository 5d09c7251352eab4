"""Every formatting rule of the pages, as named Jinja filters registered in one place (:func:`register`).

Templates stay dumb: they loop and call these. Filters that link somewhere read ``root`` (the way back to
the docs root from the page being rendered, ``""`` or ``"../"``) from the template context, and produce
Markdown links to ``.md`` files so that MkDocs checks every one of them in strict mode. Filters that turn
an id into what it prints as (a team's name, a source's citation) read the page's ``lookup``
(:class:`generator.render.lookup.Lookup`); no filter holds a round.

The filters come in groups, one module each: :mod:`.text` (words, names, statuses), :mod:`.audits`
(findings and verdicts), :mod:`.numbers` (values, ranges, formulas) and :mod:`.links` (citations, evidence,
anchors); :class:`Filters` is all of them for one language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment

from generator.render.filters.audits import AuditFilters
from generator.render.filters.links import LinkFilters
from generator.render.formats import count, fixed, md, p_sortkey, percent, plural, power_of_ten, spread

__all__ = ["Filters", "register"]


class Filters(LinkFilters, AuditFilters):
    """The filters of one language. They hold no round: ids are resolved through the context's lookup."""


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
