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
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from generator.audit.beside import model_config
from generator.audit.gate_up import Layout, fused_by_columns, split_gate_up
from generator.audit.header import TensorInfo
from generator.audit.names import is_buffer
from generator.audit.read import Checkpoint, TensorReader
from generator.audit.values import to_float, to_float32
from generator.errors import InputError

Rows = npt.NDArray[np.int64]
Float32 = npt.NDArray[np.float32]

CODE_DTYPES = {"F8_E4M3": "FP8 E4M3", "F8_E5M2": "FP8 E5M2", "I8": "int8", "U8": "uint8"}
"""Dtypes of scaled codes, with the words a report uses for them."""
INTEGER_DTYPES = frozenset({"I8", "U8", "I16", "U16", "I32", "U32"})
"""Dtypes a packed or integer-coded weight is stored in (``I64`` holds indices and ids, never weights)."""
AWQ_ORDER = (0, 2, 4, 6, 1, 3, 5, 7)
"""AWQ's int4 packing: nibble ``i`` of a word holds output column ``8 · word + AWQ_ORDER[i]``."""
_SCALE_FLOAT_DTYPES = frozenset({"F64", "F32", "F16", "BF16"})
MAX_BLOCK_CANDIDATES = 4096
"""Most block sizes weighed when inferring one from the shapes; a wider choice is refused as ambiguous."""


@dataclass(frozen=True, kw_only=True)
class Scaled:
    """A weight stored as codes times scales: per tensor, row, column or ``block[0] × block[1]`` block."""

    label: str
    """How it is stored, for a person (e.g. ``FP8 E4M3, 128×128 block scales``)."""
    codes: TensorInfo
    """The codes (FP8, int8 or uint8), in the weight's own shape."""
    scale: TensorInfo
    """The scales, viewed as a ``ceil(rows / block[0]) × ceil(cols / block[1])`` matrix."""
    zero: TensorInfo | None
    """Zero points, shaped like ``scale`` (value = (code − zero) × scale), or ``None``."""
    block: tuple[int, int]
    """Rows and columns of the weight's 2-D view that share one scale."""
    divisor: float = 1.0
    """Divides the product (bitsandbytes int8 stores ``SCB`` = 127 × its scale)."""

    @property
    def stored_nbytes(self) -> int:
        """Bytes of the stored codes, scales and zero points."""
        return self.codes.nbytes + self.scale.nbytes + (self.zero.nbytes if self.zero else 0)

    def read(self, reader: TensorReader, rows: Rows, cols: Rows | None) -> Float32:
        """Dequantised values at ``rows`` × ``cols`` of the weight's 2-D view, in float32."""
        values = _code_values(reader.read_2d(self.codes, rows, cols), self.codes.dtype)
        picked = np.arange(self.codes.cols, dtype=np.int64) if cols is None else cols
        where = (rows // self.block[0], picked // self.block[1])
        scale = to_float32(_gather(reader, self.scale, *where), self.scale.dtype).astype(np.float32)
        if self.zero is not None:
            values -= to_float32(_gather(reader, self.zero, *where), self.zero.dtype).astype(np.float32)
        values *= scale
        if self.divisor != 1.0:
            values /= np.float32(self.divisor)
        return values


@dataclass(frozen=True, kw_only=True)
class Packed:
    """A linear weight packed GPTQ- or AWQ-style: ``bits``-bit codes in int32 words, scales per group."""

    label: str
    """How it is stored, for a person (e.g. ``GPTQ int4, groups of 128``)."""
    layout: Literal["gptq", "awq"]
    """GPTQ packs along the input (``qweight``: in/pack × out), AWQ along the output (in × out/pack)."""
    qweight: TensorInfo
    """The packed codes."""
    qzeros: TensorInfo
    """Packed zero points, groups × out/pack (GPTQ's own format stores zero − 1)."""
    scales: TensorInfo
    """Scales, groups × out."""
    g_idx: TensorInfo | None
    """Group of each input (GPTQ's act-order), or ``None`` for consecutive groups."""
    bits: int
    """Bits per code (2, 4 or 8)."""
    group: int
    """Inputs per group (without ``g_idx``)."""
    zero_offset: int
    """Added to the stored zero points (1 for GPTQ's original format, else 0)."""
    in_features: int
    """Inputs: columns of the weight."""

    @property
    def stored_nbytes(self) -> int:
        """Bytes of the stored tensors."""
        parts = (self.qweight, self.qzeros, self.scales, self.g_idx)
        return sum(p.nbytes for p in parts if p is not None)

    def read(self, reader: TensorReader, rows: Rows, cols: Rows | None) -> Float32:
        """Dequantised values at output ``rows`` × input ``cols`` (the ``out × in`` weight), in float32."""
        inputs = np.arange(self.in_features, dtype=np.int64) if cols is None else cols
        outputs, back = np.unique(rows, return_inverse=True)
        pack = 32 // self.bits
        if self.layout == "gptq":
            words, at = np.unique(inputs // pack, return_inverse=True)
            unpacked = _unpack(reader.read_2d(self.qweight, words, outputs), self.bits)  # word × out × pack
            codes = unpacked[at, :, inputs % pack]  # in × out
        else:
            words, at = np.unique(outputs // pack, return_inverse=True)
            unpacked = _unpack(reader.read_2d(self.qweight, inputs, words), self.bits)  # in × word × pack
            codes = unpacked[:, at, _AWQ_NIBBLE[outputs % pack]]
        groups, of_input = np.unique(self._groups(reader, inputs), return_inverse=True)
        zero_words, zero_at = np.unique(outputs // pack, return_inverse=True)
        zeros = _unpack(reader.read_2d(self.qzeros, groups, zero_words), self.bits)  # group × word × pack
        nibble = outputs % pack if self.layout == "gptq" else _AWQ_NIBBLE[outputs % pack]
        zero = (
            (zeros[:, zero_at, nibble] + np.uint8(self.zero_offset)) & np.uint8((1 << self.bits) - 1)
        ).astype(np.float32)
        scale = to_float32(reader.read_2d(self.scales, groups, outputs), self.scales.dtype).astype(np.float32)
        values = (codes.astype(np.float32) - zero[of_input]) * scale[of_input]  # in × out
        return np.ascontiguousarray(values.T[back])

    def _groups(self, reader: TensorReader, inputs: Rows) -> Rows:
        if self.g_idx is None:
            return inputs // self.group
        index = reader.read_all(self.g_idx).reshape(-1).astype(np.int64)
        if index.size and (index.min() < 0 or index.max() >= self.scales.rows):
            raise InputError(
                f"{self.g_idx.file}: tensor {self.g_idx.name!r} names groups outside 0…{self.scales.rows - 1}"
            )
        return np.asarray(index[inputs], dtype=np.int64)


_AWQ_NIBBLE = np.argsort(np.asarray(AWQ_ORDER)).astype(np.int64)
"""For output column ``j`` of a word, the nibble holding it (the inverse of :data:`AWQ_ORDER`)."""


def _unpack(words: npt.NDArray[Any], bits: int) -> npt.NDArray[np.uint8]:
    """``bits``-bit fields of int32 words, lowest first: shape ``words.shape + (32 // bits,)``."""
    shifts = np.arange(0, 32, bits, dtype=np.uint32)
    fields = (words.view(np.uint32)[..., None] >> shifts) & np.uint32((1 << bits) - 1)
    return fields.astype(np.uint8)


def _code_values(raw: npt.NDArray[Any], dtype: str) -> Float32:
    """Codes as float32 numbers (FP8 through its exact table, integers as they are); a fresh array."""
    if dtype in {"F8_E4M3", "F8_E5M2"}:
        return np.asarray(_fp8_values(dtype)[raw], dtype=np.float32)
    return raw.astype(np.float32)


@cache
def _fp8_values(dtype: str) -> Float32:
    """The float32 value of each of the 256 FP8 bit patterns (exact: FP8 values are float32 values)."""
    return to_float(np.arange(256, dtype=np.uint8), dtype).astype(np.float32)


def _gather(reader: TensorReader, info: TensorInfo, rows: Rows, cols: Rows) -> npt.NDArray[Any]:
    """``info[rows][:, cols]`` for unsorted indices with repeats, reading each needed element once."""
    unique_rows, row_at = np.unique(rows, return_inverse=True)
    unique_cols, col_at = np.unique(cols, return_inverse=True)
    return reader.read_2d(info, unique_rows, unique_cols)[row_at][:, col_at]


# ---- recognising quantised groups ------------------------------------------------------------------------


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
            packed = _packed(info, by_name, settings)
            used.update(p.name for p in (packed.qweight, packed.qzeros, packed.scales, packed.g_idx) if p)
            stem = info.name.removesuffix(".qweight")
            decoded.append(_decoded(f"{stem}.weight", (packed.scales.cols, packed.in_features), info, packed))
    pending = [t for t in checkpoint.tensors if t.dtype in CODE_DTYPES and t.name not in used]
    found = {t.name: s for t in pending if (s := _scale_of(t, by_name)) is not None}
    if config is not None:
        missing = "config.json gives no quantization_config.weight_block_size"
    blocks = _block_sizes(found, by_name, settings, missing)
    for info in pending:
        if info.name in found:
            scaled = _scaled(info, found[info.name], blocks)
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


def _fail(info: TensorInfo, message: str) -> InputError:
    return InputError(f"{info.file}: tensor {info.name!r}: {message}")


# -- scaled codes --


@dataclass(frozen=True, kw_only=True)
class _ScaleFound:
    scale: TensorInfo
    zero: TensorInfo | None
    axis: Literal[0, 1]
    """Which axis a 1-D scale of a square weight follows (the format's own convention)."""
    divisor: float


def _scale_of(info: TensorInfo, by_name: Mapping[str, TensorInfo]) -> _ScaleFound | None:
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
        return _ScaleFound(scale=scale, zero=zero, axis=axis, divisor=divisor)
    return None


def _exact_block(info: TensorInfo, found: _ScaleFound) -> tuple[int, int] | None:
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
        raise _fail(found.scale, f"a {n}-element scale fits neither axis of {info.name!r} {list(info.shape)}")
    if len(shape) == 2 and len(info.shape) == 2:
        if shape == (rows, 1):
            return 1, max(cols, 1)
        if shape == (1, cols):
            return max(rows, 1), 1
        if shape == (rows, cols):
            return 1, 1
        return None
    raise _fail(found.scale, f"scale shape {list(shape)} does not fit {info.name!r} {list(info.shape)}")


def _block_range(n: int, blocks: int) -> tuple[int, int]:
    """Block sizes ``b`` with ``ceil(n / b) == blocks``: a range ``lo…hi`` (one block: any ``b ≥ n``)."""
    if blocks <= 0 or n <= 0 or blocks > n:
        return 1, 0
    lo = -(-n // blocks)
    return lo, _UNBOUNDED if blocks == 1 else (n - 1) // (blocks - 1)


_UNBOUNDED = 1 << 62


@dataclass(frozen=True, kw_only=True)
class _Blocks:
    size: tuple[int, int]
    source: str
    """Where the size comes from, for a report."""


def _block_sizes(
    found: Mapping[str, _ScaleFound],
    by_name: Mapping[str, TensorInfo],
    settings: Mapping[str, Any],
    missing: str,
) -> _Blocks | None:
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
            raise _fail(
                first, f"quantization_config.weight_block_size {configured!r} is not two positive integers"
            )
        return _Blocks(size=(configured[0], configured[1]), source="block size from config.json")
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
            raise _fail(first, "its block scales fit no single block size shared by the checkpoint's weights")
        top = min(hi, max(dims))
        # More candidates than any real checkpoint leaves is ambiguous (and not worth enumerating).
        sizes = range(lo, top + 1) if top - lo < MAX_BLOCK_CANDIDATES else range(lo, lo + 2)
        fits = {b: sum(1 for n in dims if n % b == 0) for b in sizes}
        best = max(fits.values())
        winners = [b for b, count in fits.items() if count == best]
        if len(winners) != 1 or top - lo >= MAX_BLOCK_CANDIDATES:
            raise _fail(
                first,
                f"its block size is ambiguous (any of {winners[0]}…{winners[-1]} fits the scale shapes) and "
                f"no config gives it ({missing})",
            )
        chosen.append(winners[0])
    return _Blocks(size=(chosen[0], chosen[1]), source=f"block size from the shapes: {missing}")


def _scaled(info: TensorInfo, found: _ScaleFound, blocks: _Blocks | None) -> Scaled:
    if found.scale.dtype not in _SCALE_FLOAT_DTYPES:
        raise _fail(found.scale, f"a scale must be a float tensor, not {found.scale.dtype}")
    if found.zero is not None and found.zero.shape != found.scale.shape:
        raise _fail(found.zero, f"zero points must be shaped like the scale {list(found.scale.shape)}")
    block = _exact_block(info, found)
    source = ""
    if block is None:
        assert blocks is not None
        block, source = blocks.size, blocks.source
        grid = tuple(-(-n // b) for n, b in zip((info.rows, info.cols), block, strict=True))
        if grid != found.scale.shape:
            raise _fail(
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


def _scaled_label(info: TensorInfo, found: _ScaleFound, block: tuple[int, int]) -> str:
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


# -- packed int4 --


def _packed(info: TensorInfo, by_name: Mapping[str, TensorInfo], settings: Mapping[str, Any]) -> Packed:
    """A GPTQ or AWQ group around ``…qweight``, checked against its shapes and the config."""
    stem = info.name.removesuffix(".qweight")
    qzeros, scales = by_name.get(f"{stem}.qzeros"), by_name.get(f"{stem}.scales")
    if qzeros is None or scales is None:
        raise _fail(
            info,
            "packed qweight without its qzeros and scales: a packed format the audit does not understand "
            "(integer codes are never compared as weights)",
        )
    if info.dtype != "I32" or qzeros.dtype != "I32" or scales.dtype not in _SCALE_FLOAT_DTYPES:
        raise _fail(info, "qweight and qzeros must be I32 and scales float (GPTQ/AWQ layout)")
    if len(info.shape) != 2 or len(qzeros.shape) != 2 or len(scales.shape) != 2:
        raise _fail(info, "qweight, qzeros and scales must be matrices (GPTQ/AWQ layout)")
    method = str(settings.get("quant_method", "")).lower()
    out = scales.shape[1]
    layout: Literal["gptq", "awq"] = "gptq" if info.shape[1] == out else "awq"
    if method in {"gptq", "awq"} and method != layout:
        raise _fail(info, f"config.json says {method} but the shapes are {layout.upper()}'s")
    if method not in {"", "gptq", "awq"}:
        raise _fail(info, f"quant_method {method!r} is a packed format the audit does not understand")
    fmt = str(settings.get("checkpoint_format", "gptq")).lower()
    if layout == "gptq" and fmt not in {"gptq", "gptq_v2"}:
        raise _fail(info, f"GPTQ checkpoint_format {fmt!r} (a kernel-specific packing) is not understood")
    if layout == "awq" and str(settings.get("version", "gemm")).lower() != "gemm":
        raise _fail(info, f"AWQ version {settings.get('version')!r} is not understood (only GEMM packing is)")
    configured = settings.get("bits", settings.get("w_bit"))
    bits = configured if isinstance(configured, int) else _bits_from_shapes(layout, info, scales, qzeros)
    pack = 32 // bits if bits in (2, 4, 8) else 0
    if not pack or (layout == "awq" and bits != 4):
        raise _fail(
            info, f"{bits}-bit {layout.upper()} packing is not understood (GPTQ 2/4/8-bit, AWQ 4-bit are)"
        )
    in_features = info.shape[0] * pack if layout == "gptq" else info.shape[0]
    zero_shape = (scales.shape[0], -(-out // pack))
    if (layout == "awq" and info.shape[1] * pack != out) or qzeros.shape != zero_shape:
        raise _fail(info, "qweight, qzeros and scales shapes disagree with each other")
    g_idx = by_name.get(f"{stem}.g_idx")
    if g_idx is not None and (g_idx.shape != (in_features,) or g_idx.dtype not in {"I32", "I64"}):
        raise _fail(g_idx, f"g_idx must be {in_features} integers")
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
        raise _fail(qweight, "its bits per code cannot be read from the shapes and config.json gives none")
    return bits


def _group_size(
    info: TensorInfo, in_features: int, groups: int, settings: Mapping[str, Any], *, act_order: bool
) -> int:
    configured = settings.get("group_size", settings.get("q_group_size"))
    if isinstance(configured, int) and not isinstance(configured, bool) and configured != 0:
        size = in_features if configured < 0 else configured
        if -(-in_features // size) != groups and not act_order:
            raise _fail(info, f"group_size {configured} from config.json does not give its {groups} groups")
        return size
    if groups <= 0 or (in_features % groups and not act_order):
        raise _fail(
            info, f"{groups} groups do not divide {in_features} inputs and config.json gives no group_size"
        )
    return max(1, in_features // groups)


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
    raise _fail(
        info,
        f"stores a weight as {what} — a packed or quantised format the audit does not understand; refused "
        "because integer codes are never compared as weights (convert the checkpoint to float, or to FP8, "
        "int8 with scales, GPTQ or AWQ)",
    )


def stored_label(info: TensorInfo) -> str:
    """How a tensor is stored when quantised (e.g. ``int8, per-row scales``); ``""`` for plain floats."""
    return info.decoder.label if info.decoder is not None else ""
