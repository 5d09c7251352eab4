"""Every short interface text of the site, in both languages, in one place.

Prose lives in the per-language templates; these are the words that tables, badges and links share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from generator.model import OutcomeKind, Text
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

UI: Final[Mapping[str, Text]] = {
    "not_a_score": Text(ko="점수 아님", en="not a score"),
    "range": Text(ko="범위", en="range"),
    "rounding": Text(ko="반올림 오차", en="rounding"),
    "withheld_by": Text(ko="비공개 결정", en="withheld by"),
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
    "stated": Text(ko="출처에 명시", en="stated in the source"),
    "no_url": Text(ko="온라인 주소 미기록", en="no web address recorded"),
    "chart_data": Text(ko="차트 데이터", en="Chart data"),
    "as_of": Text(ko="기준일", en="Data as of"),
}

ENTITY: Final[Mapping[str, Text]] = {
    "@mean": Text(ko="전체 팀 평균", en="All-team average"),
    "@others:": Text(ko="{team} 제외 나머지 팀 합계", en="Sum of every team but {team}"),
    "@others-mean:": Text(ko="{team} 제외 나머지 팀 평균", en="Average of every team but {team}"),
}
"""Names of the aggregate entities the scoring stage derives; ``{team}`` is filled in."""
