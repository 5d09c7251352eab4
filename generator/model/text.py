"""Text in both site languages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Text:
    """A short text in both site languages; Korean is the original."""

    ko: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("ko" or "en")."""
        return self.ko if lang == "ko" else self.en
