"""The render stage: a scored round in, the generated part of the site out (relative path → bytes).

Pure — no file is read or written here; :mod:`generator.publish` does the I/O. Output is deterministic:
the same inputs give byte-identical files (no clock, sorted keys, fixed chart renderer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.audit.configured import ConfiguredAudit
from generator.audit.demo import Demo
from generator.criteria import Judgement
from generator.evidence import EvidenceFileIn
from generator.model import Narrative, Text
from generator.render.charts import javascript_bundle
from generator.render.downloads import build_downloads
from generator.render.judged import not_evidence_teams
from generator.render.labels import LANGS, UI
from generator.render.pages import (
    Inputs,
    chart_files,
    environment,
    nav,
    page_list,
    render_pages,
    social_cards,
)
from generator.render.pending import pending_pages
from generator.render.placement import Placement, RoundLink
from generator.render.spreads import demo_spreads
from generator.render.views import DEMO_SECTION, TeamSection
from generator.scoring.types import ScoredRound

__all__ = [
    "DEMO_SECTION",
    "Narrative",
    "Placement",
    "RenderedSite",
    "RoundLink",
    "SiteSettings",
    "TeamSection",
    "demo_section",
    "render_site",
]

VEGA_BUNDLE = "assets/javascripts/vega-bundle.js"


@dataclass(frozen=True, kw_only=True)
class SiteSettings:
    """Site-wide settings the pages need from the MkDocs configuration."""

    site_url: str
    """Public address of the site, for the suggested citation."""


@dataclass(frozen=True, kw_only=True)
class RenderedSite:
    """The generated files and what the site build needs to know about them."""

    files: Mapping[str, bytes]
    """Path relative to the docs root → content."""
    pages: tuple[str, ...]
    """Generated Markdown pages (both languages)."""
    nav: Sequence[Any] = field(default_factory=list)
    """MkDocs ``nav``: the generated pages in order, then the hand-written ones."""


def render_site(
    scored: ScoredRound,
    *,
    judgement: Judgement,
    narrative: Narrative,
    settings: SiteSettings,
    team_sections: Mapping[str, Sequence[TeamSection]] | None = None,
    demo: Demo | None = None,
    audits: Mapping[str, Sequence[ConfiguredAudit]] | None = None,
    evidence: Mapping[str, EvidenceFileIn] | None = None,
    placement: Placement | None = None,
) -> RenderedSite:
    """Render every generated page, chart and download.

    ``judgement``: the independence criteria judged for every team
    (:func:`generator.criteria.judge_independence`); render only formats it.

    ``demo``: the method demo computed at build time; it fills the method page and, for every team with an
    allegation resting only on raw cosine, the :data:`DEMO_SECTION` (unless ``team_sections`` gives one).
    ``audits``: configured engine audits per team (results, or what was not run and why).
    ``placement``: where the round's pages go in a site of several rounds (default: the docs root, alone).
    """
    placement = placement or Placement()
    downloads = build_downloads(scored, site_url=settings.site_url, evidence=evidence)
    sections = {team: list(items) for team, items in (team_sections or {}).items()}
    if demo is not None:
        section = demo_section(scored, demo)
        for team in not_evidence_teams(scored.round):
            if not any(s.id == DEMO_SECTION for s in sections.get(team, [])):
                sections.setdefault(team, []).append(section)
    inputs = Inputs(
        scored=scored,
        judgement=judgement,
        narrative=narrative,
        site_url=settings.site_url,
        downloads=downloads,
        team_sections=sections,
        demo=demo,
        audits=audits or {},
        evidence=evidence or {},
        placement=placement,
    )
    pending = scored.round.info.pending  # results not announced: only what was, and no downloads
    pages = pending_pages(inputs) if pending else page_list(inputs)
    markdown = render_pages(inputs, pages)
    files: dict[str, bytes] = {path: text.encode("utf-8") for path, text in markdown.items()}
    files.update(chart_files(pages, placement.prefix))
    files.update(social_cards(pages, scored.round.info, placement))
    if not pending:
        files.update(downloads.files)
    files[VEGA_BUNDLE] = javascript_bundle().encode("utf-8")
    return RenderedSite(
        files=dict(sorted(files.items())), pages=tuple(sorted(markdown)), nav=nav(pages, placement.prefix)
    )


def demo_section(scored: ScoredRound, demo: Demo) -> TeamSection:
    """The team-page section that explains a raw-cosine allegation with the demo's own numbers."""
    body = {
        lang: environment(lang)
        .get_template("pages/demo_section.md.j2")
        .render({"lang": lang, "root": "../", "demo": demo, "spreads": demo_spreads(demo)})
        .strip()
        for lang in LANGS
    }
    return TeamSection(
        id=DEMO_SECTION,
        title=UI["demo_section"],
        body=Text(ko=body["ko"], en=body["en"]),
    )
