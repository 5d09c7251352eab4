"""The built site in a real browser (Debian Chromium driven by Playwright), served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.site.conftest import BuiltSite, html_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOCAL_SCHEMES = ("data", "blob", "about")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context()
    yield ctx
    ctx.close()


def visit(page: Any, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")


def chart_pages(site: BuiltSite) -> list[str]:
    return [
        p
        for p in html_pages(site.folder)
        if 'class="chart-live"' in (site.folder / p / "index.html").read_text(encoding="utf-8")
    ]


def test_every_page_loads_without_errors_and_stays_on_this_host(site: BuiltSite, context: Any) -> None:
    errors: list[str] = []
    hosts: set[str] = set()
    page = context.new_page()
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname or urlparse(r.url).scheme))
    pages = html_pages(site.folder)
    assert len(pages) >= 20
    for path in pages:
        visit(page, site.url + path)
    assert errors == []
    assert hosts - {"127.0.0.1", *LOCAL_SCHEMES} == set()


def test_charts_render_and_their_fallback_hides(site: BuiltSite, context: Any) -> None:
    pages = chart_pages(site)
    assert pages, "some pages must have charts"
    page = context.new_page()
    for path in pages:
        visit(page, site.url + path)
        figures = page.locator("figure.chart")
        assert figures.count() >= 1, path
        for index in range(figures.count()):
            figure = figures.nth(index)
            figure.locator(".chart-live svg").first.wait_for(state="attached", timeout=15000)
            assert figure.locator(".chart-fallback").is_hidden(), path


def test_without_javascript_the_static_chart_shows(site: BuiltSite, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        path = chart_pages(site)[0]
        visit(page, site.url + path)
        fallback = page.locator("img.chart-fallback").first
        assert fallback.is_visible()
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", fallback.element_handle())
    finally:
        context.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("독자성", "round-1/independence/"),
        ("네이버", "round-1/teams/naver-cloud/"),
        ("가중치", "round-1/independence/"),
    ],
)
def test_korean_search_finds_the_page(site: BuiltSite, context: Any, query: str, expected: str) -> None:
    page = context.new_page()
    visit(page, site.url)
    search = page.locator("input.md-search__input")
    search.click()
    search.fill(query)
    search.dispatch_event("keyup")  # Material searches on key events; fill() sends none
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=15000)
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    assert any(urlparse(h).path.endswith(expected) for h in hrefs), hrefs


def test_a_score_column_sorts_numerically_with_undisclosed_last(site: BuiltSite, context: Any) -> None:
    page = context.new_page()
    visit(page, site.url + "round-1/results/")
    table = page.locator("table.sortable.matrix").first
    header = table.locator("th[data-sort-method='number']").first
    column = header.evaluate("(th) => Array.from(th.parentElement.children).indexOf(th)")
    for _ in range(2):  # both directions
        header.click()
        values = table.evaluate(
            "(t, c) => Array.from(t.tBodies[0].rows).map(r => r.cells[c].getAttribute('data-sort'))", column
        )
        known = [float(v) for v in values if v]
        assert known in (sorted(known), sorted(known, reverse=True))
        first_missing = next((i for i, v in enumerate(values) if not v), len(values))
        assert all(not v for v in values[first_missing:]), values


def test_phone_width_has_no_horizontal_scroll(site: BuiltSite, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    try:
        page = context.new_page()
        wide = []
        for path in html_pages(site.folder):
            visit(page, site.url + path)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                wide.append((path, overflow))
        page.goto(site.url + "round-1/results/")
        page.screenshot(path=str(site.folder.parent / "results-390.png"), full_page=True)
        assert wide == []
    finally:
        context.close()
