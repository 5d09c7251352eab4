"""Stage 1 — read: safetensors checkpoints, validated before a single tensor byte is trusted.

Checkpoints are untrusted input. This module parses the safetensors header itself (8-byte little-endian
length, then JSON), checks every entry (known dtype, sane shape, offsets inside the file, no overlaps, no
holes) and only then reads tensor bytes, with ``os.pread`` into fresh buffers — never ``mmap`` of the whole
file (so peak memory stays near the chunk being read) and never ``pickle`` / ``torch.load``. A remote
checkpoint (``hf://``, ``http(s)://``; see :mod:`~generator.audit.remote`) goes through the same checks:
only where the bytes come from differs (HTTP ``Range`` requests, a batch of windows at a time). Pickle-based
formats (``.bin``, ``.pt``, ``.ckpt``, ``.pth``, ``.pkl``) are refused by name *and* by content.

It is the only module of :mod:`generator.audit` besides the CLI and the fingerprint writer that touches files.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from generator.audit.locate import Located, locate
from generator.audit.remote import Remote, RemoteFile, default_remote, is_remote
from generator.errors import InputError

MAX_HEADER_BYTES = 100 * 1024 * 1024
"""The largest header accepted; the safetensors library uses the same limit."""
MAX_TENSORS = 1_000_000
"""More tensors than any real checkpoint has; a bigger count is a hostile header."""
MAX_NAME_CHARS = 1024
"""Longest tensor name accepted."""
MAX_NDIM = 8
"""Most dimensions a tensor may declare."""
MAX_INDEX_BYTES = 64 * 1024 * 1024
"""Largest ``*.safetensors.index.json`` accepted."""
CHUNK_BYTES = 32 * 1024 * 1024
"""Bytes read per streamed chunk; bounds memory whatever the model size."""
REMOTE_BATCH = 4
"""Chunks of a remote file fetched at once (in parallel requests)."""
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


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    """A validated checkpoint: one file, a directory of shards, or a sharded index."""

    path: Path | str
    """The path (or ``hf://``/``http(s)://`` URL) the user gave."""
    files: tuple[Path | RemoteFile, ...]
    """The ``.safetensors`` files read."""
    tensors: tuple[TensorInfo, ...]
    """Every tensor, sorted by name."""
    metadata: dict[str, str] = field(default_factory=dict)
    """The ``__metadata__`` of a single-file checkpoint (empty for shards)."""
    remote: Remote | None = field(default=None, compare=False, repr=False)
    """The connection a remote checkpoint was opened with (files beside it are read through it)."""

    @property
    def nbytes(self) -> int:
        """Total bytes of tensor data."""
        return sum(t.stored_nbytes for t in self.tensors)

    @property
    def name(self) -> str:
        """The file or folder name (for a URL: its last segment)."""
        return self.path.name if isinstance(self.path, Path) else self.path.rstrip("/").rsplit("/", 1)[-1]


def _fail(path: object, problems: Sequence[str]) -> InputError:
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


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        duplicate = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"duplicate key {duplicate!r}")
    return dict(pairs)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
        parsed = json.loads(text, object_pairs_hook=_no_duplicates)
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
        raise _fail(path, [f"declares {len(parsed)} tensors, over the limit of {MAX_TENSORS}"])
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
        raise _fail(path, problems)
    return metadata, tuple(sorted(tensors, key=lambda t: t.name))


def _read_index(path: Path) -> tuple[tuple[Path, ...], dict[str, Path]]:
    try:
        if path.stat().st_size > MAX_INDEX_BYTES:
            raise InputError(f"{path}: index is larger than {MAX_INDEX_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from error
    shards = _parse_index(path, raw)
    missing = sorted({shard for shard in shards.values() if not (path.parent / shard).is_file()})
    if missing:
        raise _fail(path, [f"shard {shard!r} does not exist" for shard in missing])
    owner = {name: path.parent / shard for name, shard in shards.items()}
    return tuple(sorted(set(owner.values()))), owner


def _read_remote_index(located: Located) -> tuple[tuple[RemoteFile, ...], dict[str, RemoteFile]]:
    assert located.index is not None
    shards = _parse_index(located.index_url, located.index)
    files = located.shard(sorted(set(shards.values())))
    return tuple(files.values()), {name: files[shard] for name, shard in shards.items()}


def _parse_index(path: object, raw: bytes) -> dict[str, str]:
    """A ``*.safetensors.index.json``'s weight map (tensor → shard file name), every name checked."""
    try:
        parsed = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InputError(f"{path}: index is not valid JSON ({error})") from error
    weight_map = parsed.get("weight_map") if isinstance(parsed, dict) else None
    if not isinstance(weight_map, dict) or not weight_map:
        raise InputError(f"{path}: index has no weight_map")
    problems: list[str] = []
    owner: dict[str, str] = {}
    for name, shard in weight_map.items():
        if (
            not isinstance(shard, str)
            or Path(shard).name != shard
            or shard in {".", ".."}
            or "\\" in shard
            or not shard.endswith(".safetensors")
        ):
            problems.append(f"tensor {name!r}: shard {str(shard)[:80]!r} must be a .safetensors file name")
            continue
        owner[name] = shard
    if problems:
        raise _fail(path, sorted(set(problems)))
    return owner


def open_checkpoint(path: Path | str, *, remote: Remote | None = None) -> Checkpoint:
    """Validate a checkpoint — a ``.safetensors`` file, a directory of shards, or an index file — local,
    or at an ``hf://`` / ``http(s)://`` location read through ``remote`` (a new one when ``None``).

    Every header is checked before any tensor is read. Raises :class:`InputError` for anything unreadable,
    malformed or pickle-based.
    """
    if is_remote(path):
        assert isinstance(path, str)
        remote = remote or default_remote()
        located = locate(remote, path)
        files: tuple[Path | RemoteFile, ...] = located.files
        owner: Mapping[str, Path | RemoteFile] | None = None
        if located.index is not None:
            files, owner = _read_remote_index(located)
        return replace(_checkpoint(path, files, owner), remote=remote)
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    owner = None
    if path.is_dir():
        indexes = sorted(path.glob("*.safetensors.index.json"))
        if len(indexes) > 1:
            raise InputError(f"{path}: holds {len(indexes)} index files; give one of them instead")
        if indexes:
            files, owner = _read_index(indexes[0])
        else:
            files = tuple(sorted(path.glob("*.safetensors")))
            if not files:
                pickles = sorted(p.name for p in path.iterdir() if p.suffix.lower() in PICKLE_SUFFIXES)
                hint = f" (found {', '.join(pickles[:3])}: pickle formats are refused)" if pickles else ""
                raise InputError(f"{path}: no .safetensors files{hint}")
    elif path.name.endswith(".index.json"):
        files, owner = _read_index(path)
    else:
        files = (path,)
    return _checkpoint(path, files, owner)


def _checkpoint(
    path: Path | str, files: tuple[Path | RemoteFile, ...], owner: Mapping[str, Path | RemoteFile] | None
) -> Checkpoint:
    tensors: dict[str, TensorInfo] = {}
    metadata: dict[str, str] = {}
    for file in files:
        file_metadata, infos = read_header(file)
        if len(files) == 1:
            metadata = file_metadata
        for info in infos:
            if owner is not None and owner.get(info.name) != file:
                raise InputError(f"{file}: holds tensor {info.name!r}, which the index does not place there")
            if info.name in tensors:
                raise InputError(f"{file}: tensor {info.name!r} also appears in {tensors[info.name].file}")
            tensors[info.name] = info
    if owner is not None:
        missing = sorted(set(owner) - set(tensors))
        if missing:
            raise InputError(f"{path}: the index lists tensors no shard holds, e.g. {missing[0]!r}")
    if not tensors:
        raise InputError(f"{path}: holds no tensors")
    return Checkpoint(
        path=path,
        files=files,
        tensors=tuple(sorted(tensors.values(), key=lambda t: t.name)),
        metadata=metadata,
    )


class TensorReader:
    """Reads validated tensors' bytes with ``os.pread`` (or HTTP ``Range`` requests for a remote file, a
    batch of windows at a time); a context manager owning the open files."""

    def __init__(self) -> None:
        self._fds: dict[Path, int] = {}

    def __enter__(self) -> TensorReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every file opened so far."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def _pread(self, info: TensorInfo, start: int, length: int) -> bytes:
        return self._pread_many(info, [(start, length)])[0]

    def _pread_many(self, info: TensorInfo, spans: Sequence[tuple[int, int]]) -> list[bytes]:
        """Bytes of each ``(start, length)`` span of the tensor's data (fetched together when remote)."""
        if isinstance(info.file, RemoteFile):
            out = info.file.read_many([(info.offset + start, length) for start, length in spans])
        else:
            fd = self._fds.get(info.file)
            if fd is None:
                try:
                    fd = os.open(info.file, os.O_RDONLY)
                except OSError as error:
                    raise InputError(f"{info.file}: cannot be opened ({error.strerror})") from error
                self._fds[info.file] = fd
            out = [os.pread(fd, length, info.offset + start) for start, length in spans]
        if any(len(data) != length for data, (_, length) in zip(out, spans, strict=True)):
            raise InputError(
                f"{info.file}: tensor {info.name!r} is truncated (the file changed while reading)"
            )
        return out

    def read_2d(
        self, info: TensorInfo, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64] | None = None
    ) -> npt.NDArray[Any]:
        """Raw elements at ``rows`` × ``cols`` of the tensor's 2-D view (``cols=None``: whole rows).

        ``rows`` must be sorted; ``cols`` sorted and unique. Reads only the bytes needed when the columns
        are a narrow contiguous window, otherwise whole runs of consecutive rows in bounded chunks.
        A quantised weight is dequantised at exactly these positions (float32).
        """
        if info.decoder is not None:
            # a row slice of a decoded tensor moves its offset by whole rows of its own dtype
            row_bytes = max(1, info.cols * DTYPES[info.dtype].itemsize)
            return info.decoder.read(self, rows + info.offset // row_bytes, cols)
        dtype = np.dtype(DTYPES[info.dtype].numpy)
        item, width = dtype.itemsize, info.cols
        if cols is None:
            c0, c1, picked = 0, width, None
        else:
            c0, c1 = int(cols[0]), int(cols[-1]) + 1
            picked = None if c1 - c0 == len(cols) else cols - c0
        out = np.empty((len(rows), len(cols) if cols is not None else width), dtype=dtype)
        span = (c1 - c0) * item
        row_bytes = width * item
        # Rows shorter than 64 KiB: every page is touched anyway, so whole runs of rows cost fewer syscalls.
        # Over HTTP every byte counts and nearby windows are coalesced into one request anyway.
        remote = isinstance(info.file, RemoteFile)
        if (span * 4 <= row_bytes and row_bytes >= 65_536) or (remote and span < row_bytes):
            starts = [row * row_bytes + c0 * item for row in rows.tolist()]
            for k, data in enumerate(self._pread_many(info, [(start, span) for start in starts])):
                values = np.frombuffer(data, dtype=dtype)
                out[k] = values if picked is None else values[picked]
            return out
        per_chunk = max(1, CHUNK_BYTES // max(row_bytes, 1))
        # Runs of consecutive rows (found at once, not row by row), each read in chunks of at most per_chunk;
        # a remote file fetches up to REMOTE_BATCH chunks at once (in parallel), a local one one at a time.
        edges = [0, *(np.flatnonzero(np.diff(rows) != 1) + 1).tolist(), len(rows)]
        starts = rows.tolist()
        chunks = [
            (k, min(run_stop, k + per_chunk))
            for run_start, run_stop in pairwise(edges)
            for k in range(run_start, run_stop, per_chunk)
        ]
        batch = REMOTE_BATCH if remote else 1
        for first in range(0, len(chunks), batch):
            group = chunks[first : first + batch]
            spans = [(starts[k] * row_bytes, (stop - k) * row_bytes) for k, stop in group]
            for (k, stop), data in zip(group, self._pread_many(info, spans), strict=True):
                block = np.frombuffer(data, dtype=dtype).reshape(stop - k, width)
                out[k:stop] = block[:, c0:c1] if picked is None else block[:, c0 + picked]
        return out

    def rows(self, info: TensorInfo, first: int, count: int) -> npt.NDArray[Any]:
        """Rows ``first:first + count`` of the 2-D view as raw elements (read-only, one read)."""
        if info.decoder is not None:
            return self.read_2d(info, np.arange(first, first + count, dtype=np.int64))
        row_bytes = info.cols * DTYPES[info.dtype].itemsize
        data = self._pread(info, first * row_bytes, count * row_bytes)
        return np.frombuffer(data, dtype=np.dtype(DTYPES[info.dtype].numpy)).reshape(count, info.cols)

    def iter_rows(self, info: TensorInfo, start: int, stop: int) -> Iterator[tuple[int, npt.NDArray[Any]]]:
        """Yield ``(first_row, raw_rows)`` chunks of rows ``start:stop`` of the 2-D view, bounded in size."""
        row_bytes = info.cols * DTYPES[info.dtype].itemsize
        per_chunk = max(1, CHUNK_BYTES // max(row_bytes, 1))
        for first in range(start, stop, per_chunk):
            yield first, self.rows(info, first, min(per_chunk, stop - first))

    def read_all(self, info: TensorInfo) -> npt.NDArray[Any]:
        """The whole tensor as raw elements in its 2-D view (for small tensors and transposed layouts)."""
        return self.read_2d(info, np.arange(info.rows, dtype=np.int64))


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


def read_model_config(checkpoint: Checkpoint) -> dict[str, Any] | None:
    """The ``config.json`` beside a local checkpoint's files (its ``quantization_config`` says how weights
    are quantised), or ``None`` where there is none or the checkpoint is remote. Malformed JSON is refused.
    """
    first = checkpoint.files[0] if checkpoint.files else None
    if not isinstance(first, Path) or not (path := first.parent / "config.json").is_file():
        return None
    try:
        if path.stat().st_size > MAX_INDEX_BYTES:
            raise InputError(f"{path}: is larger than {MAX_INDEX_BYTES} bytes")
        parsed = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicates)
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from error
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InputError(f"{path}: is not valid JSON ({error})") from error
    if not isinstance(parsed, dict):
        raise InputError(f"{path}: is not a JSON object")
    return parsed


class _MappingFile(BaseModel):
    """What a user writes in ``--mapping``: name prefixes → component names."""

    model_config = ConfigDict(extra="forbid", strict=True)
    components: dict[str, str]


def load_mapping(path: Path) -> dict[str, str]:
    """Read a ``--mapping`` YAML or JSON file: ``{"components": {"prefix": "component name", ...}}``."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        return dict(_MappingFile.model_validate(data).components)
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from error
    except yaml.YAMLError as error:
        raise InputError(f"{path}: is not valid YAML or JSON") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']}") from error


def read_block(
    reader: TensorReader,
    info: TensorInfo,
    *,
    residual_axis: int,
    transposed: bool,
    window: npt.NDArray[np.int64],
    units: npt.NDArray[np.int64] | None,
) -> npt.NDArray[Any]:
    """Raw elements ``units × window`` of a tensor whose residual dimensions lie on ``residual_axis``.

    ``transposed``: the tensor is stored transposed relative to that layout (a 2-D view only). ``units=None``
    reads every unit. Rows of the result are units, columns residual positions, whatever the storage order.
    """
    stored_axis = residual_axis if not transposed else 1 - residual_axis
    if stored_axis == 1:
        rows = units if units is not None else np.arange(info.rows, dtype=np.int64)
        return reader.read_2d(info, rows, window)
    return np.ascontiguousarray(reader.read_2d(info, window, units).T)
