"""The page list and what each page's template receives. Pure: scored round in, Markdown text out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined

from generator.model import Text
from generator.render import views
from generator.render.charts import Chart, range_chart
from generator.render.downloads import Downloads
from generator.render.filters import Filters, register
from generator.render.labels import LANGS, OUTCOME, Lang
from generator.render.narrative import Narrative
from generator.render.views import TeamSection, TeamView
from generator.scoring.types import ScoredRound

HAND_WRITTEN = ("changelog.md", "about.md", "tags.md")
"""Pages written by hand in ``docs/pages`` (both languages); they are placed in the nav after the generated ones."""


@dataclass(frozen=True, kw_only=True)
class Page:
    """One generated page: where it goes, which template, its title and its own template variables."""

    path: str
    """Path of the Korean page under the docs root, e.g. ``teams/upstage.md``; English adds ``.en``."""
    template: str
    title: Text
    description: Text
    context: Mapping[str, Any] = field(default_factory=dict)
    charts: Mapping[Lang, tuple[Chart, ...]] = field(default_factory=dict)
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
    downloads: Downloads
    team_sections: Mapping[str, Sequence[TeamSection]]


def page_list(inputs: Inputs) -> tuple[Page, ...]:
    """Every generated page, in navigation order."""
    scored = inputs.scored
    round_ = scored.round
    info = round_.info
    teams = views.team_views(scored, inputs.narrative, inputs.team_sections)
    root = round_.rubric.root
    top = round_.rubric.node(root).children
    results_charts = {lang: tuple(range_chart(scored, node, lang, chart_id=f"results-{node}")
                                  for node in (root, *top)) for lang in LANGS}
    home_charts = {lang: (range_chart(scored, root, lang, chart_id=f"home-{root}"),) for lang in LANGS}
    team_cells = [q for t in teams for q in t.cells]
    pages = [
        Page(path="index.md", template="home", title=info.title, description=info.programme,
             context={"summary": views.summary(scored), "teams": teams, "top": (root, *top)}, charts=home_charts),
        Page(path="results.md", template="results",
             title=Text(ko="팀별 결과", en="Results by team"),
             description=Text(ko="모든 팀 × 모든 평가 항목: 공개, 도출, 범위, 비공개",
                              en="Every team × every item: disclosed, derived, range, not disclosed"),
             context={"teams": teams, "nodes": round_.rubric.order(),
                      "aggregates": views.aggregates_by_entity(scored),
                      "constraints": views.cited_constraints(scored, team_cells)},
             charts=results_charts),
        Page(path="teams/index.md", template="teams",
             title=Text(ko="정예팀", en="The teams"),
             description=Text(ko="팀별 결과와 독자성 판단", en="Each team's result and independence ruling"),
             context={"teams": teams}),
    ]
    for team in teams:
        pages.append(Page(
            path=f"teams/{team.team.id}.md", template="team", title=team.team.name,
            description=Text(ko=f"{team.team.name.ko}: 점수, 비공개 항목, 독자성 판단, 출처",
                             en=f"{team.team.name.en}: scores, what was not disclosed, independence, sources"),
            context={"t": team, "constraints": views.cited_constraints(scored, team.cells)},
            tags={lang: (OUTCOME[team.outcome.result].get(lang),) if team.outcome else () for lang in LANGS},
        ))
    pages += [
        Page(path="scoring.md", template="scoring",
             title=Text(ko="점수 산정 방식", en="How the score works"),
             description=Text(ko="벤치마크 40 + 전문가 35 + 사용자 25", en="Benchmarks 40 + experts 35 + users 25"),
             context={"example": views.example(scored), "aggregates": views.aggregates_by_entity(scored)}),
        Page(path="independence.md", template="independence",
             title=Text(ko="독자성 기준과 탈락", en="Independence criteria and disqualification"),
             description=Text(ko="기술적·정책적·윤리적 독자성 기준, 프롬 스크래치, 프로즌 인코더",
                              en="Technical, policy and ethical criteria; from scratch; the frozen encoders"),
             context={"teams": teams, "n": inputs.narrative}, boost=2),
        Page(path="timeline.md", template="timeline", title=Text(ko="타임라인", en="Timeline"),
             description=Text(ko="날짜별 주요 사건", en="What happened when")),
        Page(path="glossary.md", template="glossary", title=Text(ko="용어 풀이", en="Glossary"),
             description=Text(ko="이 사이트의 용어", en="Terms used on this site"), context={"n": inputs.narrative}),
        Page(path="sources.md", template="sources", title=Text(ko="출처", en="Sources"),
             description=Text(ko="모든 숫자의 출처", en="Where every number comes from")),
        Page(path="data.md", template="data", title=Text(ko="데이터 내려받기", en="Data and downloads"),
             description=Text(ko="CSV, JSON, 스키마, 체크섬, 인용 방법", en="CSV, JSON, schema, checksums, citation"),
             context={"downloads": inputs.downloads}),
    ]
    return tuple(pages)


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


def environment(lang: Lang, scored: ScoredRound) -> Environment:
    """The Jinja environment of one language: StrictUndefined, no autoescape (output is Markdown)."""
    env = Environment(  # noqa: S701 - Markdown output; HTML attributes go through the `attr` filter
        loader=PackageLoader("generator.render", "templates"), undefined=StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False,
    )
    register(env, Filters(lang=lang, scored=scored))
    return env


def render_pages(inputs: Inputs, pages: Sequence[Page]) -> dict[str, str]:
    """Every page in every language: output path → Markdown text."""
    round_ = inputs.scored.round
    out: dict[str, str] = {}
    for lang in LANGS:
        env = environment(lang, inputs.scored)
        for page in pages:
            template = env.get_template(f"{lang}/{page.template}.md.j2")
            charts = page.charts.get(lang, ())
            context = {"lang": lang, "root": page.root, "round": round_, "info": round_.info,
                       "scored": inputs.scored, "title": page.title.get(lang), "charts": charts, **page.context}
            body = template.render(context)
            out[page.output(lang)] = _front_matter(page, lang, bool(charts)) + _tidy(body)
    return out


def _front_matter(page: Page, lang: Lang, has_charts: bool) -> str:
    meta: dict[str, Any] = {"title": page.title.get(lang), "description": page.description.get(lang)}
    if page.tags.get(lang):
        meta["tags"] = list(page.tags[lang])
    if has_charts:
        meta["charts"] = True
    if page.boost is not None:
        meta["search"] = {"boost": page.boost}
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True, width=1000) + "---\n\n"


def _tidy(text: str) -> str:
    """At most one blank line in a row and exactly one newline at the end."""
    lines = [line.rstrip() for line in text.splitlines()]
    kept: list[str] = []
    for line in lines:
        if line == "" and kept and kept[-1] == "":
            continue
        kept.append(line)
    return "\n".join(kept).strip("\n") + "\n"


ChartFiles = Callable[[Sequence[Page]], dict[str, bytes]]


def chart_files(pages: Sequence[Page]) -> dict[str, bytes]:
    """The static SVG fallback of every chart: ``assets/charts/<id>-<lang>.svg``."""
    files: dict[str, bytes] = {}
    for page in pages:
        for lang, charts in page.charts.items():
            for chart in charts:
                files[f"assets/charts/{chart.id}-{lang}.svg"] = chart.svg.encode("utf-8")
    return files
