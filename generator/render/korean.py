"""Korean particles (조사) that depend on how the word before them ends, and list joining."""

from __future__ import annotations

from collections.abc import Sequence

_HANGUL_FIRST = 0xAC00
_HANGUL_LAST = 0xD7A3
_RIEUL = 8  # index of ㄹ among final consonants
# How a Latin letter or digit is read aloud in Korean ends: None = vowel, else the final consonant index.
_SPOKEN_ENDING: dict[str, int | None] = {
    **dict.fromkeys("abcdefghijkopqstuvwxyz", None),
    "l": _RIEUL,
    "m": 16,
    "n": 4,
    "r": _RIEUL,
    "0": 21,
    "1": _RIEUL,
    "2": None,
    "3": 16,
    "4": None,
    "5": None,
    "6": 1,
    "7": _RIEUL,
    "8": _RIEUL,
    "9": None,
}
PAIRS = {"이/가", "은/는", "을/를", "과/와", "으로/로", "이다/다", "이라는/라는"}


def final_consonant(word: str) -> int | None:
    """Index of the final consonant the word is read with (1–27), or ``None`` when it ends in a vowel."""
    for char in reversed(word.strip()):
        code = ord(char)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            ending = (code - _HANGUL_FIRST) % 28
            return ending or None
        if char.lower() in _SPOKEN_ENDING:
            return _SPOKEN_ENDING[char.lower()]
        # skip closing brackets, quotes and spaces: "NC AI (가상)" is read by its last Hangul/Latin char
    return None


def particle(word: str, pair: str) -> str:
    """The particle of ``pair`` (e.g. ``"이/가"``) that follows ``word``."""
    if pair not in PAIRS:
        raise ValueError(f"unknown particle pair {pair!r}")
    with_consonant, with_vowel = pair.split("/")
    ending = final_consonant(word)
    if pair == "으로/로":
        return with_vowel if ending in (None, _RIEUL) else with_consonant
    return with_vowel if ending is None else with_consonant


def join(names: Sequence[str], lang: str) -> str:
    """``A, B and C`` in English; ``A, B, C`` in Korean (the particle then follows the last name)."""
    items = list(names)
    if lang == "ko" or len(items) < 2:
        return ", ".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return f"{', '.join(items[:-1])} and {items[-1]}"
