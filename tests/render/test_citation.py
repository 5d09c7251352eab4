"""Citable pages (issue 11 §3): every page says how to cite it, with its own address and the data date; a
local preview prints no loopback address; the round's title is never doubled."""

from __future__ import annotations

import re
from datetime import date

import pytest

from generator.criteria import judge_independence
from generator.model import RoundInfo, Text
from generator.render import RenderedSite, SiteSettings, render_site
from generator.render.citation import cite_page, is_local, page_url, report_title
from generator.scoring.types import ScoredRound
from tests.conftest import ROUND_1
from tests.render.conftest import SITE_URL, narrative_of
from tests.render.test_truth import text


@pytest.mark.parametrize(
    ("path", "lang", "url"),
    [
        ("index.md", "ko", "https://x.org/r/"),
        ("index.md", "en", "https://x.org/r/en/"),
        ("teams/upstage.md", "ko", "https://x.org/r/teams/upstage/"),
        ("teams/index.md", "en", "https://x.org/r/en/teams/"),
        ("data.md", "en", "https://x.org/r/en/data/"),
    ],
)
def test_page_urls_follow_the_site_layout(path: str, lang: str, url: str) -> None:
    assert page_url("https://x.org/r/", path, lang) == url


@pytest.mark.parametrize("site", ["http://127.0.0.1:8000/", "http://localhost:8000/x/", "http://[::1]:8000/"])
def test_a_local_preview_has_no_address(site: str) -> None:
    assert is_local(site)
    assert page_url(site, "teams/upstage.md", "ko") is None
    assert not is_local("https://example.org/")


def test_every_page_says_how_to_cite_it_with_its_own_address(round1_site: RenderedSite) -> None:
    pages = 0
    for path in round1_site.pages:
        page = text(round1_site, path)
        block = page[page.index("??? quote ") :]
        lang = "en" if path.endswith(".en.md") else "ko"
        source = path.replace(".en.md", ".md")
        url = page_url(SITE_URL, source, lang)
        assert url is not None
        assert block.count(url) == 3, path  # press style, APA and BibTeX
        as_of = date(2026, 11, 30)  # round.yaml's as_of: the data version every citation names
        assert (
            f"{as_of.year}년 {as_of.month}월 {as_of.day}일" if lang == "ko" else as_of.isoformat()
        ) in block
        assert re.search(r"@misc\{sovereign-report-round-1-[a-z0-9-]+-(ko|en),", block)
        pages += 1
    assert pages >= 30


def test_bibtex_keys_are_unique(round1_site: RenderedSite) -> None:
    keys = [
        re.search(r"@misc\{([^,]+),", text(round1_site, path)).group(1)  # type: ignore[union-attr]
        for path in round1_site.pages
    ]
    assert len(keys) == len(set(keys))


def test_a_local_preview_build_prints_no_loopback_address(round1: tuple[ScoredRound, RenderedSite]) -> None:
    scored, _ = round1
    local = render_site(
        scored,
        judgement=judge_independence(scored.round),
        narrative=narrative_of(ROUND_1, scored),
        settings=SiteSettings(site_url="http://127.0.0.1:8000/"),
    )
    for path, data in local.files.items():
        if path.endswith((".md", ".cff", ".txt", ".json")) and "vega" not in path:
            content = data.decode("utf-8-sig")
            assert "127.0.0.1" not in content, path
    assert "local preview" in text(local, "data.en.md")


def test_the_rounds_title_is_not_doubled(round1: tuple[ScoredRound, RenderedSite]) -> None:
    scored, site = round1
    info = scored.round.info
    assert report_title(info, "en").count(info.programme.en) == 1
    assert report_title(info, "ko").count(info.programme.ko) == 1
    for name in ("CITATION.cff", "LICENSE.txt", "datapackage.json"):
        matches = [p for p in site.files if p.endswith(name)]
        assert matches, name
        content = site.files[matches[0]].decode("utf-8")
        assert content.count(info.programme.en) <= 1, name
    for path in ("data.md", "data.en.md"):
        page = text(site, path)
        assert page.count(f"{info.programme.en}: {info.programme.en}") == 0
        assert page.count(f"{info.programme.ko} {info.programme.ko}") == 0


def test_citations_carry_the_page_title() -> None:
    info = RoundInfo(
        id="round-9",
        title=Text(ko="제목", en="Title"),
        programme=Text(ko="사업", en="Programme"),
        announced=date(2027, 1, 1),
        as_of=date(2027, 3, 4),
        advances_to=Text(ko="2차", en="phase 2"),
        actors={},
        fictional=True,
    )
    cited = cite_page(info, title="Page", url=None, lang="en", key="teams/x.md")
    assert "Programme: Title — transparency report" in cited.press
    assert "local preview" in cited.apa
    assert "url" not in cited.bibtex
    assert "month        = mar" in cited.bibtex
