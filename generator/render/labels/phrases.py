"""Texts with named fields the code fills in (``str.format``), the same fields in both languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from generator.model import Aggregate, Text

PHRASE: Final[Mapping[str, Text]] = {
    "evidence_files": Text(ko="파일 {files}개 (모두 {size})", en="files: {files} ({size} in all)"),
    "evidence_tried": Text(ko="먼저 시도한 {repos}는 찾지 못함", en="tried first and not found: {repos}"),
    "evidence_run": Text(
        ko="{date}에 실행: 네트워크로 {fetched}를 받았습니다, {seconds}초",
        en="Run on {date}: {fetched} fetched over the network, {seconds} s",
    ),
    "evidence_run_partial": Text(
        ko="{date}에 실행: 네트워크로 {fetched}를 받았습니다 (파일 전체가 아니라 필요한 부분만 읽음), "
        "{seconds}초",
        en="Run on {date}: {fetched} fetched over the network (only the parts needed, not whole files), "
        "{seconds} s",
    ),
    "evidence_checksums": Text(ko="체크섬은 데이터 페이지에 있습니다", en="its checksum is on the data page"),
    "evidence_download": Text(
        ko="감사 증거 파일: {audit} (JSON; 읽은 커밋, 파일 체크섬, 판정과 통계)",
        en="Audit evidence: {audit} (JSON: the commits read, file checksums, verdicts and statistics)",
    ),
    "verdict_grid": Text(
        ko="감사별 구성 요소 판정 (팀과 비교 모델 × 구성 요소)",
        en="Verdict per component of every audit (team and reference × component)",
    ),
    "verdict_grid_alt": Text(
        ko="감사 {audits}건 가운데 {ran}건이 실행되었고, 구성 요소 판정은 {cells}개입니다. "
        "실행되지 않은 감사는 '아직 실행 안 함'으로 표시합니다.",
        en="{ran} of {audits} audits have run, with {cells} component verdicts; an audit that has not "
        "run is shown as 'not run yet'.",
    ),
    "constraint_cap": Text(ko="{node} 만점 {max}점", en="{node} maximum of {max}"),
    "constraint_floor": Text(ko="{node} 점수는 0점 이상", en="{node} points are never negative"),
    "constraint_tree": Text(ko="{node} = {children}", en="{node} = {children}"),
    "constraint_figure": Text(ko="{team} {node} {value}점 (공개)", en="{team} {node} {value} (published)"),
    "computed_benchmarks": Text(
        ko="raw/benchmarks.csv의 벤치마크 {count}개를 정규화해 가중 평균한 뒤 {max}점 만점으로 환산",
        en="weighted mean of {count} normalised benchmark results from raw/benchmarks.csv, "
        "scaled to {max} points",
    ),
    "computed_panel": Text(
        ko="raw/{table}.csv: 평가자 {raters}명의 기준별 가중 평균({scale})을 0–1로 바꾼 뒤 "
        "{how}을 {max}점 만점으로 환산",
        en="raw/{table}.csv: each of {raters} raters' weighted criterion mean ({scale}) rescaled to 0–1, "
        "then the {how}, scaled to {max} points",
    ),
    "worked_example": Text(ko="예시: {subject}의 점수 따라가기", en="Worked example: {subject}"),
    "programme_title": Text(ko="{programme} {title}", en="{programme}: {title}"),
    "report_title": Text(ko="{title} 투명성 보고서", en="{title} — transparency report"),
    "press_citation": Text(
        ko="{author}, 「{title}」, 『{report}』, {year}년 {month}월 {day}일 기준 데이터. {where}",
        en='{author}, "{title}", {report}, data as of {iso}. {where}',
    ),
    "data_citation": Text(
        ko="{author}. 「{report} — 데이터」, {as_of} 기준. {where}",
        en='{author}. "{report} — data", as of {as_of}. {where}',
    ),
    "gains_alt_case": Text(
        ko="{case}: 원시 {raw}, 중심화 {centred}", en="{case}: raw {raw}, centred {centred}"
    ),
    "gains_alt": Text(
        ko="모델마다 층 정규화 가중치(LayerNorm·RMSNorm의 이득) 벡터 {count}개를 원본과 비교한 "
        "원시 코사인과 중심화 코사인(평균, 최솟값 … 최댓값). 시드 {seed}. ",
        en="Raw and centred cosine of each model's {count} normalisation gain vectors against the "
        "reference (mean, lowest … highest). Seed {seed}. ",
    ),
    "tests_alt": Text(
        ko="모델별 증거의 세기(보정한 p값의 −log10). 기준선 {threshold}. 시드 {seed}. ",
        en="Strength of evidence by model (−log10 of the corrected p-value); "
        "threshold {threshold}. Seed {seed}. ",
    ),
    "tests_rule": Text(ko="기준 p = 10^−{exponent}", en="threshold p = 10^−{exponent}"),
    "heatmap_alt": Text(
        ko="{title} ({size} 행렬). 엔진이 대응시킨 층 쌍의 값 {matched}; "
        "그 밖의 칸 중 절댓값이 가장 큰 값 {largest}.",
        en="{title} ({size} matrix). Values of the layer pairs the engine mapped: {matched}; "
        "largest other cell {largest}.",
    ),
    "range_chart_caption": Text(ko="{node}: 팀별 점수와 범위", en="{node}: points and ranges by team"),
    "range_chart_rounding": Text(
        ko=". 범위 막대가 1위 점수 {top}점을 조금 넘는 것은 그 점수가 반올림된 값이기 때문입니다",
        en=". A range bar passes the top score {top} slightly only because that score is rounded",
    ),
    "alt_value": Text(ko="{label} {value}점({status})", en="{label}: {value} ({status})"),
    "alt_range": Text(
        ko="{label} 비공개, 범위 {low}–{high}점(점수 아님)",
        en="{label}: not disclosed, range {low}–{high} (not a score)",
    ),
    "alt_head": Text(
        ko="{node} 차트({maximum}점 만점). 점은 값, 막대는 범위입니다. ",
        en="{node} chart (out of {maximum}). Dots are values, bars are ranges. ",
    ),
    "team_description": Text(
        ko="{team}: 점수, 비공개 항목, 독자성 판단, 출처",
        en="{team}: scores, what was not disclosed, independence, sources",
    ),
    "demo_heatmap": Text(
        ko="{case} — 원본과의 층별 유사도", en="{case} — layer similarity with the reference"
    ),
    "audit_heatmap": Text(
        ko="{audit} — {component}: 층별 유사도", en="{audit} — {component}: layer similarity"
    ),
    "home_advanced": Text(ko="{teams} {stage} 진출", en="{teams} advanced to {stage}"),
    "home_none_advanced": Text(ko="{stage} 진출 팀 없음", en="No team advanced to {stage}"),
    "home_out": Text(ko=", {teams} 탈락", en="; {teams} out"),
    "home_description": Text(
        ko="{outcome} — 공개된 숫자와 출처, 공개되지 않은 것",
        en="{outcome} — the published figures, their sources, and what was withheld",
    ),
    "list_separator": Text(ko="·", en=", "),
    "cited_count": Text(ko="이 사이트의 자료 {count}건이 인용", en="cited by {items} on this site"),
    "size": Text(ko="{size}바이트", en="{size} bytes"),
    "above": Text(ko="{value} 초과", en="above {value}"),
    "benchmark_method": Text(ko="벤치마크 가중 평균: {items}", en="Weighted mean of benchmarks: {items}"),
    "panel_method": Text(
        ko="평가 척도 {scale}, 기준별 가중치 {criteria}, 집계 {aggregate}",
        en="Rating scale {scale}; criterion weights {criteria}; combined by {aggregate}",
    ),
    "card_footer": Text(
        ko="기준일 {as_of} · 모든 숫자에 출처", en="Data as of {as_of} · every figure sourced"
    ),
}
"""Short texts with named fields (``str.format``) that the code fills in; the fields are the same in both
languages."""

ENTITY: Final[Mapping[str, Text]] = {
    "@mean": Text(ko="전체 팀 평균", en="All-team average"),
    "@others:": Text(ko="{team} 제외 나머지 팀 합계", en="Sum of every team but {team}"),
    "@others-mean:": Text(ko="{team} 제외 나머지 팀 평균", en="Average of every team but {team}"),
}
"""Names of the aggregate entities the scoring stage derives; ``{team}`` is filled in."""

AGGREGATE: Final[Mapping[Aggregate, Text]] = {
    "mean": Text(ko="평균", en="mean"),
    "median": Text(ko="중앙값", en="median"),
    "trimmed_mean": Text(ko="절사평균(양쪽 {trim})", en="trimmed mean ({trim} each end)"),
}
"""How a panel's raters are combined; ``{trim}`` is the share cut from each end."""


def fill(phrase: Text, **fields: Text) -> Text:
    """A :data:`PHRASE` with bilingual fields filled in, in both languages."""
    return Text(
        ko=phrase.ko.format(**{k: v.ko for k, v in fields.items()}),
        en=phrase.en.format(**{k: v.en for k, v in fields.items()}),
    )
