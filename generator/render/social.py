"""Share previews: one 1200×630 PNG card per page and language, drawn by vl-convert with the bundled Korean
font, so a link pasted into a chat or a social network shows the page's own title in readable Hangul.

Pure apart from the rendering call, which is deterministic (the same text gives the same bytes) and cached.
The theme override (``docs/overrides/main.html``) points the Open Graph and Twitter tags at the card named
in each page's front matter.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import vl_convert

WIDTH, HEIGHT = 1200, 630
"""The size every share preview expects (Open Graph, Twitter's large card)."""
MARGIN = 60
FONT = "NanumGothic"
BAND = "#283593"
"""The site's indigo, as the card's top band."""
FICTIONAL_BAND = "#b71c1c"


def card_path(page_path: str, lang: str) -> str:
    """Where a page's card goes: ``teams/upstage.md`` → ``assets/social/teams-upstage-ko.png``."""
    stem = "-".join(PurePosixPath(page_path).with_suffix("").parts)
    return f"assets/social/{stem}-{lang}.png"


def text_width(text: str) -> int:
    """Width in half-em units: a wide character (Hangul, CJK) counts two, any other one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int, *, lines: int) -> list[str]:
    """Break ``text`` at spaces into at most ``lines`` lines of ``width`` half-em units (… marks a cut)."""
    out: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate) > width:
            out.append(current)
            current = word
        else:
            current = candidate
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1].rstrip(".,") + "…"
    return out


def card_png(
    *, site: str, title: str, subtitle: str, headline: str | None, footer: str, fictional: str | None
) -> bytes:
    """The card as PNG bytes."""
    spec = _spec(
        site=site, title=title, subtitle=subtitle, headline=headline, footer=footer, fictional=fictional
    )
    return _png(json.dumps(spec, ensure_ascii=False, sort_keys=True))


@cache
def _png(spec_json: str) -> bytes:
    return bytes(vl_convert.vegalite_to_png(json.loads(spec_json), scale=1))


def _text(value: str | list[str], *, x: int, y: int, size: int, colour: str, **mark: Any) -> dict[str, Any]:
    return {
        "data": {"values": [{"t": value}]},
        "mark": {
            "type": "text",
            "align": "left",
            "baseline": "top",
            "x": x,
            "y": y,
            "fontSize": size,
            "color": colour,
            "lineHeight": round(size * 1.3),
            **mark,
        },
        "encoding": {"text": {"field": "t"}},
    }


def _spec(
    *, site: str, title: str, subtitle: str, headline: str | None, footer: str, fictional: str | None
) -> dict[str, Any]:
    title_lines = wrap(title, 30, lines=2)
    y = 150
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": [{}]},
            "mark": {"type": "rect", "color": FICTIONAL_BAND if fictional else BAND},
            "encoding": {"x": {"value": 0}, "x2": {"value": WIDTH}, "y": {"value": 0}, "y2": {"value": 96}},
        },
        _text(fictional or site, x=MARGIN, y=30, size=30, colour="#ffffff"),
        _text(title_lines, x=MARGIN, y=y, size=64, colour="#1a1a1a", fontWeight="bold"),
    ]
    y += len(title_lines) * 84 + 24
    if headline:
        layers.append(_text(headline, x=MARGIN, y=y, size=36, colour=BAND, fontWeight="bold"))
        y += 60
    layers.append(_text(wrap(subtitle, 64, lines=3), x=MARGIN, y=y, size=30, colour="#424242"))
    layers.append(_text(footer, x=MARGIN, y=HEIGHT - 70, size=26, colour="#616161"))
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "padding": 0,
        "autosize": {"type": "none"},
        "config": {"view": {"stroke": None}, "font": FONT, "background": "#ffffff"},
        "layer": layers,
    }
