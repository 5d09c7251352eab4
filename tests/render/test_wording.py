"""Scoring and judging hand over values; render words them (issue 12 §1): constraint labels and how a
computed value was computed are written from labels, and the scoring and criteria modules hold no
display text."""

from __future__ import annotations

import re
from pathlib import Path

import generator.criteria
import generator.scoring
from generator.model import PanelMethod
from generator.render import RenderedSite
from generator.render.wording import computation_text, constraint_label, score_words
from generator.scoring import score_round
from generator.scoring.types import RawComputation, ScoredRound
from generator.validate import read_round
from tests.conftest import FICTIONAL

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_scoring_and_judging_write_no_display_text() -> None:
    files = [*sorted(Path(generator.scoring.__file__).parent.glob("*.py")), Path(generator.criteria.__file__)]
    assert len(files) > 3
    for path in files:
        found = HANGUL.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name} writes Korean text: {''.join(found[:20])}"


def test_every_kind_of_constraint_is_worded(round1: tuple[ScoredRound, RenderedSite]) -> None:
    scored, _ = round1
    label = {cid: constraint_label(c, scored.round) for cid, c in scored.constraints.items()}
    assert (label["cap:user"].ko, label["cap:user"].en) == (
        "사용자 평가 만점 25점",
        "User evaluation maximum of 25",
    )
    assert label["floor:user"].en == "User evaluation points are never negative"
    assert label["tree:benchmark"].ko == "벤치마크 평가 = NIA 벤치마크 + 글로벌 공통 벤치마크 + 개별 벤치마크"
    figure = label["figure:lg-ai-research/total"]
    assert (figure.ko, figure.en) == (
        "LG AI연구원 총점 90.2점 (공개)",
        "LG AI Research Total 90.2 (published)",
    )
    relations = [c for c in scored.constraints.values() if c.kind in {"mean", "rank"}]
    assert relations
    assert all(label[c.id] == c.statement for c in relations)


def test_a_computed_value_says_how_it_was_computed() -> None:
    scored = score_round(read_round(FICTIONAL).round)
    computed = [q for q in scored.cells.values() if q.computed is not None]
    assert computed, "the fictional round has raw data"
    words = score_words(scored)
    assert set(words.computed) == {(q.entity, q.node) for q in computed}
    texts = {words.computed[(q.entity, q.node)].en for q in computed}
    assert any(t.startswith("weighted mean of ") and "raw/benchmarks.csv" in t for t in texts), texts
    assert any(re.match(r"raw/\w+\.csv: each of \d+ raters' weighted criterion mean", t) for t in texts), (
        texts
    )


def test_a_trimmed_panel_names_its_trim() -> None:
    method = PanelMethod(
        table="user", scale_min=1, scale_max=5, criteria={"a": 1.0}, aggregate="trimmed_mean", trim=0.1
    )
    text = computation_text(RawComputation(method=method, maximum=25, raters=12))
    assert text.en == (
        "raw/user.csv: each of 12 raters' weighted criterion mean (1–5) rescaled to 0–1, "
        "then the trimmed mean (10% each end), scaled to 25 points"
    )
    assert (
        text.ko == "raw/user.csv: 평가자 12명의 기준별 가중 평균(1–5)을 0–1로 바꾼 뒤 "
        "절사평균(양쪽 10%)을 25점 만점으로 환산"
    )
