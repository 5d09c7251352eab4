"""Stage 1 — read, its first step: a safetensors file's header validated before any tensor byte is trusted.

The header is untrusted input: an 8-byte little-endian length, then JSON. Every entry is checked (known dtype,
sane shape, offsets inside the file, no overlaps, no holes) and every problem collected before one error names
the file. Pickle-based formats (``.bin``, ``.pt``, ``.ckpt``, ``.pth``, ``.pkl``) are refused by name *and* by
content. Also here: the dtypes the reader accepts and :class:`TensorInfo`, where one validated tensor lives;
:mod:`~generator.audit.read` opens checkpoints (files, shards, indexes; local or remote) and reads the bytes.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from generator.audit.remote import RemoteFile
from generator.errors import InputError

if TYPE_CHECKING:  # a type only: the reader takes TensorInfo, a Decoder takes the reader
    from generator.audit.read import TensorReader

MAX_HEADER_BYTES = 100 * 1024 * 1024
"""The largest header accepted; the safetensors library uses the same limit."""
MAX_TENSORS = 1_000_000
"""More tensors than any real checkpoint has; a bigger count is a hostile header."""
MAX_NAME_CHARS = 1024
"""Longest tensor name accepted."""
MAX_NDIM = 8
"""Most dimensions a tensor may declare."""
PICKLE_SUFFIXES = frozenset({".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle"})
"""File name endings of pickle-based formats, which are refused (unpickling can run arbitrary code)."""


@dataclass(frozen=True, kw_only=True)
class DType:
    """One safetensors dtype."""

    name: str
    """The header spelling, e.g. ``"BF16"``."""
    itemsize: int
    """Bytes per element."""
    numpy: str
    """Little-endian numpy dtype holding the raw element (bf16 and fp8 as unsigned bit patterns)."""
    kind: Literal["float", "int", "bool"]
    """Floating point, integer or boolean."""
    rank: int
    """Precision rank among floats (higher is more precise); 0 for integers and booleans."""
    mantissa: int
    """Mantissa bits (floats only); breaks ties between dtypes of equal rank."""


DTYPES: dict[str, DType] = {
    d.name: d
    for d in (
        DType(name="F64", itemsize=8, numpy="<f8", kind="float", rank=4, mantissa=52),
        DType(name="F32", itemsize=4, numpy="<f4", kind="float", rank=3, mantissa=23),
        DType(name="F16", itemsize=2, numpy="<f2", kind="float", rank=2, mantissa=10),
        DType(name="BF16", itemsize=2, numpy="<u2", kind="float", rank=2, mantissa=7),
        DType(name="F8_E4M3", itemsize=1, numpy="u1", kind="float", rank=1, mantissa=3),
        DType(name="F8_E5M2", itemsize=1, numpy="u1", kind="float", rank=1, mantissa=2),
        DType(name="I64", itemsize=8, numpy="<i8", kind="int", rank=0, mantissa=0),
        DType(name="I32", itemsize=4, numpy="<i4", kind="int", rank=0, mantissa=0),
        DType(name="I16", itemsize=2, numpy="<i2", kind="int", rank=0, mantissa=0),
        DType(name="I8", itemsize=1, numpy="i1", kind="int", rank=0, mantissa=0),
        DType(name="U64", itemsize=8, numpy="<u8", kind="int", rank=0, mantissa=0),
        DType(name="U32", itemsize=4, numpy="<u4", kind="int", rank=0, mantissa=0),
        DType(name="U16", itemsize=2, numpy="<u2", kind="int", rank=0, mantissa=0),
        DType(name="U8", itemsize=1, numpy="u1", kind="int", rank=0, mantissa=0),
        DType(name="BOOL", itemsize=1, numpy="u1", kind="bool", rank=0, mantissa=0),
    )
}
"""Every dtype the reader accepts; any other name in a header is refused."""

AUDITED_DTYPES = frozenset({"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"})
"""Dtypes that hold weights; other dtypes are buffers and are skipped. Integer codes of a quantised weight are
never weights themselves: :mod:`~generator.audit.quant` reads them with their scales as float32 values."""


class Decoder(Protocol):
    """How a quantised weight's float32 values are made from the stored tensors it stands for.

    Implemented in :mod:`~generator.audit.quant` (scaled FP8/int8 codes, packed GPTQ/AWQ int4) and
    :mod:`~generator.audit.gate_up` (the gate or up columns of a fused expert tensor).
    """

    @property
    def label(self) -> str:
        """How the weight is stored, for a person (e.g. ``int8, per-row scales``)."""
        ...

    @property
    def stored_nbytes(self) -> int:
        """Bytes of the stored tensors (codes, scales, zero points)."""
        ...

    @property
    def parts(self) -> tuple[TensorInfo, ...]:
        """The stored tensors (or row slices of them) its values are read from."""
        ...

    def read(
        self, reader: TensorReader, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64] | None
    ) -> npt.NDArray[np.float32]:
        """Values at ``rows`` × ``cols`` of the weight's 2-D view (``cols=None``: whole rows): float32 for a
        quantised weight (``F32``), raw elements of the tensor's own dtype for a view of stored columns."""
        ...


@dataclass(frozen=True, kw_only=True)
class TensorInfo:
    """Where one tensor lives: validated header facts, no data."""

    name: str
    """Tensor name as written in the file."""
    dtype: str
    """Safetensors dtype name (a key of :data:`DTYPES`)."""
    shape: tuple[int, ...]
    """Declared shape."""
    file: Path | RemoteFile
    """The shard holding the tensor (a local path or a remote file)."""
    offset: int
    """Absolute byte offset of the first element in ``file``."""
    nbytes: int
    """Size of the data in bytes."""
    decoder: Decoder | None = None
    """For a quantised weight: how its values are made (it is then ``F32``, and ``offset`` counts bytes of
    those float32 values — a row slice of a fused tensor moves it); ``None`` for a tensor stored as is."""

    @property
    def stored_nbytes(self) -> int:
        """Bytes stored in the checkpoint (for a quantised weight: its codes, scales and zero points)."""
        return self.nbytes if self.decoder is None else self.decoder.stored_nbytes

    @property
    def numel(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)

    @property
    def rows(self) -> int:
        """Rows of the 2-D view (1 for vectors and scalars)."""
        return self.shape[0] if len(self.shape) >= 2 else 1

    @property
    def cols(self) -> int:
        """Columns of the 2-D view: the product of all but the first dimension (the length of a vector)."""
        if len(self.shape) >= 2:
            return math.prod(self.shape[1:])
        return self.shape[0] if self.shape else 1


def tensor_error(info: TensorInfo, message: str) -> InputError:
    """An error naming the tensor's file and name, then ``message``."""
    return InputError(f"{info.file}: tensor {info.name!r}: {message}")


def located_error(path: object, problems: Sequence[str]) -> InputError:
    """One error naming ``path`` and its first five problems (and how many more there are)."""
    shown = "; ".join(problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return InputError(f"{path}: {shown}{more}")


def _refuse_pickle_content(path: object, head: bytes) -> None:
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        raise InputError(
            f"{path}: is a Python pickle (protocol {head[1]}), not safetensors; refused because unpickling "
            "can run arbitrary code — convert it to .safetensors in a sandbox first"
        )
    if head[:4] == b"PK\x03\x04":
        raise InputError(
            f"{path}: is a zip archive (PyTorch's pickle-based format), not safetensors; refused because "
            "unpickling can run arbitrary code — convert it to .safetensors in a sandbox first"
        )


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict, a key given twice refused (an ``object_pairs_hook`` for ``json``)."""
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        duplicate = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"duplicate key {duplicate!r}")
    return dict(pairs)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def stored_parts(info: TensorInfo) -> tuple[TensorInfo, ...]:
    """What reading ``info`` touches where it is stored: its decoder's parts, else itself."""
    return info.decoder.parts if info.decoder is not None else (info,)


def read_header(path: Path | RemoteFile) -> tuple[dict[str, str], tuple[TensorInfo, ...]]:
    """Parse and validate one safetensors file's header; return its metadata and tensors.

    Raises :class:`InputError` naming the file and every problem found (up to five shown).
    """
    suffix = Path(path.name).suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        raise InputError(
            f"{path}: {suffix} files are pickle-based and are refused (unpickling can run arbitrary "
            "code); provide .safetensors"
        )
    if isinstance(path, RemoteFile):
        return _parse_header(path, path.size, path.read)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            fd = handle.fileno()
            return _parse_header(path, size, lambda offset, length: os.pread(fd, length, offset))
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from error


def _parse_header(
    path: Path | RemoteFile, size: int, pread: Callable[[int, int], bytes]
) -> tuple[dict[str, str], tuple[TensorInfo, ...]]:
    head = pread(0, 9)
    declared = int.from_bytes(head[:8], "little")
    # A safetensors length prefix can start with pickle-like bytes (0x0580 = 1408 reads as
    # "protocol 5"), so content sniffing applies only when the file is not plausibly safetensors.
    if len(head) < 9 or head[8:9] != b"{" or declared > min(size - 8, MAX_HEADER_BYTES):
        _refuse_pickle_content(path, head)
    head = head[:8]
    if len(head) < 8:
        raise InputError(f"{path}: file is {size} bytes, shorter than the 8-byte safetensors header")
    header_len = int.from_bytes(head, "little")
    if header_len > MAX_HEADER_BYTES:
        raise InputError(
            f"{path}: declares a {header_len}-byte header, over the {MAX_HEADER_BYTES}-byte limit"
        )
    if header_len < 2 or 8 + header_len > size:
        raise InputError(
            f"{path}: declares a {header_len}-byte header but the file has {size} bytes (truncated?)"
        )
    raw = pread(8, header_len)
    if len(raw) != header_len:
        raise InputError(f"{path}: header is truncated")
    try:
        text = raw.decode("utf-8")
        if not text.lstrip().startswith("{"):
            raise ValueError("the header is not a JSON object")
        parsed = json.loads(text, object_pairs_hook=unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InputError(f"{path}: header is not valid safetensors JSON ({error})") from error
    if not isinstance(parsed, dict):
        raise InputError(f"{path}: header is not a JSON object")
    return _validate_entries(path, parsed, data_start=8 + header_len, data_size=size - 8 - header_len)


def _validate_entries(  # noqa: PLR0912, PLR0915 — one check per field, collecting every problem
    path: Path | RemoteFile, parsed: dict[str, Any], *, data_start: int, data_size: int
) -> tuple[dict[str, str], tuple[TensorInfo, ...]]:
    problems: list[str] = []
    metadata_raw = parsed.pop("__metadata__", {})
    metadata: dict[str, str] = {}
    if not isinstance(metadata_raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata_raw.items()
    ):
        problems.append("__metadata__ must map strings to strings")
    else:
        metadata = dict(metadata_raw)
    if len(parsed) > MAX_TENSORS:
        raise located_error(path, [f"declares {len(parsed)} tensors, over the limit of {MAX_TENSORS}"])
    spans: list[tuple[int, int, str]] = []
    tensors: list[TensorInfo] = []
    for name, entry in parsed.items():
        where = f"tensor {name[:80]!r}"
        if not name or len(name) > MAX_NAME_CHARS or any(ord(c) < 32 for c in name):
            problems.append(f"{where}: invalid tensor name")
            continue
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            problems.append(f"{where}: entry must have exactly dtype, shape and data_offsets")
            continue
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(dtype, str) or dtype not in DTYPES:
            problems.append(f"{where}: unknown dtype {str(dtype)[:20]!r}")
            continue
        if (
            not isinstance(shape, list)
            or len(shape) > MAX_NDIM
            or not all(_is_int(d) and 0 <= d <= 2**48 for d in shape)
        ):
            problems.append(f"{where}: shape must be a list of at most {MAX_NDIM} non-negative integers")
            continue
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_int(o) for o in offsets):
            problems.append(f"{where}: data_offsets must be two integers")
            continue
        begin, end = offsets
        if not 0 <= begin <= end <= data_size:
            problems.append(f"{where}: data_offsets [{begin}, {end}] lie outside the {data_size}-byte data")
            continue
        expected = math.prod(shape) * DTYPES[dtype].itemsize
        if end - begin != expected:
            problems.append(f"{where}: holds {end - begin} bytes but {dtype}{shape} needs {expected}")
            continue
        spans.append((begin, end, name))
        tensors.append(
            TensorInfo(
                name=name,
                dtype=dtype,
                shape=tuple(shape),
                file=path,
                offset=data_start + begin,
                nbytes=end - begin,
            )
        )
    spans.sort()
    position, previous = 0, ""
    for begin, end, name in spans:
        if begin < position:
            problems.append(f"data of tensors {previous!r} and {name!r} overlap")
        elif begin > position:
            problems.append(f"{begin - position} unindexed bytes before tensor {name!r}")
        if end >= position:
            previous = name
        position = max(position, end)
    if not problems and position != data_size:
        problems.append(f"{data_size - position} trailing bytes after the last tensor")
    if problems:
        raise located_error(path, problems)
    return metadata, tuple(sorted(tensors, key=lambda t: t.name))
