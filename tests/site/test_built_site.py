"""The real site as built by `make site` (data/: round 1 under /round-1/): files, determinism, links, no
third-party requests, and round 1's first addresses redirecting to their /round-1/ pages."""

from __future__ import annotations

import hashlib
import posixpath
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.site.conftest import REDIRECT, REPO_URL, BuiltSite, build, html_pages, redirect_pages

TEAMS = ("lg-ai-research", "upstage", "sk-telecom", "naver-cloud", "nc-ai")
REMOTE = re.compile(r"^(?:https?:)?//")
FETCHED_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}


class _Loads(HTMLParser):
    """The addresses a page makes the browser fetch by itself (not the links a reader may follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in {"script", "img", "iframe", "source", "audio", "video"} and values.get("src"):
            self.urls.append(values["src"])
        if tag == "link" and FETCHED_LINKS & set(values.get("rel", "").split()):
            self.urls.append(values.get("href", ""))


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_every_page_exists_in_both_languages(site: BuiltSite) -> None:
    for path in (
        "index.html",
        "en/index.html",
        *(f"round-1/teams/{t}/index.html" for t in TEAMS),
        *(f"en/round-1/teams/{t}/index.html" for t in TEAMS),
    ):
        assert (site.folder / path).is_file(), path
    korean = {p for p in html_pages(site.folder) if not p.startswith("en/")}
    english = {p.removeprefix("en/") for p in html_pages(site.folder) if p.startswith("en/")}
    assert korean == english


def test_html_lang_follows_the_language(site: BuiltSite) -> None:
    for page in html_pages(site.folder):
        html = (site.folder / page / "index.html").read_text(encoding="utf-8")
        expected = "en" if page.startswith("en/") else "ko"
        assert f'<html lang="{expected}"' in html, page


def test_no_page_loads_anything_from_another_host(site: BuiltSite) -> None:
    pages = list(site.folder.rglob("*.html"))
    assert pages
    for path in pages:
        parser = _Loads()
        html = path.read_text(encoding="utf-8")
        parser.feed(html)
        assert parser.urls or REDIRECT in html, path
        assert [u for u in parser.urls if REMOTE.match(u)] == [], path


def test_downloads_are_published_with_checksums(site: BuiltSite) -> None:
    folder = site.folder / "downloads/round-1"
    csv = (folder / "figures.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so that Korean Excel opens it"
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    sums = {name: digest for digest, name in (line.split("  ") for line in lines)}
    assert {"figures.csv", "scores.json", "datapackage.json"} <= set(sums)
    for name, expected in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == expected, name


def test_the_first_addresses_of_round_1_redirect_to_its_pages(site: BuiltSite) -> None:
    redirects = redirect_pages(site.folder)
    old = {"results/", "teams/", *(f"teams/{t}/" for t in TEAMS)}
    assert old | {f"en/{a}" for a in old} <= set(redirects)
    assert "about/" not in redirects  # hand-written pages never moved
    assert "" not in redirects  # the home is the latest round's
    pages = set(html_pages(site.folder))
    for address, html in redirects.items():
        target = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html)
        assert target, address
        resolved = posixpath.normpath(posixpath.join(address, target[1])) + "/"
        assert resolved in pages, (address, resolved)
        assert resolved == (
            f"en/round-1/{address[3:]}" if address.startswith("en/") else f"round-1/{address}"
        )
        assert f'<link rel="canonical" href="{site.url}{resolved}">' in html, address


@pytest.mark.slow
def test_two_builds_are_byte_identical(site: BuiltSite, tmp_path: Path) -> None:
    again = build(tmp_path / "again", site.url)
    assert digest(again) == digest(site.folder)


@pytest.mark.slow
def test_no_broken_links(site: BuiltSite, linkchecker: str) -> None:
    process = subprocess.run(
        [linkchecker, "--no-status", "--no-warnings", "--threads", "4", site.url],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-2000:]
    assert "0 errors found" in process.stdout or "0 errors found" in process.stderr


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        key = values.get("property") or values.get("name")
        if tag == "meta" and key and key.startswith(("og:", "twitter:")):
            self.tags[key] = values.get("content", "")


def test_every_page_has_share_tags_with_its_own_card(site: BuiltSite) -> None:
    """Issue 11 §3: a link pasted anywhere previews the page's own title, description and 1200×630 card."""
    seen_cards: set[str] = set()
    pages = html_pages(site.folder)
    assert len(pages) >= 30
    for page in pages:
        parser = _Meta()
        parser.feed((site.folder / page / "index.html").read_text(encoding="utf-8"))
        tags = parser.tags
        for key in ("og:title", "og:description", "og:image", "og:url", "twitter:card", "twitter:image"):
            assert tags.get(key), (page, key)
        assert tags["og:url"] == site.url + page
        assert tags["og:image"].startswith(site.url + "assets/social/")
        card = site.folder / tags["og:image"].removeprefix(site.url)
        png = card.read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1200, 630)
        seen_cards.add(tags["og:image"])
        assert tags["og:locale"] == ("en_US" if page.startswith("en/") else "ko_KR")
    assert len(seen_cards) >= 30  # generated pages have their own cards


def test_every_page_links_the_real_address_for_corrections_and_replies(site: BuiltSite) -> None:
    """Issue 11 §3: the corrections address is derived from the repository (REPO_URL → its issues)."""
    pages = html_pages(site.folder)
    for page in pages:
        html = (site.folder / page / "index.html").read_text(encoding="utf-8")
        link = '<p class="report-error">'
        assert link in html, page
        assert f'href="{REPO_URL}/issues/new"' in html.split(link, 1)[1], page
