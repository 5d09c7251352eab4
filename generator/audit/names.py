"""Stage 2 — names: normalise tensor names into (component, stack, layer, role).

Names from common Hugging Face layouts map to one vocabulary of roles, e.g.
``model.layers.3.mlp.up_proj.weight``, ``encoder.layer.3.intermediate.dense.weight`` and
``blocks.3.mlp.fc1.weight`` all become layer 3, role ``mlp.up.weight``. Unrecognised names keep their
text (prefixed ``?``) and are matched by shape and content.

Tensors that hold several weights (fused ``qkv``, fused experts) are split into named parts by
:mod:`~generator.audit.parts`; :func:`entries_of` parses every name and then splits them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from generator.audit.header import TensorInfo
from generator.audit.parts import fused_whole, is_fused_part, split_experts, split_fused

__all__ = [  # its own names, and those of the fused parts (parts) under their old import path
    "ANONYMOUS",
    "UNKNOWN",
    "ParsedName",
    "component_of",
    "entries_of",
    "fused_whole",
    "is_buffer",
    "is_fused_part",
    "name_routers",
    "parse_name",
    "split_experts",
    "split_fused",
]


UNKNOWN = "?"
"""Prefix of roles that were not recognised (and the role key used to seed their samples)."""

_ATTN_WORDS = frozenset({"attn", "attention", "self_attn", "self_attention", "selfattention", "mixer", "sa"})
_MLP_WORDS = frozenset(
    {"mlp", "ffn", "feed_forward", "feedforward", "densereludense", "intermediate", "ff", "block_sparse_moe"}
)
_ATTN_ROLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("attn.qkv", frozenset({"qkv", "qkv_proj", "query_key_value", "c_attn", "wqkv", "in_proj", "w_pack"})),
    ("attn.q", frozenset({"q_proj", "query", "wq", "to_q", "q_lin", "q"})),
    ("attn.k", frozenset({"k_proj", "key", "wk", "to_k", "k_lin", "k"})),
    ("attn.v", frozenset({"v_proj", "value", "wv", "to_v", "v_lin", "v"})),
    ("attn.o", frozenset({"o_proj", "out_proj", "wo", "proj", "c_proj", "dense", "out_lin", "to_out", "o"})),
    ("norm.q", frozenset({"q_norm", "q_layernorm"})),
    ("norm.k", frozenset({"k_norm", "k_layernorm"})),
    # Multi-head latent attention (DeepSeek-V3, A.X K1, VAETKI): low-rank query and key-value paths.
    ("attn.q_a", frozenset({"q_a_proj"})),
    ("attn.q_b", frozenset({"q_b_proj"})),
    ("attn.kv_a", frozenset({"kv_a_proj_with_mqa", "kv_a_proj"})),
    ("attn.kv_b", frozenset({"kv_b_proj"})),
    ("norm.q_a", frozenset({"q_a_layernorm", "q_a_norm"})),
    ("norm.kv_a", frozenset({"kv_a_layernorm", "kv_a_norm"})),
)
_MLA_NAMES = frozenset({"q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_a_proj", "kv_b_proj"})
_MLP_ROLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("mlp.gate", frozenset({"gate_proj", "w1", "wi_0", "gate", "ffn_gate"})),
    ("mlp.up", frozenset({"up_proj", "w3", "wi_1", "fc1", "c_fc", "dense_h_to_4h", "fc_in", "lin1", "wi"})),
    ("mlp.down", frozenset({"down_proj", "w2", "wo", "fc2", "c_proj", "dense_4h_to_h", "fc_out", "lin2"})),
)
_NORM_ATTN = frozenset(
    {
        "input_layernorm",
        "ln_1",
        "norm1",
        "layernorm_before",
        "attention_norm",
        "attn_norm",
        "ln1",
        "sa_layer_norm",
    }
)
_NORM_MLP = frozenset(
    {"post_attention_layernorm", "ln_2", "norm2", "layernorm_after", "ffn_norm", "ln2", "mlp_norm"}
    | {"output_layer_norm"}
)
_NORM_OTHER: dict[str, str] = {
    # Gemma 2/3 and EXAONE keep a norm before and after the MLP besides the post-attention one; A.X K1 adds
    # a post-MLP norm to DeepSeek-V3's layout; multi-token-prediction layers normalise their two inputs.
    "pre_feedforward_layernorm": "norm.pre_mlp",
    "post_feedforward_layernorm": "norm.post_mlp",
    "post_mlp_layernorm": "norm.post_mlp",
    "post_ffw_norm": "norm.post_mlp",
    "enorm": "norm.mtp_embed",
    "hnorm": "norm.mtp_hidden",
}
_EXPERT_WORDS = frozenset({"experts", "local_experts", "expert"})
"""A number after one of these words is an expert index, not a layer."""
_SHARED_WORDS = frozenset({"shared_experts", "shared_expert", "shared_mlp"})
_STACK_WORDS = frozenset(
    {"layers", "layer", "h", "blocks", "block", "resblocks", "blk", "transformer_blocks", "mtp_layers"}
)
"""A number after one of these words is a layer index (preferred over other numbers in the name)."""
TOWER_KINDS: Mapping[str, frozenset[str]] = {
    "vision": frozenset(
        {"visual", "vision", "vision_model", "vision_tower", "vision_encoder", "image_encoder", "img_encoder"}
    ),
    "audio": frozenset(
        {"audio", "audio_tower", "audio_model", "audio_encoder", "speech_encoder", "whisper_encoder"}
    ),
    "projector": frozenset(
        {"multi_modal_projector", "mm_projector", "vision_projector", "audio_projector", "projector"}
    ),
    "language": frozenset({"language_model", "text_model", "llm"}),
}
"""Segments that start a component of their own wherever they appear, by the kind of part they name
(multimodal towers, projectors, the text model beside them)."""
_TOWER_WORDS = frozenset().union(*TOWER_KINDS.values())
ANONYMOUS = "(anonymous)"
"""Component of names without any structure (``onnx::MatMul_470``): one component, not one per tensor."""
_TOP_ROLES: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "embed",
        frozenset(
            {"embed_tokens", "wte", "word_embeddings", "tok_embeddings", "embed_in", "token_embedding"}
            | {"tok_embedding", "embeddings", "embedding", "embed", "shared"}
        ),
    ),
    ("pos_embed", frozenset({"wpe", "position_embeddings", "pos_embed", "positional_embedding"})),
    ("pos_embed", frozenset({"embed_positions", "position_embedding"})),
    ("lm_head", frozenset({"lm_head", "embed_out", "head"})),
    (
        "norm.final",
        frozenset({"norm", "ln_f", "final_layernorm", "final_layer_norm", "norm_f", "post_layernorm"}),
    ),
    ("patch_embed", frozenset({"patch_embedding", "patch_embed"})),
)
_BUFFER_LAST = frozenset(
    {
        "inv_freq",
        "position_ids",
        "masked_bias",
        "_float_tensor",
        "token_type_ids",
        "causal_mask",
        "cos_cached",
    }
    | {"sin_cached", "num_batches_tracked"}
)
_KIND = {"weight": "weight", "bias": "bias", "gamma": "weight", "beta": "bias", "scale": "weight"}
_DIGITS = re.compile(r"^[0-9]+$")
_EXPERT_PART = re.compile(r"(.+)\[([0-9]+)\.(gate|up)\]")


@dataclass(frozen=True, kw_only=True)
class ParsedName:
    """A tensor name split into the parts the audit matches on."""

    name: str
    """The full name as stored."""
    component: str
    """Component: the leading name segment, or what the mapping file assigns."""
    stack: str | None
    """The text before the layer index (``model.layers``), or ``None`` outside repeated blocks."""
    layer: int | None
    """Layer index, or ``None``."""
    role: str
    """Normalised role such as ``attn.q.weight``; unrecognised roles start with ``?``. Routed experts have
    roles ``expert.…``, shared experts ``shared.…``, routers ``router.…``."""
    expert: int | None = None
    """Index of a routed expert (its order is arbitrary), or ``None``."""

    @property
    def known(self) -> bool:
        """Whether the role was recognised."""
        return not self.role.startswith(UNKNOWN)

    @property
    def seed_role(self) -> str:
        """Role used to seed samples: the role when recognised, else ``?`` (names never seed)."""
        return self.role if self.known else UNKNOWN


def component_of(name: str, mapping: Mapping[str, str]) -> str:
    """The component of a tensor: the longest mapping prefix that matches, else the leading segment."""
    best = ""
    for prefix in mapping:
        stem = prefix.rstrip(".")
        if (name == stem or name.startswith(stem + ".")) and len(stem) > len(best):
            best = stem
    if best:
        return mapping[best] if best in mapping else mapping[best + "."]
    segments = name.split(".")
    if len(segments) == 1 or "::" in segments[0]:
        return ANONYMOUS
    for index, segment in enumerate(segments[:-1]):
        if _DIGITS.match(segment):
            break
        if segment.lower() in _TOWER_WORDS:
            return ".".join(segments[: index + 1])
    return segments[0]


def _layer_role(tail: list[str]) -> str | None:
    words = set(tail[:-1]) if len(tail) > 1 else set()
    last = tail[-1] if tail else ""
    if words & (_EXPERT_WORDS | _SHARED_WORDS):
        family = "shared" if words & _SHARED_WORDS else "expert"
        inner = _dense_role([w for w in tail if w not in _EXPERT_WORDS | _SHARED_WORDS])
        return family + inner[len("mlp") :] if inner else None
    if last == "e_score_correction_bias":
        return "router.correction"
    if last in {"router", "shared_expert_gate"}:
        return "router" if last == "router" else "router.shared"
    if words & {"router"} and last in {"layer", "linear", "proj"}:
        return "router"
    if last in _NORM_OTHER:
        return _NORM_OTHER[last]
    if last in _MLA_NAMES or last in {"q_a_layernorm", "kv_a_layernorm"}:
        return next(role for role, names in _ATTN_ROLES if last in names)
    return _dense_role(tail)


def _dense_role(tail: list[str]) -> str | None:
    words = set(tail[:-1]) if len(tail) > 1 else set()
    last = tail[-1] if tail else ""
    joined = ".".join(tail)
    if last in {"gate_up_proj", "w13"}:
        return "mlp.gate_up"
    if words & {"block_sparse_moe", "moe"} and last == "gate":
        return "router"
    if last in _NORM_ATTN or joined in {"attention.output.layernorm"}:
        return "norm.attn"
    if last in _NORM_MLP or joined in {"output.layernorm"}:
        return "norm.mlp"
    if words & _ATTN_WORDS or last in {"q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "query_key_value"}:
        for role, names in _ATTN_ROLES:
            if last in names or (joined.endswith(("output.dense",)) and role == "attn.o"):
                return role
    if "intermediate" in words and last == "dense":
        return "mlp.up"
    if joined == "output.dense":
        return "mlp.down"
    if words & _MLP_WORDS or last in {"up_proj", "down_proj", "gate_proj", "fc1", "fc2"}:
        for role, names in _MLP_ROLES:
            if last in names:
                return role
    return None


def _top_role(tail: list[str]) -> str | None:
    if not tail:
        return None
    last = tail[-1]
    if tail[-2:] == ["embeddings", "layernorm"]:
        return "norm.embed"
    if tail[-2:] in (["patch_embed", "proj"], ["patch_embeddings", "projection"]):
        return "patch_embed"
    if tail == ["output"] or tail[-2:] == ["shared_head", "head"]:
        return "lm_head"
    if tail[-2:] == ["shared_head", "norm"]:
        return "norm.final"
    for role, names in _TOP_ROLES:
        if last in names:
            return role
    return None


def parse_name(name: str, mapping: Mapping[str, str] | None = None) -> ParsedName:
    """Normalise one tensor name (see the module docstring for examples).

    A name may hold several numbers: an expert index follows ``experts`` (``layers.3.mlp.experts.7.…``: layer
    3, expert 7); a module index may precede the layer (sentence-transformers' ``model.0.auto_model.encoder.
    layer.3.…``: layer 3). The layer is the number after a stack word (``layers``, ``blocks``, ``h`` …), else
    the first number; any other number stays part of the role's text, so no two tensors of one layer share
    an unrecognised role.
    """
    part = _EXPERT_PART.fullmatch(name)
    if part is not None and (whole := parse_name(part[1], mapping)).role.startswith("expert.gate_up"):
        # One expert's gate or up columns of a fused [E, d, 2f] tensor (generator.audit.gate_up).
        split = whole.role.replace("expert.gate_up", f"expert.{part[3]}", 1)
        return replace(whole, name=name, role=split, expert=int(part[2]))
    segments = name.split(".")
    lower = [s.lower() for s in segments]
    component = component_of(name, mapping or {})
    numbers = [i for i, s in enumerate(segments) if _DIGITS.match(s)]
    expert_at = next((i for i in numbers if i > 0 and lower[i - 1] in _EXPERT_WORDS), None)
    layers = [i for i in numbers if i != expert_at and (expert_at is None or i < expert_at)]
    index = next((i for i in layers if i > 0 and lower[i - 1] in _STACK_WORDS), layers[0] if layers else None)
    expert = int(segments[expert_at]) if expert_at is not None else None
    if index is not None:
        stack: str | None = ".".join(segments[:index])
        layer: int | None = int(segments[index])
        tail = [s for i, s in enumerate(lower) if i > index and i != expert_at]
    else:
        stack, layer = None, None
        tail = [s for i, s in enumerate(lower) if i != expert_at]
    kind = ""
    if len(tail) > 1 and tail[-1] in _KIND:
        kind, tail = _KIND[tail[-1]], tail[:-1]
    elif len(tail) > 1 and tail[-1].endswith("_proj_bias"):
        # GPT-OSS's fused expert biases (``experts.gate_up_proj_bias`` ``[E, 2f]``, ``down_proj_bias``)
        kind, tail = "bias", [*tail[:-1], tail[-1].removesuffix("_bias")]
    role = _layer_role(tail) if layer is not None else _top_role(tail)
    if not kind and role is not None and role.startswith("expert.") and tail[-1].endswith("_proj"):
        kind = "weight"  # fused expert projections (`experts.gate_up_proj`, Llama 4, GPT-OSS) hold weights
    if role is None and index is not None and not (index > 0 and lower[index - 1] in _STACK_WORDS):
        # A number that is not a layer after all (``visual.merger.mlp.0.weight``: a module index).
        stack, layer, role = None, None, _top_role(tail)
    if role is None:
        # Unrecognised: the name within its layer, or within its component — so that a tower grafted under
        # another prefix keeps its roles (``merger.mlp.0.weight`` on both sides).
        within = lower[(index or 0) + 1 :] if layer is not None else _within(lower, component)
        role = UNKNOWN + ".".join(within)
        role = role.removesuffix("." + segments[-1].lower()) if kind else role
    if expert is not None and not role.startswith(("expert.", "shared.", UNKNOWN)):
        role = UNKNOWN + ".".join(lower)
    return ParsedName(
        name=name,
        component=component,
        stack=stack,
        layer=layer,
        role=f"{role}.{kind}" if kind else role,
        expert=expert if role.startswith("expert.") else None,
    )


def _within(lower: list[str], component: str) -> list[str]:
    """A name's segments after its component's prefix (all of them when the component is not a prefix)."""
    prefix = component.lower().split(".")
    return lower[len(prefix) :] if lower[: len(prefix)] == prefix and len(lower) > len(prefix) else lower


def is_buffer(name: str) -> bool:
    """Whether ``name`` is a deterministic buffer (rotary frequencies, position ids, masks), never weights."""
    segments = name.lower().split(".")
    if segments[-1] in _BUFFER_LAST or "rotary_emb" in segments:
        return True
    # GPT-2 style causal-mask buffer `h.3.attn.bias` (a real bias is `attn.c_attn.bias` etc.).
    return len(segments) >= 2 and segments[-2:] == ["attn", "bias"]


def name_routers(entries: list[tuple[TensorInfo, ParsedName]]) -> list[tuple[TensorInfo, ParsedName]]:
    """``mlp.gate.weight`` is the router in a layer that has experts (DeepSeek, Qwen-MoE), not a gate
    projection: renamed ``router.weight`` there."""
    moe = {(p.stack, p.layer) for _, p in entries if p.role.startswith(("expert.", "shared."))}
    out = []
    for info, parsed in entries:
        router = (parsed.stack, parsed.layer) in moe and parsed.role.startswith("mlp.gate.")
        if router and not _is_proj(parsed):
            out.append((info, replace(parsed, role="router." + parsed.role.removeprefix("mlp.gate."))))
        else:
            out.append((info, parsed))
    return out


def _is_proj(parsed: ParsedName) -> bool:
    return any(s in {"gate_proj", "w1", "wi_0", "ffn_gate"} for s in parsed.name.lower().split("."))


def entries_of(
    tensors: Sequence[TensorInfo], mapping: Mapping[str, str] | None = None
) -> list[tuple[TensorInfo, ParsedName]]:
    """Every tensor with its parsed name: routers named, fused ``qkv`` and fused experts split into parts."""
    parsed = name_routers([(info, parse_name(info.name, mapping)) for info in tensors])
    return split_fused(split_experts(parsed))
