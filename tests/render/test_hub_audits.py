"""Every team's public weights audited against at least two references, each with its reason (issue 10 §1,
§4): on the team page, what is compared with what and why; "not run yet" until evidence exists; with
evidence, the verdict per component in a plain sentence and the pinned commit it was read at."""

from __future__ import annotations

import re

import pytest

from generator.render import RenderedSite
from generator.render.formats import component_name, si_size
from generator.scoring.types import ScoredRound
from tests.render.conftest import fixture_evidence
from tests.render.test_truth import text


def rows(page: str) -> list[str]:
    table = page[page.index('<table class="hub-audits"') :]
    return re.findall(r'<tr id="audit-[^"]+" markdown>(.*?)</tr>', table[: table.index("</table>")])


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
def test_every_team_shows_what_is_compared_with_what_and_why(
    round1: tuple[ScoredRound, RenderedSite], suffix: str
) -> None:
    scored, site = round1
    screen, allegation = (
        ("선별 검사", "의혹 검증") if suffix == ".md" else ("Screen", "Testing an allegation")
    )
    for team in scored.round.teams:
        record = scored.round.independence.records[team.id]
        page = text(site, f"teams/{team.id}{suffix}")
        shown = rows(page)
        assert len(shown) == len(record.hub_audits) >= 2, team.id
        for audit, row in zip(record.hub_audits, shown, strict=True):
            if audit.reason.kind == "screen":
                assert screen in row
                assert ("고발이 아닙니다" if suffix == ".md" else "not an accusation") in row
            else:
                assert allegation in row
                assert f"(#allegation-{audit.reason.allegation})" in row
            for checkpoint in (audit.candidate, audit.reference):
                for repo in checkpoint.repos:
                    linked = f"(https://huggingface.co/{repo})" in row
                    assert linked == checkpoint.confirmed, (repo, checkpoint.confirmed)
            assert ("아직 실행 안 함" if suffix == ".md" else "not run yet") in row


def test_evidence_shows_the_verdict_per_component_and_the_commit_read(
    round1_evidence: tuple[ScoredRound, RenderedSite],
) -> None:
    scored, site = round1_evidence
    audit = scored.round.independence.records["naver-cloud"].hub_audits[0]
    evidence = fixture_evidence(scored)[audit.id]
    for suffix, words in (
        (
            ".md",
            (
                "비전 인코더 (`vision_tower`): 비교한 모델의 가중치를 그대로 사용",
                "텍스트 모델 (`language_model`): 공통 출처의 흔적 없음",
            ),
        ),
        (
            ".en.md",
            (
                "vision encoder (`vision_tower`): the compared model's weights",
                "text model (`language_model`): no sign of a shared origin",
            ),
        ),
    ):
        page = text(site, f"teams/naver-cloud{suffix}")
        row = rows(page)[0]
        assert "verdict-derived" in row
        for word in words:
            assert word in row
        sha = evidence.candidate.revision
        assert f"https://huggingface.co/{audit.candidate.repos[0]}/tree/{sha})" in row
        assert evidence.date.isoformat() in row
        assert ("아직 실행되지 않았습니다" if suffix == ".md" else "has not been run yet") not in page.split(
            "{ #engine-audits }"
        )[1].split("\n## ")[0]


@pytest.mark.parametrize("suffix", [".md", ".en.md"])
def test_one_page_lists_every_audit_with_its_team(
    round1: tuple[ScoredRound, RenderedSite], suffix: str
) -> None:
    scored, site = round1
    page = text(site, f"audits{suffix}")
    audits = [a for r in scored.round.independence.records.values() for a in r.hub_audits]
    shown = rows(page)
    assert len(shown) == len(audits) == 10
    for team, record in scored.round.independence.records.items():
        mine = [r for r in shown if f"(teams/{team}.md)" in r.split("</td>", 1)[0]]
        assert len(mine) == len(record.hub_audits), team
    allegation_rows = [r for r in shown if "#allegation-" in r]
    assert len(allegation_rows) == 3  # NAVER, Upstage and SK Telecom
    assert all(re.search(r"\(teams/[a-z-]+\.md#allegation-", r) for r in allegation_rows)
    assert (
        "아직 어떤 감사도 실행되지 않았습니다" if suffix == ".md" else "No audit has been run yet"
    ) in page


@pytest.mark.parametrize(
    ("name", "ko", "en"),
    [
        ("vision_tower", "비전 인코더 (`vision_tower`)", "vision encoder (`vision_tower`)"),
        ("model.visual", "비전 인코더 (`model.visual`)", "vision encoder (`model.visual`)"),
        ("visual.merger", "연결부(프로젝터) (`visual.merger`)", "projector (`visual.merger`)"),
        ("audio_tower", "오디오 인코더 (`audio_tower`)", "audio encoder (`audio_tower`)"),
        ("language_model", "텍스트 모델 (`language_model`)", "text model (`language_model`)"),
        ("model", "텍스트 모델 (`model`)", "text model (`model`)"),
        ("lm_head", "출력층 (`lm_head`)", "output layer (`lm_head`)"),
        ("(anonymous)", "`(anonymous)`", "`(anonymous)`"),
    ],
)
def test_a_component_is_named_in_plain_words_then_as_the_checkpoint_names_it(
    name: str, ko: str, en: str
) -> None:
    assert (component_name(name, "ko"), component_name(name, "en")) == (ko, en)


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (999_999, None),
        (1_000_000, "1.0 MB"),
        (3_941_800, "3.9 MB"),
        (99_960_000, "100 MB"),
        (412_345_678_901, "412 GB"),
    ],
)
def test_a_large_byte_count_reads_in_si_units(size: int, shown: str | None) -> None:
    assert si_size(size) == shown
