"""Share previews (issue 11 §3): a 1200×630 card per page and language, named in its front matter."""

from __future__ import annotations

import pytest

from generator.render import RenderedSite
from generator.render.social import card_path, text_width, wrap
from tests.render.test_site import front_matter
from tests.render.test_truth import text


def size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_every_page_names_its_own_card(round1_site: RenderedSite) -> None:
    cards = set()
    for path in round1_site.pages:
        card = front_matter(text(round1_site, path))["card"]
        assert size(round1_site.files[card]) == (1200, 630), path
        cards.add(card)
    assert len(cards) == len(round1_site.pages)


def test_a_fictional_rounds_cards_differ_from_a_real_one(
    round1_site: RenderedSite, fictional_site: RenderedSite
) -> None:
    path = card_path("index.md", "ko")
    assert fictional_site.files[path] != round1_site.files[path]
    assert size(fictional_site.files[path]) == (1200, 630)


@pytest.mark.parametrize(
    ("text_in", "width", "lines", "expected"),
    [
        ("네이버클라우드는 왜 탈락했나", 20, 2, ["네이버클라우드는 왜", "탈락했나"]),
        ("one two three four", 9, 2, ["one two", "three…"]),
        ("short", 30, 1, ["short"]),
    ],
)
def test_titles_wrap_at_spaces_by_display_width(
    text_in: str, width: int, lines: int, expected: list[str]
) -> None:
    wrapped = wrap(text_in, width, lines=lines)
    assert wrapped == expected
    assert all(text_width(line.rstrip("…")) <= width for line in wrapped)
