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
own dtype and after casting to each lower float precision. Those values, and the file they are written to
(itself a safetensors file, read back through the same validating reader), are in
:mod:`~generator.audit.fingerprint_file`; this module computes them.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from generator.audit.fingerprint_file import (
    FORMAT,
    VERSION,
    Fingerprint,
    TensorProfile,
    is_fingerprint,
    load_fingerprint,
    write_fingerprint,
    write_safetensors,
)
from generator.audit.header import AUDITED_DTYPES, DTYPES, TensorInfo, stored_parts
from generator.audit.names import ParsedName, entries_of, is_buffer
from generator.audit.plan import (
    WIDE_SHARE,
    Layout,
    choose_units,
    layout_for,
    model_width,
    profile_over_all_units,
    unit_rows,
    wide_ids,
    window_for,
)
from generator.audit.quant import dequantised, stored_label
from generator.audit.read import Checkpoint, TensorReader, read_block
from generator.audit.stats import cast_bits, profile_of
from generator.audit.values import finite_or_fail, raw_finite_or_fail, to_float

__all__ = [  # its own names, and the values and file (fingerprint_file) under their old import path
    "FORMAT",
    "VERSION",
    "Fingerprint",
    "Progress",
    "TensorProfile",
    "fingerprint_checkpoint",
    "is_fingerprint",
    "load_fingerprint",
    "tensor_hash",
    "write_fingerprint",
    "write_safetensors",
]

_CASTS = {"F64": ("F32", "BF16", "F16"), "F32": ("BF16", "F16"), "BF16": ("F16",), "F16": ("BF16",)}

DEFERRED_ROLES: tuple[str, ...] = ("expert.down.",)
"""Routed experts' output projections: a reference read from its checkpoint leaves them unread until a
candidate expert is matched with theirs (:func:`read_deferred`). Experts are matched on their input
projections (:mod:`~generator.audit.experts`), so which ones are read is known before they are; the output
projection is the largest part of an expert's sample (its window rows are read whole: GLM-4.5-Air 0.36 of
0.88 MB), and a reference is sampled at every expert of every layer."""

Progress = Callable[[str, int], None]
"""Called with a description and a number of bytes done, for progress bars."""


# ---- computing -------------------------------------------------------------------------------------------


def fingerprint_checkpoint(
    checkpoint: Checkpoint,
    *,
    progress: Progress | None = None,
    keep_stored: bool = False,
    statistics: bool = True,
    done: Callable[[TensorInfo], None] | None = None,
) -> Fingerprint:
    """Reduce a validated checkpoint to its fingerprint.

    By default in one streaming pass over every byte (sampled blocks and SHA-256 of every tensor), for a
    fingerprint file. With ``keep_stored`` (a reference audited directly) only the sampled positions are
    read, nothing is hashed, and each profile keeps where its tensor is stored, so that an identical sample
    is confirmed by comparing the whole tensors themselves — only for the pairs that need it. Quantised
    weights are dequantised first (:mod:`~generator.audit.quant`).

    ``statistics=False`` (with ``keep_stored``) reads the same positions and computes nothing from them:
    each sampled tensor keeps its layout, units and block as read, an empty profile — what a rehearsal needs
    (:mod:`~generator.audit.ahead`: read on zeros, only where the reads fall matters). ``done`` is called
    with each stored tensor (or row slice of one) once every tensor read from it has been read (a caller
    holding its bytes fetched ahead may drop them: :func:`~generator.audit.header.stored_parts`).
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
    readers = Counter(_where(part) for info, _ in entries for part in stored_parts(info))
    whole_rows = {} if keep_stored else _unit_rows_kept(entries, widths, checkpoint.nbytes)
    profiles: list[TensorProfile] = []
    with TensorReader() as reader, ThreadPoolExecutor(max_workers=1) as hasher:
        for info, parsed in entries:
            stored = info if keep_stored else None
            profile = _profile(
                reader,
                hasher,
                info,
                parsed,
                widths[parsed.component],
                stored=stored,
                statistics=statistics,
                defer=keep_stored,
            )
            if stored is None:  # a fingerprint file: the whole rows a wide rotation is fitted on, if cheap
                profile = _with_wide_rows(reader, info, profile, checkpoint.nbytes)
                if info.name in whole_rows:
                    profile = replace(profile, wide=_rows_of(reader, info, whole_rows[info.name]))
            profiles.append(profile)
            if progress is not None:
                progress(info.name, info.stored_nbytes)
            if done is not None:
                for part in stored_parts(info):
                    where = _where(part)
                    readers[where] -= 1
                    if readers[where] == 0:  # e.g. a fused qkv's slices share one decoder's parts
                        done(part)
    return Fingerprint(
        source=checkpoint.name, kind="checkpoint", nbytes=checkpoint.nbytes, tensors=tuple(profiles)
    )


def _where(info: TensorInfo) -> tuple[object, int, int]:
    return info.file, info.offset, info.nbytes


def _profile(
    reader: TensorReader,
    hasher: ThreadPoolExecutor,
    info: TensorInfo,
    parsed: ParsedName,
    d: int | None,
    *,
    stored: TensorInfo | None,
    statistics: bool = True,
    defer: bool = False,
) -> TensorProfile:
    """``stored``: where the tensor stays readable (nothing is hashed), or ``None`` to hash it now;
    ``statistics``: whether to compute anything from the values read; ``defer``: whether a routed expert's
    output projection is left unread (:data:`DEFERRED_ROLES`; only where the tensor stays readable)."""
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
        if not statistics:
            return replace(base, layout=layout, units=(0,), block=block)
        values = finite_or_fail(to_float(block, info.dtype), info)
        return replace(
            base, layout=layout, constant=_constant(values), units=(0,), block=block, hashes=hashes
        )
    assert layout.residual_axis is not None
    window = window_for(layout.width).positions()
    units = choose_units(layout, parsed.seed_role, info.shape)
    if defer and stored is not None and parsed.expert is not None and parsed.role.startswith(DEFERRED_ROLES):
        return replace(base, layout=layout, units=units, deferred=True)
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
    block = everything[picked] if every else everything
    if not statistics:
        return replace(base, layout=layout, units=units, block=block)
    raw_finite_or_fail(everything, info.dtype, info)
    return replace(
        base,
        layout=layout,
        constant=_constant(to_float(block, info.dtype)),
        units=units,
        block=np.ascontiguousarray(block),
        profile=profile_of(everything, info.dtype, single=layout.units == "single"),
        hashes=hashes,
    )


def read_deferred(profiles: Sequence[TensorProfile], *, statistics: bool = True) -> dict[str, TensorProfile]:
    """The deferred profiles given, read now from where they are stored (by name): what
    :func:`fingerprint_checkpoint` would have made of them."""
    out: dict[str, TensorProfile] = {}
    with TensorReader() as reader, ThreadPoolExecutor(max_workers=1) as hasher:
        for profile in profiles:
            assert profile.deferred
            assert profile.stored is not None
            read = _profile(
                reader,
                hasher,
                profile.stored,
                profile.parsed,
                profile.layout.width,
                stored=profile.stored,
                statistics=statistics,
            )
            assert (read.layout, read.units) == (profile.layout, profile.units)
            out[profile.name] = read
    return out


def _with_wide_rows(
    reader: TensorReader, info: TensorInfo, profile: TensorProfile, nbytes: int
) -> TensorProfile:
    """An embedding's whole rows of :func:`~generator.audit.plan.wide_ids`, kept when the stream is wider
    than the sampled rows can fit and they cost at most :data:`~generator.audit.plan.WIDE_SHARE` of the
    model."""
    layout = profile.layout
    embedding = layout.kind == "residual" and layout.units == "token" and layout.residual_axis == 1
    if not embedding or not profile.parsed.role.startswith("embed") or info.decoder is not None:
        return profile
    ids = wide_ids(info.shape, layout.width, profile.units)
    if ids is None or len(ids) * info.cols * DTYPES[info.dtype].itemsize > WIDE_SHARE * nbytes:
        return profile
    order = np.argsort(ids, kind="stable")
    rows = np.empty((len(ids), info.cols), dtype=np.dtype(DTYPES[info.dtype].numpy))
    rows[order] = reader.read_2d(info, ids[order])
    raw_finite_or_fail(rows, info.dtype, info)
    return replace(profile, wide=rows)


def _unit_rows_kept(
    entries: list[tuple[TensorInfo, ParsedName]], widths: dict[str, int | None], nbytes: int
) -> dict[str, npt.NDArray[np.int64] | None]:
    """The whole FFN rows a rotation fitted on neurons reads (:func:`~generator.audit.plan.unit_rows`), for
    each component whose rows cost at most :data:`~generator.audit.plan.WIDE_SHARE` of the model."""
    described = [
        (parsed, info.shape, layout_for(parsed, info.shape, widths[parsed.component]))
        for info, parsed in entries
        if info.dtype in AUDITED_DTYPES and not is_buffer(info.name)
    ]
    sizes = {info.name: info.cols * DTYPES[info.dtype].itemsize for info, _ in entries}
    kept: dict[str, npt.NDArray[np.int64] | None] = {}
    for chosen in unit_rows(described).values():
        cost = sum(sizes[name] * (1 if ids is None else len(ids)) for name, ids in chosen.rows.items())
        if cost <= WIDE_SHARE * nbytes:
            kept.update(chosen.rows)
    return kept


def _rows_of(reader: TensorReader, info: TensorInfo, rows: npt.NDArray[np.int64] | None) -> npt.NDArray[Any]:
    """Whole rows of a tensor (ascending), raw; ``None``: the whole vector."""
    raw = reader.read_all(info).reshape(-1) if rows is None else reader.read_2d(info, rows)
    raw_finite_or_fail(raw, info.dtype, info)
    return raw


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
