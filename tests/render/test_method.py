"""The method page and the configured audits on team pages, rendered from a demo and audit results."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from generator.audit.align import LayerMap
from generator.audit.configured import (
    AuditSummary,
    ComponentResult,
    ConfiguredAudit,
    NotRun,
)
from generator.model import EngineAudit, Text
from generator.pipeline import not_run_notes
from generator.render import RenderedSite
from generator.render.formats import p_value, spread
from generator.render.spreads import spread_of
from generator.scoring.types import ScoredRound
from tests.render.conftest import fixture_demo, round_1_with
from tests.render.test_site import CHART, front_matter
from tests.render.test_structure import differences, structure


def text(site: RenderedSite, path: str) -> str:
    return site.files[path].decode("utf-8")


@pytest.mark.parametrize("path", ["method.md", "method.en.md"])
def test_method_page_shows_the_demo_with_its_seed_and_charts(round1_site: RenderedSite, path: str) -> None:
    demo = fixture_demo()
    page = text(round1_site, path)
    assert front_matter(page)["charts"] is True
    assert f"**{demo.seed}**" in page
    assert CHART.findall(page) == [
        "method-gains",
        "method-tests",
        "method-heatmap-graft",
        "method-heatmap-finetuned",
        "method-heatmap-independent",
    ]
    independent = demo.case("independent").main
    assert spread(spread_of([g.raw_cosine for g in independent.gains]), 4) in page
    assert p_value(independent.log10_p) in page
    graft = page[page.index("{ #graft }") : page.index("{ #layers }")]
    assert re.search(r"`vision_tower`.*verdict-identical", graft)
    assert re.search(r"`language_model`.*verdict-independent", graft)
    for team in ("upstage", "naver-cloud"):  # the reported figures, each weighed with the demo's numbers
        assert f"teams/{team}.md" in page


def test_method_page_is_in_the_nav_after_independence(round1_site: RenderedSite) -> None:
    assert round1_site.nav.index("method.md") == round1_site.nav.index("independence.md") + 1
    assert "method.en.md" in round1_site.pages


def test_every_method_number_changes_with_the_demo(round1: tuple[ScoredRound, RenderedSite]) -> None:
    """Nothing on the page is typed in: another demo (here: other seed, other gains) shows other numbers."""
    scored, site = round1
    demo = fixture_demo()
    independent = demo.case("independent")
    main = independent.main
    gains = tuple(replace(g, raw_cosine=0.9876, centred_cosine=0.0123) for g in main.gains)
    other_main = replace(main, gains=gains)
    other_audit = replace(
        independent.audit,
        components=tuple(other_main if c.name == main.name else c for c in independent.audit.components),
    )
    other = replace(
        demo,
        seed=4242,
        cases=tuple(replace(c, audit=other_audit) if c.id == "independent" else c for c in demo.cases),
    )
    again = round_1_with(scored, demo=other)
    for path in ("method.md", "method.en.md", "teams/upstage.md", "teams/upstage.en.md"):
        page = text(again, path)
        assert "4242" in page
        assert "0.9876 (0.9876 … 0.9876)" in page
        assert str(demo.seed) not in page
        assert text(site, path) != page


def test_without_a_demo_the_method_page_says_so_and_upstage_keeps_the_placeholder(
    round1: tuple[ScoredRound, RenderedSite],
) -> None:
    scored, _ = round1
    site = round_1_with(scored)
    assert "was not run for this build" in text(site, "method.en.md")
    assert not CHART.findall(text(site, "method.en.md"))
    assert 'id="method-demo"' in text(site, "teams/upstage.en.md")


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("teams/naver-cloud.en.md", "The audit of this team's published weights has not been run yet."),
        ("teams/naver-cloud.md", "이 팀의 공개 가중치에 대한 감사는 아직 실행되지 않았습니다."),
    ],
)
def test_naver_page_says_plainly_that_no_audit_has_run(
    round1_site: RenderedSite, path: str, words: str
) -> None:
    page = text(round1_site, path)
    section = page[page.index("{ #engine-audits }") :]
    section = section[: section.index("\n## ")]
    assert words in section
    for leftover in ("SOVEREIGN_WEIGHTS", "${", "illustrative", "예시 설정"):
        assert leftover not in section
    assert "audit-components" not in section  # no result table for an audit that did not run


def _summary() -> AuditSummary:
    heatmap = LayerMap(
        component="vision",
        candidate_stack="vision.blocks",
        reference_stack="visual.blocks",
        candidate_layers=(0, 1),
        reference_layers=(0, 1),
        mapping=((0, 0), (1, 1)),
        similarity=((0.97, 0.01), (-0.02, 0.95)),
    )
    component = ComponentResult(
        name="vision",
        verdict="derived",
        parameters=1_000,
        share_compared=1.0,
        share_identical=0.0,
        log10_p=-42.0,
        p_permutation=0.0001,
        permutations=9999,
        matrix_centred=0.987,
        tensors=8,
        disguises=("renamed",),
        summary="Started from the reference, then changed.",
        gains=(),
        heatmaps=(heatmap,),
    )
    return AuditSummary(
        verdict="derived", parameters=1_000, reference_kind="checkpoint", alpha=1e-6, components=(component,)
    )


def test_an_audit_that_ran_shows_its_component_table_and_heatmap(
    round1: tuple[ScoredRound, RenderedSite],
) -> None:
    scored, _ = round1
    audit = EngineAudit(
        id="x",
        component="vision-encoder",
        candidate="${W}/a",
        reference="${W}/b",
        label=Text(ko="시험 감사", en="Test audit"),
    )
    ran = ConfiguredAudit(audit=audit, result=_summary(), not_run=())
    site = round_1_with(
        scored,
        audits={"naver-cloud": [ran]},
    )
    for lang in ("", ".en"):
        page = text(site, f"teams/naver-cloud{lang}.md")
        assert front_matter(page)["charts"] is True
        assert CHART.findall(page) == ["audit-naver-cloud-x-0"]
        assert "verdict-derived" in page
        assert "≈ 10<sup>−42</sup>" in page
        assert "0.987" in page
        assert site.files[f"assets/charts/audit-naver-cloud-x-0-{lang.strip('.') or 'ko'}.svg"].startswith(
            b"<svg"
        )
    # One skeleton: both languages word the reference kind (English printed the raw field before) and the
    # audited component, and the two pages have the same structure.
    korean, english = text(site, "teams/naver-cloud.md"), text(site, "teams/naver-cloud.en.md")
    assert "(파라미터 1,000개; 원본은 체크포인트)" in korean
    assert "(1,000 parameters; reference given as a checkpoint)" in english
    assert "- 구성 요소: 비전 인코더" in korean
    assert "- Component: Vision encoder" in english
    assert differences(structure(korean), structure(english)) == []


def test_not_run_reasons_go_to_the_builder_not_the_page(round1: tuple[ScoredRound, RenderedSite]) -> None:
    scored, _ = round1
    audit = EngineAudit(
        id="y", component=None, candidate="c", reference="r", label=Text(ko="감사", en="Audit")
    )
    failed = ConfiguredAudit(
        audit=audit,
        result=None,
        not_run=(
            NotRun(kind="file_not_found", detail="${W}/c"),
            NotRun(kind="audit_failed", detail="bad *header*"),
        ),
    )
    audits = {"nc-ai": [failed]}
    page = text(round_1_with(scored, audits=audits), "teams/nc-ai.en.md")
    assert "The weight audit of this team's model has not been run yet." in page
    assert "${W}" not in page
    assert "header" not in page
    (note,) = not_run_notes(audits)
    assert note.startswith("audits.yaml: engine audit 'y' not run: ")
    assert "${W}/c" in note
    assert "bad *header*" in note
