"""Tiny transformers trained for real on CPU in about a second: the model, its task and its training.

Used (through :mod:`~generator.audit.toy`) by the tests and by the site build to *demonstrate* the audit on
weights with a genuine training history (real gradient steps on a synthetic next-token task, deterministic
given a seed). Weights are plain ``dict[str, torch.Tensor]`` state dicts with Hugging Face style names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
