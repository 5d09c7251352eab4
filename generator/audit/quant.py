"""Stage 1b — quantised weights: stored codes and scales, read back as the values they stand for.

A quantised checkpoint stores each weight as integer or FP8 *codes* plus the *scales* (and zero points) that
turn them back into numbers. Statistics on the codes alone are wrong: a block-constant factor (DeepSeek-V3's
one float32 ``weight_scale_inv`` per 128 × 128 block) distorts every correlation, and packed int4 words are
not numbers at all. :func:`dequantise` replaces each recognised group of stored tensors by one float32
tensor with the weight's own name and shape, whose :class:`~generator.audit.header.Decoder` dequantises
exactly the rows and columns asked for — so every later stage (and the fingerprint) sees the values, and
memory stays bounded by the window being read, never by the whole tensor. Understood:

* **scaled codes** — FP8 (E4M3/E5M2), int8 or uint8 times a scale per tensor, row, column or block
  (``weight_scale_inv``, ``weight_scale``, bitsandbytes ``SCB`` / 127, ONNX ``_scale`` with ``_zero_point``);
  block sizes from ``quantization_config.weight_block_size`` (in the ``config.json`` beside the weights, local
  or remote: :func:`~generator.audit.beside.model_config`), else from the scale's shape where only one
  block size fits every scaled weight of the checkpoint — the label says which, and why the config did not;
* **packed int4/int2/int8** — GPTQ (``qweight`` packed along the input, ``qzeros``, ``scales``, optional
  ``g_idx``) and AWQ (packed along the output in AWQ's interleaved order); bits and group size from the
  config, else from the shapes.

Anything else that stores a weight as integers (an unknown ``*_packed`` layout, a ``qweight`` without its
scales, int8 without a scale) is refused with an :class:`~generator.errors.InputError` naming the tensor and
the format: integer codes are never compared as weights, and a verdict never rests on the few tensors that
happened to stay in float.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from generator.audit.beside import model_config
from generator.audit.gate_up import Layout, fused_by_columns, split_gate_up
from generator.audit.header import TensorInfo, tensor_error
from generator.audit.names import is_buffer
from generator.audit.quant_decode import AWQ_ORDER, CODE_DTYPES, Float32, Packed, Rows, Scaled
from generator.audit.quant_packed import packed_codes
from generator.audit.quant_scaled import MAX_BLOCK_CANDIDATES, block_sizes, scale_of, scaled_codes
from generator.audit.read import Checkpoint

__all__ = [  # its own names, and those now in quant_decode and quant_scaled (their old import path)
    "AWQ_ORDER",
    "CODE_DTYPES",
    "INTEGER_DTYPES",
    "MAX_BLOCK_CANDIDATES",
    "Float32",
    "Packed",
    "Rows",
    "Scaled",
    "dequantise",
    "dequantised",
    "stored_label",
]

INTEGER_DTYPES = frozenset({"I8", "U8", "I16", "U16", "I32", "U32"})
"""Dtypes a packed or integer-coded weight is stored in (``I64`` holds indices and ids, never weights)."""


def dequantised(checkpoint: Checkpoint, *, gate_up: Layout | None = None) -> Checkpoint:
    """``checkpoint`` with every quantised weight read as float32 values (see the module docstring).

    Fused expert ``gate_up_proj`` stored ``[E, d, 2f]`` is split into per-expert gate and up views too
    (:func:`~generator.audit.gate_up.split_gate_up`: in the ``gate_up`` layout, else the config's). Reads the
    ``config.json`` beside the checkpoint (local or remote) only when one of them is there.
    Raises :class:`InputError` for a format that is not understood or whose block or group size is ambiguous.
    """
    quantised = any(_may_be_quantised(t) for t in checkpoint.tensors)
    if not quantised and not fused_by_columns(checkpoint.tensors):
        return checkpoint
    found = model_config(checkpoint)
    if quantised:
        checkpoint = dequantise(checkpoint, found.values, missing=found.missing)
    return split_gate_up(checkpoint, found.values, gate_up)


def dequantise(
    checkpoint: Checkpoint, config: Mapping[str, Any] | None, *, missing: str = "no config.json given"
) -> Checkpoint:
    """``checkpoint`` with each recognised group of stored tensors replaced by one decoded float32 tensor.

    ``config``: the model's ``config.json`` (its ``quantization_config`` is used), or ``None`` and
    ``missing`` saying why (named where a block size is then read from the shapes).
    """
    quantisation = config.get("quantization_config") if config else None
    settings: Mapping[str, Any] = quantisation if isinstance(quantisation, Mapping) else {}
    by_name = {t.name: t for t in checkpoint.tensors}
    used: set[str] = set()
    decoded: list[TensorInfo] = []
    for info in checkpoint.tensors:
        if info.name.endswith(".qweight"):
            packed = packed_codes(info, by_name, settings)
            used.update(p.name for p in (packed.qweight, packed.qzeros, packed.scales, packed.g_idx) if p)
            stem = info.name.removesuffix(".qweight")
            decoded.append(_decoded(f"{stem}.weight", (packed.scales.cols, packed.in_features), info, packed))
    pending = [t for t in checkpoint.tensors if t.dtype in CODE_DTYPES and t.name not in used]
    found = {t.name: s for t in pending if (s := scale_of(t, by_name)) is not None}
    if config is not None:
        missing = "config.json gives no quantization_config.weight_block_size"
    blocks = block_sizes(found, by_name, settings, missing)
    for info in pending:
        if info.name in found:
            scaled = scaled_codes(info, found[info.name], blocks)
            used.update(p.name for p in (scaled.codes, scaled.scale, scaled.zero) if p)
            decoded.append(_decoded(info.name, info.shape, info, scaled))
    leftovers = [t for t in checkpoint.tensors if t.name not in used]
    for info in leftovers:
        _refuse_unknown(info, by_name)
    if not decoded:
        return checkpoint
    tensors = sorted([*leftovers, *decoded], key=lambda t: t.name)
    return replace(checkpoint, tensors=tuple(tensors))


def _decoded(name: str, shape: tuple[int, ...], stored: TensorInfo, decoder: Scaled | Packed) -> TensorInfo:
    """The float32 tensor the audit sees in place of a quantised group."""
    return TensorInfo(
        name=name,
        dtype="F32",
        shape=shape,
        file=stored.file,
        offset=0,
        nbytes=math.prod(shape) * 4,
        decoder=decoder,
    )


def _may_be_quantised(info: TensorInfo) -> bool:
    return info.dtype in CODE_DTYPES or info.dtype in INTEGER_DTYPES


# -- refusing what is not understood --

_KNOWN_UNSUPPORTED = (
    ("quant_state.bitsandbytes__", "bitsandbytes 4-bit (NF4/FP4)"),
    ("weight_packed", "compressed-tensors pack-quantized"),
    ("_packed", "an unknown *_packed layout"),
    ("q_weight", "ExLlamaV2 (EXL2)"),
    ("W_q", "HQQ"),
)


def _refuse_unknown(info: TensorInfo, by_name: Mapping[str, TensorInfo]) -> None:
    """Raise for an integer tensor that stores a weight in a way :func:`dequantise` did not recognise."""
    if info.dtype not in INTEGER_DTYPES or is_buffer(info.name):
        return
    last = info.name.rsplit(".", 1)[-1]
    named = next((fmt for key, fmt in _KNOWN_UNSUPPORTED if key in info.name), None)
    if any(n.startswith(f"{info.name}.quant_state.bitsandbytes__") for n in by_name):
        named = _KNOWN_UNSUPPORTED[0][1]
    weight_like = len(info.shape) >= 2 or last in {"weight", "qweight"} or last.endswith("_quantized")
    if named is None and not weight_like:
        return
    what = named or f"{info.dtype} codes without a recognisable scale"
    raise tensor_error(
        info,
        f"stores a weight as {what} — a packed or quantised format the audit does not understand; refused "
        "because integer codes are never compared as weights (convert the checkpoint to float, or to FP8, "
        "int8 with scales, GPTQ or AWQ)",
    )


def stored_label(info: TensorInfo) -> str:
    """How a tensor is stored when quantised (e.g. ``int8, per-row scales``); ``""`` for plain floats."""
    return info.decoder.label if info.decoder is not None else ""
