"""The weight audits in words: verdicts, components, the strength of evidence, cheap signals, what an audit
cannot see, published similarity figures and our recomputation of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from generator.model import Text

WEIGHT: Final[Mapping[str, Text]] = {
    "not_evidence": Text(ko="그 자체로는 증거 아님", en="not evidence on its own"),
    "evidence": Text(ko="그 자체로 판단 근거가 됨", en="meaningful on its own"),
    "unclear": Text(ko="판단 보류", en="undecided"),
}
"""What a published similarity figure shows on its own (:data:`generator.render.judged.STATISTIC_WEIGHT`)."""

STATISTIC: Final[Mapping[str, Text]] = {
    "raw_cosine": Text(ko="원시 코사인 유사도", en="raw cosine similarity"),
    "pearson": Text(ko="피어슨 상관계수 (중심화)", en="Pearson correlation (centred)"),
    "centred_cosine": Text(ko="중심화 코사인 유사도", en="centred cosine similarity"),
    "relative_l2": Text(ko="상대 L2 거리", en="relative L2 distance"),
    "other": Text(ko="기타 수치", en="other figure"),
}

ComponentKind = Literal["vision", "audio", "projector", "language", "head"]


COMPONENT_KIND: Final[Mapping[ComponentKind, Text]] = {
    "vision": Text(ko="비전 인코더", en="vision encoder"),
    "audio": Text(ko="오디오 인코더", en="audio encoder"),
    "projector": Text(ko="연결부(프로젝터)", en="projector"),
    "language": Text(ko="텍스트 모델", en="text model"),
    "head": Text(ko="출력층", en="output layer"),
}
"""A component's plain name; the checkpoint's own name follows it in code type."""

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

VERDICT_SHORT: Final[Mapping[str, Text]] = {
    "identical": Text(ko="동일", en="identical"),
    "derived": Text(ko="파생", en="derived"),
    "independent": Text(ko="독립", en="independent"),
    "inconclusive": Text(ko="판단 불가", en="inconclusive"),
}
"""A verdict in one word, inside a chart cell (the legend and the data table give the full words)."""

DEMO_CASE: Final[Mapping[str, Text]] = {
    "graft": Text(ko="통째로 옮겨 심은 사본 (BF16, 학습하지 않음)", en="Graft: frozen BF16 copy"),
    "finetuned": Text(ko="미세조정한 사본", en="Fine-tuned copy"),
    "independent": Text(ko="독립 학습 모델", en="Independently trained"),
    "untrained": Text(ko="학습 전 새 초기화", en="Fresh init, untrained"),
}
"""The method demo's candidates."""

REFERENCE_KIND: Final[Mapping[str, Text]] = {
    "checkpoint": Text(ko="체크포인트", en="checkpoint"),
    "fingerprint": Text(ko="지문 파일", en="fingerprint file"),
}
"""What an engine audit compared against: a whole checkpoint, or a stored fingerprint of one."""

NOT_RUN: Final[Mapping[str, Text]] = {
    "variable_not_set": Text(ko="환경 변수 {detail}가 설정되지 않았습니다", en="{detail} is not set"),
    "file_not_found": Text(ko="파일이 없습니다: {detail}", en="file not found: {detail}"),
    "audit_failed": Text(
        ko="감사가 입력을 거부했습니다: {detail}", en="the audit refused its input: {detail}"
    ),
}
"""Why a configured audit was not run; ``{detail}`` is the variable, the configured path or the error."""

STRENGTH: Final[Mapping[str, Text]] = {
    "identical": Text(
        ko="증거: 결정적 — 텐서 {tensors}개가 형식 변환 뒤 원본과 똑같습니다 (파라미터의 {share})",
        en="evidence: conclusive — its {tensors} tensors equal the reference's after a format cast "
        "({share} of the parameters)",
    ),
    "strong": Text(
        ko="증거: 강함 — 서로 관계없는 가중치가 우연히 이만큼 닮을 확률(p)이 {p}로, "
        "판정 기준 {alpha}보다 작습니다",
        en="evidence: strong — the chance that unrelated weights look this alike (p) is {p}, below the "
        "verdict's threshold of {alpha}",
    ),
    "weak": Text(
        ko="증거: 약함 — 우연히 이만큼 닮을 확률(p)이 {p}로 낮지만, 판정 기준 {alpha}에는 미치지 않습니다",
        en="evidence: weak — the chance of this resemblance (p) is {p}: low, but short of the verdict's "
        "threshold of {alpha}",
    ),
    "none": Text(
        ko="증거: 없음 — 우연히 이만큼 닮을 확률(p)이 {p}로, 서로 관계없는 가중치에서 흔한 수준입니다",
        en="evidence: none — the chance of this resemblance (p) is {p}, as common as "
        "between unrelated weights",
    ),
    "untested": Text(
        ko="증거: 검정하지 못함 — 원본과 비교할 수 있는 텐서가 없었습니다",
        en="evidence: not tested — no tensor could be compared with the reference's",
    ),
}
"""How strong a component's evidence is, in words with the statistic it rests on (``{p}``: the corrected
p-value; ``{alpha}``: the verdict's threshold; ``{share}``: parameters equal to the reference's)."""

CHEAP: Final[Mapping[str, Text]] = {
    "config_unavailable": Text(
        ko="설정 파일(config.json): 비교할 수 없음 (한쪽 또는 양쪽 저장소에 없거나 읽을 수 없음)",
        en="Configuration (config.json): not available (missing or unreadable in one or both repositories)",
    ),
    "config_same_family": Text(
        ko="설정 파일(config.json): 같은 모델 계열 ({families}). 같은 값: {same}. 다른 값: {differ}",
        en="Configuration (config.json): the same model family ({families}). Equal: {same}. "
        "Different: {differ}",
    ),
    "config_other_family": Text(
        ko="설정 파일(config.json): 다른 모델 계열 ({families}). 같은 값: {same}. 다른 값: {differ}",
        en="Configuration (config.json): different model families ({families}). Equal: {same}. "
        "Different: {differ}",
    ),
    "tokenizer_unavailable": Text(
        ko="토크나이저: 비교할 수 없음 (한쪽 또는 양쪽 저장소에 없거나 읽을 수 없음)",
        en="Tokenizer: not available (missing or unreadable in one or both repositories)",
    ),
    "tokenizer": Text(
        ko="토크나이저: 토큰 {shared}개가 겹칩니다 (이 모델의 {candidate}개 중 {candidate_share}, "
        "비교 모델의 {reference}개 중 {reference_share})",
        en="Tokenizer: {shared} tokens in common ({candidate_share} of this model's {candidate}, "
        "{reference_share} of the reference's {reference})",
    ),
    "not_evidence": Text(
        ko="구조나 토크나이저가 비슷하다는 것은 가중치를 재사용했다는 증거가 아닙니다. 독립적으로 학습한 "
        "모델도 흔히 둘 다 공유합니다. 가중치를 재사용했는지는 위의 가중치 판정만이 말해 줍니다.",
        en="Architecture or tokenizer similarity is not evidence of weight reuse: independently trained "
        "models often share both. Only the weight verdict above says whether weights were reused.",
    ),
}
"""The cheap signals beside a weight verdict (config and tokenizer compared), each in a sentence."""

CANNOT_SEE: Final[tuple[Text, ...]] = (
    Text(
        ko="학습 데이터: 가중치만 비교하므로 무엇으로 학습했는지는 알 수 없습니다",
        en="The training data: only weights are compared, so what a model was trained on stays unseen",
    ),
    Text(
        ko="다른 모델의 출력으로 처음부터 학습한 모델(증류): 가중치에 공통 출처의 흔적이 남지 않습니다",
        en="A model trained from scratch on another model's outputs (distillation): its weights keep no "
        "trace of a shared origin",
    ),
    Text(
        ko="공개된 체크포인트에 없는 구성 요소: 공개되지 않은 부분은 비교할 수 없습니다",
        en="Components that are not in the public checkpoint: what is not published cannot be compared",
    ),
    Text(
        ko="공개된 체크포인트가 평가받은 모델과 같은지: 감사는 공개된 커밋만 읽습니다",
        en="Whether the public checkpoint is the model that was evaluated: the audit reads only the "
        "published commit",
    ),
)
"""What a weight audit cannot see (each team page's fixed list under its audits)."""

REPLICATION_RESULT: Final[Mapping[str, Text]] = {
    "reproduces": Text(ko="재현됨", en="reproduces"),
    "differs": Text(ko="다름", en="differs"),
    "not_comparable": Text(ko="비교할 수 없음", en="not comparable"),
}
"""Our recomputation beside a published figure."""

REPLICATION_TEXT: Final[Mapping[str, Text]] = {
    "range": Text(ko="범위 {low}{low_at} – {high}{high_at}", en="range {low}{low_at} – {high}{high_at}"),
    "count_layer": Text(ko="층 {count}개", en="{count} layers"),
    "count_tensor": Text(ko="텐서 {count}개", en="{count} tensors"),
    "missing": Text(
        ko="우리 재계산을 할 수 없었습니다: {why}", en="Our recomputation could not be made: {why}"
    ),
    "matching": Text(
        ko="층 맞추기: 이 모델의 {candidate_stack} {candidate}개 층과 "
        "비교 모델의 {reference_stack} {reference}개 층을 상대적 깊이로 짝지었습니다 ({matching}). "
        "비교한 벡터 쌍은 {pairs}개입니다.",
        en="Layer matching: this model's {candidate} layers ({candidate_stack}) and the reference's "
        "{reference} ({reference_stack}) paired by relative depth ({matching}); "
        "{pairs} vector pairs compared.",
    ),
    "control": Text(
        ko="짝지은 층의 평균은 코사인 {matched_cosine}, 피어슨 {matched_pearson}입니다. 대조군(짝짓지 않은 "
        "층끼리)의 평균은 코사인 {control_cosine}, 피어슨 {control_pearson}입니다. "
        "같은 출발점을 가진 모델이라면 짝지은 층이 대조군보다 뚜렷이 높습니다.",
        en="Matched layers average cosine {matched_cosine} and Pearson {matched_pearson}; the control "
        "(layers not matched) averages cosine {control_cosine} and Pearson {control_pearson}. Models of a "
        "shared origin show their matched layers clearly above the control.",
    ),
    "raw_gains": Text(
        ko="정규화 이득(LayerNorm 가중치)의 원시 코사인은 그 자체로 결코 증거가 아닙니다. 모든 모델에서 1 "
        "근처에서 출발하므로 관계없는 모델끼리도 1에 가깝게 나옵니다(위 대조군 참고).",
        en="The raw cosine of normalisation gains (LayerNorm weights) is never evidence on its own: gains "
        "start near 1 in every model, so unrelated models score near 1 too (see the control above).",
    ),
    "vision_unsaid": Text(
        ko="출처는 어느 텐서로 계산했는지 밝히지 않았습니다. 우리는 {components}의 텐서 {tensors}개를 "
        "하나씩 비교했습니다. 표의 개수는 그 가운데 값이 정의되는 텐서입니다(0으로만 된 편향처럼 상수인 "
        "텐서에는 상관계수가 없습니다).",
        en="The source does not say which tensors it used; we compared {tensors} tensors of {components}, "
        "one by one. The counts in the table are those where the statistic is defined (a constant tensor, "
        "such as an all-zero bias, has no correlation).",
    ),
    "vision": Text(
        ko="우리는 {components}의 텐서 {tensors}개를 하나씩 비교했습니다. 표의 개수는 그 가운데 값이 "
        "정의되는 텐서입니다.",
        en="We compared {tensors} tensors of {components}, one by one; the counts in the table are those "
        "where the statistic is defined.",
    ),
    "unsaid_layer": Text(
        ko="출처가 어느 층으로 계산했는지 밝히지 않았고, 공개된 값이 우리 값들 사이에 있습니다",
        en="the source does not say which layers it used, and the published value lies among ours",
    ),
    "unsaid_tensor": Text(
        ko="출처가 어느 텐서로 계산했는지 밝히지 않았고, 공개된 값이 우리 값들 사이에 있습니다",
        en="the source does not say which tensors it used, and the published value lies among ours",
    ),
}
"""The replication table's words around the numbers (``{value}``, ``{low}``… are numbers from the file)."""


CHANGES: Final[Mapping[str, Text]] = {
    "renamed": Text(ko="텐서 이름이 바뀜", en="tensors renamed"),
    "transposed": Text(ko="행렬을 전치해 저장함", en="matrices stored transposed"),
    "q, k, v projections fused or split": Text(
        ko="q·k·v 투영을 합치거나 나눔", en="q, k, v projections fused or split"
    ),
    "units re-ordered": Text(ko="뉴런·헤드의 순서가 바뀜", en="neurons or heads re-ordered"),
    "unit signs flipped": Text(ko="뉴런의 부호가 뒤집힘", en="neuron signs flipped"),
    "layers dropped, duplicated or re-ordered": Text(
        ko="층을 빼거나 겹치거나 순서를 바꿈", en="layers dropped, duplicated or re-ordered"
    ),
    "rows or units added or removed": Text(
        ko="행(토큰)이나 뉴런을 더하거나 뺌", en="rows (tokens) or neurons added or removed"
    ),
    "values changed": Text(
        ko="값이 바뀜 (추가 학습 등)", en="values changed (further training, for example)"
    ),
    "residual stream permuted": Text(
        ko="잔차 차원의 순서를 바꿈 (재사용을 가리는 알려진 방법)",
        en="residual dimensions re-ordered (a known way to disguise reuse)",
    ),
    "residual width pruned (a subset of dimensions kept)": Text(
        ko="잔차 차원 일부만 남겨 폭을 줄임", en="residual width pruned (a subset of dimensions kept)"
    ),
    "residual width grown (the reference's dimensions kept among new ones)": Text(
        ko="원본의 잔차 차원을 새 차원들 사이에 두어 폭을 늘림",
        en="residual width grown (the reference's dimensions kept among new ones)",
    ),
    "residual stream rotated": Text(
        ko="잔차 흐름을 회전함 (재사용을 가리는 알려진 방법)",
        en="residual stream rotated (a known way to disguise reuse)",
    ),
}
"""The changes the audit names between a reference and a copy (``disguises`` in its report), in words."""

CHANGE_PATTERNS: Final[tuple[tuple[str, Text], ...]] = (
    (r"cast to (?P<x>\S+)", Text(ko="{x} 형식으로 변환", en="cast to {x}")),
    (
        r"dtype cast \(compared in (?P<x>.+)\)",
        Text(ko="자료형 변환 ({x}로 비교)", en="dtype cast (compared in {x})"),
    ),
    (r"quantised \((?P<x>.+)\)", Text(ko="양자화 ({x})", en="quantised ({x})")),
    (r"dequantised from (?P<x>.+)", Text(ko="{x} 양자화를 풀어 저장함", en="dequantised from {x}")),
)
"""The changes whose words carry a value (a dtype, a quantisation format): regular expression, words."""

CHANGES_SEEN: Final = Text(ko="(원본과 달라진 점: {changes})", en="(changes from the reference: {changes})")
"""The sentence listing a component's changes."""
