"""Stage 1b — quantised weights, scaled codes: FP8, int8 or uint8 codes recognised with their scales.

A tensor of codes is matched to its scale (and zero point) by the names common formats use
(``weight_scale_inv``, ``weight_scale``, bitsandbytes ``SCB``, ONNX ``_scale`` / ``_zero_point``); a scale per
tensor, row, column or element fits one way only, and block scales take the checkpoint's one block size —
from ``quantization_config.weight_block_size``, else from the shapes where only one size fits every scaled
weight (ambiguity is refused). The result is a :class:`~generator.audit.quant_decode.Scaled` decoder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from generator.audit.header import TensorInfo, tensor_error
from generator.audit.quant_decode import CODE_DTYPES, SCALE_DTYPES, Scaled

MAX_BLOCK_CANDIDATES = 4096
"""Most block sizes weighed when inferring one from the shapes; a wider choice is refused as ambiguous."""


@dataclass(frozen=True, kw_only=True)
class ScaleFound:
    """The scale stored for a tensor of codes, as its name says it is to be used."""

    scale: TensorInfo
    """The scales, in their stored shape."""
    zero: TensorInfo | None
    """Zero points, or ``None``."""
    axis: Literal[0, 1]
    """Which axis a 1-D scale of a square weight follows (the format's own convention)."""
    divisor: float
    """Divides the product (bitsandbytes int8 stores ``SCB`` = 127 × its scale)."""


def scale_of(info: TensorInfo, by_name: Mapping[str, TensorInfo]) -> ScaleFound | None:
    """The scale (and zero point) stored for a tensor of codes, by the names common formats use."""
    name = info.name
    stem = name.removesuffix(".weight") if name.endswith(".weight") else None
    base = name.removesuffix("_quantized")
    options: list[tuple[str, Literal[0, 1], float]] = []
    if stem is not None:
        options += [
            (f"{stem}.weight_scale_inv", 0, 1.0),
            (f"{stem}.weight_scale", 0, 1.0),
            (f"{stem}.SCB", 0, 127.0),
        ]
    # ONNX DequantizeLinear: a per-axis scale follows axis 1 unless told otherwise.
    options += [(f"{base}_scale", 1, 1.0), (f"{name}_scale", 1, 1.0)]
    for scale_name, axis, divisor in options:
        scale = by_name.get(scale_name)
        if scale is None:
            continue
        zeros = [f"{stem}.weight_zero_point"] if stem is not None else []
        zeros += [f"{base}_zero_point", f"{name}_zero_point"]
        zero = next((by_name[z] for z in zeros if z in by_name), None)
        return ScaleFound(scale=scale, zero=zero, axis=axis, divisor=divisor)
    return None


def _exact_block(info: TensorInfo, found: ScaleFound) -> tuple[int, int] | None:
    """The block of a per-tensor, per-row, per-column or per-element scale; ``None`` for a block scale."""
    rows, cols = info.rows, info.cols
    shape = found.scale.shape
    if math.prod(shape) == 1:
        return max(rows, 1), max(cols, 1)
    if len(shape) == 1:
        (n,) = shape
        if n == rows and (n != cols or found.axis == 0):
            return 1, max(cols, 1)
        if n == cols:
            return max(rows, 1), 1
        raise tensor_error(
            found.scale, f"a {n}-element scale fits neither axis of {info.name!r} {list(info.shape)}"
        )
    if len(shape) == 2 and len(info.shape) == 2:
        if shape == (rows, 1):
            return 1, max(cols, 1)
        if shape == (1, cols):
            return max(rows, 1), 1
        if shape == (rows, cols):
            return 1, 1
        return None
    raise tensor_error(
        found.scale, f"scale shape {list(shape)} does not fit {info.name!r} {list(info.shape)}"
    )


def _block_range(n: int, blocks: int) -> tuple[int, int]:
    """Block sizes ``b`` with ``ceil(n / b) == blocks``: a range ``lo…hi`` (one block: any ``b ≥ n``)."""
    if blocks <= 0 or n <= 0 or blocks > n:
        return 1, 0
    lo = -(-n // blocks)
    return lo, _UNBOUNDED if blocks == 1 else (n - 1) // (blocks - 1)


_UNBOUNDED = 1 << 62


@dataclass(frozen=True, kw_only=True)
class Blocks:
    """The one block size a checkpoint's block-scaled weights share."""

    size: tuple[int, int]
    """Rows and columns of a block."""
    source: str
    """Where the size comes from, for a report."""


def block_sizes(
    found: Mapping[str, ScaleFound],
    by_name: Mapping[str, TensorInfo],
    settings: Mapping[str, Any],
    missing: str,
) -> Blocks | None:
    """The checkpoint's block size for block-scaled weights: from the config, else from the shapes (and
    ``missing``, why the config gave none, named in the source).

    From the shapes: the sizes consistent with every block scale; where several are, the one that divides
    the most weight dimensions exactly (real formats tile whole blocks); a tie is refused as ambiguous.
    """
    blocked = {name: f for name, f in found.items() if _exact_block(by_name[name], f) is None}
    if not blocked:
        return None
    configured = settings.get("weight_block_size")
    if configured is not None:
        if (
            not isinstance(configured, list)
            or len(configured) != 2
            or not all(isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in configured)
        ):
            first = by_name[next(iter(blocked))]
            raise tensor_error(
                first, f"quantization_config.weight_block_size {configured!r} is not two positive integers"
            )
        return Blocks(size=(configured[0], configured[1]), source="block size from config.json")
    chosen: list[int] = []
    for axis in (0, 1):
        lo, hi = 1, _UNBOUNDED
        dims: list[int] = []
        for name, f in blocked.items():
            n = (by_name[name].rows, by_name[name].cols)[axis]
            low, high = _block_range(n, f.scale.shape[axis])
            lo, hi = max(lo, low), min(hi, high)
            dims.append(n)
        first = by_name[next(iter(blocked))]
        if lo > hi:
            raise tensor_error(
                first, "its block scales fit no single block size shared by the checkpoint's weights"
            )
        top = min(hi, max(dims))
        # More candidates than any real checkpoint leaves is ambiguous (and not worth enumerating).
        sizes = range(lo, top + 1) if top - lo < MAX_BLOCK_CANDIDATES else range(lo, lo + 2)
        fits = {b: sum(1 for n in dims if n % b == 0) for b in sizes}
        best = max(fits.values())
        winners = [b for b, count in fits.items() if count == best]
        if len(winners) != 1 or top - lo >= MAX_BLOCK_CANDIDATES:
            raise tensor_error(
                first,
                f"its block size is ambiguous (any of {winners[0]}…{winners[-1]} fits the scale shapes) and "
                f"no config gives it ({missing})",
            )
        chosen.append(winners[0])
    return Blocks(size=(chosen[0], chosen[1]), source=f"block size from the shapes: {missing}")


def scaled_codes(info: TensorInfo, found: ScaleFound, blocks: Blocks | None) -> Scaled:
    """The decoder of ``info``'s codes times ``found``'s scales, checked to tile the weight exactly."""
    if found.scale.dtype not in SCALE_DTYPES:
        raise tensor_error(found.scale, f"a scale must be a float tensor, not {found.scale.dtype}")
    if found.zero is not None and found.zero.shape != found.scale.shape:
        raise tensor_error(found.zero, f"zero points must be shaped like the scale {list(found.scale.shape)}")
    block = _exact_block(info, found)
    source = ""
    if block is None:
        assert blocks is not None
        block, source = blocks.size, blocks.source
        grid = tuple(-(-n // b) for n, b in zip((info.rows, info.cols), block, strict=True))
        if grid != found.scale.shape:
            raise tensor_error(
                info,
                f"block scales {list(found.scale.shape)} do not tile {list(info.shape)} in "
                f"{block[0]}×{block[1]} blocks (quantization_config.weight_block_size or the shapes)",
            )
    grid = (-(-info.rows // block[0]), -(-info.cols // block[1]))
    scale = replace(found.scale, shape=grid)
    zero = replace(found.zero, shape=grid) if found.zero is not None else None
    return Scaled(
        label=_scaled_label(info, found, block) + (f" — {source}" if source else ""),
        codes=info,
        scale=scale,
        zero=zero,
        block=block,
        divisor=found.divisor,
    )


def _scaled_label(info: TensorInfo, found: ScaleFound, block: tuple[int, int]) -> str:
    codes = CODE_DTYPES[info.dtype] + (" with zero points" if found.zero is not None else "")
    if block == (max(info.rows, 1), max(info.cols, 1)):
        how = "per-tensor scale"
    elif block == (1, max(info.cols, 1)):
        how = "per-row scales"
    elif block == (max(info.rows, 1), 1):
        how = "per-column scales"
    elif block == (1, 1):
        how = "per-element scales"
    else:
        how = f"{block[0]}×{block[1]} block scales"
    return f"{codes}, {how}"
