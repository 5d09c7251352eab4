"""Every short interface text of the site, in both languages, in one place.

Prose lives in the per-language templates; these are the words that tables, badges and links share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from generator.model import AllegationOutcome, Finding, OutcomeKind, Text
from generator.scoring.types import Status

Lang = Literal["ko", "en"]
LANGS: Final[tuple[Lang, ...]] = ("ko", "en")

STATUS: Final[Mapping[Status, Text]] = {
    "disclosed": Text(ko="공개", en="disclosed"),
    "computed": Text(ko="계산", en="computed"),
    "derived": Text(ko="도출", en="derived"),
    "bounded": Text(ko="범위", en="range"),
    "not_disclosed": Text(ko="비공개", en="not disclosed"),
}
"""The badge of each status; always written out, never shown by colour alone."""

STATUS_EXPLAINED: Final[Mapping[Status, Text]] = {
    "disclosed": Text(ko="출처가 직접 밝힌 점수입니다.", en="A score a source states outright."),
    "computed": Text(
        ko="공개된 원자료에서 평가 방식대로 계산한 점수입니다.",
        en="A score computed from published raw data by the published method.",
    ),
    "derived": Text(
        ko="공개된 숫자들로부터 식을 세워 구한 값입니다. 식과 반올림 오차를 함께 적습니다.",
        en="A value implied by published figures; its formula and rounding error are shown with it.",
    ),
    "bounded": Text(
        ko="공개되지 않은 점수가 놓일 수 있는 범위입니다. 점수가 아닙니다.",
        en="The interval an undisclosed score must lie in. It is a range, not a score.",
    ),
    "not_disclosed": Text(
        ko="공개되지 않았고, 만점 범위보다 좁힐 근거도 없습니다.",
        en="Not published, and nothing narrows it beyond the rubric's range.",
    ),
}

OUTCOME: Final[Mapping[OutcomeKind, Text]] = {
    "advanced": Text(ko="2차 진출", en="Advanced"),
    "eliminated_score": Text(ko="탈락 (점수)", en="Out (score)"),
    "disqualified_independence": Text(ko="탈락 (독자성 요건)", en="Out (independence requirement)"),
}
"""Team status; also the team pages' tags."""

FINDING: Final[Mapping[Finding, Text]] = {
    "pass": Text(ko="충족", en="pass"),
    "fail": Text(ko="미충족", en="fail"),
    "noted": Text(ko="지적", en="noted"),
    "alleged": Text(ko="의혹 제기 (판정 없음)", en="allegation raised (no ruling)"),
    "no_finding": Text(ko="지적 없음 (2차 진출)", en="no finding reported (advanced)"),
    "not_assessed": Text(ko="공개된 판단 없음", en="no published assessment"),
}
"""The finding of an independence criterion for a team (the criteria table's badge)."""

ALLEGATION_OUTCOME: Final[Mapping[AllegationOutcome, Text]] = {
    "upheld": Text(ko="사실로 드러남", en="confirmed"),
    "withdrawn": Text(ko="철회", en="withdrawn"),
    "not_decisive": Text(ko="당락에 영향 없음", en="not decisive"),
    "open": Text(ko="결론 나지 않음", en="open"),
}

WEIGHT: Final[Mapping[str, Text]] = {
    "not_evidence": Text(ko="그 자체로는 증거 아님", en="not evidence on its own"),
    "evidence": Text(ko="그 자체로 판단 근거가 됨", en="meaningful on its own"),
    "unclear": Text(ko="판단 보류", en="undecided"),
}
"""What a published similarity figure shows on its own (:data:`generator.render.views.STATISTIC_WEIGHT`)."""

STATISTIC: Final[Mapping[str, Text]] = {
    "raw_cosine": Text(ko="원시 코사인 유사도", en="raw cosine similarity"),
    "pearson": Text(ko="피어슨 상관계수 (중심화)", en="Pearson correlation (centred)"),
    "centred_cosine": Text(ko="중심화 코사인 유사도", en="centred cosine similarity"),
    "relative_l2": Text(ko="상대 L2 거리", en="relative L2 distance"),
    "other": Text(ko="기타 수치", en="other figure"),
}

COMPONENT_SENTENCE: Final[Mapping[str, Text]] = {
    "identical": Text(
        ko="비교한 모델의 가중치를 그대로 사용", en="the compared model's weights, used as they are"
    ),
    "derived": Text(
        ko="비교한 모델의 가중치에서 출발해 바뀜",
        en="started from the compared model's weights, then changed",
    ),
    "independent": Text(ko="공통 출처의 흔적 없음", en="no sign of a shared origin"),
    "inconclusive": Text(
        ko="판단할 수 없음 (비교할 수 있는 부분이 부족함)", en="cannot tell (too little to compare)"
    ),
}
"""A component's verdict in one plain sentence (the audit table names what it was compared with)."""

VERDICT: Final[Mapping[str, Text]] = {
    "identical": Text(ko="동일 (그대로 재사용)", en="identical (reused as-is)"),
    "derived": Text(ko="파생 (같은 출발점에서 변경)", en="derived (started from the reference)"),
    "independent": Text(ko="독립 (공유 흔적 없음)", en="independent (no evidence of shared origin)"),
    "inconclusive": Text(ko="판단 불가 (비교할 것 없음)", en="inconclusive (nothing comparable)"),
}
"""The audit engine's verdict on a component, in words (always beside its badge colour)."""

DEMO_CASE: Final[Mapping[str, Text]] = {
    "graft": Text(ko="통째로 옮겨 심은 사본 (BF16, 학습하지 않음)", en="Graft: frozen BF16 copy"),
    "finetuned": Text(ko="미세조정한 사본", en="Fine-tuned copy"),
    "independent": Text(ko="독립 학습 모델", en="Independently trained"),
    "untrained": Text(ko="학습 전 새 초기화", en="Fresh init, untrained"),
}
"""The method demo's candidates."""

NOT_RUN: Final[Mapping[str, Text]] = {
    "variable_not_set": Text(ko="환경 변수 {detail}가 설정되지 않았습니다", en="{detail} is not set"),
    "file_not_found": Text(ko="파일이 없습니다: {detail}", en="file not found: {detail}"),
    "audit_failed": Text(
        ko="감사가 입력을 거부했습니다: {detail}", en="the audit refused its input: {detail}"
    ),
}
"""Why a configured audit was not run; ``{detail}`` is the variable, the configured path or the error."""

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
    "rule_no_fail": Text(
        ko="기록된 구성 요소에서는 미충족 사유를 찾지 못함", en="nothing in the recorded components fails it"
    ),
    "allegation": Text(ko="제기된 의혹", en="Question raised"),
    "component": Text(ko="구성 요소", en="Component"),
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
    "omits_criteria": Text(ko="독자성 기준", en="the independence criteria"),
    "omits_sovereignty": Text(ko="제안된 주권 등급", en="the proposed sovereignty scale"),
    "omits_audits": Text(
        ko="팀별 독자성 기록과 가중치 감사", en="the teams' independence records and weight audits"
    ),
    "omits_narrative": Text(ko="해설과 용어 풀이", en="the explanatory texts and glossary"),
    "omits_corrections": Text(ko="변경과 정정 기록", en="the change record"),
    "comparison": Text(ko="비교", en="Comparison"),
    "reason": Text(ko="이유", en="Why"),
    "audit_result": Text(ko="결과", en="Result"),
    "screen": Text(ko="선별 검사", en="Screen"),
    "allegation_test": Text(ko="의혹 검증", en="Testing an allegation"),
    "not_run_yet": Text(ko="아직 실행 안 함", en="not run yet"),
    "unconfirmed_id": Text(ko="저장소 이름 미확인", en="repository id not confirmed"),
    "change_corrected": Text(ko="정정", en="Corrected"),
    "change_added": Text(ko="추가", en="Added"),
    "change_removed": Text(ko="삭제", en="Removed"),
    "change_published": Text(ko="공개", en="Published"),
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

ENTITY: Final[Mapping[str, Text]] = {
    "@mean": Text(ko="전체 팀 평균", en="All-team average"),
    "@others:": Text(ko="{team} 제외 나머지 팀 합계", en="Sum of every team but {team}"),
    "@others-mean:": Text(ko="{team} 제외 나머지 팀 평균", en="Average of every team but {team}"),
}
"""Names of the aggregate entities the scoring stage derives; ``{team}`` is filled in."""
