"""Stage 3 — fingerprint: everything the audit needs from a reference, in well under 1% of its size.

A full audit first reduces the reference to this fingerprint (the sampled blocks of
:mod:`generator.audit.plan`), then compares the candidate with it — so auditing against a saved fingerprint
reaches the same verdicts, with the same numbers, by construction. Writing a fingerprint file hashes every
tensor in the same streaming pass, since the hashes are what makes ``identical`` exact without the reference;
an audit against a checkpoint hashes nothing and keeps where each tensor is stored, so a pair whose sample is
identical after the cast is confirmed on the whole tensors themselves (the other verdicts never need them).

Per tensor the fingerprint keeps: the parsed name and layout; the sampled block's raw values (bit-exact, in
the tensor's own dtype); the *profile* — for each residual position of the window, the sum of squares over
all units (invariant to permuted neurons, so layer maps survive them); SHA-256 of the whole tensor in its
own dtype and after casting to each lower float precision. The file is itself a safetensors file (blocks
as tensors, descriptors as JSON in ``__metadata__``), read back through the same validating reader.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, ValidationError

from generator.audit.header import AUDITED_DTYPES, DTYPES, TensorInfo, read_header
from generator.audit.names import ParsedName, entries_of, is_buffer
from generator.audit.plan import (
    Layout,
    choose_units,
    layout_for,
    model_width,
    profile_over_all_units,
    view_shape,
    window_for,
)
from generator.audit.quant import dequantised, stored_label
from generator.audit.read import Checkpoint, TensorReader, open_checkpoint, read_block
from generator.audit.stats import cast_bits, profile_of
from generator.audit.values import finite_or_fail, raw_finite_or_fail, to_float
from generator.errors import InputError

FORMAT = "sovereign-audit-fingerprint"
"""``__metadata__["format"]`` of a fingerprint file."""
VERSION = "2"
"""Fingerprint format version. 2: names parsed with expert indices and component-relative unrecognised roles
(issue 9), and tensors skipped by the statistics hashed too; a version-1 file would pair on stale parses."""
_CASTS = {"F64": ("F32", "BF16", "F16"), "F32": ("BF16", "F16"), "BF16": ("F16",), "F16": ("BF16",)}

Progress = Callable[[str, int], None]
"""Called with a description and a number of bytes done, for progress bars."""


@dataclass(frozen=True, kw_only=True)
class TensorProfile:
    """What the audit keeps of one reference tensor."""

    parsed: ParsedName
    """Name, component, stack, layer and role."""
    dtype: str
    """Safetensors dtype."""
    shape: tuple[int, ...]
    """Shape as stored."""
    layout: Layout
    """How it is sampled and tested."""
    constant: bool = False
    """Whether its sampled values are all equal (such tensors are never evidence)."""
    units: tuple[int, ...] = ()
    """Row indices of the block along the unit axis."""
    block: npt.NDArray[Any] = field(default_factory=lambda: np.zeros((0, 0), np.uint8))
    """Raw elements of the sample block (units × window), bit-exact."""
    profile: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Per window position: sum of squares over all units (for a vector: its values)."""
    hashes: Mapping[str, str] = field(default_factory=dict)
    """SHA-256 of the whole tensor, in its own dtype and after casting to lower float precisions (empty when
    :attr:`stored` is set: the tensor itself is at hand, so nothing needs hashing)."""
    stored: TensorInfo | None = None
    """Where the whole tensor can be read again: set for a reference read from its checkpoint for this
    audit, ``None`` for one loaded from a fingerprint file."""
    quantisation: str = ""
    """How the reference stores it when quantised (e.g. ``FP8 E4M3, 128×128 block scales``; its block,
    profile and hashes then hold the dequantised float32 values); ``""`` for a tensor stored as floats."""

    @property
    def name(self) -> str:
        """The tensor's name."""
        return self.parsed.name

    @property
    def numel(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)


@dataclass(frozen=True, kw_only=True)
class Fingerprint:
    """A reference model, reduced."""

    source: str
    """File or directory name the fingerprint was taken from."""
    kind: Literal["checkpoint", "fingerprint"]
    """Whether it was computed from a checkpoint now, or loaded from a fingerprint file."""
    nbytes: int
    """Bytes of tensor data in the reference."""
    tensors: tuple[TensorProfile, ...]
    """Every reference tensor (skipped ones too, with the reason)."""


# ---- computing -------------------------------------------------------------------------------------------


def fingerprint_checkpoint(
    checkpoint: Checkpoint, *, progress: Progress | None = None, keep_stored: bool = False
) -> Fingerprint:
    """Reduce a validated checkpoint to its fingerprint.

    By default in one streaming pass over every byte (sampled blocks and SHA-256 of every tensor), for a
    fingerprint file. With ``keep_stored`` (a reference audited directly) only the sampled positions are
    read, nothing is hashed, and each profile keeps where its tensor is stored, so that an identical sample
    is confirmed by comparing the whole tensors themselves — only for the pairs that need it. Quantised
    weights are dequantised first (:mod:`~generator.audit.quant`).
    """
    checkpoint = dequantised(checkpoint)
    entries = entries_of(checkpoint.tensors)
    # Each component's own width (a vision tower may be narrower), else the whole model's (for components
    # such as a bare `lm_head` with no vectors of their own).
    overall = model_width((p, i.shape) for i, p in entries)
    widths: dict[str, int | None] = {}
    for component in {p.component for _, p in entries}:
        widths[component] = (
            model_width((p, i.shape) for i, p in entries if p.component == component) or overall
        )
    profiles: list[TensorProfile] = []
    with TensorReader() as reader, ThreadPoolExecutor(max_workers=1) as hasher:
        for info, parsed in entries:
            stored = info if keep_stored else None
            profiles.append(_profile(reader, hasher, info, parsed, widths[parsed.component], stored=stored))
            if progress is not None:
                progress(info.name, info.stored_nbytes)
    return Fingerprint(
        source=checkpoint.name, kind="checkpoint", nbytes=checkpoint.nbytes, tensors=tuple(profiles)
    )


def _profile(
    reader: TensorReader,
    hasher: ThreadPoolExecutor,
    info: TensorInfo,
    parsed: ParsedName,
    d: int | None,
    *,
    stored: TensorInfo | None,
) -> TensorProfile:
    """``stored``: where the tensor stays readable (nothing is hashed), or ``None`` to hash it now."""
    base = TensorProfile(
        parsed=parsed,
        dtype=info.dtype,
        shape=info.shape,
        layout=Layout(kind="skip"),
        stored=stored,
        quantisation=stored_label(info),
    )
    if info.dtype not in AUDITED_DTYPES:
        return replace(base, layout=Layout(kind="skip", reason=f"{info.dtype} tensors are not weights"))
    if is_buffer(info.name):
        return replace(base, layout=Layout(kind="skip", reason="deterministic buffer"))
    layout = layout_for(parsed, info.shape, d)
    hashes = _hashes(reader, hasher, info) if stored is None else {}
    if layout.kind == "skip":
        return replace(base, layout=layout, hashes=hashes)
    if layout.kind == "plain":
        block = reader.read_all(info).reshape(1, -1)
        values = finite_or_fail(to_float(block, info.dtype), info)
        return replace(
            base, layout=layout, constant=_constant(values), units=(0,), block=block, hashes=hashes
        )
    assert layout.residual_axis is not None
    window = window_for(layout.width).positions()
    units = choose_units(layout, parsed.seed_role, info.shape)
    every = profile_over_all_units(layout)
    picked = np.asarray(units, dtype=np.int64)
    everything = read_block(
        reader,
        info,
        residual_axis=layout.residual_axis,
        transposed=False,
        window=window,
        units=None if every else picked,
    )
    raw_finite_or_fail(everything, info.dtype, info)
    block = everything[picked] if every else everything
    return replace(
        base,
        layout=layout,
        constant=_constant(to_float(block, info.dtype)),
        units=units,
        block=np.ascontiguousarray(block),
        profile=profile_of(everything, info.dtype, single=layout.units == "single"),
        hashes=hashes,
    )


def _constant(values: npt.NDArray[np.float64]) -> bool:
    return values.size == 0 or bool(np.all(values == values.flat[0]))


def _hashes(reader: TensorReader, hasher: ThreadPoolExecutor, info: TensorInfo) -> dict[str, str]:
    digests = {dtype: hashlib.sha256() for dtype in _hash_dtypes(info)}
    pending = None
    for _, chunk in reader.iter_rows(info, 0, info.rows):
        if pending is not None:
            pending.result()
        # Hashing in a thread overlaps with the next read (both release the GIL).
        pending = hasher.submit(_update, digests, chunk, info.dtype)
    if pending is not None:
        pending.result()
    return {dtype: digest.hexdigest() for dtype, digest in digests.items()}


def _hash_dtypes(info: TensorInfo) -> tuple[str, ...]:
    return (info.dtype, *_CASTS.get(info.dtype, ()))


def _update(digests: dict[str, Any], chunk: npt.NDArray[Any], dtype: str) -> None:
    for target, digest in digests.items():
        digest.update(
            np.ascontiguousarray(chunk if target == dtype else cast_bits(chunk, dtype, target)).data
        )


def tensor_hash(raw: npt.NDArray[Any]) -> str:
    """SHA-256 of raw elements (C order), comparable with :attr:`TensorProfile.hashes`."""
    return hashlib.sha256(np.ascontiguousarray(raw).data).hexdigest()


# ---- the file --------------------------------------------------------------------------------------------


class _ProfileIn(BaseModel):
    """One tensor's descriptor as stored in a fingerprint file."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str
    component: str
    stack: str | None
    layer: int | None
    role: str
    expert: int | None = None
    dtype: str
    shape: list[int]
    kind: Literal["residual", "plain", "skip"]
    reason: str
    residual_axis: int | None
    units_kind: Literal["hidden", "token", "single"]
    width: int
    constant: bool
    hashes: dict[str, str]
    quantisation: str = ""


def _descriptor(profile: TensorProfile) -> dict[str, Any]:
    p, layout = profile.parsed, profile.layout
    return {
        "name": p.name,
        "component": p.component,
        "stack": p.stack,
        "layer": p.layer,
        "role": p.role,
        "expert": p.expert,
        "dtype": profile.dtype,
        "shape": list(profile.shape),
        "kind": layout.kind,
        "reason": layout.reason,
        "residual_axis": layout.residual_axis,
        "units_kind": layout.units,
        "width": layout.width,
        "constant": profile.constant,
        "hashes": dict(profile.hashes),
        "quantisation": profile.quantisation,
    }


def write_fingerprint(fingerprint: Fingerprint, path: Path) -> int:
    """Write ``fingerprint`` to ``path`` (atomically); return the file size in bytes."""
    # A profile pointing at its checkpoint has no hashes: written out, it could never confirm `identical`.
    assert all(p.stored is None for p in fingerprint.tensors), "fingerprint files need the hashing pass"
    arrays: list[tuple[str, str, tuple[int, ...], bytes]] = []
    for index, profile in enumerate(fingerprint.tensors):
        if profile.layout.kind == "skip":
            continue
        arrays.append((f"{index}.block", profile.dtype, profile.block.shape, profile.block.tobytes()))
        units = np.asarray(profile.units, dtype="<i8")
        arrays.append((f"{index}.units", "I64", units.shape, units.tobytes()))
        if profile.profile.size:
            values = np.asarray(profile.profile, dtype="<f8")
            arrays.append((f"{index}.profile", "F64", values.shape, values.tobytes()))
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "source": fingerprint.source,
        "nbytes": str(fingerprint.nbytes),
        "tensors": json.dumps([_descriptor(p) for p in fingerprint.tensors], separators=(",", ":")),
    }
    return write_safetensors(path, arrays, metadata)


def write_safetensors(
    path: Path, arrays: Sequence[tuple[str, str, tuple[int, ...], bytes]], metadata: Mapping[str, str]
) -> int:
    """Write raw arrays ``(name, dtype, shape, data)`` as a safetensors file, atomically; return its size."""
    header: dict[str, Any] = {"__metadata__": dict(metadata)}
    offset = 0
    for name, dtype, shape, data in arrays:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        with temporary.open("wb") as handle:
            handle.write(len(text).to_bytes(8, "little"))
            handle.write(text)
            for _, _, _, data in arrays:
                handle.write(data)
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot be written ({error.strerror or error})") from error
    return path.stat().st_size


def is_fingerprint(path: Path) -> bool:
    """Whether ``path`` is a fingerprint file (validated like any safetensors header)."""
    if not path.is_file() or path.name.endswith(".index.json"):
        return False
    metadata, _ = read_header(path)
    return metadata.get("format") == FORMAT


def load_fingerprint(path: Path) -> Fingerprint:
    """Read and validate a fingerprint file written by :func:`write_fingerprint`."""
    checkpoint = open_checkpoint(path)
    meta = checkpoint.metadata
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise InputError(f"{path}: not a version-{VERSION} audit fingerprint")
    try:
        raw = json.loads(meta.get("tensors", ""))
        if not isinstance(raw, list):
            raise ValueError("tensors must be a list")
        descriptors = [_ProfileIn.model_validate(item) for item in raw]
        nbytes = int(meta.get("nbytes", ""))
    except (ValueError, RecursionError) as error:
        raise InputError(
            f"{path}: fingerprint descriptors are invalid ({str(error).splitlines()[0]})"
        ) from error
    except ValidationError as error:
        raise InputError(
            f"{path}: fingerprint descriptors are invalid ({error.errors()[0]['msg']})"
        ) from error
    stored = {info.name: info for info in checkpoint.tensors}
    profiles: list[TensorProfile] = []
    with TensorReader() as reader:
        for index, item in enumerate(descriptors):
            profiles.append(_from_descriptor(path, index, item, stored, reader))
    return Fingerprint(
        source=meta.get("source", path.name), kind="fingerprint", nbytes=nbytes, tensors=tuple(profiles)
    )


def _from_descriptor(
    path: Path, index: int, item: _ProfileIn, stored: Mapping[str, TensorInfo], reader: TensorReader
) -> TensorProfile:
    where = f"{path}: tensor {index} ({item.name[:80]!r})"
    if item.dtype not in DTYPES or any(d < 0 for d in item.shape) or item.residual_axis not in (None, 0, 1):
        raise InputError(f"{where}: invalid descriptor")
    parsed = ParsedName(
        name=item.name,
        component=item.component,
        stack=item.stack,
        layer=item.layer,
        role=item.role,
        expert=item.expert,
    )
    layout = Layout(
        kind=item.kind,
        reason=item.reason,
        residual_axis=item.residual_axis,
        units=item.units_kind,
        width=item.width,
    )
    base = TensorProfile(
        parsed=parsed,
        dtype=item.dtype,
        shape=tuple(item.shape),
        layout=layout,
        quantisation=item.quantisation,
    )
    if item.kind == "skip":
        return replace(base, hashes=item.hashes)  # a skipped weight can still be shown identical whole
    arrays: dict[str, npt.NDArray[Any]] = {}
    for part in ("block", "units", "profile"):
        info = stored.get(f"{index}.{part}")
        if info is not None:
            flat = reader.read_all(info).reshape(-1)
            arrays[part] = flat.reshape(info.shape) if info.shape else flat
    block, units = arrays.get("block"), arrays.get("units")
    if block is None or units is None or block.ndim != 2 or item.dtype != _stored_dtype(stored, index):
        raise InputError(f"{where}: block missing or malformed")
    profile = arrays.get("profile", np.zeros(0))
    rows, cols = view_shape(tuple(item.shape))
    if item.kind == "residual":
        axis = item.residual_axis
        fits = axis in (0, 1) and (rows, cols)[axis or 0] == item.width >= 2
        unit_count = (cols, rows)[axis or 0]
        if not fits or not all(0 <= u < unit_count for u in units.tolist()):
            raise InputError(f"{where}: layout does not fit the tensor's shape")
    expected_width = window_for(item.width).width if item.kind == "residual" else block.shape[1]
    if block.shape != (len(units), expected_width) or (
        item.kind == "residual" and profile.shape != (expected_width,)
    ):
        raise InputError(f"{where}: block or profile has the wrong shape")
    values = to_float(block, item.dtype)
    if not (np.isfinite(values).all() and np.isfinite(profile).all()):
        raise InputError(f"{where}: contains NaN or infinite values")
    return replace(
        base,
        constant=item.constant,
        units=tuple(int(u) for u in units),
        block=block,
        profile=np.asarray(profile, dtype=np.float64),
        hashes=item.hashes,
    )


def _stored_dtype(stored: Mapping[str, TensorInfo], index: int) -> str:
    info = stored.get(f"{index}.block")
    return info.dtype if info is not None else ""
