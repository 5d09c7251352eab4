"""Raw safetensors elements as numbers: float64 or float32 values, and NaN or infinity refused.

A tensor's bytes are read (:mod:`~generator.audit.read`) as raw elements of its stored dtype — BF16 and FP8 as
unsigned bit patterns (:data:`~generator.audit.header.DTYPES`); these functions turn them into values.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from generator.audit.header import TensorInfo
from generator.errors import InputError


@cache
def _fp8_table(dtype: str) -> npt.NDArray[np.float64]:
    import torch  # noqa: PLC0415 — torch is only needed for the rare fp8 checkpoints

    torch_dtype = torch.float8_e4m3fn if dtype == "F8_E4M3" else torch.float8_e5m2
    table = torch.arange(256, dtype=torch.uint8).view(torch_dtype).to(torch.float64).numpy()
    return np.asarray(table, dtype=np.float64)


def to_float(raw: npt.NDArray[Any], dtype: str) -> npt.NDArray[np.float64]:
    """Convert raw elements of a safetensors ``dtype`` to float64 values."""
    if dtype == "BF16":
        return to_float32(raw, dtype).astype(np.float64)
    if dtype in {"F8_E4M3", "F8_E5M2"}:
        return np.asarray(_fp8_table(dtype)[raw], dtype=np.float64)
    return raw.astype(np.float64)


def to_float32(raw: npt.NDArray[Any], dtype: str) -> npt.NDArray[Any]:
    """Raw elements as float32 where that is exact (BF16, F16, F32), else float64 (as :func:`to_float`)."""
    if dtype == "BF16":
        bits = raw.astype(np.uint32)
        bits <<= 16  # in place: one pass fewer than a shifted copy
        return bits.view(np.float32)
    if dtype in {"F16", "F32"}:
        return raw.astype(np.float32, copy=False)
    return to_float(raw, dtype)


_EXPONENT_MASKS: dict[str, tuple[type[np.unsignedinteger[Any]], int]] = {
    "F64": (np.uint64, 0x7FF0_0000_0000_0000),
    "F32": (np.uint32, 0x7F80_0000),
    "F16": (np.uint16, 0x7C00),
    "BF16": (np.uint16, 0x7F80),
}


def raw_finite_or_fail(raw: npt.NDArray[Any], dtype: str, info: TensorInfo) -> None:
    """Raise :class:`InputError` if any raw element is NaN or infinite (checked on the exponent bits)."""
    mask = _EXPONENT_MASKS.get(dtype)
    if mask is None:
        finite_or_fail(to_float(raw, dtype), info)
        return
    unsigned, exponent = mask
    if bool(np.any((raw.view(unsigned) & unsigned(exponent)) == unsigned(exponent))):
        raise InputError(f"{info.file}: tensor {info.name!r} contains NaN or infinite values")


def finite_or_fail(values: npt.NDArray[np.float64], info: TensorInfo) -> npt.NDArray[np.float64]:
    """Return ``values`` unchanged, or raise :class:`InputError` if any is NaN or infinite."""
    if not np.isfinite(values).all():
        raise InputError(f"{info.file}: tensor {info.name!r} contains NaN or infinite values")
    return values
