"""The page list and what each page's template receives. Pure: scored round in, Markdown text out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined

from generator.audit.configured import ConfiguredAudit
from generator.audit.demo import Demo
from generator.criteria import Judgement
from generator.evidence import EvidenceFileIn
from generator.model import Narrative, RoundInfo, Text
from generator.render import views
from generator.render.audit_charts import (
    audit_chart_ids,
    audit_charts,
    audits_chart,
    gains_chart,
    heatmap_chart,
    tests_chart,
)
from generator.render.charts import ChartBlock, TableChart, chart_csv, png, range_chart
from generator.render.citation import cite_page, page_url, report_title
from generator.render.downloads import Downloads
from generator.render.evidence_views import evidence_detail
from generator.render.filters import Filters, register
from generator.render.judged import scale_view
from generator.render.labels import (
    CANNOT_SEE,
    DEMO_CASE,
    HOME_LINKS,
    LANGS,
    PAGE,
    PHRASE,
    UI,
    Lang,
    fill,
    outcome_label,
)
from generator.render.lookup import lookup
from generator.render.placement import SITE_PAGES, Placement, up
from generator.render.replication_views import replication_views
from generator.render.social import card_path, card_png
from generator.render.spreads import demo_spreads
from generator.render.tidy import tidy
from generator.render.views import TeamSection
from generator.scoring.types import ScoredRound

HAND_WRITTEN = SITE_PAGES
"""Pages written by hand in ``docs/pages`` (both languages); the nav lists them after the generated ones."""


@dataclass(frozen=True, kw_only=True)
class Page:
    """One generated page: where it goes, which template, its title and its own template variables."""

    path: str
    """Path of the Korean page under the docs root, e.g. ``teams/upstage.md``; English adds ``.en``."""
    template: str
    title: Text
    description: Text
    context: Mapping[str, Any] = field(default_factory=dict)
    charts: Mapping[Lang, tuple[ChartBlock, ...]] = field(default_factory=dict)
    tags: Mapping[Lang, tuple[str, ...]] = field(default_factory=dict)
    boost: float | None = None
    """Search ranking boost (Material's ``search.boost``)."""

    def output(self, lang: Lang) -> str:
        """The file name for ``lang``: ``x.md`` in Korean, ``x.en.md`` in English."""
        return self.path if lang == "ko" else self.path.removesuffix(".md") + f".{lang}.md"

    @property
    def root(self) -> str:
        """The way back to the docs root from this page, for relative links."""
        return "../" * (len(PurePosixPath(self.path).parts) - 1)


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """Everything the pages are made from."""

    scored: ScoredRound
    judgement: Judgement
    """The independence criteria, judged once for every team before rendering."""
    narrative: Narrative
    site_url: str
    """The site's address; a loopback one is a local preview and prints no address."""
    downloads: Downloads
    team_sections: Mapping[str, Sequence[TeamSection]]
    demo: Demo | None = None
    """The method demo computed at build time (``None``: not run for this build)."""
    audits: Mapping[str, Sequence[ConfiguredAudit]] = field(default_factory=dict)
    """Configured engine audits per team, run or not."""
    evidence: Mapping[str, EvidenceFileIn] = field(default_factory=dict)
    """Valid evidence files of the round's Hub audits, by audit id."""
    placement: Placement = field(default_factory=Placement)
    """Where the round's pages go in the site (the docs root, or under the round's prefix)."""


PERMUTATION_TEST_SOURCES = ("zhu-2025",)
"""Source ids of the method the audit follows, cited on the method page when the round's sources hold them."""


def _page(template: str, path: str | None = None, **fields: Any) -> Page:
    """A fixed page: title and description from :data:`generator.render.labels.PAGE`, at ``<template>.md``."""
    title, description = PAGE[template]
    return Page(
        path=path or f"{template}.md", template=template, title=title, description=description, **fields
    )


def page_list(inputs: Inputs) -> tuple[Page, ...]:
    """Every generated page, in navigation order."""
    scored = inputs.scored
    round_ = scored.round
    info = round_.info
    teams = views.team_views(scored, inputs.judgement, inputs.team_sections, inputs.audits, inputs.evidence)
    criteria = round_.independence.criteria
    root = round_.rubric.root
    top = round_.rubric.node(root).children
    results_charts = {
        lang: tuple(range_chart(scored, node, lang, chart_id=f"results-{node}") for node in (root, *top))
        for lang in LANGS
    }
    home_charts = {lang: (range_chart(scored, root, lang, chart_id=f"home-{root}"),) for lang in LANGS}
    team_cells = tuple(q for t in teams for q in t.cells)
    aggregates = tuple(q for _, group in views.aggregates_by_entity(scored) for q in group)
    home_summary = views.summary(scored)
    home = Page(
        path="index.md",
        template="home",
        title=info.title,
        description=views.home_description(home_summary),
        context={"summary": home_summary, "teams": teams, "n": inputs.narrative, "home_links": HOME_LINKS},
        charts=home_charts,
    )
    results = {
        "teams": teams,
        "nodes": round_.rubric.order(),
        "cells": team_cells,
        "aggregates": aggregates,
        "constraints": views.cited_constraints(scored, team_cells),
    }
    team_pages = [
        Page(
            path=f"teams/{team.team.id}.md",
            template="team",
            title=team.team.name,
            description=team.outcome.summary
            if team.outcome
            else fill(PHRASE["team_description"], team=team.team.name),
            context={
                "t": team,
                "constraints": views.cited_constraints(scored, team.cells),
                "sources": views.team_sources(scored, team),
                "heatmap_ids": {a.audit.id: audit_chart_ids(team.team.id, a) for a in team.audits},
                "details": tuple(
                    d for a in team.hub_audits if (d := evidence_detail(a, inputs.downloads.folder))
                ),
                "cannot_see": CANNOT_SEE,
            },
            charts={lang: audit_charts(team.team.id, team.audits, lang) for lang in LANGS},
            tags={
                lang: (outcome_label(team.outcome.result, info.advances_to).get(lang),)
                if team.outcome
                else ()
                for lang in LANGS
            },
        )
        for team in teams
    ]
    nodes = [round_.rubric.node(n) for n in round_.rubric.order()]
    independence = {
        "teams": teams,
        "disqualified": tuple(t for t in teams if t.result == "disqualified_independence"),
        "allegations": tuple((team, av) for team in teams for av in team.independence.allegations),
        "n": inputs.narrative,
        "criteria": criteria,
        "scale": scale_view(round_),
    }
    sources = {"sources": tuple(round_.sources.values()), "cited": views.cited_by(round_, inputs.narrative)}
    hub_views = tuple(a for t in teams for a in t.hub_audits)
    names = {t.team.id: t.team.name for t in teams}
    return (
        home,
        _page("results", context=results, charts=results_charts),
        _page("teams", path="teams/index.md", context={"teams": teams, "criteria": criteria}),
        *team_pages,
        _page(
            "scoring", context={"example": views.example(scored), "aggregates": aggregates, "nodes": nodes}
        ),
        _page("independence", context=independence, boost=2),
        _page(
            "method",
            context={
                "demo": inputs.demo,
                "chance": chance_width(inputs.demo) if inputs.demo else None,
                "spreads": demo_spreads(inputs.demo) if inputs.demo else None,
                "allegations": independence["allegations"],
                "permutation_test": tuple(s for s in PERMUTATION_TEST_SOURCES if s in round_.sources),
                "audited": any(a.result is not None for audits in inputs.audits.values() for a in audits)
                or any(a.evidence is not None for a in hub_views),
                "replications": replication_views(hub_views, inputs.downloads.folder),
            },
            charts={lang: method_charts(inputs.demo, lang) for lang in LANGS} if inputs.demo else {},
        ),
        _page(
            "audits",
            context={"rows": hub_views, "ran": any(a.evidence is not None for a in hub_views)},
            charts={lang: (audits_chart(hub_views, names, lang),) for lang in LANGS} if hub_views else {},
        ),
        _page("timeline", context={"events": round_.events}),
        _page("unknowns", context={"u": views.unknowns(scored, inputs.narrative)}),
        _page("glossary", context={"n": inputs.narrative}),
        _page("sources", context=sources),
        _page("data", context={"downloads": inputs.downloads}),
        _page("changelog", context={"changes": views.changes_by_day(round_.changes)}),
    )


def chance_width(demo: Demo) -> float:
    """``1/√d``: the spread of the correlation of two unrelated vectors of the demo's width."""
    return float(1 / demo.d_model**0.5)


METHOD_HEATMAPS = (("graft", "vision_tower"), ("finetuned", "model"), ("independent", "model"))
"""The demo's layer maps on the method page: (case, component)."""


def method_charts(demo: Demo, lang: Lang) -> tuple[TableChart, ...]:
    """The method page's charts: gains, tests, then one heatmap per :data:`METHOD_HEATMAPS` entry."""
    heatmaps = []
    for case_id, component in METHOD_HEATMAPS:
        case = demo.case(case_id)
        (heatmap, *_) = case.audit.component(component).heatmaps
        title = PHRASE["demo_heatmap"].get(lang).format(case=DEMO_CASE[case_id].get(lang))
        heatmaps.append(heatmap_chart(heatmap, lang, chart_id=f"method-heatmap-{case_id}", title=title))
    return (gains_chart(demo, lang), tests_chart(demo, lang), *heatmaps)


def nav(pages: Sequence[Page], prefix: str = "") -> list[Any]:
    """MkDocs ``nav`` (Korean paths; the i18n plugin maps them to English): teams grouped in a section.

    A round at the docs root (``prefix`` empty) gets the hand-written pages after its own; a round under a
    prefix gets only its own, and the site's nav (:mod:`generator.render.site`) puts them together.
    """
    entries: list[Any] = []
    team_pages = [prefix + p.path for p in pages if p.path.startswith("teams/")]
    for page in pages:
        if page.path == "teams/index.md":
            entries.append({UI["nav_teams"].get(LANGS[0]): team_pages})
        elif not page.path.startswith("teams/"):
            entries.append(prefix + page.path)
    return entries + ([] if prefix else list(HAND_WRITTEN))


@cache
def environment(lang: Lang) -> Environment:
    """The Jinja environment of one language: StrictUndefined, no autoescape (output is Markdown).

    One per language for the whole process, so templates compile once. It holds no round: the filters
    read ids through the page's ``lookup``, and Jinja does not fold a filter that takes the context into
    the compiled template, so rendering one round never leaks into the next.
    """
    # Markdown output, so no HTML autoescaping; data text goes through the `md` / `tx` / `attr` filters.
    env = Environment(
        loader=PackageLoader("generator.render", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701
    )
    register(env, Filters(lang=lang))
    return env


def render_pages(inputs: Inputs, pages: Sequence[Page]) -> dict[str, str]:
    """Every page in every language: output path → Markdown text.

    Pages go under the placement's prefix; links inside the round stay relative to the round (``root``),
    links to the downloads and the site's own files go through ``site_root``. With ``site_home`` the
    round's home page is also written at the docs root, its links pointing into the round's folder.
    """
    placement = inputs.placement
    prefix = placement.prefix
    shared = {"lookup": lookup(inputs.scored), "statuses": views.statuses_present(inputs.scored)}
    out: dict[str, str] = {}
    for lang in LANGS:
        for page in pages:
            out[prefix + page.output(lang)] = _render(
                inputs,
                page,
                lang,
                shared,
                root=page.root,
                site_root=page.root + up(prefix),
                at=prefix + page.path,
            )
        if placement.site_home:
            home = pages[0]
            out[home.output(lang)] = _render(
                inputs, home, lang, shared, root=prefix, site_root="", at=home.path
            )
    return out


def _render(
    inputs: Inputs, page: Page, lang: Lang, shared: Mapping[str, Any], *, root: str, site_root: str, at: str
) -> str:
    """One page in one language; ``at``: its path under the docs root (for its address and card);
    ``shared``: the round's lookup tables and statuses, the same for every page."""
    round_ = inputs.scored.round
    template = environment(lang).get_template(f"pages/{page.template}.md.j2")
    charts = page.charts.get(lang, ())
    context = {
        "lang": lang,
        "root": root,
        "site_root": site_root,
        "rounds": inputs.placement.switcher(round_.info.id, site_root, lang),
        "info": round_.info,
        **shared,
        "title": page.title.get(lang),
        "charts": charts,
        "chart": {c.id: c for c in charts},
        "citation": cite_page(
            round_.info,
            title=page.title.get(lang),
            url=page_url(inputs.site_url, at, lang),
            lang=lang,
            key=page.path,
        ),
        **page.context,
    }
    body = template.render(context)
    return _front_matter(page, lang, bool(charts), card=card_path(at, lang)) + tidy(body)


def _front_matter(page: Page, lang: Lang, has_charts: bool, *, card: str) -> str:
    meta: dict[str, Any] = {
        "title": page.title.get(lang),
        "description": page.description.get(lang),
        "card": card,
    }
    if page.tags.get(lang):
        meta["tags"] = list(page.tags[lang])
    if has_charts:
        meta["charts"] = True
    if page.boost is not None:
        meta["search"] = {"boost": page.boost}
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True, width=1000) + "---\n\n"


def social_cards(pages: Sequence[Page], info: RoundInfo, placement: Placement) -> dict[str, bytes]:
    """Every page's share-preview card, per language (see :mod:`generator.render.social`); the home page's
    once more at the docs root when the round is the site's home."""
    files: dict[str, bytes] = {}
    for lang in LANGS:
        fictional = UI["fictional_card"].get(lang) if info.fictional else None
        footer = PHRASE["card_footer"].get(lang).format(as_of=info.as_of.isoformat())
        for page in pages:
            tags = page.tags.get(lang, ())
            files[card_path(placement.prefix + page.path, lang)] = card_png(
                site=report_title(info, lang),
                title=page.title.get(lang),
                subtitle=page.description.get(lang),
                headline=tags[0] if tags else None,
                footer=footer,
                fictional=fictional,
            )
        if placement.site_home:
            files[card_path(pages[0].path, lang)] = files[card_path(placement.prefix + pages[0].path, lang)]
    return files


def chart_files(pages: Sequence[Page], prefix: str = "") -> dict[str, bytes]:
    """Every chart's static SVG (also its fallback image), a PNG and the CSV of its data, per language:
    ``<prefix>assets/charts/<id>-<lang>.svg|png|csv`` (beside the round's pages, which link them through
    ``root``)."""
    files: dict[str, bytes] = {}
    for page in pages:
        for lang, charts in page.charts.items():
            for chart in charts:
                stem = f"{prefix}assets/charts/{chart.id}-{lang}"
                files[f"{stem}.svg"] = chart.svg.encode("utf-8")
                files[f"{stem}.png"] = png(chart.svg)
                files[f"{stem}.csv"] = chart_csv(chart).encode("utf-8")
    return files
