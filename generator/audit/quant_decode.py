"""Stage 1b — quantised weights, their values: :class:`Scaled` and :class:`Packed` read codes back as numbers.

Each is the :class:`~generator.audit.header.Decoder` of one quantised weight that
:mod:`~generator.audit.quant` recognised: it reads exactly the rows and columns asked for from the stored
codes, scales and zero points, and returns float32 values — so memory stays bounded by the window being read,
never by the whole tensor.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from generator.audit.header import TensorInfo
from generator.audit.read import TensorReader
from generator.audit.remote import RemoteFile
from generator.audit.values import to_float, to_float32
from generator.errors import InputError

Rows = npt.NDArray[np.int64]
Float32 = npt.NDArray[np.float32]

CODE_DTYPES = {"F8_E4M3": "FP8 E4M3", "F8_E5M2": "FP8 E5M2", "I8": "int8", "U8": "uint8"}
"""Dtypes of scaled codes, with the words a report uses for them."""
AWQ_ORDER = (0, 2, 4, 6, 1, 3, 5, 7)
"""AWQ's int4 packing: nibble ``i`` of a word holds output column ``8 · word + AWQ_ORDER[i]``."""
SCALE_DTYPES = frozenset({"F64", "F32", "F16", "BF16"})
"""Dtypes a scale may be stored in."""


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

    @property
    def parts(self) -> tuple[TensorInfo, ...]:
        """The codes, scales and zero points."""
        return (self.codes, self.scale, *((self.zero,) if self.zero else ()))

    def read(self, reader: TensorReader, rows: Rows, cols: Rows | None) -> Float32:
        """Dequantised values at ``rows`` × ``cols`` of the weight's 2-D view, in float32."""
        codes = reader.read_2d(self.codes, rows, cols)
        picked = np.arange(self.codes.cols, dtype=np.int64) if cols is None else cols
        where = (rows // self.block[0], picked // self.block[1])
        scales = _gather(reader, self.scale, *where)
        zeros = _gather(reader, self.zero, *where) if self.zero is not None else None
        if _rehearsed(self.codes):  # only where the reads fall matters: no values computed from the zeros
            return np.zeros(codes.shape, dtype=np.float32)
        values = _code_values(codes, self.codes.dtype)
        scale = to_float32(scales, self.scale.dtype).astype(np.float32)
        if zeros is not None and self.zero is not None:
            values -= to_float32(zeros, self.zero.dtype).astype(np.float32)
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
        return sum(p.nbytes for p in self.parts)

    @property
    def parts(self) -> tuple[TensorInfo, ...]:
        """The packed codes, zero points, scales and group indices."""
        return tuple(p for p in (self.qweight, self.qzeros, self.scales, self.g_idx) if p is not None)

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


def _rehearsed(info: TensorInfo) -> bool:
    """Whether ``info``'s reads are being rehearsed (:meth:`~generator.audit.remote.Remote.rehearse`:
    recorded, answered with zeros): a DeepSeek-V3 layer's rehearsal spent a third of its time decoding those
    zeros."""
    return isinstance(info.file, RemoteFile) and info.file.rehearsal is not None


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
