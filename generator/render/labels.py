"""Every short interface text of the site, in both languages, in one place.

Each page has one template (``templates/pages/``) whose only per-language parts are its prose paragraphs;
headings, table heads, badges, link texts, captions and the texts the Python side writes (chart alt texts,
citations, card footers — :data:`PHRASE`, with ``{named}`` fields) are here, keyed by ``Literal`` values or
short names. Per-language mechanics that are not words (dates, Korean particles, URL prefixes) stay in code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from generator.model import Aggregate, AllegationOutcome, Finding, OutcomeKind, Text, WeightsOrigin
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

FINDING_REASON: Final[Mapping[Finding, Text]] = {
    "no_finding": Text(
        ko="팀은 2차 단계에 진출했고, 이 기준에 대한 지적은 보도되지 않았습니다. "
        "기준별 판정은 공개되지 않았습니다.",
        en="The team advanced to phase 2 and no finding on this criterion was reported; "
        "no per-criterion ruling was published.",
    ),
    "not_assessed": Text(
        ko="이 기준에 대해 공개된 판정도, 보도된 지적도 없습니다.",
        en="No ruling on this criterion was published and no finding was reported.",
    ),
}
"""Why a finding without a ruling reads as it does: an advanced team's "no finding reported" is not "pass"."""

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
COMPONENT_KIND_WORDS: Final[Mapping[ComponentKind, frozenset[str]]] = {
    "vision": frozenset(
        {"visual", "vision", "vision_model", "vision_tower", "vision_encoder", "image_encoder", "img_encoder"}
    ),
    "audio": frozenset(
        {"audio", "audio_tower", "audio_model", "audio_encoder", "speech_encoder", "whisper_encoder"}
    ),
    "projector": frozenset(
        {
            "multi_modal_projector",
            "mm_projector",
            "vision_projector",
            "audio_projector",
            "projector",
            "merger",
        }
    ),
    "language": frozenset({"language_model", "text_model", "llm", "model", "transformer"}),
    "head": frozenset({"lm_head", "embed_out"}),
}
"""Name segments the audit's components are known by (the checkpoint's own prefixes), per kind of part; the
towers are split off before what remains under ``model`` is judged, so ``model`` is the text model."""
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

AGGREGATE: Final[Mapping[Aggregate, Text]] = {
    "mean": Text(ko="평균", en="mean"),
    "median": Text(ko="중앙값", en="median"),
    "trimmed_mean": Text(ko="절사평균(양쪽 {trim})", en="trimmed mean ({trim} each end)"),
}
"""How a panel's raters are combined; ``{trim}`` is the share cut from each end."""

CHANGE_KIND: Final[Mapping[str, Text]] = {
    "corrected": Text(ko="정정", en="Corrected"),
    "added": Text(ko="추가", en="Added"),
    "removed": Text(ko="삭제", en="Removed"),
    "published": Text(ko="공개", en="Published"),
}
"""What kind of change a change-record entry is."""

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

MARK_LABEL: Final[Mapping[Status, Text]] = {
    "disclosed": Text(ko="공개 점수", en="published score"),
    "computed": Text(ko="계산한 점수", en="computed score"),
    "derived": Text(ko="도출한 값", en="derived value"),
    "bounded": Text(ko="범위 (점수 아님)", en="range (not a score)"),
    "not_disclosed": Text(ko="비공개 (만점 범위, 점수 아님)", en="not disclosed (full range, not a score)"),
}
"""A chart mark's legend entry, by the status of its value."""

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
    "home_advanced": Text(ko="{teams} 2차 진출", en="{teams} advanced"),
    "home_none_advanced": Text(ko="2차 진출 팀 없음", en="No team advanced"),
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

ENTITY: Final[Mapping[str, Text]] = {
    "@mean": Text(ko="전체 팀 평균", en="All-team average"),
    "@others:": Text(ko="{team} 제외 나머지 팀 합계", en="Sum of every team but {team}"),
    "@others-mean:": Text(ko="{team} 제외 나머지 팀 평균", en="Average of every team but {team}"),
}
"""Names of the aggregate entities the scoring stage derives; ``{team}`` is filled in."""


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


def fill(phrase: Text, **fields: Text) -> Text:
    """A :data:`PHRASE` with bilingual fields filled in, in both languages."""
    return Text(
        ko=phrase.ko.format(**{k: v.ko for k, v in fields.items()}),
        en=phrase.en.format(**{k: v.en for k, v in fields.items()}),
    )


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
