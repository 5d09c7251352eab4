"""Every page has one skeleton in both languages (issue 12 §2): the Korean and English renderings of a page
have the same headings and anchors, tables (columns and rows), charts, admonitions and link targets."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment

from generator.render import RenderedSite, pages
from generator.render.labels import Lang
from generator.scoring.types import ScoredRound
from tests.render.conftest import round_1_with

HEADING = re.compile(r"^(#{1,6}) (.*?)\s*$", re.M)
ATTR_ID = re.compile(r"\{[^{}\n]*#([\w:-]+)[^{}\n]*\}")
"""``{ #id }`` / ``{#id .class}``: an attribute list giving an id (headings, images)."""
HTML_ID = re.compile(r'<[a-z]+[^>]*\sid="([^"]+)"')
TABLE = re.compile(r"<table\b.*?</table>", re.S)
HEAD_CELL = re.compile(r"<th\b")
ROW = re.compile(r"<tr\b")
PIPE_ROW = re.compile(r"^\|.*\|\s*$", re.M)
SPEC = re.compile(r'<script type="application/json" id="(spec-[^"]+)"')
LINK = re.compile(r"\]\(([^()\s]+)\)|\bhref=\"([^\"]+)\"|\bsrc=\"([^\"]+)\"")
BLOCK = re.compile(r"^\s*(!!!|\?\?\?\+?) ?([a-z]+)", re.M)
ENGLISH = re.compile(r"\.en\.md(?=$|#)")
CHART_LANG = re.compile(r"-(?:ko|en)(\.(?:svg|png|csv))(?=$|#)")
"""Per-language assets (``assets/charts/x-ko.svg``, social cards) are the same file in the other language."""


@dataclass(frozen=True, kw_only=True)
class Structure:
    """What must be the same in both languages of a page; the words are free to differ."""

    headings: tuple[tuple[int, str | None], ...]
    """Level and ``{ #id }`` of every heading, in order."""
    ids: tuple[str, ...]
    """Every id an element or attribute list gives, sorted."""
    tables: tuple[tuple[int, int], ...]
    """Columns and rows of every table (HTML or Markdown), in order."""
    charts: tuple[str, ...]
    """Ids of the embedded chart specs."""
    blocks: tuple[str, ...]
    """Admonitions and collapsible blocks, by kind."""
    links: tuple[str, ...]
    """Every link, image and script target, with the language taken out of the path."""


def structure(page: str) -> Structure:
    """The skeleton of one rendered page (front matter dropped; fenced code ignored)."""
    body = page.split("---\n", 2)[2] if page.startswith("---\n") else page
    body = re.sub(r"^```.*?^```", "", body, flags=re.S | re.M)
    headings = tuple((len(m.group(1)), _anchor(m.group(2))) for m in HEADING.finditer(body))
    ids = [m.group(1) for m in HTML_ID.finditer(body)] + [m.group(1) for m in ATTR_ID.finditer(body)]
    tables = [
        (len(HEAD_CELL.findall(t.split("</thead>")[0])) if "<thead" in t else -1, len(ROW.findall(t)))
        for t in TABLE.findall(body)
    ]
    tables += _pipe_tables(TABLE.sub("", body))
    links = tuple(
        CHART_LANG.sub(r"-LANG\1", ENGLISH.sub(".md", next(g for g in m.groups() if g is not None)))
        for m in LINK.finditer(body)
    )
    return Structure(
        headings=headings,
        ids=tuple(sorted(ids)),
        tables=tuple(tables),
        charts=tuple(SPEC.findall(body)),
        blocks=tuple(m.group(2) for m in BLOCK.finditer(body)),
        links=links,
    )


def _anchor(heading: str) -> str | None:
    """The ``{ #id }`` of a heading, if it has one."""
    found = ATTR_ID.search(heading)
    return found.group(1) if found else None


def _pipe_tables(body: str) -> list[tuple[int, int]]:
    """Markdown pipe tables: columns of the header row and number of body rows."""
    tables: list[tuple[int, int]] = []
    lines = body.splitlines()
    index = 0
    while index < len(lines):
        if (
            PIPE_ROW.match(lines[index])
            and index + 1 < len(lines)
            and re.match(r"^\|[\s:|-]+\|$", lines[index + 1])
        ):
            columns = lines[index].strip().strip("|").count("|") + 1
            end = index + 2
            while end < len(lines) and PIPE_ROW.match(lines[end]):
                end += 1
            tables.append((columns, end - index - 2))
            index = end
        else:
            index += 1
    return tables


def differences(korean: Structure, english: Structure) -> list[str]:
    """Which parts of two skeletons differ, with the first differing item of each."""
    out = []
    for field in fields(Structure):
        ko, en = getattr(korean, field.name), getattr(english, field.name)
        if ko != en:
            first = next(
                (i for i, (a, b) in enumerate(zip(ko, en, strict=False)) if a != b), min(len(ko), len(en))
            )
            out.append(
                f"{field.name}: {len(ko)} vs {len(en)}; first difference at {first}: "
                f"{ko[first] if first < len(ko) else '—'} vs {en[first] if first < len(en) else '—'}"
            )
    return out


def pairs(site: RenderedSite) -> list[tuple[str, str]]:
    """Every generated page with its English twin."""
    korean = [p for p in site.pages if not p.endswith(".en.md")]
    assert korean, "no page rendered"
    return [(p, p.removesuffix(".md") + ".en.md") for p in korean]


@pytest.mark.parametrize("which", ["round1_site", "round1_evidence_site", "fictional_site"])
def test_every_page_has_the_same_skeleton_in_both_languages(
    which: str, request: pytest.FixtureRequest
) -> None:
    site: RenderedSite = request.getfixturevalue(which)
    drifted = {}
    seen = {f.name: 0 for f in fields(Structure)}
    for ko, en in pairs(site):
        assert en in site.files, f"{ko} has no English page"
        korean = structure(site.files[ko].decode("utf-8"))
        english = structure(site.files[en].decode("utf-8"))
        assert korean.headings, f"{ko}: no heading found (the structure read nothing)"
        for name in seen:
            seen[name] += len(getattr(korean, name))
        if problems := differences(korean, english):
            drifted[ko] = problems
    assert not drifted, drifted
    # Every kind of element was found somewhere, so no part of the comparison was vacuous.
    assert all(seen.values()), seen


def test_the_structure_reads_every_kind_of_element() -> None:
    page = """---
title: t
---

# Title { #top }

## Part { #part }

<table class="x" markdown>
<thead><tr><th scope="col">A</th><th scope="col">B</th></tr></thead>
<tbody markdown>
<tr id="row-1" markdown><td>1</td><td>[link](../teams/a.en.md#x)</td></tr>
</tbody>
</table>

| a | b | c |
|---|---|---|
| 1 | 2 | 3 |

![alt](assets/charts/c-en.svg){ .chart-fallback }
<script type="application/json" id="spec-c">{}</script>

!!! note "N"
    text

```
# not a heading
```
"""
    assert structure(page) == Structure(
        headings=((1, "top"), (2, "part")),
        ids=("part", "row-1", "spec-c", "top"),
        tables=((2, 2), (3, 1)),
        charts=("spec-c",),
        blocks=("note",),
        links=("../teams/a.md#x", "assets/charts/c-LANG.svg"),
    )


BASE = """# T { #t }

## A { #a }

<table markdown>
<thead><tr><th>x</th><th>y</th></tr></thead>
<tbody markdown>
<tr markdown><td>1</td><td>[s](sources.md#src-a)</td></tr>
</tbody>
</table>

<script type="application/json" id="spec-c">{}</script>

!!! info "i"
    body
"""
DRIFTS = {
    "headings": BASE.replace("## A { #a }", "### A { #a }"),
    "ids": BASE.replace("## A { #a }", "## A { #b }"),
    "tables": BASE.replace("<th>y</th>", ""),
    "charts": BASE.replace('id="spec-c"', 'id="spec-d"'),
    "blocks": BASE.replace('!!! info "i"', '!!! warning "i"'),
    "links": BASE.replace("sources.md#src-a", "sources.md#src-b"),
}


@pytest.mark.parametrize("field", sorted(DRIFTS))
def test_a_drifted_pair_is_caught(field: str) -> None:
    """Each kind of drift between the languages is reported, under its own name."""
    assert differences(structure(BASE), structure(BASE.replace("# T", "# 제목"))) == []
    reported = differences(structure(BASE), structure(DRIFTS[field]))
    assert [r.split(":")[0] for r in reported if r.split(":")[0] == field] == [field], reported


def test_a_template_whose_languages_drift_fails_the_structure_check(
    round1: tuple[ScoredRound, RenderedSite], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real teams page, rendered from a tampered template with a heading in Korean only."""
    scored, site = round1
    name = "pages/teams.md.j2"
    source = (Path(pages.__file__).parent / "templates" / name).read_text(encoding="utf-8")
    tampered = source.replace(
        "{{ m.teams_table(teams) }}\n",
        '{{ m.teams_table(teams) }}\n{% if lang == "ko" %}\n## 추가 { #extra }\n{% endif %}\n',
        1,
    )
    assert tampered != source
    original = pages.environment

    def environment(lang: Lang) -> Environment:
        env = original(lang)
        return env.overlay(loader=ChoiceLoader([DictLoader({name: tampered}), env.loader]))  # type: ignore[list-item]

    monkeypatch.setattr(pages, "environment", environment)
    drifted = round_1_with(scored)
    korean, english = (drifted.files[p].decode("utf-8") for p in ("teams/index.md", "teams/index.en.md"))
    assert [d.split(":")[0] for d in differences(structure(korean), structure(english))] == [
        "headings",
        "ids",
    ]
    untouched = (site.files[p].decode("utf-8") for p in ("teams/index.md", "teams/index.en.md"))
    assert differences(*(structure(page) for page in untouched)) == []
