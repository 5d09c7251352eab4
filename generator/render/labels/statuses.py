"""What a value, a team, a criterion, an allegation or a change-record entry is, in words: the badges and
tags the round's data carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from generator.model import AllegationOutcome, Finding, OutcomeKind, Text, WeightsOrigin
from generator.render.labels.phrases import fill
from generator.scoring.types import Status

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

MARK_LABEL: Final[Mapping[Status, Text]] = {
    "disclosed": Text(ko="공개 점수", en="published score"),
    "computed": Text(ko="계산한 점수", en="computed score"),
    "derived": Text(ko="도출한 값", en="derived value"),
    "bounded": Text(ko="범위 (점수 아님)", en="range (not a score)"),
    "not_disclosed": Text(ko="비공개 (만점 범위, 점수 아님)", en="not disclosed (full range, not a score)"),
}
"""A chart mark's legend entry, by the status of its value."""

OUTCOME: Final[Mapping[OutcomeKind, Text]] = {
    "advanced": Text(ko="{stage} 진출", en="Advanced to {stage}"),
    "eliminated_score": Text(ko="탈락 (점수)", en="Out (score)"),
    "disqualified_independence": Text(ko="탈락 (독자성 요건)", en="Out (independence requirement)"),
}
"""Team status; also the team pages' tags. ``{stage}`` is the round's :attr:`~generator.model.RoundInfo.
advances_to`: read these through :func:`outcome_label`."""

FINDING: Final[Mapping[Finding, Text]] = {
    "pass": Text(ko="충족", en="pass"),
    "fail": Text(ko="미충족", en="fail"),
    "noted": Text(ko="지적", en="noted"),
    "alleged": Text(ko="의혹 제기 (판정 없음)", en="allegation raised (no ruling)"),
    "no_finding": Text(ko="지적 없음 ({stage} 진출)", en="no finding reported (advanced to {stage})"),
    "not_assessed": Text(ko="공개된 판단 없음", en="no published assessment"),
}
"""The finding of an independence criterion for a team (the criteria table's badge); ``{stage}`` as in
:data:`OUTCOME`, filled by :func:`finding_label`."""

FINDING_REASON: Final[Mapping[Finding, Text]] = {
    "no_finding": Text(
        ko="팀은 {stage} 단계에 진출했고, 이 기준에 대한 지적은 보도되지 않았습니다. "
        "기준별 판정은 공개되지 않았습니다.",
        en="The team advanced to {stage} and no finding on this criterion was reported; "
        "no per-criterion ruling was published.",
    ),
    "not_assessed": Text(
        ko="이 기준에 대해 공개된 판정도, 보도된 지적도 없습니다.",
        en="No ruling on this criterion was published and no finding was reported.",
    ),
}
"""Why a finding without a ruling reads as it does: an advanced team's "no finding reported" is not "pass";
``{stage}`` as in :data:`OUTCOME`, filled by :func:`finding_reason`."""


def outcome_label(result: OutcomeKind, stage: Text) -> Text:
    """A team's status in words, naming ``stage`` (the round's ``advances_to``) where the team advanced."""
    return fill(OUTCOME[result], stage=stage)


def finding_label(finding: Finding, stage: Text) -> Text:
    """A criterion finding in words, naming ``stage`` (the round's ``advances_to``) where it says so."""
    return fill(FINDING[finding], stage=stage)


def finding_reason(finding: Finding, stage: Text) -> Text | None:
    """Why a finding without a ruling reads as it does (``None``: it needs no reason), naming ``stage``."""
    reason = FINDING_REASON.get(finding)
    return fill(reason, stage=stage) if reason is not None else None


WEIGHTS_ORIGIN: Final[Mapping[WeightsOrigin, Text]] = {
    "trained_from_scratch": Text(ko="처음부터 학습", en="trained from scratch"),
    "fine_tuned": Text(
        ko="기존 가중치에서 미세조정 (초기화 안 함)",
        en="fine-tuned from existing weights (not re-initialised)",
    ),
    "frozen": Text(ko="가중치를 그대로 사용 (프로즌)", en="weights used as-is (frozen)"),
    "unknown": Text(ko="알 수 없음", en="unknown"),
    "not_applicable": Text(ko="가중치 아님 (코드)", en="not weights (code)"),
}
"""Where a component's weights came from, in words."""

ALLEGATION_OUTCOME: Final[Mapping[AllegationOutcome, Text]] = {
    "upheld": Text(ko="사실로 드러남", en="confirmed"),
    "withdrawn": Text(ko="철회", en="withdrawn"),
    "not_decisive": Text(ko="당락에 영향 없음", en="not decisive"),
    "open": Text(ko="결론 나지 않음", en="open"),
}

CHANGE_KIND: Final[Mapping[str, Text]] = {
    "corrected": Text(ko="정정", en="Corrected"),
    "added": Text(ko="추가", en="Added"),
    "removed": Text(ko="삭제", en="Removed"),
    "published": Text(ko="공개", en="Published"),
}
"""What kind of change a change-record entry is."""
