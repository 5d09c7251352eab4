"""The page list and what each page's template receives. Pure: scored round in, Markdown text out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml
from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket

from generator.audit.configured import ConfiguredAudit, heatmaps_of
from generator.audit.demo import Demo
from generator.evidence import EvidenceIn
from generator.model import Narrative, RoundInfo, Text
from generator.render import views
from generator.render.audit_charts import gains_chart, heatmap_chart, tests_chart
from generator.render.charts import ChartBlock, TableChart, chart_csv, png, range_chart
from generator.render.citation import cite_page, page_url, report_title
from generator.render.downloads import Downloads
from generator.render.filters import Filters, register, slug
from generator.render.labels import DEMO_CASE, LANGS, OUTCOME, UI, Lang
from generator.render.social import card_path, card_png
from generator.render.views import TeamSection
from generator.scoring.types import ScoredRound

HAND_WRITTEN = ("about.md", "tags.md")
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
    narrative: Narrative
    site_url: str
    """The site's address; a loopback one is a local preview and prints no address."""
    downloads: Downloads
    team_sections: Mapping[str, Sequence[TeamSection]]
    demo: Demo | None = None
    """The method demo computed at build time (``None``: not run for this build)."""
    audits: Mapping[str, Sequence[ConfiguredAudit]] = field(default_factory=dict)
    """Configured engine audits per team, run or not."""
    evidence: Mapping[str, EvidenceIn] = field(default_factory=dict)
    """Valid evidence files of the round's Hub audits, by audit id."""


PAGE_TEXT: Mapping[str, tuple[Text, Text]] = {
    "results": (
        Text(ko="팀별 결과", en="Results by team"),
        Text(
            ko="모든 팀 × 모든 평가 항목: 공개, 도출, 범위, 비공개",
            en="Every team × every item: disclosed, derived, range, not disclosed",
        ),
    ),
    "teams": (
        Text(ko="정예팀", en="The teams"),
        Text(ko="팀별 결과와 독자성 판단", en="Each team's result and independence ruling"),
    ),
    "scoring": (
        Text(ko="점수 산정 방식", en="How the score works"),
        Text(ko="벤치마크 40 + 전문가 35 + 사용자 25", en="Benchmarks 40 + experts 35 + users 25"),
    ),
    "independence": (
        Text(ko="독자성 기준과 탈락", en="Independence criteria and disqualification"),
        Text(
            ko="기술적·정책적·윤리적 독자성 기준, 프롬 스크래치, 프로즌 인코더",
            en="Technical, policy and ethical criteria; from scratch; the frozen encoders",
        ),
    ),
    "audits": (
        Text(ko="가중치 감사 한눈에 보기", en="All weight audits"),
        Text(
            ko="팀마다 공개 가중치를 무엇과, 왜 비교하는지와 그 결과",
            en="What each team's published weights are compared with, why, and the result",
        ),
    ),
    "method": (
        Text(ko="가중치 감사 방법", en="How the weight audit works"),
        Text(
            ko="작은 모델을 직접 학습시켜 보여 주는 검증 방법: 원시 코사인과 중심화 통계, 순열 검정",
            en="The method shown on models trained at build time: raw vs centred cosine, permutation test",
        ),
    ),
    "timeline": (Text(ko="타임라인", en="Timeline"), Text(ko="날짜별 주요 사건", en="What happened when")),
    "unknowns": (
        Text(ko="아직 모르는 것", en="What we don't know"),
        Text(
            ko="공개되지 않은 모든 값과 방법, 아직 답이 없는 질문",
            en="Every value and method that was not published, and the open questions",
        ),
    ),
    "glossary": (
        Text(ko="용어 풀이", en="Glossary"),
        Text(ko="이 사이트의 용어", en="Terms used on this site"),
    ),
    "sources": (
        Text(ko="출처", en="Sources"),
        Text(ko="모든 숫자의 출처", en="Where every number comes from"),
    ),
    "changelog": (
        Text(ko="변경과 정정 기록", en="Changes and corrections"),
        Text(
            ko="이 사이트의 데이터가 언제, 무엇에서 무엇으로, 어떤 출처에 따라 바뀌었는지",
            en="When this site's data changed, from what to what, and on which source",
        ),
    ),
    "data": (
        Text(ko="데이터 내려받기", en="Data and downloads"),
        Text(ko="CSV, JSON, 스키마, 체크섬, 인용 방법", en="CSV, JSON, schema, checksums, citation"),
    ),
}
"""Title and description of each fixed page (the home page takes the round's; team pages their team's)."""


PERMUTATION_TEST_SOURCES = ("zhu-2025",)
"""Source ids of the method the audit follows, cited on the method page when the round's sources hold them."""


def _page(template: str, path: str | None = None, **fields: Any) -> Page:
    """A fixed page: its title and description from :data:`PAGE_TEXT`, at ``<template>.md`` by default."""
    title, description = PAGE_TEXT[template]
    return Page(
        path=path or f"{template}.md", template=template, title=title, description=description, **fields
    )


def page_list(inputs: Inputs) -> tuple[Page, ...]:
    """Every generated page, in navigation order."""
    scored = inputs.scored
    round_ = scored.round
    info = round_.info
    teams = views.team_views(scored, inputs.team_sections, inputs.audits, inputs.evidence)
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
        context={"summary": home_summary, "teams": teams, "n": inputs.narrative},
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
            else Text(
                ko=f"{team.team.name.ko}: 점수, 비공개 항목, 독자성 판단, 출처",
                en=f"{team.team.name.en}: scores, what was not disclosed, independence, sources",
            ),
            context={
                "t": team,
                "constraints": views.cited_constraints(scored, team.cells),
                "sources": views.team_sources(scored, team),
                "heatmap_ids": {a.audit.id: audit_chart_ids(team.team.id, a) for a in team.audits},
            },
            charts={lang: audit_charts(team.team.id, team.audits, lang) for lang in LANGS},
            tags={lang: (OUTCOME[team.outcome.result].get(lang),) if team.outcome else () for lang in LANGS},
        )
        for team in teams
    ]
    nodes = [round_.rubric.node(n) for n in round_.rubric.order()]
    independence = {
        "teams": teams,
        "allegations": tuple((team, av) for team in teams for av in team.independence.allegations),
        "n": inputs.narrative,
        "criteria": criteria,
        "scale": views.scale_view(round_),
    }
    sources = {"sources": tuple(round_.sources.values()), "cited": views.cited_by(round_, inputs.narrative)}
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
                "allegations": independence["allegations"],
                "permutation_test": tuple(s for s in PERMUTATION_TEST_SOURCES if s in round_.sources),
                "audited": any(a.result is not None for audits in inputs.audits.values() for a in audits),
            },
            charts={lang: method_charts(inputs.demo, lang) for lang in LANGS} if inputs.demo else {},
        ),
        _page(
            "audits",
            context={
                "rows": tuple(a for t in teams for a in t.hub_audits),
                "ran": any(a.evidence is not None for t in teams for a in t.hub_audits),
            },
        ),
        _page("timeline", context={"events": round_.events}),
        _page("unknowns", context={"u": views.unknowns(scored, inputs.narrative)}),
        _page("glossary", context={"n": inputs.narrative}),
        _page("sources", context=sources),
        _page("data", context={"downloads": inputs.downloads}),
        _page("changelog", context={"changes": views.changes_by_day(round_.changes)}),
    )


METHOD_HEATMAPS = (("graft", "vision_tower"), ("finetuned", "model"), ("independent", "model"))
"""The demo's layer maps on the method page: (case, component)."""


def method_charts(demo: Demo, lang: Lang) -> tuple[TableChart, ...]:
    """The method page's charts: gains, tests, then one heatmap per :data:`METHOD_HEATMAPS` entry."""
    heatmaps = []
    for case_id, component in METHOD_HEATMAPS:
        case = demo.case(case_id)
        (heatmap, *_) = case.audit.component(component).heatmaps
        title = (
            f"{DEMO_CASE[case_id].get(lang)} — 원본과의 층별 유사도"
            if lang == "ko"
            else f"{DEMO_CASE[case_id].get(lang)} — layer similarity with the reference"
        )
        heatmaps.append(heatmap_chart(heatmap, lang, chart_id=f"method-heatmap-{case_id}", title=title))
    return (gains_chart(demo, lang), tests_chart(demo, lang), *heatmaps)


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
                f"{audit.audit.label.get(lang)} — {component.name}: 층별 유사도"
                if lang == "ko"
                else f"{audit.audit.label.get(lang)} — {component.name}: layer similarity"
            )
            charts.append(heatmap_chart(heatmap, lang, chart_id=chart_id, title=title))
    return tuple(charts)


def nav(pages: Sequence[Page]) -> list[Any]:
    """MkDocs ``nav`` (Korean paths; the i18n plugin maps them to English): teams grouped in a section."""
    entries: list[Any] = []
    team_pages = [p.path for p in pages if p.path.startswith("teams/")]
    for page in pages:
        if page.path == "teams/index.md":
            entries.append({"팀": team_pages})
        elif not page.path.startswith("teams/"):
            entries.append(page.path)
    return entries + list(HAND_WRITTEN)


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory, so rendering again (tests, rebuilds) does not recompile them.

    Jinja keys a bucket by template name and source checksum, so an edited template is recompiled. Jinja
    folds a filter applied to a literal (``"as_of"|t``) into the compiled code, so each language has its
    own cache; templates therefore apply data-dependent filters (``team``, ``node``, ``tx`` …) only to
    variables, never to literals, or the first round rendered would leak into the next one.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_BYTECODE: Mapping[Lang, _MemoryBytecodeCache] = {lang: _MemoryBytecodeCache() for lang in LANGS}


def environment(lang: Lang, scored: ScoredRound) -> Environment:
    """The Jinja environment of one language: StrictUndefined, no autoescape (output is Markdown)."""
    # Markdown output, so no HTML autoescaping; data text goes through the `md` / `tx` / `attr` filters.
    env = Environment(
        loader=PackageLoader("generator.render", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701
        bytecode_cache=_BYTECODE[lang],
    )
    register(env, Filters(lang=lang, scored=scored))
    return env


def render_pages(inputs: Inputs, pages: Sequence[Page]) -> dict[str, str]:
    """Every page in every language: output path → Markdown text."""
    round_ = inputs.scored.round
    out: dict[str, str] = {}
    statuses = views.statuses_present(inputs.scored)
    for lang in LANGS:
        env = environment(lang, inputs.scored)
        for page in pages:
            template = env.get_template(f"{lang}/{page.template}.md.j2")
            charts = page.charts.get(lang, ())
            context = {
                "lang": lang,
                "root": page.root,
                "round": round_,
                "info": round_.info,
                "scored": inputs.scored,
                "title": page.title.get(lang),
                "charts": charts,
                "chart": {c.id: c for c in charts},
                "statuses": statuses,
                "citation": cite_page(
                    round_.info,
                    title=page.title.get(lang),
                    url=page_url(inputs.site_url, page.path, lang),
                    lang=lang,
                    key=page.path,
                ),
                **page.context,
            }
            body = template.render(context)
            out[page.output(lang)] = _front_matter(page, lang, bool(charts)) + _tidy(body)
    return out


def _front_matter(page: Page, lang: Lang, has_charts: bool) -> str:
    meta: dict[str, Any] = {
        "title": page.title.get(lang),
        "description": page.description.get(lang),
        "card": card_path(page.path, lang),
    }
    if page.tags.get(lang):
        meta["tags"] = list(page.tags[lang])
    if has_charts:
        meta["charts"] = True
    if page.boost is not None:
        meta["search"] = {"boost": page.boost}
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True, width=1000) + "---\n\n"


BLOCK_START = ("<table", "<div", "<figure", "<script", "!!! ", "#")
"""Lines that open a Markdown block (raw HTML, admonition, heading): they need a blank line before them."""
BLOCK_END = ("</table>", "</div>", "</figure>", "</script>")
"""Lines that close a raw HTML block: they need a blank line after them."""


def _tidy(text: str) -> str:
    """Blank lines around blocks, at most one blank line in a row, and exactly one newline at the end.

    Templates trim the newline after block tags, so a table or heading may follow its paragraph directly;
    Markdown would then not see it as a block. Fenced code is left exactly as written.
    """
    kept: list[str] = []
    fenced = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith(BLOCK_START) and kept and kept[-1] != "":
            kept.append("")
        if line == "" and kept and kept[-1] == "":
            continue
        if kept and kept[-1].startswith(BLOCK_END) and line != "" and not fenced:
            kept.append("")
        kept.append(line)
    return "\n".join(kept).strip("\n") + "\n"


def social_cards(pages: Sequence[Page], info: RoundInfo) -> dict[str, bytes]:
    """Every page's share-preview card, per language (see :mod:`generator.render.social`)."""
    files: dict[str, bytes] = {}
    for lang in LANGS:
        fictional = UI["fictional_card"].get(lang) if info.fictional else None
        footer = (
            f"기준일 {info.as_of.isoformat()} · 모든 숫자에 출처"
            if lang == "ko"
            else f"Data as of {info.as_of.isoformat()} · every figure sourced"
        )
        for page in pages:
            tags = page.tags.get(lang, ())
            files[card_path(page.path, lang)] = card_png(
                site=report_title(info, lang),
                title=page.title.get(lang),
                subtitle=page.description.get(lang),
                headline=tags[0] if tags else None,
                footer=footer,
                fictional=fictional,
            )
    return files


def chart_files(pages: Sequence[Page]) -> dict[str, bytes]:
    """Every chart's static SVG (also its fallback image), a PNG and the CSV of its data, per language:
    ``assets/charts/<id>-<lang>.svg|png|csv``."""
    files: dict[str, bytes] = {}
    for page in pages:
        for lang, charts in page.charts.items():
            for chart in charts:
                stem = f"assets/charts/{chart.id}-{lang}"
                files[f"{stem}.svg"] = chart.svg.encode("utf-8")
                files[f"{stem}.png"] = png(chart.svg)
                files[f"{stem}.csv"] = chart_csv(chart).encode("utf-8")
    return files
