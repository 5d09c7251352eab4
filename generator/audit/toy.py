"""Tiny transformers trained for real on CPU in about a second, and the ways a borrowed copy is disguised.

Used by the tests and by the site build to *demonstrate* the audit on weights with a genuine training history
(real gradient steps on a synthetic next-token task, deterministic given a seed). Weights are plain
``dict[str, torch.Tensor]`` state dicts with Hugging Face style names; every transformation returns a new
dict and leaves its input untouched.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch.nn import functional as F  # noqa: N812 — the conventional alias

StateDict = dict[str, torch.Tensor]


@dataclass(frozen=True, kw_only=True)
class ToyConfig:
    """Shape and training budget of a toy model."""

    style: Literal["llama", "vit"] = "llama"
    """``llama``: RMSNorm, split q/k/v, SwiGLU, no biases. ``vit``: LayerNorm, fused qkv, GELU MLP, biases."""
    vocab: int = 128
    """Vocabulary size (rows of the embedding and the output head)."""
    d_model: int = 64
    """Residual width."""
    n_layers: int = 4
    """Transformer blocks."""
    n_heads: int = 4
    """Attention heads (``d_model`` must be divisible by it)."""
    d_ff: int = 128
    """FFN width."""
    seq_len: int = 16
    """Training sequence length."""
    batch: int = 16
    """Training batch size."""
    steps: int = 120
    """Adam steps."""
    lr: float = 3e-3
    """Adam learning rate."""

    @property
    def head_dim(self) -> int:
        """Width of one attention head."""
        return self.d_model // self.n_heads


def init_toy(config: ToyConfig, *, seed: int) -> StateDict:
    """A freshly initialised (untrained) model: PyTorch-default linears, N(0, 1) embeddings, unit gains."""
    gen = torch.Generator().manual_seed(seed)
    d, ff, vocab = config.d_model, config.d_ff, config.vocab

    def linear(out: int, inp: int) -> torch.Tensor:
        bound = 1.0 / math.sqrt(inp)
        return (torch.rand(out, inp, generator=gen) * 2 - 1) * bound

    def bias(out: int, inp: int) -> torch.Tensor:
        return (torch.rand(out, generator=gen) * 2 - 1) / math.sqrt(inp)

    params: StateDict = {}
    if config.style == "llama":
        params["model.embed_tokens.weight"] = torch.randn(vocab, d, generator=gen)
        for i in range(config.n_layers):
            pre = f"model.layers.{i}."
            params[pre + "input_layernorm.weight"] = torch.ones(d)
            for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
                params[pre + f"self_attn.{name}.weight"] = linear(d, d)
            params[pre + "post_attention_layernorm.weight"] = torch.ones(d)
            params[pre + "mlp.gate_proj.weight"] = linear(ff, d)
            params[pre + "mlp.up_proj.weight"] = linear(ff, d)
            params[pre + "mlp.down_proj.weight"] = linear(d, ff)
        params["model.norm.weight"] = torch.ones(d)
        params["lm_head.weight"] = linear(vocab, d)
        return params
    params["embeddings.weight"] = torch.randn(vocab, d, generator=gen)
    for i in range(config.n_layers):
        pre = f"blocks.{i}."
        for norm in ("norm1", "norm2"):
            params[pre + f"{norm}.weight"] = torch.ones(d)
            params[pre + f"{norm}.bias"] = torch.zeros(d)
        params[pre + "attn.qkv.weight"] = linear(3 * d, d)
        params[pre + "attn.qkv.bias"] = bias(3 * d, d)
        params[pre + "attn.proj.weight"] = linear(d, d)
        params[pre + "attn.proj.bias"] = bias(d, d)
        params[pre + "mlp.fc1.weight"] = linear(ff, d)
        params[pre + "mlp.fc1.bias"] = bias(ff, d)
        params[pre + "mlp.fc2.weight"] = linear(d, ff)
        params[pre + "mlp.fc2.bias"] = bias(d, ff)
    params["norm.weight"] = torch.ones(d)
    params["norm.bias"] = torch.zeros(d)
    params["proj.weight"] = linear(d, d)
    params["head.weight"] = linear(vocab, d)
    return params


def _attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, config: ToyConfig) -> torch.Tensor:
    b, t, d = q.shape
    shape = (b, t, config.n_heads, config.head_dim)
    out = F.scaled_dot_product_attention(
        q.view(shape).transpose(1, 2),
        k.view(shape).transpose(1, 2),
        v.view(shape).transpose(1, 2),
        is_causal=True,
    )
    return out.transpose(1, 2).reshape(b, t, d)


def toy_logits(params: Mapping[str, torch.Tensor], config: ToyConfig, tokens: torch.Tensor) -> torch.Tensor:
    """Next-token logits of a toy model (float32) for a ``(batch, seq)`` tensor of token ids."""
    p = {k: v.float() for k, v in params.items()}
    d = config.d_model
    if config.style == "llama":
        x = p["model.embed_tokens.weight"][tokens]
        for i in range(config.n_layers):
            pre = f"model.layers.{i}."
            h = F.rms_norm(x, (d,), p[pre + "input_layernorm.weight"], eps=1e-6)
            q, k, v = (h @ p[pre + f"self_attn.{n}_proj.weight"].T for n in "qkv")
            x = x + _attention(q, k, v, config) @ p[pre + "self_attn.o_proj.weight"].T
            h = F.rms_norm(x, (d,), p[pre + "post_attention_layernorm.weight"], eps=1e-6)
            gated = F.silu(h @ p[pre + "mlp.gate_proj.weight"].T) * (h @ p[pre + "mlp.up_proj.weight"].T)
            x = x + gated @ p[pre + "mlp.down_proj.weight"].T
        x = F.rms_norm(x, (d,), p["model.norm.weight"], eps=1e-6)
        return x @ p["lm_head.weight"].T
    x = p["embeddings.weight"][tokens]
    for i in range(config.n_layers):
        pre = f"blocks.{i}."
        h = F.layer_norm(x, (d,), p[pre + "norm1.weight"], p[pre + "norm1.bias"])
        qkv = h @ p[pre + "attn.qkv.weight"].T + p[pre + "attn.qkv.bias"]
        q, k, v = qkv[..., :d], qkv[..., d : 2 * d], qkv[..., 2 * d :]
        x = x + _attention(q, k, v, config) @ p[pre + "attn.proj.weight"].T + p[pre + "attn.proj.bias"]
        h = F.layer_norm(x, (d,), p[pre + "norm2.weight"], p[pre + "norm2.bias"])
        h = F.gelu(h @ p[pre + "mlp.fc1.weight"].T + p[pre + "mlp.fc1.bias"])
        x = x + h @ p[pre + "mlp.fc2.weight"].T + p[pre + "mlp.fc2.bias"]
    x = F.layer_norm(x, (d,), p["norm.weight"], p["norm.bias"])
    return (x @ p["proj.weight"].T) @ p["head.weight"].T


def task_batches(config: ToyConfig, *, task_seed: int, data_seed: int, steps: int) -> torch.Tensor:
    """``steps`` batches from a random sparse Markov chain (the "language" of task ``task_seed``)."""
    task = torch.Generator().manual_seed(1_000_003 * task_seed + 7)
    successors = torch.randint(0, config.vocab, (config.vocab, 4), generator=task)
    gen = torch.Generator().manual_seed(data_seed)
    count = steps * config.batch
    seqs = torch.empty(count, config.seq_len + 1, dtype=torch.int64)
    seqs[:, 0] = torch.randint(0, config.vocab, (count,), generator=gen)
    for t in range(config.seq_len):
        choice = torch.randint(0, 4, (count,), generator=gen)
        seqs[:, t + 1] = successors[seqs[:, t], choice]
    return seqs.view(steps, config.batch, config.seq_len + 1)


def train_toy(
    config: ToyConfig,
    *,
    seed: int,
    task_seed: int = 0,
    init: Mapping[str, torch.Tensor] | None = None,
    steps: int | None = None,
) -> StateDict:
    """Train a toy model with Adam (deterministic given the seeds on one machine) and return its weights.

    ``init``: start from these weights (fine-tuning) instead of a fresh initialisation with ``seed``.
    """
    start = init_toy(config, seed=seed) if init is None else {k: v.float().clone() for k, v in init.items()}
    params = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    batches = task_batches(config, task_seed=task_seed, data_seed=seed, steps=steps or config.steps)
    # One thread: the same bits whatever the machine's core count, and no spin-waiting when cores are busy
    # (two threads on a shared two-core machine were 20x slower for matrices this small).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _adam(params, config, batches)
    finally:
        torch.set_num_threads(threads)
    return {k: v.detach().clone() for k, v in params.items()}


def _adam(params: StateDict, config: ToyConfig, batches: torch.Tensor) -> None:
    def loss(weights: StateDict, batch: torch.Tensor) -> torch.Tensor:
        logits = toy_logits(weights, config, batch[:, :-1])
        return F.cross_entropy(logits.reshape(-1, config.vocab), batch[:, 1:].reshape(-1))

    adam(params, batches, loss, lr=config.lr)


def adam(
    params: StateDict,
    batches: torch.Tensor,
    loss: Callable[[StateDict, torch.Tensor], torch.Tensor],
    *,
    lr: float,
) -> None:
    """Train ``params`` in place, one Adam step per batch; tensors the loss does not reach stay unchanged."""
    # A plain Adam (β = 0.9, 0.999): torch.optim's first step imports the compiler stack, which costs
    # seconds — more than the whole training run.
    first = {k: torch.zeros_like(v) for k, v in params.items()}
    second = {k: torch.zeros_like(v) for k, v in params.items()}
    for step, batch in enumerate(batches, start=1):
        grads = torch.autograd.grad(loss(params, batch), list(params.values()), allow_unused=True)
        with torch.no_grad():
            for (name, param), grad in zip(params.items(), grads, strict=True):
                if grad is None:
                    continue
                first[name].mul_(0.9).add_(grad, alpha=0.1)
                second[name].mul_(0.999).addcmul_(grad, grad, value=0.001)
                update = (first[name] / (1 - 0.9**step)) / ((second[name] / (1 - 0.999**step)).sqrt() + 1e-8)
                param.sub_(lr * update)


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


# ---- quantised copies (what a checkpoint on the Hub often is) ------------------------------------------
#
# Each returns ``(stored, values)``: the tensors a quantised checkpoint stores, and the float32 values they
# stand for (computed here from the codes before packing, so a reader's dequantisation can be checked
# against them exactly). Only 2-D ``*.weight`` tensors are quantised, except names containing one of
# ``skip`` (GPTQ and DeepSeek-V3 keep embeddings and the output head in float); the rest is copied.

Quantised = tuple[StateDict, StateDict]
"""``(stored tensors, the float32 values they stand for)``."""


def _quantisable(name: str, tensor: torch.Tensor, skip: Sequence[str]) -> bool:
    return tensor.dim() == 2 and name.endswith(".weight") and not any(s in name for s in skip)


def _quantised(
    params: Mapping[str, torch.Tensor], skip: Sequence[str], one: Callable[[str, torch.Tensor], Quantised]
) -> Quantised:
    stored: StateDict = {}
    values: StateDict = {}
    for name, tensor in params.items():
        if _quantisable(name, tensor, skip):
            parts, value = one(name, tensor.float())
            stored.update(parts)
            values.update(value)
        else:
            stored[name], values[name] = tensor.clone(), tensor.float().clone()
    return stored, values


def _blockwise(weight: torch.Tensor, block: tuple[int, int]) -> torch.Tensor:
    """``weight`` padded to whole blocks and viewed as ``(block rows, b0, block cols, b1)``."""
    rows, cols = weight.shape
    b0, b1 = block
    padded = F.pad(weight, (0, -cols % b1, 0, -rows % b0))
    return padded.view(padded.shape[0] // b0, b0, padded.shape[1] // b1, b1)


def quantise_fp8_blocks(
    params: Mapping[str, torch.Tensor],
    *,
    block: tuple[int, int] = (16, 16),
    fmt: torch.dtype = torch.float8_e4m3fn,
    skip: Sequence[str] = (),
) -> Quantised:
    """FP8 codes with one float32 ``weight_scale_inv`` per block, as DeepSeek-V3 stores (128 × 128 there)."""
    top = float(torch.finfo(fmt).max)

    def one(name: str, weight: torch.Tensor) -> Quantised:
        rows, cols = weight.shape
        blocks = _blockwise(weight, block)
        amax = blocks.abs().amax(dim=(1, 3))
        scale = torch.where(amax > 0, amax / top, torch.ones_like(amax)).float()
        codes = (blocks / scale[:, None, :, None]).to(fmt)
        value = (codes.float() * scale[:, None, :, None]).reshape(blocks.shape[0] * block[0], -1)
        stem = name.removesuffix(".weight")
        flat = codes.reshape(blocks.shape[0] * block[0], -1)[:rows, :cols].contiguous()
        return {name: flat, f"{stem}.weight_scale_inv": scale}, {name: value[:rows, :cols].contiguous()}

    return _quantised(params, skip, one)


def dequantise_fp8_blocks(
    stored: Mapping[str, torch.Tensor], *, dtype: torch.dtype = torch.bfloat16
) -> StateDict:
    """The usual FP8 → bf16 conversion (DeepSeek's ``fp8_cast_bf16.py``): codes × block scale in float32,
    then cast; the block size is read from the shapes (the scales tile each weight exactly here)."""
    out: StateDict = {}
    for name, tensor in stored.items():
        if name.endswith(".weight_scale_inv"):
            continue
        scale = stored.get(name.removesuffix(".weight") + ".weight_scale_inv")
        if scale is None:
            out[name] = tensor.to(dtype)
            continue
        rows, cols = tensor.shape
        b0, b1 = -(-rows // scale.shape[0]), -(-cols // scale.shape[1])
        full = scale.repeat_interleave(b0, dim=0).repeat_interleave(b1, dim=1)[:rows, :cols]
        out[name] = (tensor.float() * full).to(dtype)
    return out


def quantise_int8(
    params: Mapping[str, torch.Tensor],
    *,
    per: Literal["row", "tensor"] = "row",
    style: Literal["weight_scale", "onnx"] = "weight_scale",
    skip: Sequence[str] = (),
) -> Quantised:
    """Symmetric int8 codes with a float32 scale per row (``[rows, 1]``, compressed-tensors' layout) or per
    tensor (0-d); ``style="onnx"``: uint8 codes ``<name>_quantized`` with 0-d ``_scale`` and ``_zero_point``
    (an ONNX ``DequantizeLinear`` export, per tensor)."""

    def one(name: str, weight: torch.Tensor) -> Quantised:
        if style == "onnx":
            low, high = float(weight.min()), float(weight.max())
            scale = torch.tensor(max(high - low, 1e-12) / 255, dtype=torch.float32)
            zero = torch.clamp(torch.round(-low / scale), 0, 255).to(torch.uint8)
            codes = torch.clamp(torch.round(weight / scale) + zero.float(), 0, 255).to(torch.uint8)
            value = (codes.float() - zero.float()) * scale
            parts = {f"{name}_quantized": codes, f"{name}_scale": scale, f"{name}_zero_point": zero}
            return parts, {f"{name}_quantized": value}
        amax = weight.abs().amax(dim=1, keepdim=True) if per == "row" else weight.abs().amax()
        scale = torch.where(amax > 0, amax / 127, torch.ones_like(amax)).float()
        codes = torch.clamp(torch.round(weight / scale), -127, 127).to(torch.int8)
        stem = name.removesuffix(".weight")
        return {name: codes, f"{stem}.weight_scale": scale}, {name: codes.float() * scale}

    return _quantised(params, skip, one)


def _pack(codes: torch.Tensor, bits: int, dim: int, order: Sequence[int] | None = None) -> torch.Tensor:
    """``bits``-bit codes (non-negative ints) packed into int32 words along ``dim``, lowest field first;
    ``order``: which of each word's columns goes in field ``i`` (AWQ interleaves them)."""
    pack = 32 // bits
    moved = codes.movedim(dim, -1).to(torch.int64)
    fields = moved.reshape(*moved.shape[:-1], moved.shape[-1] // pack, pack)
    if order is not None:
        fields = fields[..., list(order)]
    shifts = torch.arange(0, 32, bits, dtype=torch.int64)
    words = (fields << shifts).sum(dim=-1)
    as_int32 = torch.from_numpy(words.numpy().astype("<u4").view("<i4"))
    return as_int32.movedim(-1, dim).contiguous()


def quantise_int4(
    params: Mapping[str, torch.Tensor],
    *,
    layout: Literal["gptq", "awq"] = "gptq",
    group: int = 32,
    bits: int = 4,
    skip: Sequence[str] = ("embed_tokens", "lm_head"),
) -> Quantised:
    """4-bit codes (GPTQ: ``bits`` of 2, 4 or 8) packed GPTQ-style (symmetric, ``qweight`` packed along the
    input, zero − 1 stored, as AutoGPTQ writes) or AWQ-style (asymmetric, packed along the output in AWQ's
    interleaved order), with one float16 scale per ``group`` inputs. Round-to-nearest: the real GPTQ also
    corrects later columns for each rounding error, using calibration data — one more reason a quantised
    copy is not the weights."""
    awq_order = (0, 2, 4, 6, 1, 3, 5, 7)
    assert bits in (2, 4, 8)
    assert layout == "gptq" or bits == 4, "AWQ packs 4 bits"
    top = (1 << bits) - 1

    def one(name: str, weight: torch.Tensor) -> Quantised:
        out_features, in_features = weight.shape
        grouped = weight.T.reshape(in_features // group, group, out_features)
        if layout == "gptq":
            scale = (grouped.abs().amax(dim=1) * 2 / top).clamp_min(1e-8).half()
            zero = torch.full_like(scale, (top + 1) // 2, dtype=torch.int64)
        else:
            low, high = grouped.amin(dim=1), grouped.amax(dim=1)
            scale = ((high - low) / 15).clamp_min(1e-8).half()
            zero = torch.clamp(torch.round(-low / scale.float()), 0, 15).to(torch.int64)
        codes = torch.clamp(torch.round(grouped / scale.float()[:, None]) + zero[:, None], 0, top).to(
            torch.int64
        )
        value = (
            ((codes - zero[:, None]).float() * scale.float()[:, None]).reshape(in_features, out_features).T
        )
        stem = name.removesuffix(".weight")
        flat = codes.reshape(in_features, out_features)
        if layout == "gptq":
            parts = {
                f"{stem}.qweight": _pack(flat, bits, 0),
                f"{stem}.qzeros": _pack((zero - 1) & top, bits, 1),
                f"{stem}.scales": scale,
            }
        else:
            parts = {
                f"{stem}.qweight": _pack(flat, 4, 1, awq_order),
                f"{stem}.qzeros": _pack(zero, 4, 1, awq_order),
                f"{stem}.scales": scale,
            }
        return parts, {name: value.contiguous()}

    return _quantised(params, skip, one)


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
