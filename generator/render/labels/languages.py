"""The two languages every text is written in."""

from __future__ import annotations

from typing import Final, Literal

Lang = Literal["ko", "en"]

LANGS: Final[tuple[Lang, ...]] = ("ko", "en")
