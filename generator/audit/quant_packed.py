"""Stage 1b — quantised weights, packed codes: a GPTQ or AWQ group around ``…qweight`` recognised.

GPTQ packs ``bits``-bit codes along the input (``qweight``, ``qzeros``, ``scales``, optional ``g_idx``), AWQ
along the output in its interleaved order; both are checked against their shapes and the ``config.json``'s
``quantization_config`` (bits and group size from there, else from the shapes). Kernel-specific packings are
refused. The result is a :class:`~generator.audit.quant_decode.Packed` decoder.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from generator.audit.header import TensorInfo, tensor_error
from generator.audit.quant_decode import SCALE_DTYPES, Packed


def packed_codes(info: TensorInfo, by_name: Mapping[str, TensorInfo], settings: Mapping[str, Any]) -> Packed:
    """A GPTQ or AWQ group around ``…qweight``, checked against its shapes and the config."""
    stem = info.name.removesuffix(".qweight")
    qzeros, scales = by_name.get(f"{stem}.qzeros"), by_name.get(f"{stem}.scales")
    if qzeros is None or scales is None:
        raise tensor_error(
            info,
            "packed qweight without its qzeros and scales: a packed format the audit does not understand "
            "(integer codes are never compared as weights)",
        )
    if info.dtype != "I32" or qzeros.dtype != "I32" or scales.dtype not in SCALE_DTYPES:
        raise tensor_error(info, "qweight and qzeros must be I32 and scales float (GPTQ/AWQ layout)")
    if len(info.shape) != 2 or len(qzeros.shape) != 2 or len(scales.shape) != 2:
        raise tensor_error(info, "qweight, qzeros and scales must be matrices (GPTQ/AWQ layout)")
    method = str(settings.get("quant_method", "")).lower()
    out = scales.shape[1]
    layout: Literal["gptq", "awq"] = "gptq" if info.shape[1] == out else "awq"
    if method in {"gptq", "awq"} and method != layout:
        raise tensor_error(info, f"config.json says {method} but the shapes are {layout.upper()}'s")
    if method not in {"", "gptq", "awq"}:
        raise tensor_error(info, f"quant_method {method!r} is a packed format the audit does not understand")
    fmt = str(settings.get("checkpoint_format", "gptq")).lower()
    if layout == "gptq" and fmt not in {"gptq", "gptq_v2"}:
        raise tensor_error(
            info, f"GPTQ checkpoint_format {fmt!r} (a kernel-specific packing) is not understood"
        )
    if layout == "awq" and str(settings.get("version", "gemm")).lower() != "gemm":
        raise tensor_error(
            info, f"AWQ version {settings.get('version')!r} is not understood (only GEMM packing is)"
        )
    configured = settings.get("bits", settings.get("w_bit"))
    bits = configured if isinstance(configured, int) else _bits_from_shapes(layout, info, scales, qzeros)
    pack = 32 // bits if bits in (2, 4, 8) else 0
    if not pack or (layout == "awq" and bits != 4):
        raise tensor_error(
            info, f"{bits}-bit {layout.upper()} packing is not understood (GPTQ 2/4/8-bit, AWQ 4-bit are)"
        )
    in_features = info.shape[0] * pack if layout == "gptq" else info.shape[0]
    zero_shape = (scales.shape[0], -(-out // pack))
    if (layout == "awq" and info.shape[1] * pack != out) or qzeros.shape != zero_shape:
        raise tensor_error(info, "qweight, qzeros and scales shapes disagree with each other")
    g_idx = by_name.get(f"{stem}.g_idx")
    if g_idx is not None and (g_idx.shape != (in_features,) or g_idx.dtype not in {"I32", "I64"}):
        raise tensor_error(g_idx, f"g_idx must be {in_features} integers")
    group = _group_size(info, in_features, scales.shape[0], settings, act_order=g_idx is not None)
    word = f"int{bits}"
    groups = "one group" if group >= in_features else f"groups of {group}"
    return Packed(
        label=f"{layout.upper()} {word}, {groups}" + (", act-order" if g_idx is not None else ""),
        layout=layout,
        qweight=info,
        qzeros=qzeros,
        scales=scales,
        g_idx=g_idx,
        bits=bits,
        group=group,
        zero_offset=1 if layout == "gptq" and fmt == "gptq" else 0,
        in_features=in_features,
    )


def _bits_from_shapes(layout: str, qweight: TensorInfo, scales: TensorInfo, qzeros: TensorInfo) -> int:
    out = scales.shape[1]
    words = qweight.shape[1] if layout == "awq" else qzeros.shape[1]
    bits = 32 * words // out if out and (32 * words) % out == 0 else 0
    if bits not in (2, 4, 8):
        raise tensor_error(
            qweight, "its bits per code cannot be read from the shapes and config.json gives none"
        )
    return bits


def _group_size(
    info: TensorInfo, in_features: int, groups: int, settings: Mapping[str, Any], *, act_order: bool
) -> int:
    configured = settings.get("group_size", settings.get("q_group_size"))
    if isinstance(configured, int) and not isinstance(configured, bool) and configured != 0:
        size = in_features if configured < 0 else configured
        if -(-in_features // size) != groups and not act_order:
            raise tensor_error(
                info, f"group_size {configured} from config.json does not give its {groups} groups"
            )
        return size
    if groups <= 0 or (in_features % groups and not act_order):
        raise tensor_error(
            info, f"{groups} groups do not divide {in_features} inputs and config.json gives no group_size"
        )
    return max(1, in_features // groups)
