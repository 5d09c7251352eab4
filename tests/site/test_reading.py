"""Readable on a phone, in light and dark, in both languages (issue 11 §4): Hangul never breaks inside a word
in a table cell, every badge and status text has 4.5:1 contrast, the results page stays a scroll not a
trek, and the language switch keeps the reader on the same page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.site.conftest import BuiltSite
from tests.site.test_browser import visit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
BADGES = ".st, .outcome, .finding, .claim, .weight, .page-meta"

CONTRAST_JS = """
(selector) => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const parse = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const [r, g, b, a] = parse(getComputedStyle(e).backgroundColor);
      if (a === undefined || a > 0.5) return [r, g, b];
    }
    return parse(getComputedStyle(document.body).backgroundColor);
  };
  return Array.from(document.querySelectorAll(selector)).filter((el) => el.offsetParent !== null).map((el) => {
    const fg = luminance(parse(getComputedStyle(el).color));
    const bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    return [el.className, el.textContent.trim().slice(0, 30), Math.round(ratio * 100) / 100];
  });
}
"""

BROKEN_WORDS_JS = """
() => {
  // A Hangul word broken across lines shows as one text node laid out on two lines with no space where
  // the line ends. Measure each word of every table cell with a Range and compare its rectangles.
  const broken = [];
  for (const cell of document.querySelectorAll('.md-typeset table td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      const re = /[\\uac00-\\ud7a3]{2,}/g;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}
"""


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=1)
    yield ctx
    ctx.close()


def pages_to_read(site: BuiltSite) -> list[str]:
    return [
        "",
        "round-1/results/",
        "round-1/independence/",
        "round-1/teams/naver-cloud/",
        "round-1/teams/upstage/",
        "round-1/unknowns/",
        "en/",
        "en/round-1/teams/naver-cloud/",
    ]


def test_hangul_is_never_broken_inside_a_word_in_a_table_cell(site: BuiltSite, phone: Any) -> None:
    page = phone.new_page()
    checked = 0
    for path in pages_to_read(site):
        visit(page, site.url + path)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        broken = page.evaluate(BROKEN_WORDS_JS)
        assert broken == [], (path, broken[:10])
        checked += 1
    assert checked == len(pages_to_read(site))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_badge_has_enough_contrast(site: BuiltSite, browser: Any, scheme: str) -> None:
    ctx = browser.new_context(color_scheme=scheme)
    try:
        page = ctx.new_page()
        measured = 0
        for path in pages_to_read(site):
            visit(page, site.url + path)
            results = page.evaluate(CONTRAST_JS, BADGES)
            low = [r for r in results if r[2] < 4.5]
            assert low == [], (scheme, path, low[:5])
            measured += len(results)
        assert measured > 50
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == (
            "slate" if scheme == "dark" else "default"
        )
    finally:
        ctx.close()


def test_the_results_page_on_a_phone_is_a_scroll_not_a_trek(site: BuiltSite, phone: Any) -> None:
    page = phone.new_page()
    visit(page, site.url + "round-1/results/")
    assert page.locator("details").count() >= 1  # long tables are folded
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 10_000, height


@pytest.mark.parametrize(
    ("start", "choice", "expected"),
    [
        ("round-1/teams/naver-cloud/", "English", "en/round-1/teams/naver-cloud/"),
        ("en/round-1/teams/naver-cloud/", "한국어", "round-1/teams/naver-cloud/"),
    ],
)
def test_the_language_switch_keeps_the_page(
    site: BuiltSite, browser: Any, start: str, choice: str, expected: str
) -> None:
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        visit(page, site.url + start)
        link = page.locator(f".md-select__link:text-is('{choice}')").first
        href = link.get_attribute("href") or ""
        page.hover(".md-select")
        with page.expect_navigation():
            link.click()
        page.wait_for_load_state("load")
        assert page.url == site.url + expected, (href, page.url)
    finally:
        ctx.close()
