"""Cheap first signals beside the weight verdict: ``config.json`` and the tokenizers, compared.

**Not evidence of weight reuse.** Independent models share architectures (the round's rules allow open
code and architectures) and tokenizers (adopted whole, or trained on similar text). In January 2026 these
were the first public signals ("about 80k of 196k tokens shared"), and the public verification efforts
stopped there when architectures differed; only the weight audit says whether weights were reused.

Entry point: :func:`compare_cheap` ``(candidate, reference, *, remote=None) -> CheapEvidence``. A location is
a local folder or file (a ``.safetensors`` file or index: the files beside it), an
``hf://OWNER/NAME[@REVISION][/SUBFOLDER]`` (one commit; a named file: its folder) or an ``http(s)://`` URL
(the files next to the one it names). :meth:`CheapEvidence.to_json` is the ``cheap`` section of the audit
report; :func:`summary_lines` its lines in the CLI summary.

Files read (by :mod:`~generator.audit.cheap_read`), whole, each under a size cap: ``config.json``,
``tokenizer.json`` (else ``vocab.json`` with ``merges.txt``), ``tokenizer_config.json``,
``special_tokens_map.json``. JSON and text only: nothing is executed (no ``trust_remote_code``, no pickle),
and a ``tokenizer.model`` (sentencepiece, binary) is named, never parsed. A missing, oversized,
unreachable or malformed file makes that comparison "not available" with the reason; :func:`compare_cheap`
raises for none of them, so it never stops the weight audit.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from generator.audit.cheap_read import Location, Side, TokenizerFacts, read_side
from generator.audit.remote import Remote, is_remote

NOT_EVIDENCE = (
    "Architecture or tokenizer similarity is not evidence of weight reuse: independent models share both. "
    "Only the weight verdict says whether weights were reused."
)

FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("model_type", ("model_type",)),
    ("architectures", ("architectures",)),
    ("hidden_size", ("hidden_size", "d_model", "n_embd")),
    ("num_hidden_layers", ("num_hidden_layers", "n_layer", "num_layers", "depth")),
    ("num_attention_heads", ("num_attention_heads", "n_head", "num_heads")),
    ("num_key_value_heads", ("num_key_value_heads", "num_kv_heads")),
    ("head_dim", ("head_dim",)),
    ("intermediate_size", ("intermediate_size", "ffn_dim", "n_inner")),
    ("expert_intermediate_size", ("moe_intermediate_size", "expert_intermediate_size")),
    ("routed_experts", ("n_routed_experts", "num_local_experts", "num_experts")),
    ("experts_per_token", ("num_experts_per_tok", "num_experts_per_token", "moe_topk")),
    ("shared_experts", ("n_shared_experts", "num_shared_experts")),
    ("vocab_size", ("vocab_size",)),
    ("rope_theta", ("rope_theta", "rope_parameters.rope_theta")),
    ("max_position_embeddings", ("max_position_embeddings", "n_positions")),
    ("out_hidden_size", ("out_hidden_size",)),
    ("patch_size", ("patch_size",)),
)
"""Compared fields: the name reported, then the keys read (the first present wins; ``a.b`` is nested)."""
NESTED = ("text_config", "vision_config", "audio_config")
"""Sub-configs of multimodal models, compared field by field under their own prefix."""


@dataclass(frozen=True, kw_only=True)
class ConfigField:
    """One configuration field, side by side."""

    name: str
    """The field (``vision_config.hidden_size`` inside a sub-config)."""
    candidate: Any
    """The candidate's value (``None``: absent)."""
    reference: Any
    """The reference's value (``None``: absent)."""
    equal: bool
    """Whether both are present and equal."""


@dataclass(frozen=True, kw_only=True)
class ConfigComparison:
    """The two ``config.json`` files compared: same family, and the fields either side states."""

    candidate_family: str | None
    """The candidate's ``model_type`` (else its first architecture)."""
    reference_family: str | None
    """The reference's."""
    family_match: bool
    """Whether both families are known and equal."""
    fields: tuple[ConfigField, ...]
    """Every field of :data:`FIELDS` (and of each sub-config) that either side states."""


@dataclass(frozen=True, kw_only=True)
class TokenizerComparison:
    """The two tokenizers compared as strings: vocabulary, merges, special tokens."""

    candidate_source: str
    """Read from (``tokenizer.json (BPE)``, ``vocab.json + merges.txt``)."""
    reference_source: str
    """The same for the reference."""
    candidate_tokens: int
    """Distinct tokens in the candidate's vocabulary (model vocabulary and added tokens)."""
    reference_tokens: int
    """Distinct tokens in the reference's."""
    shared_tokens: int
    """Tokens (as strings) in both."""
    candidate_share: float
    """``shared_tokens / candidate_tokens``."""
    reference_share: float
    """``shared_tokens / reference_tokens``."""
    candidate_merges: int | None
    """Distinct BPE merges of the candidate (``None``: it has none, e.g. WordPiece or Unigram)."""
    reference_merges: int | None
    """The same for the reference."""
    shared_merges: int | None
    """Merges (pairs, priority order not compared) in both; ``None`` unless both have merges."""
    candidate_merge_share: float | None
    """``shared_merges / candidate_merges``."""
    reference_merge_share: float | None
    """``shared_merges / reference_merges``."""
    special_shared: tuple[str, ...]
    """Special tokens both declare."""
    special_candidate_only: tuple[str, ...]
    """Special tokens only the candidate declares."""
    special_reference_only: tuple[str, ...]
    """Special tokens only the reference declares."""


@dataclass(frozen=True, kw_only=True)
class CheapEvidence:
    """Configs and tokenizers compared; each comparison is ``None`` with the reason when not available."""

    candidate: str
    """Candidate location as given."""
    reference: str
    """Reference location as given."""
    config: ConfigComparison | None
    """The ``config.json`` comparison."""
    config_unavailable: str | None
    """Why :attr:`config` is ``None``."""
    tokenizer: TokenizerComparison | None
    """The tokenizer comparison."""
    tokenizer_unavailable: str | None
    """Why :attr:`tokenizer` is ``None``."""
    files: tuple[str, ...]
    """Every file read (paths; ``resolve`` URLs at the commit for ``hf://``)."""
    note: str = NOT_EVIDENCE
    """What these signals are not."""

    def to_json(self) -> dict[str, Any]:
        """The ``cheap`` section of the audit report (plain JSON values: lists, not tuples)."""
        value = json.loads(json.dumps(dataclasses.asdict(self)))
        assert isinstance(value, dict)
        return value


# ---- comparing (pure) --------------------------------------------------------------------------------------


def _value(config: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value: Any = config
        for part in key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None:
            return value if isinstance(value, str | int | float | bool | list) else str(value)
    return None


def _family(config: Mapping[str, Any]) -> str | None:
    model_type = config.get("model_type")
    if isinstance(model_type, str) and model_type:
        return model_type
    architectures = config.get("architectures")
    if isinstance(architectures, list) and architectures and isinstance(architectures[0], str):
        return architectures[0]
    return None


def _fields(candidate: Mapping[str, Any], reference: Mapping[str, Any], prefix: str) -> list[ConfigField]:
    out = []
    for name, keys in FIELDS:
        a, b = _value(candidate, keys), _value(reference, keys)
        if a is not None or b is not None:
            out.append(
                ConfigField(name=prefix + name, candidate=a, reference=b, equal=a is not None and a == b)
            )
    return out


def compare_configs(candidate: Mapping[str, Any], reference: Mapping[str, Any]) -> ConfigComparison:
    """Family and every stated field of two parsed ``config.json`` files, side by side (sub-configs too)."""
    fields = _fields(candidate, reference, "")
    for nested in NESTED:
        a, b = candidate.get(nested), reference.get(nested)
        if isinstance(a, Mapping) or isinstance(b, Mapping):
            a = a if isinstance(a, Mapping) else {}
            b = b if isinstance(b, Mapping) else {}
            fields += _fields(a, b, f"{nested}.")
    ours, theirs = _family(candidate), _family(reference)
    return ConfigComparison(
        candidate_family=ours,
        reference_family=theirs,
        family_match=ours is not None and ours == theirs,
        fields=tuple(fields),
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def compare_tokenizers(candidate: TokenizerFacts, reference: TokenizerFacts) -> TokenizerComparison:
    """Vocabulary, merge and special-token overlap of two tokenizers (tokens compared as strings)."""
    shared = len(candidate.tokens & reference.tokens)
    merged = None
    if candidate.merges is not None and reference.merges is not None:
        merged = len(candidate.merges & reference.merges)
    return TokenizerComparison(
        candidate_source=candidate.source,
        reference_source=reference.source,
        candidate_tokens=len(candidate.tokens),
        reference_tokens=len(reference.tokens),
        shared_tokens=shared,
        candidate_share=_share(shared, len(candidate.tokens)),
        reference_share=_share(shared, len(reference.tokens)),
        candidate_merges=None if candidate.merges is None else len(candidate.merges),
        reference_merges=None if reference.merges is None else len(reference.merges),
        shared_merges=merged,
        candidate_merge_share=None if merged is None else _share(merged, len(candidate.merges or ())),
        reference_merge_share=None if merged is None else _share(merged, len(reference.merges or ())),
        special_shared=tuple(sorted(candidate.special & reference.special)),
        special_candidate_only=tuple(sorted(candidate.special - reference.special)),
        special_reference_only=tuple(sorted(reference.special - candidate.special)),
    )


def _why(candidate: object, reference: object) -> str:
    """The reasons a comparison cannot be made, per side (a string is a reason; anything else was read)."""
    sides = (("candidate", candidate), ("reference", reference))
    return "; ".join(f"{role}: {why}" for role, why in sides if isinstance(why, str))


def compare_cheap(candidate: Location, reference: Location, *, remote: Remote | None = None) -> CheapEvidence:
    """Configs and tokenizers of ``candidate`` and ``reference`` compared (see the module docstring).

    Remote locations are read through ``remote`` (a new one, closed afterwards, when ``None``). Never raises
    for a missing, oversized, unreachable or malformed file: that comparison is ``None`` with the reason.
    """
    ours, theirs = read_sides(candidate, reference, remote=remote)
    return compare_sides(candidate, reference, ours, theirs)


def read_sides(
    candidate: Location, reference: Location, *, remote: Remote | None = None
) -> tuple[Side, Side]:
    """What is beside each location (through ``remote``, or a new one closed afterwards); never raises."""
    context: AbstractContextManager[Remote | None] = nullcontext(remote)
    if remote is None and (is_remote(candidate) or is_remote(reference)):
        context = Remote()
    with context as active:
        return read_side(candidate, active), read_side(reference, active)


def compare_sides(candidate: Location, reference: Location, ours: Side, theirs: Side) -> CheapEvidence:
    """The comparison of what was read beside each location (pure)."""
    config = None
    if isinstance(ours.config, dict) and isinstance(theirs.config, dict):
        config = compare_configs(ours.config, theirs.config)
    tokenizer = None
    if isinstance(ours.tokenizer, TokenizerFacts) and isinstance(theirs.tokenizer, TokenizerFacts):
        tokenizer = compare_tokenizers(ours.tokenizer, theirs.tokenizer)
    return CheapEvidence(
        candidate=str(candidate),
        reference=str(reference),
        config=config,
        config_unavailable=None if config is not None else _why(ours.config, theirs.config),
        tokenizer=tokenizer,
        tokenizer_unavailable=None if tokenizer is not None else _why(ours.tokenizer, theirs.tokenizer),
        files=ours.files + theirs.files,
    )


# ---- for a person ------------------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    return "absent" if value is None else json.dumps(value, ensure_ascii=False)


def summary_lines(evidence: CheapEvidence) -> list[str]:
    """The short block the CLI prints under the weight verdict."""
    lines = ["Cheap signals (not evidence of weight reuse):"]
    config = evidence.config
    if config is None:
        lines.append(f"  config: not available ({evidence.config_unavailable})")
    else:
        family = "same family" if config.family_match else "different families"
        equal = sum(f.equal for f in config.fields)
        differ = [
            f"{f.name} {_shown(f.candidate)} vs {_shown(f.reference)}" for f in config.fields if not f.equal
        ]
        lines.append(
            f"  config: {family} ({config.candidate_family or '?'} vs {config.reference_family or '?'}); "
            f"{equal} of {len(config.fields)} fields equal"
            + (f"; differ: {', '.join(differ[:6])}{' …' if len(differ) > 6 else ''}" if differ else "")
        )
    tokenizer = evidence.tokenizer
    if tokenizer is None:
        lines.append(f"  tokenizer: not available ({evidence.tokenizer_unavailable})")
    else:
        lines.append(
            f"  tokenizer: {tokenizer.shared_tokens:,} tokens shared — {tokenizer.candidate_share:.1%} "
            f"of the candidate's {tokenizer.candidate_tokens:,}, {tokenizer.reference_share:.1%} of the "
            f"reference's {tokenizer.reference_tokens:,}"
        )
        if tokenizer.shared_merges is not None:
            lines.append(
                f"  merges: {tokenizer.shared_merges:,} shared — {tokenizer.candidate_merge_share:.1%} of "
                f"{tokenizer.candidate_merges:,}, {tokenizer.reference_merge_share:.1%} of "
                f"{tokenizer.reference_merges:,}"
            )
        lines.append(
            f"  special tokens: {len(tokenizer.special_shared)} shared, "
            f"{len(tokenizer.special_candidate_only)} only in the candidate, "
            f"{len(tokenizer.special_reference_only)} only in the reference"
        )
    lines.append(f"  {evidence.note}")
    return lines
