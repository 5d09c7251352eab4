"""Stage 3 — fingerprint, its values and its file: :class:`Fingerprint` and :class:`TensorProfile`, stored.

Per tensor the fingerprint keeps: the parsed name and layout; the sampled block's raw values (bit-exact, in
the tensor's own dtype); the *profile* — for each residual position of the window, the sum of squares over
all units; SHA-256 of the whole tensor in its own dtype and after casting to each lower float precision.
:mod:`~generator.audit.fingerprint` computes it. The file is itself a safetensors file (blocks as tensors,
descriptors as JSON in ``__metadata__``), written atomically and read back through the same validating
reader, every descriptor checked against the blocks it describes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, NonNegativeInt, RootModel, ValidationError

from generator.audit.header import DTYPES, TensorInfo, read_header
from generator.audit.names import ParsedName
from generator.audit.plan import ANCHOR_ROLES, GAIN_ROLE, Layout, view_shape, wide_run, window_for
from generator.audit.read import TensorReader, open_checkpoint
from generator.audit.values import to_float
from generator.errors import InputError

FORMAT = "sovereign-audit-fingerprint"
"""``__metadata__["format"]`` of a fingerprint file."""
VERSION = "5"
"""Fingerprint format version. 2: names parsed with expert indices and component-relative unrecognised roles
(issue 9), and tensors skipped by the statistics hashed too; a version-1 file would pair on stale parses.
3: latent attention's up-projections no longer laid out as residual (a version-2 file of such a model would
read them wrongly), and the token strings of the sampled token rows kept (``__metadata__["tokens"]``).
4: sampled units in runs (:func:`~generator.audit.plan.choose_units`): a version-3 file holds scattered
units, so an audit against it would not give the numbers one against its checkpoint gives.
5: a window of 128 residual positions (:data:`~generator.audit.plan.RESIDUAL_WIDTH`; 256 before). A
version-5 file may also hold the whole rows of its first dense FFN layer (:attr:`TensorProfile.wide`, added
later): optional, so a file without them still gives the numbers it gave, and says what it cannot fit."""


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
    deferred: bool = False
    """A routed expert's output projection of a reference read from its checkpoint, not read yet (its block
    and profile empty): read only for the experts a candidate expert is matched with, which are chosen on
    the input projections (:func:`~generator.audit.fingerprint.read_deferred`). Never in a fingerprint
    file."""
    wide: npt.NDArray[Any] | None = None
    """Whole rows a rotation is fitted on, raw, kept by a fingerprint file when they cost at most
    :data:`~generator.audit.plan.WIDE_SHARE` of the model: a wide embedding's rows of
    :func:`~generator.audit.plan.wide_ids`; the first dense FFN layer's anchor (all rows), its gain (the
    whole vector) and its ``up_proj`` rows of :func:`~generator.audit.plan.check_quarter`
    (:func:`~generator.audit.plan.unit_rows`). ``None`` otherwise (a reference read from its checkpoint
    reads them there)."""

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
    tokens: Mapping[int, str] = field(default_factory=dict)
    """The token string of each sampled token row (embeddings, output heads), from the tokenizer beside the
    model when it was fingerprinted; empty without one. Lets a candidate under a re-numbered vocabulary be
    paired by string (:mod:`~generator.audit.tokens`)."""


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


class _TokensIn(RootModel[list[tuple[NonNegativeInt, str]]]):
    """``[[id, string], …]``: the sampled token rows' strings."""

    model_config = ConfigDict(strict=True)


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
        if profile.wide is not None:
            arrays.append((f"{index}.wide", profile.dtype, profile.wide.shape, profile.wide.tobytes()))
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "source": fingerprint.source,
        "nbytes": str(fingerprint.nbytes),
        "tensors": json.dumps([_descriptor(p) for p in fingerprint.tensors], separators=(",", ":")),
        "tokens": json.dumps(sorted(fingerprint.tokens.items()), separators=(",", ":"), ensure_ascii=False),
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
        tokens = _TokensIn.model_validate_json(meta.get("tokens", "[]")).root
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
    rows = max((p.shape[0] for p in profiles if p.layout.units == "token" and len(p.shape) == 2), default=0)
    beyond = [i for i, _ in tokens if i >= rows]
    if beyond:
        raise InputError(
            f"{path}: token strings name id {beyond[0]}, past the {rows} token rows it describes"
        )
    return Fingerprint(
        source=meta.get("source", path.name),
        kind="fingerprint",
        nbytes=nbytes,
        tensors=tuple(profiles),
        tokens=dict(tokens),
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
    for part in ("block", "units", "profile", "wide"):
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
    wide = arrays.get("wide")
    if wide is not None:
        if wide.shape not in _whole_shapes(parsed, tuple(item.shape), item.kind, item.width) or (
            item.dtype != _stored_dtype(stored, index, "wide")
        ):
            raise InputError(f"{where}: whole rows of the wrong shape or dtype")
        if not np.isfinite(to_float(wide, item.dtype)).all():
            raise InputError(f"{where}: contains NaN or infinite values")
    return replace(
        base,
        constant=item.constant,
        units=tuple(int(u) for u in units),
        block=block,
        profile=np.asarray(profile, dtype=np.float64),
        hashes=item.hashes,
        wide=wide,
    )


def _whole_shapes(
    parsed: ParsedName, shape: tuple[int, ...], kind: str, width: int
) -> tuple[tuple[int, ...], ...]:
    """The shapes a tensor's whole rows may have in a fingerprint: an embedding's rows of
    :func:`~generator.audit.plan.wide_ids` (as many as the run); an FFN anchor's all rows or those of
    :func:`~generator.audit.plan.check_quarter`, or the whole gain vector
    (:func:`~generator.audit.plan.unit_rows`)."""
    role = parsed.role
    if kind != "residual" or parsed.expert is not None:
        return ()
    if role.startswith("embed") and len(shape) == 2 and (run := wide_run(shape, width)) is not None:
        return ((len(run), shape[-1]),)
    if role.startswith(ANCHOR_ROLES) and len(shape) == 2 and parsed.layer is not None:
        return (shape, (shape[0] // 4, shape[1]))
    if role.startswith(GAIN_ROLE) and len(shape) == 1 and parsed.layer is not None:
        return (shape,)
    return ()


def _stored_dtype(stored: Mapping[str, TensorInfo], index: int, part: str = "block") -> str:
    info = stored.get(f"{index}.{part}")
    return info.dtype if info is not None else ""
