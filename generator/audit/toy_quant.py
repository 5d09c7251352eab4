"""Quantised copies of a toy model — what a checkpoint on the Hub often is: FP8 block scales, int8, GPTQ/AWQ.

Each returns ``(stored, values)``: the tensors a quantised checkpoint stores, and the float32 values they
stand for (computed here from the codes before packing, so a reader's dequantisation can be checked against
them exactly). Only 2-D ``*.weight`` tensors are quantised, except names containing one of ``skip`` (GPTQ and
DeepSeek-V3 keep embeddings and the output head in float); the rest is copied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import torch
from torch.nn import functional as F  # noqa: N812 — the conventional alias

from generator.audit.toy_model import StateDict

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
