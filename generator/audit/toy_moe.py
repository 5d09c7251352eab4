"""Tiny Mixture-of-Experts models and a Qwen2.5-VL-shaped vision tower, trained for real on CPU in seconds.

The MoE uses DeepSeek-V3's names (``mlp.gate.weight`` router with ``e_score_correction_bias``,
``mlp.experts.{e}.gate_proj/up_proj/down_proj``, ``mlp.shared_experts.…``, dense first layers, optionally
multi-head latent attention ``q_a_proj``/``q_b_proj``/``kv_a_proj_with_mqa``/``kv_b_proj`` with their norms
and A.X K1's ``post_mlp_layernorm``); the vision tower Qwen2.5-VL's (``blocks.{i}.attn.qkv``,
``merger.ln_q``, ``merger.mlp.0``/``merger.mlp.2``, a 3-D ``patch_embed.proj``). Like :mod:`toy`, weights are
plain state dicts and every transformation returns a new dict.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import torch
from torch.nn import functional as F  # noqa: N812 — the conventional alias

from generator.audit.toy_model import StateDict, ToyConfig, adam, task_batches


@dataclass(frozen=True, kw_only=True)
class MoeConfig:
    """Shape and training budget of a toy MoE (DeepSeek-V3 layout)."""

    vocab: int = 128
    """Vocabulary size."""
    d_model: int = 64
    """Residual width."""
    n_layers: int = 3
    """Transformer blocks (the first ``dense_layers`` with a dense FFN)."""
    n_heads: int = 4
    """Attention heads."""
    n_experts: int = 8
    """Routed experts per MoE layer."""
    top_k: int = 2
    """Experts per token."""
    d_expert: int = 32
    """Width of each expert (and of the shared expert)."""
    shared_expert: bool = True
    """Whether each MoE layer has a shared expert."""
    dense_layers: int = 1
    """Leading layers with a dense FFN of width ``d_ff``."""
    d_ff: int = 128
    """Dense FFN width."""
    mla: bool = False
    """Multi-head latent attention (low-rank q and kv paths with their norms) instead of q/k/v."""
    rank: int = 32
    """Rank of the latent q and kv paths."""
    post_mlp_norm: bool = False
    """A.X K1's extra norm on each MLP's output."""
    seq_len: int = 16
    """Training sequence length."""
    batch: int = 16
    """Training batch size."""
    steps: int = 80
    """Adam steps."""
    lr: float = 3e-3
    """Adam learning rate."""

    @property
    def tokens(self) -> ToyConfig:
        """The token task and attention shape, as :mod:`toy` takes them."""
        return ToyConfig(
            vocab=self.vocab,
            d_model=self.d_model,
            n_heads=self.n_heads,
            seq_len=self.seq_len,
            batch=self.batch,
        )


def _linear(gen: torch.Generator, out: int, inp: int) -> torch.Tensor:
    bound = 1.0 / math.sqrt(inp)
    return (torch.rand(out, inp, generator=gen) * 2 - 1) * bound


def _ffn(gen: torch.Generator, prefix: str, d: int, width: int) -> StateDict:
    return {
        f"{prefix}gate_proj.weight": _linear(gen, width, d),
        f"{prefix}up_proj.weight": _linear(gen, width, d),
        f"{prefix}down_proj.weight": _linear(gen, d, width),
    }


def init_moe(config: MoeConfig, *, seed: int) -> StateDict:
    """A freshly initialised toy MoE."""
    gen = torch.Generator().manual_seed(seed)
    d = config.d_model
    params: StateDict = {"model.embed_tokens.weight": torch.randn(config.vocab, d, generator=gen)}
    for i in range(config.n_layers):
        pre = f"model.layers.{i}."
        params[pre + "input_layernorm.weight"] = torch.ones(d)
        if config.mla:
            r = config.rank
            params[pre + "self_attn.q_a_proj.weight"] = _linear(gen, r, d)
            params[pre + "self_attn.q_a_layernorm.weight"] = torch.ones(r)
            params[pre + "self_attn.q_b_proj.weight"] = _linear(gen, d, r)
            params[pre + "self_attn.kv_a_proj_with_mqa.weight"] = _linear(gen, r, d)
            params[pre + "self_attn.kv_a_layernorm.weight"] = torch.ones(r)
            params[pre + "self_attn.kv_b_proj.weight"] = _linear(gen, 2 * d, r)
        else:
            for name in ("q_proj", "k_proj", "v_proj"):
                params[pre + f"self_attn.{name}.weight"] = _linear(gen, d, d)
        params[pre + "self_attn.o_proj.weight"] = _linear(gen, d, d)
        params[pre + "post_attention_layernorm.weight"] = torch.ones(d)
        if i < config.dense_layers:
            params.update(_ffn(gen, pre + "mlp.", d, config.d_ff))
        else:
            params[pre + "mlp.gate.weight"] = _linear(gen, config.n_experts, d)
            params[pre + "mlp.gate.e_score_correction_bias"] = torch.zeros(config.n_experts)
            for e in range(config.n_experts):
                params.update(_ffn(gen, pre + f"mlp.experts.{e}.", d, config.d_expert))
            if config.shared_expert:
                params.update(_ffn(gen, pre + "mlp.shared_experts.", d, config.d_expert))
        if config.post_mlp_norm:
            params[pre + "post_mlp_layernorm.weight"] = torch.ones(d)
    params["model.norm.weight"] = torch.ones(d)
    params["lm_head.weight"] = _linear(gen, config.vocab, d)
    return params


def _swiglu(p: Mapping[str, torch.Tensor], prefix: str, h: torch.Tensor) -> torch.Tensor:
    gated = F.silu(h @ p[prefix + "gate_proj.weight"].T) * (h @ p[prefix + "up_proj.weight"].T)
    return gated @ p[prefix + "down_proj.weight"].T


def _rms(x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
    return F.rms_norm(x, (x.shape[-1],), gain, eps=1e-6)


def _attention(p: Mapping[str, torch.Tensor], pre: str, h: torch.Tensor, config: MoeConfig) -> torch.Tensor:
    d = config.d_model
    if config.mla:
        q = (
            _rms(h @ p[pre + "q_a_proj.weight"].T, p[pre + "q_a_layernorm.weight"])
            @ p[pre + "q_b_proj.weight"].T
        )
        latent = _rms(h @ p[pre + "kv_a_proj_with_mqa.weight"].T, p[pre + "kv_a_layernorm.weight"])
        kv = latent @ p[pre + "kv_b_proj.weight"].T
        k, v = kv[..., :d], kv[..., d:]
    else:
        q, k, v = (h @ p[pre + f"{n}_proj.weight"].T for n in "qkv")
    b, t, _ = q.shape
    shape = (b, t, config.n_heads, d // config.n_heads)
    out = F.scaled_dot_product_attention(
        q.view(shape).transpose(1, 2),
        k.view(shape).transpose(1, 2),
        v.view(shape).transpose(1, 2),
        is_causal=True,
    )
    return out.transpose(1, 2).reshape(b, t, d) @ p[pre + "o_proj.weight"].T


def _moe(p: Mapping[str, torch.Tensor], pre: str, h: torch.Tensor, config: MoeConfig) -> torch.Tensor:
    """Sigmoid routing with a selection-only correction bias (DeepSeek-V3), top-k weights normalised."""
    scores = torch.sigmoid(h @ p[pre + "gate.weight"].T)
    chosen = (scores + p[pre + "gate.e_score_correction_bias"]).topk(config.top_k, dim=-1).indices
    picked = scores.gather(-1, chosen)
    weights = torch.zeros_like(scores).scatter(-1, chosen, picked / picked.sum(-1, keepdim=True))
    out = sum(weights[..., e : e + 1] * _swiglu(p, pre + f"experts.{e}.", h) for e in range(config.n_experts))
    if config.shared_expert:
        out = out + _swiglu(p, pre + "shared_experts.", h)
    assert isinstance(out, torch.Tensor)
    return out


def moe_logits(params: Mapping[str, torch.Tensor], config: MoeConfig, tokens: torch.Tensor) -> torch.Tensor:
    """Next-token logits of a toy MoE (float32)."""
    p = {k: v.float() for k, v in params.items()}
    x = p["model.embed_tokens.weight"][tokens]
    for i in range(config.n_layers):
        pre = f"model.layers.{i}."
        x = x + _attention(p, pre + "self_attn.", _rms(x, p[pre + "input_layernorm.weight"]), config)
        h = _rms(x, p[pre + "post_attention_layernorm.weight"])
        m = _swiglu(p, pre + "mlp.", h) if i < config.dense_layers else _moe(p, pre + "mlp.", h, config)
        if config.post_mlp_norm:
            m = _rms(m, p[pre + "post_mlp_layernorm.weight"])
        x = x + m
    return _rms(x, p["model.norm.weight"]) @ p["lm_head.weight"].T


def train_moe(
    config: MoeConfig,
    *,
    seed: int,
    task_seed: int = 0,
    init: Mapping[str, torch.Tensor] | None = None,
    steps: int | None = None,
) -> StateDict:
    """Train a toy MoE with Adam on :func:`toy.task_batches` (``init``: start from these weights)."""
    start = init_moe(config, seed=seed) if init is None else {k: v.float().clone() for k, v in init.items()}
    params = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    batches = task_batches(config.tokens, task_seed=task_seed, data_seed=seed, steps=steps or config.steps)

    def loss(weights: StateDict, batch: torch.Tensor) -> torch.Tensor:
        logits = moe_logits(weights, config, batch[:, :-1])
        return F.cross_entropy(logits.reshape(-1, config.vocab), batch[:, 1:].reshape(-1))

    with _one_thread():
        adam(params, batches, loss, lr=config.lr)
    return {k: v.detach().clone() for k, v in params.items()}


@contextmanager
def _one_thread() -> Iterator[None]:
    # One thread: the same bits whatever the machine, and no spin-waiting on a busy two-core machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


# ---- how experts are reused --------------------------------------------------------------------------------


def _moe_layers(params: Mapping[str, torch.Tensor]) -> list[int]:
    return sorted(
        {int(n.split(".")[2]) for n in params if n.startswith("model.layers.") and ".mlp.experts." in n}
    )


def regroup_experts(
    params: Mapping[str, torch.Tensor], sources: Sequence[int | None], *, seed: int, d_expert: int = 32
) -> StateDict:
    """Each MoE layer's experts rebuilt: new expert ``e`` is old expert ``sources[e]`` of the same layer, or a
    freshly initialised one where ``sources[e]`` is ``None``; router rows (and correction biases) follow.

    A permutation of ``range(E)`` re-orders experts (the function is unchanged); a shorter or longer list
    drops, repeats or adds experts."""
    gen = torch.Generator().manual_seed(seed)
    out = {n: t.clone() for n, t in params.items() if ".mlp.experts." not in n}
    for layer in _moe_layers(params):
        pre = f"model.layers.{layer}.mlp."
        d = params[pre + "gate.weight"].shape[1]
        rows, biases = [], []
        for new, old in enumerate(sources):
            if old is None:
                fresh = _ffn(gen, "", d, d_expert)
                rows.append(_linear(gen, 1, d)[0])
                biases.append(torch.zeros(()))
            else:
                fresh = {k: params[f"{pre}experts.{old}.{k}"] for k in _ffn(gen, "", 1, 1)}
                rows.append(params[pre + "gate.weight"][old])
                biases.append(params[pre + "gate.e_score_correction_bias"][old])
            out.update({f"{pre}experts.{new}.{k}": t.clone() for k, t in fresh.items()})
        out[pre + "gate.weight"] = torch.stack(rows)
        out[pre + "gate.e_score_correction_bias"] = torch.stack(biases)
    return out


def upcycle(dense: Mapping[str, torch.Tensor], config: MoeConfig, *, seed: int) -> StateDict:
    """Sparse upcycling: a dense llama-style toy turned MoE — each layer's FFN copied into every expert (so
    ``config.d_expert`` must equal the dense width), a new router added; everything else kept."""
    gen = torch.Generator().manual_seed(seed)
    out = {n: t.clone() for n, t in dense.items() if ".mlp." not in n}
    for layer in range(config.n_layers):
        pre = f"model.layers.{layer}.mlp."
        ffn = {k: dense[pre + k] for k in ("gate_proj.weight", "up_proj.weight", "down_proj.weight")}
        if layer < config.dense_layers:
            out.update({pre + k: t.clone() for k, t in ffn.items()})
            continue
        out[pre + "gate.weight"] = _linear(gen, config.n_experts, config.d_model)
        out[pre + "gate.e_score_correction_bias"] = torch.zeros(config.n_experts)
        for e in range(config.n_experts):
            out.update({f"{pre}experts.{e}.{k}": t.clone() for k, t in ffn.items()})
    return out


def fuse_experts(
    params: Mapping[str, torch.Tensor], *, layout: Literal["rows", "concatenated", "interleaved"] = "rows"
) -> StateDict:
    """Per-expert tensors stacked as transformers 5 stores them: ``experts.gate_up_proj`` ``[E, 2f, d]`` (gate
    rows, then up rows) and ``experts.down_proj`` ``[E, d, f]``; or, inputs first, ``[E, d, 2f]`` with gate
    and up columns ``concatenated`` (Llama 4) or ``interleaved`` (GPT-OSS) and ``down_proj`` ``[E, f, d]``."""
    out = {n: t.clone() for n, t in params.items() if ".mlp.experts." not in n}
    for layer in _moe_layers(params):
        pre = f"model.layers.{layer}.mlp.experts."
        count = len({n for n in params if n.startswith(pre) and n.endswith("down_proj.weight")})
        gates = [params[f"{pre}{e}.gate_proj.weight"] for e in range(count)]
        ups = [params[f"{pre}{e}.up_proj.weight"] for e in range(count)]
        downs = torch.stack([params[f"{pre}{e}.down_proj.weight"] for e in range(count)])
        if layout == "rows":
            out[pre + "gate_up_proj"] = torch.stack(
                [torch.cat([g, u]) for g, u in zip(gates, ups, strict=True)]
            )
            out[pre + "down_proj"] = downs
            continue
        if layout == "concatenated":
            fused = [torch.cat([g.T, u.T], dim=1) for g, u in zip(gates, ups, strict=True)]
        else:
            fused = [torch.stack([g.T, u.T], dim=2).flatten(1) for g, u in zip(gates, ups, strict=True)]
        out[pre + "gate_up_proj"] = torch.stack(fused).contiguous()
        out[pre + "down_proj"] = downs.transpose(1, 2).contiguous()
    return out


# ---- a Qwen2.5-VL-shaped vision tower --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class VisionConfig:
    """A Qwen2.5-VL-shaped vision tower: patch embedding, RMSNorm blocks with fused qkv, a patch merger."""

    d_model: int = 72
    """Tower width (the merger's hidden width is 4×: above the audit's whole-tensor test limit)."""
    n_layers: int = 2
    """Blocks."""
    n_heads: int = 4
    """Attention heads."""
    d_ff: int = 96
    """MLP width."""
    out: int = 64
    """Merger output width (the language model's)."""
    patch: tuple[int, int, int, int] = (3, 2, 4, 4)
    """Channels, temporal patch, patch height and width."""
    patches: int = 16
    """Patches per training image (merged 4 to 1)."""
    batch: int = 8
    """Training batch size."""
    steps: int = 40
    """Adam steps."""
    lr: float = 3e-3
    """Adam learning rate."""


def init_vision(config: VisionConfig, *, seed: int) -> StateDict:
    """A freshly initialised tower (names without the ``visual.`` prefix: graft it under any prefix)."""
    gen = torch.Generator().manual_seed(seed)
    d, ff, merged = config.d_model, config.d_ff, 4 * config.d_model
    params: StateDict = {
        "patch_embed.proj.weight": _linear(gen, d, math.prod(config.patch)).reshape(d, *config.patch)
    }
    for i in range(config.n_layers):
        pre = f"blocks.{i}."
        params[pre + "norm1.weight"] = torch.ones(d)
        params[pre + "norm2.weight"] = torch.ones(d)
        params[pre + "attn.qkv.weight"] = _linear(gen, 3 * d, d)
        params[pre + "attn.qkv.bias"] = torch.zeros(3 * d)
        params[pre + "attn.proj.weight"] = _linear(gen, d, d)
        params[pre + "attn.proj.bias"] = torch.zeros(d)
        for name, shape in (("gate_proj", (ff, d)), ("up_proj", (ff, d)), ("down_proj", (d, ff))):
            params[pre + f"mlp.{name}.weight"] = _linear(gen, *shape)
            params[pre + f"mlp.{name}.bias"] = torch.zeros(shape[0])
    params["merger.ln_q.weight"] = torch.ones(d)
    params["merger.mlp.0.weight"] = _linear(gen, merged, merged)
    params["merger.mlp.0.bias"] = torch.zeros(merged)
    params["merger.mlp.2.weight"] = _linear(gen, config.out, merged)
    params["merger.mlp.2.bias"] = torch.zeros(config.out)
    return params


def vision_features(
    params: Mapping[str, torch.Tensor], config: VisionConfig, pixels: torch.Tensor
) -> torch.Tensor:
    """Merged patch features ``(batch, patches/4, out)`` of flat patches ``(batch, patches, C·T·H·W)``."""
    p = {k: v.float() for k, v in params.items()}
    d = config.d_model
    x = pixels @ p["patch_embed.proj.weight"].reshape(d, -1).T
    b, t, _ = x.shape
    shape = (b, t, config.n_heads, d // config.n_heads)
    for i in range(config.n_layers):
        pre = f"blocks.{i}."
        qkv = _rms(x, p[pre + "norm1.weight"]) @ p[pre + "attn.qkv.weight"].T + p[pre + "attn.qkv.bias"]
        q, k, v = (qkv[..., j * d : (j + 1) * d].reshape(shape).transpose(1, 2) for j in range(3))
        attended = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, d)
        x = x + attended @ p[pre + "attn.proj.weight"].T + p[pre + "attn.proj.bias"]
        h = _rms(x, p[pre + "norm2.weight"])
        gate = F.silu(h @ p[pre + "mlp.gate_proj.weight"].T + p[pre + "mlp.gate_proj.bias"])
        up = h @ p[pre + "mlp.up_proj.weight"].T + p[pre + "mlp.up_proj.bias"]
        x = x + (gate * up) @ p[pre + "mlp.down_proj.weight"].T + p[pre + "mlp.down_proj.bias"]
    merged = _rms(x, p["merger.ln_q.weight"]).reshape(b, t // 4, 4 * d)
    hidden = F.gelu(merged @ p["merger.mlp.0.weight"].T + p["merger.mlp.0.bias"])
    return hidden @ p["merger.mlp.2.weight"].T + p["merger.mlp.2.bias"]


def train_vision(config: VisionConfig, *, seed: int) -> StateDict:
    """Train a tower to reproduce a fixed random teacher's features of random images (real Adam steps)."""
    gen = torch.Generator().manual_seed(seed)
    flat = math.prod(config.patch)
    teacher = torch.randn(4 * flat, config.out, generator=gen) / math.sqrt(4 * flat)
    pixels = torch.randn(config.steps, config.batch, config.patches, flat, generator=gen)
    params = {k: v.clone().requires_grad_(True) for k, v in init_vision(config, seed=seed).items()}

    def loss(weights: StateDict, batch: torch.Tensor) -> torch.Tensor:
        target = torch.tanh(batch.reshape(batch.shape[0], -1, 4 * flat) @ teacher)
        return F.mse_loss(vision_features(weights, config, batch), target)

    with _one_thread():
        adam(params, pixels, loss, lr=config.lr)
    return {k: v.detach().clone() for k, v in params.items()}
