"""Relabelling disguises of the toy models (:mod:`~generator.audit.toy`; the permutation also of
:mod:`~generator.audit.toy_moe`'s): the residual stream permuted, rotated with the norm gains folded (QuaRot),
pruned to a subset of its width (Minitron), or grown to a wider one.

The permutation and the rotation leave the model's function unchanged (up to float rounding); pruning changes
it, as it does before Minitron's distillation. Every function returns a new state dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import torch

from generator.audit.names import parse_name
from generator.audit.toy import permute_units
from generator.audit.toy_model import StateDict, ToyConfig

_INPUTS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.up_proj")
"""The llama toy's matrices that read the residual stream (its dimensions are their columns)."""
_READERS: tuple[str, ...] = (
    *("attn.q.", "attn.k.", "attn.v.", "attn.q_a.", "attn.kv_a.", "router.weight", "embed", "lm_head"),
    *(f"{family}.{part}." for family in ("mlp", "expert", "shared") for part in ("gate", "up")),
)
"""Roles of matrices that read the residual stream (its dimensions are their columns), any toy."""
_WRITERS = ("attn.o.", "mlp.down.", "expert.down.", "shared.down.")
"""Roles of matrices that write it (its dimensions are their rows)."""
_GAINS = ("norm.attn.", "norm.mlp.", "norm.final.", "norm.pre_mlp.", "norm.post_mlp.")
"""Roles of the norm gains on the residual stream (``q_a``/``kv_a`` norms act on latent ranks instead)."""


def _residual_map(
    params: Mapping[str, torch.Tensor], columns: torch.Tensor, gains: torch.Tensor
) -> StateDict:
    """Every residual axis transformed: readers ``W @ columns``, writers ``columnsᵀ @ W`` (``columns`` is
    ``d × d'``); each norm gain becomes ``gain[gains]``."""
    out: StateDict = {}
    for name, tensor in params.items():
        role = parse_name(name).role
        if tensor.dim() == 2 and role.startswith(_READERS):
            out[name] = tensor @ columns
        elif tensor.dim() == 2 and role.startswith(_WRITERS):
            out[name] = columns.T @ tensor
        elif tensor.dim() == 1 and role.startswith(_GAINS):
            out[name] = tensor[gains].clone()
        else:
            out[name] = tensor.clone()
    return out


def permute_residual(params: Mapping[str, torch.Tensor], *, d: int, seed: int) -> StateDict:
    """The residual stream's ``d`` dimensions permuted, with random signs (any toy: llama, MoE, MLA);
    RMSNorm commutes with a signed permutation, so the function is unchanged."""
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(d, generator=gen)
    signs = torch.randint(0, 2, (d,), generator=gen).float() * 2 - 1
    signed = torch.zeros(d, d)
    signed[order, torch.arange(d)] = signs  # dimension j of the new stream is ±(old dimension order[j])
    return _residual_map(params, signed, order)


def relabel(params: Mapping[str, torch.Tensor], config: ToyConfig, *, seed: int) -> StateDict:
    """Residual dimensions permuted with random signs, then every layer's neurons and heads permuted."""
    return permute_units(permute_residual(params, d=config.d_model, seed=seed), config, seed=seed + 1)


def fold_gains(params: Mapping[str, torch.Tensor], config: ToyConfig) -> StateDict:
    """Each RMSNorm gain multiplied into the matrices that read its output, and set to ones."""
    out = {k: v.clone() for k, v in params.items()}
    for i in range(config.n_layers):
        pre = f"model.layers.{i}."
        for gain, readers in (
            ("input_layernorm", _INPUTS[:3]),
            ("post_attention_layernorm", _INPUTS[3:]),
        ):
            g = params[pre + gain + ".weight"]
            for name in readers:
                out[pre + name + ".weight"] = params[pre + name + ".weight"] * g[None, :]
            out[pre + gain + ".weight"] = torch.ones_like(g)
    out["lm_head.weight"] = params["lm_head.weight"] * params["model.norm.weight"][None, :]
    out["model.norm.weight"] = torch.ones_like(params["model.norm.weight"])
    return out


def rotate(params: Mapping[str, torch.Tensor], config: ToyConfig, *, seed: int) -> StateDict:
    """QuaRot-style: gains folded, then the residual stream rotated by a random orthogonal matrix
    (``RMSNorm(x Q) = RMSNorm(x) Q`` once the gains are ones)."""
    gen = torch.Generator().manual_seed(seed)
    q, r = torch.linalg.qr(torch.randn(config.d_model, config.d_model, generator=gen, dtype=torch.float64))
    rotation = (q * torch.sign(torch.diagonal(r))[None, :]).float()
    folded = fold_gains(params, config)
    return _residual_map(folded, rotation, torch.arange(config.d_model))


def _kept(gen: torch.Generator, config: ToyConfig, width: int) -> torch.Tensor:
    return torch.sort(torch.randperm(config.d_model, generator=gen)[:width]).values


def kept_dimensions(config: ToyConfig, *, keep: float, seed: int) -> torch.Tensor:
    """The residual dimensions :func:`prune` keeps with these arguments (ascending)."""
    width = max(1, round(config.n_heads * keep)) * config.head_dim
    return _kept(torch.Generator().manual_seed(seed), config, width)


def prune(
    params: Mapping[str, torch.Tensor], config: ToyConfig, *, keep: float, seed: int
) -> tuple[StateDict, ToyConfig]:
    """Minitron-style width pruning: a random ``keep`` share of residual dimensions, of every layer's heads
    and of its neurons kept (in their order); returns the weights and the narrower config."""
    gen = torch.Generator().manual_seed(seed)
    heads, ff, hd = config.n_heads, config.d_ff, config.head_dim
    kept_heads = max(1, round(heads * keep))
    width = kept_heads * hd
    dims = _kept(gen, config, width)
    select = torch.zeros(config.d_model, width)
    select[dims, torch.arange(width)] = 1.0
    out = _residual_map(params, select, dims)
    neurons = round(ff * keep)
    for i in range(config.n_layers):
        pre = f"model.layers.{i}."
        chosen = torch.sort(torch.randperm(heads, generator=gen)[:kept_heads]).values
        units = (chosen[:, None] * hd + torch.arange(hd)[None, :]).reshape(-1)
        for name in _INPUTS[:3]:
            out[pre + name + ".weight"] = out[pre + name + ".weight"][units]
        out[pre + "self_attn.o_proj.weight"] = out[pre + "self_attn.o_proj.weight"][:, units]
        keep_ff = torch.sort(torch.randperm(ff, generator=gen)[:neurons]).values
        for name in _INPUTS[3:]:
            out[pre + name + ".weight"] = out[pre + name + ".weight"][keep_ff]
        out[pre + "mlp.down_proj.weight"] = out[pre + "mlp.down_proj.weight"][:, keep_ff]
    narrower = replace(config, d_model=width, n_heads=kept_heads, d_ff=neurons)
    return {k: v.contiguous() for k, v in out.items()}, narrower


def grow(params: Mapping[str, torch.Tensor], config: ToyConfig, *, extra: int, seed: int) -> StateDict:
    """The residual stream widened by ``extra`` dimensions: the reference's dimensions placed at seeded
    positions among new ones, which start small and random (as a grown model does before training on);
    new norm gains are ones. Heads and neurons are unchanged."""
    gen = torch.Generator().manual_seed(seed)
    d, wide = config.d_model, config.d_model + extra
    places = torch.sort(torch.randperm(wide, generator=gen)[:d]).values
    new = torch.ones(wide, dtype=torch.bool)
    new[places] = False
    out: StateDict = {}
    for name, tensor in params.items():
        role = parse_name(name).role
        if tensor.dim() == 2 and role.startswith(_READERS):
            grown = torch.randn(tensor.shape[0], wide, generator=gen) * 0.02
            grown[:, places] = tensor
        elif tensor.dim() == 2 and role.startswith(_WRITERS):
            grown = torch.randn(wide, tensor.shape[1], generator=gen) * 0.02
            grown[places] = tensor
        elif tensor.dim() == 1 and role.startswith(_GAINS):
            grown = torch.ones(wide)
            grown[places] = tensor
        else:
            grown = tensor.clone()
        out[name] = grown
    return out
