"""Stage 2 — names: normalise tensor names into (component, stack, layer, role).

Names from common Hugging Face layouts map to one vocabulary of roles, e.g.
``model.layers.3.mlp.up_proj.weight``, ``encoder.layer.3.intermediate.dense.weight`` and
``blocks.3.mlp.fc1.weight`` all become layer 3, role ``mlp.up.weight``. Unrecognised names keep their
text (prefixed ``?``) and are matched by shape and content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from generator.audit.read import TensorInfo

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
)
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
    | {"output_layer_norm", "pre_feedforward_layernorm"}
)
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
    """Normalised role such as ``attn.q.weight``; unrecognised roles start with ``?``."""

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
    return name.split(".", 1)[0]


def _layer_role(tail: list[str]) -> str | None:
    words = set(tail[:-1]) if len(tail) > 1 else set()
    last = tail[-1] if tail else ""
    joined = ".".join(tail)
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
    if tail == ["output"]:
        return "lm_head"
    for role, names in _TOP_ROLES:
        if last in names:
            return role
    return None


def parse_name(name: str, mapping: Mapping[str, str] | None = None) -> ParsedName:
    """Normalise one tensor name (see the module docstring for examples)."""
    segments = name.split(".")
    component = component_of(name, mapping or {})
    index = next((i for i, s in enumerate(segments) if _DIGITS.match(s)), None)
    if index is not None:
        stack: str | None = ".".join(segments[:index])
        layer: int | None = int(segments[index])
        tail = [s.lower() for s in segments[index + 1 :]]
    else:
        stack, layer, tail = None, None, [s.lower() for s in segments]
    kind = ""
    if len(tail) > 1 and tail[-1] in _KIND:
        kind, tail = _KIND[tail[-1]], tail[:-1]
    role = _layer_role(tail) if layer is not None else _top_role(tail)
    if role is None:
        role = UNKNOWN + ".".join(tail)
    return ParsedName(
        name=name, component=component, stack=stack, layer=layer, role=f"{role}.{kind}" if kind else role
    )


def is_buffer(name: str) -> bool:
    """Whether ``name`` is a deterministic buffer (rotary frequencies, position ids, masks), never weights."""
    segments = name.lower().split(".")
    if segments[-1] in _BUFFER_LAST or "rotary_emb" in segments:
        return True
    # GPT-2 style causal-mask buffer `h.3.attn.bias` (a real bias is `attn.c_attn.bias` etc.).
    return len(segments) >= 2 and segments[-2:] == ["attn", "bias"]


_FUSED_PARTS = ("q", "k", "v")


def is_fused_part(name: str) -> bool:
    """Whether ``name`` is one part of a fused tensor as :func:`split_fused` names it (``…qkv.weight[q]``)."""
    return name.endswith("]")


def fused_whole(name: str) -> str:
    """The fused tensor's own name for one of its parts; any other name unchanged."""
    return name.split("[", maxsplit=1)[0]


def split_fused(entries: list[tuple[TensorInfo, ParsedName]]) -> list[tuple[TensorInfo, ParsedName]]:
    """Split fused ``qkv`` matrices (rows = 3 × columns) and their biases into three row slices.

    Applied to both sides, so a fused checkpoint and a split one are compared part by part. Slices are named
    ``<name>[q]`` etc.; grouped-query layouts (unequal parts) stay fused.
    """
    out: list[tuple[TensorInfo, ParsedName]] = []
    for info, parsed in entries:
        rows, cols = (info.shape[0], info.cols) if len(info.shape) == 2 else (info.shape[0], 1)
        fused = parsed.role.startswith("attn.qkv.") and len(info.shape) in (1, 2) and rows % 3 == 0
        if fused and len(info.shape) == 2:
            fused = rows == 3 * cols
        if not fused:
            out.append((info, parsed))
            continue
        part_rows = rows // 3
        part_bytes = info.nbytes // 3
        for index, part in enumerate(_FUSED_PARTS):
            name = f"{info.name}[{part}]"
            shape = (part_rows, *info.shape[1:])
            sliced = replace(
                info, name=name, shape=shape, offset=info.offset + index * part_bytes, nbytes=part_bytes
            )
            role = parsed.role.replace("attn.qkv.", f"attn.{part}.", 1)
            out.append((sliced, replace(parsed, name=name, role=role)))
    return out


def entries_of(
    tensors: Sequence[TensorInfo], mapping: Mapping[str, str] | None = None
) -> list[tuple[TensorInfo, ParsedName]]:
    """Every tensor with its parsed name, fused ``qkv`` split into parts."""
    return split_fused([(info, parse_name(info.name, mapping)) for info in tensors])
