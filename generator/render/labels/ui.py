"""Interface words: table heads, badges, link texts, captions and notes, by short name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from generator.model import Text

UI: Final[Mapping[str, Text]] = {
    "not_a_score": Text(ko="점수 아님", en="not a score"),
    "fictional_card": Text(ko="가상의 시연용 데이터 — 실제가 아닙니다", en="Fictional demo data — not real"),
    "above_top_rounding": Text(
        ko="위 끝이 공개된 1위 점수 {top}보다 큰 것은 그 점수가 반올림된 값이기 때문",
        en="the upper end passes the published top score {top} only because that score is rounded",
    ),
    "range": Text(ko="범위", en="range"),
    "rounding": Text(ko="반올림 오차", en="rounding"),
    "withheld_by": Text(ko="비공개 결정", en="Withheld by"),
    "items": Text(ko="공개되지 않은 항목", en="Items not published"),
    "source": Text(ko="출처", en="Source"),
    "sources": Text(ko="출처", en="Sources"),
    "team": Text(ko="팀", en="Team"),
    "nav_teams": Text(ko="팀", en="Teams"),
    "node": Text(ko="항목", en="Item"),
    "max": Text(ko="만점", en="Maximum"),
    "status": Text(ko="상태", en="Status"),
    "value": Text(ko="값", en="Value"),
    "evidence": Text(ko="근거", en="Evidence"),
    "low_by": Text(ko="하한 근거", en="Lower end set by"),
    "high_by": Text(ko="상한 근거", en="Upper end set by"),
    "mean": Text(ko="평균", en="average"),
    "title_not_recorded": Text(ko="제목 미기록", en="headline not recorded"),
    "our_reading": Text(ko="우리의 해석", en="our reading"),
    "rests_on_reading": Text(ko="한쪽 끝은 이 사이트의 해석에 따름", en="one end rests on our reading"),
    "stated": Text(ko="출처에 명시", en="stated in the source"),
    "by_definition": Text(ko="점수의 정의에서 나오는 조건", en="true by definition"),
    "no_url": Text(ko="온라인 주소 미기록", en="no web address recorded"),
    "chart_data": Text(ko="차트 데이터", en="Chart data"),
    "as_of": Text(ko="기준일", en="Data as of"),
    "criterion": Text(ko="기준", en="Criterion"),
    "finding": Text(ko="판정", en="Finding"),
    "rule": Text(ko="규칙 적용 결과", en="Rule applied to the record"),
    "disagrees": Text(ko="공식 판정과 다름", en="differs from the official ruling"),
    "official": Text(ko="공식 판정", en="Official ruling"),
    "not_a_ruling": Text(ko="공식 판정 아님, 이 사이트의 해석", en="not a ruling; our reading"),
    "rule_no_fail": Text(
        ko="기록된 구성 요소에서는 미충족 사유를 찾지 못함", en="nothing in the recorded components fails it"
    ),
    "allegation": Text(ko="제기된 의혹", en="Question raised"),
    "component": Text(ko="구성 요소", en="Component"),
    "model": Text(ko="모델", en="Model"),
    "all_teams": Text(ko="정예팀 목록", en="All teams"),
    "compare_results": Text(ko="팀별 결과 비교", en="Compare results"),
    "demo_section": Text(
        ko="작은 모델로 직접 확인한 결과", en="Checked on small models trained for this site"
    ),
    "gains_caption": Text(
        ko="층 정규화 가중치: 원시 코사인은 모두 1에 가깝고, 중심화 코사인만 모델을 구별합니다",
        en="Normalisation gains: raw cosine is near 1 for every model; "
        "only the centred statistic tells them apart",
    ),
    "tests_axis": Text(
        ko="공유 출처의 증거가 얼마나 강한가 (−log10 p, 검정 횟수로 보정)",
        en="Strength of evidence: −log10 p (corrected)",
    ),
    "tests_caption": Text(
        ko="순열 검정: 원본에서 출발한 모델만 기준선을 넘습니다",
        en="Permutation test: only the models that started from the reference cross the threshold",
    ),
    "local_preview": Text(ko="로컬 미리보기 (공개 주소 없음)", en="local preview (no public address)"),
    "show_bound_conditions": Text(
        ko="범위의 양 끝을 정한 조건 보기", en="Show the conditions that set each range's ends"
    ),
    "why_not_evidence": Text(ko="왜 증거가 아닌가", en="Why this is not evidence"),
    "reference": Text(ko="출처 모델", en="Taken from"),
    "weights": Text(ko="가중치", en="Weights"),
    "origin": Text(ko="출처 구분", en="Origin"),
    "own": Text(ko="자체", en="own"),
    "external": Text(ko="외부", en="external"),
    "alleged": Text(ko="외부 의혹 (확인되지 않음)", en="alleged external (not confirmed)"),
    "statistic": Text(ko="수치", en="Statistic"),
    "scope": Text(ko="비교 대상", en="Compared"),
    "weight": Text(ko="이 수치로 알 수 있는 것", en="What it shows"),
    "outcome": Text(ko="어떻게 끝났나", en="How it ended"),
    "cite_page": Text(ko="이 페이지 인용하기", en="Cite this page"),
    "omits": Text(ko="이 라운드의 데이터에 포함되지 않은 것", en="This round's data does not include"),
    "out": Text(ko="탈락", en="Out"),
    "comparison": Text(ko="비교", en="Comparison"),
    "reason": Text(ko="이유", en="Why"),
    "audit_result": Text(ko="결과", en="Result"),
    "screen": Text(ko="선별 검사", en="Screen"),
    "allegation_test": Text(ko="의혹 검증", en="Testing an allegation"),
    "not_run_yet": Text(ko="아직 실행 안 함", en="not run yet"),
    "evidence_strength": Text(
        ko="구성 요소별 판정과 증거의 강도", en="Verdict per component, and how strong the evidence is"
    ),
    "overall_verdict": Text(ko="전체 판정", en="Overall verdict"),
    "recompute_not_run": Text(
        ko="우리 재계산은 아직 실행되지 않았습니다", en="our recomputation has not run yet"
    ),
    "our_numbers_from": Text(ko="우리 값의 출처", en="Where our numbers come from"),
    "cheap_signals": Text(ko="값싼 신호 (증거 아님)", en="Cheap signals (not evidence)"),
    "what_was_read": Text(ko="읽은 것", en="What was read"),
    "evidence_file": Text(ko="증거 파일", en="Evidence file"),
    "cannot_see": Text(ko="이 감사가 볼 수 없는 것", en="What the audit cannot see"),
    "published_figure": Text(ko="공개된 수치", en="Published figure"),
    "our_value": Text(ko="우리 재계산", en="Our recomputation"),
    "replication_result": Text(ko="비교", en="Comparison"),
    "audit_verdict": Text(ko="감사 판정", en="Audit verdict"),
    "audit_row": Text(ko="감사", en="Audit"),
    "whole_model": Text(ko="모델 전체", en="whole model"),
    "candidate_side": Text(ko="감사한 모델", en="Audited model"),
    "reference_side": Text(ko="비교 모델", en="Reference"),
    "unconfirmed_id": Text(ko="저장소 이름 미확인", en="repository id not confirmed"),
    "before": Text(ko="이전", en="Before"),
    "now": Text(ko="지금", en="Now"),
    "matrix_caption": Text(ko="팀 × 항목 (범위는 점수 아님)", en="Team × item (ranges are not scores)"),
    "fold_aggregates": Text(
        ko="표 펼치기: 평균과 도출한 값", en="Show the table: averages and derived values"
    ),
    "fold_cells": Text(
        ko="표 펼치기: 팀 × 항목마다 값 또는 범위와 그 근거",
        en="Show the table: every team × item with its value or range and evidence",
    ),
    "fold_constraints": Text(
        ko="표 펼치기: 범위의 양 끝을 정한 조건",
        en="Show the table: the conditions that set each range's ends",
    ),
    "published_scores": Text(ko="공개된 점수", en="published scores"),
    "download": Text(ko="차트 내려받기", en="Download the chart"),
    "cite_press": Text(ko="기사에 인용할 때", en="In an article"),
    "responses": Text(ko="각자의 입장", en="What each side said"),
    "level": Text(ko="단계", en="Level"),
    "description": Text(ko="설명", en="Description"),
    "file": Text(ko="파일", en="File"),
    "size": Text(ko="크기", en="Size"),
    "checksum": Text(ko="SHA-256", en="SHA-256"),
    "date": Text(ko="날짜", en="Date"),
    "event": Text(ko="사건", en="Event"),
    "result": Text(ko="결과", en="Result"),
    "total": Text(ko="총점", en="Total"),
    "unsourced": Text(ko="출처 미확보", en="no source recorded"),
    "approx": Text(ko="약", en="about"),
    "rounds": Text(ko="평가 차수", en="Rounds"),
    "team_rounds_intro": Text(
        ko=(
            "이 팀이 참여한 평가 차수와 각 차수의 결과입니다. "
            "차수마다 그때 공개된 자료로 쓴 페이지가 따로 있습니다."
        ),
        en=(
            "The rounds this team took part in and its result in each. Each round has its own page, "
            "written from what was public for that round."
        ),
    ),
    "result_pending": Text(ko="결과 발표 전", en="result not announced yet"),
    "page_moved": Text(ko="이 페이지는 다음 주소로 옮겼습니다", en="This page has moved to"),
    "pending_title": Text(ko="결과 발표 전", en="Results not announced yet"),
    "pending_body": Text(
        ko=(
            "이 차수의 평가 결과는 아직 발표되지 않았습니다. "
            "점수도 결과도 추측하지 않으며, 발표되면 출처와 함께 싣습니다."
        ),
        en=(
            "The results of this round have not been announced. No score or outcome is guessed here; "
            "they will appear with their sources once published."
        ),
    ),
    "pending_team": Text(
        ko="이 팀의 점수와 결과는 아직 발표되지 않았습니다.",
        en="This team's scores and result have not been announced.",
    ),
    "pending_models": Text(ko="출품 모델", en="Models entered"),
    "pending_back": Text(ko="이 차수의 첫 페이지로", en="Back to this round's home page"),
    "pending_teams": Text(ko="참가 팀", en="Teams"),
    "pending_rubric": Text(ko="평가 항목과 배점", en="What is scored, and out of how many points"),
    "pending_timeline": Text(ko="타임라인", en="Timeline"),
    "pending_sources": Text(ko="출처", en="Sources"),
    "points_unit": Text(ko="점", en=" points"),
    "fictional_title": Text(ko="가상 데이터", en="Fictional data"),
    "fictional_body": Text(
        ko="이 페이지의 팀, 점수, 사건은 모두 시험용으로 지어낸 것이며 실제가 아닙니다.",
        en="Every team, score and event on this page is invented for testing. Nothing here is real.",
    ),
    "share": Text(ko="득점률", en="Share of maximum"),
    "formula": Text(ko="식", en="Formula"),
    "nothing_recorded": Text(ko="기록된 내용이 없습니다.", en="Nothing is recorded."),
    "difference": Text(ko="차이 (반올림 허용)", en="Difference (rounding allowed)"),
    "leader": Text(ko="1위 팀", en="First-placed team"),
    "mean_col": Text(ko="전체 팀 평균", en="All-team average"),
    "kind_seed": Text(ko="주요 기사", en="primary article"),
    "kind_external": Text(ko="다른 보도", en="other coverage"),
    "kind_official": Text(ko="공식 발표", en="official release"),
    "kind_analysis": Text(ko="공개 분석", en="public analysis"),
    "kind_reference": Text(ko="방법 참고 문헌", en="method reference"),
    "undated": Text(ko="날짜 미확인", en="date not confirmed"),
    "verdict": Text(ko="판정", en="Verdict"),
    "expected": Text(ko="실제로 만든 방식", en="How it was made"),
    "parameters": Text(ko="파라미터 수", en="Parameters"),
    "p_corrected": Text(ko="p값 (보정)", en="p-value (corrected)"),
    "p_permutation": Text(ko="순열 p값", en="Permutation p"),
    "matrix_centred": Text(
        ko="가중치 행렬 중심화 코사인 (평균)", en="Centred cosine of weight matrices (mean)"
    ),
    "identical_share": Text(ko="원본과 같은 비율", en="Share identical to the reference"),
    "case": Text(ko="모델", en="Model"),
    "raw_gain": Text(ko="원시 코사인 (증거 아님)", en="raw cosine (not evidence)"),
    "centred_gain": Text(ko="중심화 코사인 (피어슨)", en="centred cosine (Pearson)"),
    "mean_range": Text(ko="평균 (최솟값 … 최댓값)", en="mean (lowest … highest)"),
    "undefined": Text(ko="정의되지 않음 (모든 값이 1)", en="undefined (every value is 1)"),
    "candidate_layer": Text(ko="후보 층", en="Candidate layer"),
    "reference_layer": Text(ko="원본 층", en="Reference layer"),
    "mapped_to": Text(ko="대응 층", en="Mapped to"),
}
