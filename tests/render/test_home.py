"""The home page a citizen reads in 30 seconds (issue 11 §2): who advanced, who is out and why, why the
scores are not public, what the site adds — one team table, a chart whose average line and overshooting
range bars explain themselves."""

from __future__ import annotations

import json
import re

import pytest

from generator.render import RenderedSite
from tests.render.test_truth import text

SUMMARY = re.compile(r"\{ #summary \}\n(.*?)\n## ", re.S)


def summary(site: RenderedSite, suffix: str) -> str:
    match = SUMMARY.search(text(site, f"index{suffix}"))
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    ("suffix", "advanced", "out", "withheld"),
    [
        (
            ".md",
            "**2차 진출 — LG AI연구원, 업스테이지, SK텔레콤.**",
            "**탈락 — ",
            "직간접적 피해를 최소화하기 위해",
        ),
        (
            ".en.md",
            "**Advanced to phase 2 — LG AI Research, Upstage and SK Telecom.**",
            "**Out — ",
            "direct and indirect harm",
        ),
    ],
)
def test_the_summary_says_who_advanced_who_is_out_and_why(
    round1_site: RenderedSite, suffix: str, advanced: str, out: str, withheld: str
) -> None:
    lines = [line for line in summary(round1_site, suffix).splitlines() if line.startswith("- ")]
    assert lines[0].startswith(f"- {advanced}")
    assert "90.2" in lines[0]
    assert "79.7" in lines[0]
    outs = [line for line in lines if line.startswith(f"- {out}")]
    assert len(outs) == 2
    naver = next(line for line in outs if "naver-cloud" in line)
    nc_ai = next(line for line in outs if "nc-ai" in line)
    for line in (naver, nc_ai):
        assert "sources.md#src-yonhap-0115" in line  # each reason carries its source
    assert ("큐웬" if suffix == ".md" else "Qwen") in naver
    assert ("초기화하지 않은" if suffix == ".md" else "without re-initialising") in naver
    assert "sources.md#src-newspim-0115" in naver
    why = next(line for line in lines if withheld in line)
    assert "sources.md#src-yonhap-0115" in why
    assert ("류제명" if suffix == ".md" else "Ryu Je-myung") in why


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
def test_an_unconfirmed_outlet_is_not_the_first_citation(round1_site: RenderedSite, suffix: str) -> None:
    first = re.search(r"sources\.md#src-([a-z0-9-]+)", text(round1_site, f"index{suffix}"))
    assert first is not None
    assert first.group(1) != "seed001-0116"
    assert "seed001-0116" not in summary(round1_site, suffix)


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
def test_one_team_table_and_the_chart_data_folded(round1_site: RenderedSite, suffix: str) -> None:
    page = text(round1_site, f"index{suffix}")
    assert page.count("<table") == 2
    assert page.count('<table class="sortable teams"') == 1
    assert 'class="key-figures"' not in page
    fold = page[page.index('<details class="chart-data-fold" markdown>') :]
    assert fold.index('class="sortable chart-data"') < fold.index("</details>")


@pytest.mark.parametrize(
    ("suffix", "mean", "overshoot"),
    [
        (".md", "전체 팀 평균 79.7", "1위 점수 90.2점을 조금 넘는 것은"),
        (".en.md", "All-team average 79.7", "top score 90.2"),
    ],
)
def test_the_chart_labels_its_average_and_explains_overshooting_ranges(
    round1_site: RenderedSite, suffix: str, mean: str, overshoot: str
) -> None:
    page = text(round1_site, f"index{suffix}")
    script = re.search(r'<script type="application/json" id="spec-home-total">(.*?)</script>', page)
    assert script is not None
    spec = json.loads(script.group(1))
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert len(texts) == 1
    assert texts[0]["data"]["values"][0]["label"] == mean
    assert texts[0]["encoding"]["text"]["field"] == "label"
    caption = re.search(r"<figcaption>(.*?)</figcaption>", page)
    assert caption is not None
    assert overshoot in caption.group(1)
