"""The filters of the independence record and the weight audits: findings, allegations, similarity figures,
verdicts and the components they are about, as words and badges (never by colour alone)."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from generator.render.filters.text import TextFilters, page_lookup
from generator.render.formats import badge_class, component_name, md
from generator.render.labels import (
    ALLEGATION_OUTCOME,
    COMPONENT_SENTENCE,
    DEMO_CASE,
    REFERENCE_KIND,
    STATISTIC,
    VERDICT,
    WEIGHT,
    WEIGHTS_ORIGIN,
    finding_label,
)


class AuditFilters(TextFilters):
    """Findings, allegations and audit verdicts in one language."""

    @pass_context
    def finding(self, context: Context, finding: str) -> str:
        """A criterion finding as a badge: pass / fail / noted / not assessed, always in words."""
        label = finding_label(finding, page_lookup(context).advances_to).get(self.lang)  # type: ignore[arg-type]
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

    def verdict(self, verdict: str) -> str:
        """An audit verdict as a badge, always in words."""
        return f'<span class="{badge_class("verdict", verdict)}">{VERDICT[verdict].get(self.lang)}</span>'

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
