"""Stage 1 — read: safetensors checkpoints, validated before a single tensor byte is trusted.

Checkpoints are untrusted input. Every file's header is parsed and checked first
(:mod:`~generator.audit.header`: known dtype, sane shape, offsets inside the file, no overlaps, no holes;
pickle refused by name and by content); only then does this module read tensor bytes, with ``os.pread`` into
fresh buffers — never ``mmap`` of the whole file (so peak memory stays near the chunk being read) and never
``pickle`` / ``torch.load``. A remote checkpoint (``hf://``, ``http(s)://``; see
:mod:`~generator.audit.remote`) goes through the same checks: only where the bytes come from differs (HTTP
``Range`` requests, a batch of windows at a time). Raw elements become values in
:mod:`~generator.audit.values`.

With :mod:`~generator.audit.header`, it is the only module of :mod:`generator.audit` besides the CLI and
the fingerprint writer that touches checkpoint files.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from generator.audit.header import (
    AUDITED_DTYPES,
    DTYPES,
    MAX_HEADER_BYTES,
    MAX_NAME_CHARS,
    MAX_NDIM,
    MAX_TENSORS,
    PICKLE_SUFFIXES,
    Decoder,
    DType,
    TensorInfo,
    located_error,
    read_header,
    unique_keys,
)
from generator.audit.locate import Located, locate
from generator.audit.remote import Remote, RemoteFile, default_remote, is_remote
from generator.audit.values import finite_or_fail, raw_finite_or_fail, to_float, to_float32
from generator.errors import InputError

__all__ = [  # its own names, and those now in header and values (their old import path)
    "AUDITED_DTYPES",
    "CHUNK_BYTES",
    "DTYPES",
    "MAX_HEADER_BYTES",
    "MAX_INDEX_BYTES",
    "MAX_NAME_CHARS",
    "MAX_NDIM",
    "MAX_TENSORS",
    "PICKLE_SUFFIXES",
    "REMOTE_BATCH",
    "Checkpoint",
    "DType",
    "Decoder",
    "TensorInfo",
    "TensorReader",
    "finite_or_fail",
    "load_mapping",
    "open_checkpoint",
    "raw_finite_or_fail",
    "read_block",
    "read_header",
    "read_model_config",
    "to_float",
    "to_float32",
]

MAX_INDEX_BYTES = 64 * 1024 * 1024
"""Largest ``*.safetensors.index.json`` accepted."""
CHUNK_BYTES = 32 * 1024 * 1024
"""Bytes read per streamed chunk; bounds memory whatever the model size."""
REMOTE_BATCH = 4
"""Chunks of a remote file fetched at once (in parallel requests)."""


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
        raise located_error(path, [f"shard {shard!r} does not exist" for shard in missing])
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
        parsed = json.loads(raw.decode("utf-8"), object_pairs_hook=unique_keys)
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
        raise located_error(path, sorted(set(problems)))
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


T = TypeVar("T")


def read_together(*reads: Callable[[], T]) -> list[T]:
    """The results of ``reads`` — independent reads, of one model and the other, say — run at once, so that
    the round trips of remote ones overlap instead of following each other; the first error is raised once
    every read has ended."""
    if len(reads) < 2:
        return [read() for read in reads]
    with ThreadPoolExecutor(len(reads) - 1, thread_name_prefix="read-together") as pool:
        later = [pool.submit(read) for read in reads[1:]]
        first = reads[0]()
        return [first, *(future.result() for future in later)]


class TensorReader:
    """Reads validated tensors' bytes with ``os.pread`` (or HTTP ``Range`` requests for a remote file, a
    batch of windows at a time); a context manager owning the open files. Safe to share between threads."""

    def __init__(self) -> None:
        self._fds: dict[Path, int] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> TensorReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every file opened so far."""
        with self._lock:
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
            fd = self._fd(info.file)
            out = [os.pread(fd, length, info.offset + start) for start, length in spans]
        if any(len(data) != length for data, (_, length) in zip(out, spans, strict=True)):
            raise InputError(
                f"{info.file}: tensor {info.name!r} is truncated (the file changed while reading)"
            )
        return out

    def _fd(self, path: Path) -> int:
        with self._lock:
            fd = self._fds.get(path)
            if fd is None:
                try:
                    fd = os.open(path, os.O_RDONLY)
                except OSError as error:
                    raise InputError(f"{path}: cannot be opened ({error.strerror})") from error
                self._fds[path] = fd
            return fd

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
        parsed = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=unique_keys)
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
