"""Tiny trained transformers for the tests and the method demo, and the ways a borrowed copy is disguised.

Used by the tests and by the site build to *demonstrate* the audit on weights with a genuine training history.
The model, its synthetic next-token task and its training live in :mod:`~generator.audit.toy_model`, quantised
copies in :mod:`~generator.audit.toy_quant` (both reachable from here, as ``toy.train_toy`` and
``toy.quantise_int8``); this module holds the disguises a borrowed copy wears and :func:`save_checkpoint`.
Weights are plain ``dict[str, torch.Tensor]`` state dicts with Hugging Face style names; every transformation
returns a new dict and leaves its input untouched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from generator.audit.toy_model import (
    StateDict,
    ToyConfig,
    adam,
    init_toy,
    task_batches,
    toy_logits,
    train_toy,
)
from generator.audit.toy_quant import (
    Quantised,
    dequantise_fp8_blocks,
    quantise_fp8_blocks,
    quantise_int4,
    quantise_int8,
)

__all__ = [  # its own names, and the model (toy_model) and quantised copies (toy_quant) under their old path
    "Quantised",
    "StateDict",
    "ToyConfig",
    "adam",
    "add_noise",
    "cast",
    "dequantise_fp8_blocks",
    "fuse_qkv",
    "graft",
    "grow_vocab",
    "init_toy",
    "keep_layers",
    "permute_units",
    "quantise_fp8_blocks",
    "quantise_int4",
    "quantise_int8",
    "rename_and_transpose",
    "save_checkpoint",
    "task_batches",
    "toy_logits",
    "train_toy",
]

# ---- how a borrowed copy is disguised -------------------------------------------------------------------


def cast(params: Mapping[str, torch.Tensor], dtype: torch.dtype) -> StateDict:
    """Every tensor cast to ``dtype`` (e.g. ``torch.bfloat16``)."""
    return {k: v.to(dtype) for k, v in params.items()}


def graft(parts: Mapping[str, Mapping[str, torch.Tensor]]) -> StateDict:
    """One checkpoint from several: each part's names get its prefix (``{"language_model": lm, ...}``)."""
    return {f"{prefix}.{name}": t.clone() for prefix, part in parts.items() for name, t in part.items()}


def keep_layers(
    params: Mapping[str, torch.Tensor], keep: Sequence[int], *, stack: str = "model.layers"
) -> StateDict:
    """Layers ``keep`` of ``stack``, renumbered 0, 1, …: ``[0, 2]`` keeps every other one (as DistilBERT did),
    ``[0, 1, 1, 2, 3, 3]`` repeats layers (depth up-scaling)."""
    out: StateDict = {n: t.clone() for n, t in params.items() if not n.startswith(stack + ".")}
    for new, old in enumerate(keep):
        prefix = f"{stack}.{old}."
        for name, tensor in params.items():
            if name.startswith(prefix):
                out[f"{stack}.{new}.{name[len(prefix) :]}"] = tensor.clone()
    return out


def fuse_qkv(params: Mapping[str, torch.Tensor]) -> StateDict:
    """Each layer's split q, k and v projections stacked into one ``qkv_proj``, as Phi-3 stores them."""
    out: StateDict = {}
    for name, tensor in params.items():
        if ".self_attn.k_proj." in name or ".self_attn.v_proj." in name:
            continue
        if ".self_attn.q_proj." in name:
            pre = name.split("q_proj.")[0]
            parts = [params[f"{pre}{p}_proj.weight"] for p in "qkv"]
            out[f"{pre}qkv_proj.weight"] = torch.cat(parts).clone()
        else:
            out[name] = tensor.clone()
    return out


def grow_vocab(
    params: Mapping[str, torch.Tensor],
    extra: int,
    *,
    seed: int,
    names: Sequence[str] = ("model.embed_tokens.weight", "lm_head.weight"),
) -> StateDict:
    """Append ``extra`` new random rows to the embedding and output head (a grown vocabulary)."""
    gen = torch.Generator().manual_seed(seed)
    out = {k: v.clone() for k, v in params.items()}
    for name in names:
        old = out[name]
        rows = torch.randn(extra, old.shape[1], generator=gen) * old.float().std()
        out[name] = torch.cat([old, rows.to(old.dtype)])
    return out


def renumber_vocab(
    params: Mapping[str, torch.Tensor],
    strings: Sequence[str],
    *,
    seed: int,
    replaced: int = 0,
    names: Sequence[str] = ("model.embed_tokens.weight", "lm_head.weight"),
) -> tuple[StateDict, list[str]]:
    """A new tokenizer over the same model: every token moved to a seeded new id (its embedding and output
    rows with it), and ``replaced`` of them swapped for new strings with new random rows. Returns the
    weights and the new vocabulary (id → string)."""
    gen = torch.Generator().manual_seed(seed)
    count = len(strings)
    order = torch.randperm(count, generator=gen)  # token i moves to id order[i]
    gone = set(torch.randperm(count, generator=gen)[:replaced].tolist())
    vocabulary = [""] * count
    for old, new in enumerate(order.tolist()):
        vocabulary[new] = f"new-{old}" if old in gone else strings[old]
    out = {k: v.clone() for k, v in params.items()}
    for name in names:
        tensor = out[name]
        moved = torch.empty_like(tensor)
        moved[order] = tensor
        for old in gone:
            moved[order[old]] = (torch.randn(tensor.shape[1], generator=gen) * tensor.float().std()).to(
                tensor.dtype
            )
        out[name] = moved
    return out, vocabulary


def save_tokenizer(strings: Sequence[str], folder: Path) -> Path:
    """Write ``tokenizer.json`` (a WordLevel vocabulary: string → id) into ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    document = {
        "version": "1.0",
        "model": {"type": "WordLevel", "vocab": {t: i for i, t in enumerate(strings)}},
    }
    path = folder / "tokenizer.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def add_noise(params: Mapping[str, torch.Tensor], relative: float, *, seed: int) -> StateDict:
    """Add Gaussian noise of norm ``relative`` × each tensor's norm (0.5: heavy)."""
    gen = torch.Generator().manual_seed(seed)
    out: StateDict = {}
    for name, tensor in params.items():
        noise = torch.randn(tensor.shape, generator=gen)
        scale = relative * tensor.float().norm() / noise.norm()
        out[name] = (tensor.float() + scale * noise).to(tensor.dtype)
    return out


def permute_units(params: Mapping[str, torch.Tensor], config: ToyConfig, *, seed: int) -> StateDict:
    """Permute every layer's FFN neurons and attention heads (llama style) — the function is unchanged."""
    gen = torch.Generator().manual_seed(seed)
    out = {k: v.clone() for k, v in params.items()}
    hd = config.head_dim
    for i in range(config.n_layers):
        pre = f"model.layers.{i}."
        ffn = torch.randperm(config.d_ff, generator=gen)
        out[pre + "mlp.gate_proj.weight"] = out[pre + "mlp.gate_proj.weight"][ffn]
        out[pre + "mlp.up_proj.weight"] = out[pre + "mlp.up_proj.weight"][ffn]
        out[pre + "mlp.down_proj.weight"] = out[pre + "mlp.down_proj.weight"][:, ffn]
        heads = torch.randperm(config.n_heads, generator=gen)
        dims = (heads[:, None] * hd + torch.arange(hd)[None, :]).reshape(-1)
        for name in ("q_proj", "k_proj", "v_proj"):
            out[pre + f"self_attn.{name}.weight"] = out[pre + f"self_attn.{name}.weight"][dims]
        out[pre + "self_attn.o_proj.weight"] = out[pre + "self_attn.o_proj.weight"][:, dims]
    return out


def rename_and_transpose(
    params: Mapping[str, torch.Tensor], *, seed: int, prefix: str = "export"
) -> StateDict:
    """Anonymise names ONNX-style (``export.onnx::MatMul_17``, shuffled) and transpose every matrix."""
    gen = torch.Generator().manual_seed(seed)
    names = sorted(params)
    order = torch.randperm(len(names), generator=gen).tolist()
    out: StateDict = {}
    for number, index in zip(order, range(len(names)), strict=True):
        tensor = params[names[index]]
        if tensor.dim() == 2:
            out[f"{prefix}.onnx::MatMul_{400 + number}"] = tensor.T.contiguous()
        else:
            out[f"{prefix}.onnx::Mul_{400 + number}"] = tensor.clone()
    return out


def save_checkpoint(
    params: Mapping[str, torch.Tensor], path: Path, *, config: Mapping[str, object] | None = None
) -> Path:
    """Write a state dict as ``.safetensors`` and return the path; ``config``: also a ``config.json`` beside
    it (e.g. ``{"quantization_config": {...}}``)."""
    from safetensors.torch import save_file  # noqa: PLC0415

    path.parent.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (path.parent / "config.json").write_text(json.dumps(config), encoding="utf-8")
    save_file({k: v.contiguous() for k, v in params.items()}, str(path))
    return path
