"""Every change the audit engine names between a reference and a copy has words in both languages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from generator.audit.verdict import RELABELLED
from generator.render.evidence_views import change_words, changes_line
from generator.render.labels import CHANGES

ROOT = Path(__file__).resolve().parents[2]


def _named_by_the_engine() -> set[str]:
    """The fixed strings ``verdict._disguises`` appends, read from its source (so a new one fails here)."""
    tree = ast.parse((ROOT / "generator/audit/verdict.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append":
            (argument,) = node.args
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
    return found


def test_every_fixed_change_has_korean_and_english_words() -> None:
    named = _named_by_the_engine() | set(RELABELLED.values())
    assert len(named) >= 12  # the source was read
    assert named <= set(CHANGES)
    for change in named:
        assert change_words(change, "ko") != change_words(change, "en")
        assert "`" not in change_words(change, "ko")  # words, not the engine's string


@pytest.mark.parametrize(
    ("change", "ko", "en"),
    [
        ("cast to BF16", "BF16 형식으로 변환", "cast to BF16"),
        (
            "dtype cast (compared in BF16, F16)",
            "자료형 변환 (BF16, F16로 비교)",
            "dtype cast (compared in BF16, F16)",
        ),
        ("quantised (FP8 E4M3, 128×128 block scales)", "양자화 (FP8 E4M3, 128×128 block scales)", None),
        ("dequantised from int8, per-row scales", "int8, per-row scales 양자화를 풀어 저장함", None),
        ("something new", "`something new`", "`something new`"),
    ],
)
def test_changes_with_a_value_keep_it(change: str, ko: str, en: str | None) -> None:
    assert change_words(change, "ko") == ko
    assert change_words(change, "en") == (en or change)


def test_no_changes_no_sentence() -> None:
    assert changes_line(()) is None
    line = changes_line(("renamed", "residual stream rotated"))
    assert line is not None
    assert line.ko == "(원본과 달라진 점: 텐서 이름이 바뀜, 잔차 흐름을 회전함 (재사용을 가리는 알려진 방법))"
