"""What each page, section and download is called: page titles and descriptions, section headings, the
home page's list of links, the data page's files, and the parts a round may omit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from generator.model import Text

PAGE: Final[Mapping[str, tuple[Text, Text]]] = {
    "results": (
        Text(ko="팀별 결과", en="Results by team"),
        Text(
            ko="모든 팀 × 모든 평가 항목: 공개, 도출, 범위, 비공개",
            en="Every team × every item: disclosed, derived, range, not disclosed",
        ),
    ),
    "teams": (
        Text(ko="정예팀", en="The teams"),
        Text(ko="팀별 결과와 독자성 판단", en="Each team's result and independence ruling"),
    ),
    "scoring": (
        Text(ko="점수 산정 방식", en="How the score works"),
        Text(ko="벤치마크 40 + 전문가 35 + 사용자 25", en="Benchmarks 40 + experts 35 + users 25"),
    ),
    "independence": (
        Text(ko="독자성 기준과 탈락", en="Independence criteria and disqualification"),
        Text(
            ko="기술적·정책적·윤리적 독자성 기준, 프롬 스크래치, 프로즌 인코더",
            en="Technical, policy and ethical criteria; from scratch; the frozen encoders",
        ),
    ),
    "audits": (
        Text(ko="가중치 감사 한눈에 보기", en="All weight audits"),
        Text(
            ko="팀마다 공개 가중치를 무엇과, 왜 비교하는지와 그 결과",
            en="What each team's published weights are compared with, why, and the result",
        ),
    ),
    "method": (
        Text(ko="가중치 감사 방법", en="How the weight audit works"),
        Text(
            ko="작은 모델을 직접 학습시켜 보여 주는 검증 방법: 원시 코사인과 중심화 통계, 순열 검정",
            en="The method shown on models trained at build time: raw vs centred cosine, permutation test",
        ),
    ),
    "timeline": (Text(ko="타임라인", en="Timeline"), Text(ko="날짜별 주요 사건", en="What happened when")),
    "unknowns": (
        Text(ko="아직 모르는 것", en="What we don't know"),
        Text(
            ko="공개되지 않은 모든 값과 방법, 아직 답이 없는 질문",
            en="Every value and method that was not published, and the open questions",
        ),
    ),
    "glossary": (
        Text(ko="용어 풀이", en="Glossary"),
        Text(ko="이 사이트의 용어", en="Terms used on this site"),
    ),
    "sources": (
        Text(ko="출처", en="Sources"),
        Text(ko="모든 숫자의 출처", en="Where every number comes from"),
    ),
    "changelog": (
        Text(ko="변경과 정정 기록", en="Changes and corrections"),
        Text(
            ko="이 사이트의 데이터가 언제, 무엇에서 무엇으로, 어떤 출처에 따라 바뀌었는지",
            en="When this site's data changed, from what to what, and on which source",
        ),
    ),
    "data": (
        Text(ko="데이터 내려받기", en="Data and downloads"),
        Text(ko="CSV, JSON, 스키마, 체크섬, 인용 방법", en="CSV, JSON, schema, checksums, citation"),
    ),
}
"""Title and description of each fixed page (the home page takes the round's; team pages their team's)."""

HEADING: Final[Mapping[str, Text]] = {
    "data.files": Text(ko="파일", en="Files"),
    "data.reading": Text(ko="읽는 법", en="Reading the data"),
    "data.licence": Text(ko="이용 허락", en="Licence"),
    "data.citation": Text(ko="인용 방법", en="How to cite"),
    "home.summary": Text(ko="한눈에 보기", en="At a glance"),
    "home.teams": Text(ko="팀별 결과", en="Results by team"),
    "home.more": Text(ko="더 보기", en="More"),
    "independence.definition": Text(
        ko="독자 AI 파운데이션 모델의 정의", en="What an independent foundation model is"
    ),
    "independence.criteria": Text(
        ko="세 가지 기준: 기술적·정책적·윤리적", en="Three criteria: technical, policy, ethical"
    ),
    "independence.from-scratch": Text(ko="프롬 스크래치란", en='What "from scratch" means'),
    "independence.allowed": Text(ko="허용되는 것", en="Allowed"),
    "independence.not-allowed": Text(ko="허용되지 않는 것", en="Not allowed"),
    "independence.frozen-encoder": Text(ko="프로즌 인코더 판정", en="The frozen-encoder finding"),
    "independence.by-team": Text(ko="팀별 판정", en="Finding for each team"),
    "independence.questions": Text(ko="제기된 의혹", en="Questions raised"),
    "independence.similarity": Text(ko="유사도 수치를 읽는 법", en="Reading similarity figures"),
    "independence.sovereignty": Text(ko="제안된 AI 주권 등급", en="The proposed AI sovereignty scale"),
    "method.models": Text(ko="실험에 쓴 모델", en="The models"),
    "method.raw-cosine": Text(
        ko='"99% 비슷하다"가 아무 의미 없을 때', en='Why "99% similar" can mean nothing'
    ),
    "method.centred": Text(
        ko="같은 수치가 가중치 행렬에서는 결정적인 이유",
        en="Why the same figure is damning for a weight matrix",
    ),
    "method.graft": Text(ko="이식한 부분만 정확히 찾아냅니다", en="The grafted part is singled out"),
    "method.layers": Text(ko="층별 비교", en="Layer by layer"),
    "method.round-1": Text(ko="1차 평가에서 보도된 수치", en="The figures reported in round 1"),
    "method.limits": Text(ko="한계", en="Limits"),
    "method.replication": Text(ko="공개된 분석과 우리 재계산", en="The published analyses, recomputed"),
    "audits.grid": Text(ko="판정 한눈에 보기", en="Every verdict at a glance"),
    "results.matrix": Text(ko="한눈에 보기", en="At a glance"),
    "results.charts": Text(ko="차트", en="Charts"),
    "results.aggregates": Text(ko="평균과 도출한 값", en="Averages and derived values"),
    "results.evidence": Text(ko="근거 표", en="Evidence table"),
    "results.constraints": Text(ko="제약 조건", en="Constraints"),
    "scoring.tree": Text(ko="점수 트리", en="The score tree"),
    "scoring.derived": Text(ko="평균에서 도출한 값", en="Values derived from the averages"),
    "scoring.statuses": Text(ko="값의 상태", en="What each status means"),
    "team.status": Text(ko="결과", en="How its round ended"),
    "team.criteria": Text(ko="독자성 기준", en="Independence criteria"),
    "team.questions": Text(ko="제기된 의혹과 판단", en="Questions raised and how they were judged"),
    "team.components": Text(ko="구성 요소와 가져온 곳", en="Components and where they came from"),
    "team.engine-audits": Text(ko="가중치 감사", en="Weight audits"),
    "team.disclosed": Text(ko="공개된 점수", en="Published scores"),
    "team.not-disclosed": Text(ko="공개되지 않은 것", en="What was not disclosed"),
    "team.sources": Text(ko="출처", en="Sources"),
    "teams.results": Text(ko="결과", en="Results"),
    "teams.criteria": Text(ko="독자성 기준별 판정", en="Finding on each independence criterion"),
    "unknowns.withheld": Text(ko="공개되지 않은 점수", en="Scores that were not published"),
    "unknowns.methods": Text(ko="공개되지 않은 평가 방법", en="Evaluation methods that were not published"),
    "unknowns.questions": Text(ko="아직 답이 없는 질문", en="Open questions"),
}
"""Section headings, by ``page.anchor`` (the anchor stays the same in both languages)."""


@dataclass(frozen=True, kw_only=True)
class LinkRow:
    """One line of a list of links: pages (docs path, title) and what they hold."""

    links: tuple[tuple[str, Text], ...]
    blurb: Text | None = None


HOME_LINKS: Final[tuple[LinkRow, ...]] = (
    LinkRow(
        links=(("scoring.md", Text(ko="점수 산정 방식", en="How the score works")),),
        blurb=Text(
            ko="40·35·25점 구조와 실제 공개 점수로 따라가 보는 예시",
            en="the 40 · 35 · 25 structure, followed through with real published scores",
        ),
    ),
    LinkRow(
        links=(("results.md", Text(ko="팀별 결과", en="Results by team")),),
        blurb=Text(
            ko="모든 팀 × 모든 항목, 공개·도출·범위·비공개",
            en="every team × every item — disclosed, derived, range or not disclosed",
        ),
    ),
    LinkRow(
        links=(("teams/index.md", Text(ko="정예팀", en="The teams")),),
        blurb=Text(
            ko="팀마다 공개된 것, 공개되지 않은 것, 독자성 판단",
            en="what each team published, what it did not, and how its independence was judged",
        ),
    ),
    LinkRow(
        links=(
            (
                "independence.md",
                Text(ko="독자성 기준과 탈락", en="Independence criteria and disqualification"),
            ),
        ),
        blurb=Text(
            ko="두 팀이 탈락한 이유와 독자성 기준",
            en='why two teams are out, and what "independent" meant',
        ),
    ),
    LinkRow(
        links=(("unknowns.md", Text(ko="아직 모르는 것", en="What we don't know")),),
        blurb=Text(
            ko="공개되지 않은 모든 값과 방법, 아직 답이 없는 질문",
            en="every value and method that was not published, and the open questions",
        ),
    ),
    LinkRow(
        links=(
            ("timeline.md", Text(ko="타임라인", en="Timeline")),
            ("glossary.md", Text(ko="용어 풀이", en="Glossary")),
            ("sources.md", Text(ko="출처", en="Sources")),
        )
    ),
    LinkRow(
        links=(("data.md", Text(ko="데이터 내려받기", en="Data and downloads")),),
        blurb=Text(ko="CSV와 JSON, 체크섬, 인용 방법", en="CSV and JSON, checksums, how to cite"),
    ),
    LinkRow(
        links=(
            ("about.md", Text(ko="사이트 소개와 오류 신고", en="About this site and reporting errors")),
            ("changelog.md", Text(ko="정정 기록", en="Corrections")),
        )
    ),
)
"""The home page's "more" list."""

DOWNLOAD: Final[Mapping[str, Text]] = {
    "figures.csv": Text(
        ko="팀 × 항목별 모든 값과 상태, 범위, 식, 출처 (CSV, UTF-8 BOM)",
        en="Every team × item value with status, range, formula and sources (CSV, UTF-8 with BOM)",
    ),
    "sources.csv": Text(ko="출처 목록 (CSV, UTF-8 BOM)", en="The sources (CSV, UTF-8 with BOM)"),
    "scores.json": Text(
        ko="점수 트리 전체와 제약 조건, 출처 (JSON)",
        en="The whole score tree with constraints and sources (JSON)",
    ),
    "datapackage.json": Text(
        ko="위 파일들의 스키마 (Frictionless Data Package)",
        en="Schema of the files above (Frictionless Data Package)",
    ),
    "LICENSE.txt": Text(ko="이용 허락 안내", en="Licence note"),
    "CITATION.cff": Text(ko="인용 정보 (Citation File Format)", en="How to cite (Citation File Format)"),
    "SHA256SUMS": Text(ko="모든 파일의 SHA-256 체크섬", en="SHA-256 checksums of every file"),
}
"""What each download file holds (the data page's file table)."""

OMITTED: Final[Mapping[str, Text]] = {
    "criteria": Text(ko="독자성 기준", en="the independence criteria"),
    "sovereignty": Text(ko="제안된 주권 등급", en="the proposed sovereignty scale"),
    "audits": Text(
        ko="팀별 독자성 기록과 가중치 감사", en="the teams' independence records and weight audits"
    ),
    "narrative": Text(ko="해설과 용어 풀이", en="the explanatory texts and glossary"),
    "corrections": Text(ko="변경과 정정 기록", en="the change record"),
}
"""A part of the data a round folder may omit (``round.yaml`` ``omits``)."""
