"""The January analyses' statistics measured on the tensors our audit read — beside, never instead of, it.

:func:`measure` reads what the asked statistics need from both checkpoints, through the engine's readers
(local, ``hf://`` or ``http(s)://``; quantised weights dequantised), only the tensors needed: the deepest
layer stack's normalisation gains (:func:`read_gains`), and the vision encoder's tensor pairs as the audit
matched them (:func:`read_vision`). The statistics themselves are pure, in
:mod:`generator.audit.published_stats`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from generator.audit.configured import is_gain
from generator.audit.header import TensorInfo
from generator.audit.names import ParsedName, entries_of
from generator.audit.published_stats import (
    Measured,
    NormGains,
    Pair,
    Vector,
    VisionTensors,
    compare_gains,
    moments,
)
from generator.audit.quant import dequantised
from generator.audit.read import Checkpoint, TensorReader, open_checkpoint
from generator.audit.remote import Remote, RemoteFile, is_remote
from generator.audit.values import to_float32
from generator.errors import InputError
from generator.model import Statistic

VISION_WORDS = frozenset(
    {"visual", "vision", "vision_model", "vision_tower", "vision_encoder", "image_encoder", "img_encoder"}
)
"""A component whose last name segment is one of these is a vision encoder."""


# ---- what to read ----------------------------------------------------------------------------------------


def gain_entries(
    entries: Sequence[tuple[TensorInfo, ParsedName]],
) -> tuple[str, dict[int, dict[str, TensorInfo]]] | None:
    """The deepest stack's per-layer gain tensors (multi-token-prediction layers left out), or ``None``."""
    mtp = {(p.stack, p.layer) for _, p in entries if p.role.startswith("norm.mtp_")}
    stacks: dict[str, dict[int, dict[str, TensorInfo]]] = {}
    for info, parsed in entries:
        if parsed.stack is None or parsed.layer is None or (parsed.stack, parsed.layer) in mtp:
            continue
        if is_gain(parsed.role) and len(info.shape) == 1:
            stacks.setdefault(parsed.stack, {}).setdefault(parsed.layer, {})[parsed.role] = info
    if not stacks:
        return None
    name = min(stacks, key=lambda s: (-len(stacks[s]), s))
    return name, stacks[name]


def is_vision(component: str) -> bool:
    """Whether an audit component is a vision encoder (its last name segment says so)."""
    return component.rsplit(".", 1)[-1].lower() in VISION_WORDS


# ---- reading (the edge) ----------------------------------------------------------------------------------


def _values(reader: TensorReader, info: TensorInfo) -> Vector:
    values = np.asarray(to_float32(reader.read_all(info), info.dtype), dtype=np.float64).ravel()
    if not np.isfinite(values).all():
        raise InputError(f"{info.file}: tensor {info.name!r} contains NaN or infinite values")
    return values


def _prefetch(remote: Remote | None, infos: Iterable[TensorInfo]) -> None:
    """Fetch these (small) tensors in one parallel batch."""
    plans: dict[RemoteFile, list[tuple[int, int]]] = {}
    for info in infos:
        if isinstance(info.file, RemoteFile) and info.decoder is None:
            plans.setdefault(info.file, []).append((info.offset, info.nbytes))
    if remote is not None and plans:
        remote.prefetch(plans)


def read_gains(
    candidate: Checkpoint, reference: Checkpoint, reader: TensorReader, remote: Remote | None
) -> tuple[NormGains | None, str]:
    """Both models' gain vectors, compared; or ``None`` with why not."""
    found_c, found_r = (gain_entries(entries_of(c.tensors)) for c in (candidate, reference))
    if found_c is None or found_r is None:
        side = "candidate" if found_c is None else "reference"
        return None, f"the {side} has no per-layer normalisation gains"
    (cstack, clayers), (rstack, rlayers) = found_c, found_r
    _prefetch(remote, (i for layers in (clayers, rlayers) for x in layers.values() for i in x.values()))

    def values(layers: Mapping[int, Mapping[str, TensorInfo]]) -> dict[int, dict[str, tuple[str, Vector]]]:
        return {
            layer: {role: (info.name, _values(reader, info)) for role, info in sorted(roles.items())}
            for layer, roles in sorted(layers.items())
        }

    gains = compare_gains((cstack, rstack), values(clayers), values(rlayers))
    if not gains.pairs:
        return None, "no gain role has the same width in both models"
    return gains, ""


def read_vision(
    candidate: Checkpoint, reference: Checkpoint, report: Any, reader: TensorReader
) -> tuple[VisionTensors | None, str]:
    """The vision encoder's tensor pairs as the audit matched them, compared whole; or ``None`` with why."""
    components = [c for c in report.components if is_vision(c.name)]
    if not components:
        return None, "the audit identified no vision-encoder component in the candidate"
    infos = [{i.name: i for i, _ in entries_of(c.tensors)} for c in (candidate, reference)]
    pairs: list[Pair] = []
    skipped: list[str] = []
    for component in components:
        for pair in component.tensors:
            found = infos[0].get(pair.candidate), infos[1].get(pair.reference)
            if found[0] is None or found[1] is None:
                skipped.append(f"{pair.candidate}: not found in the checkpoint as the audit named it")
                continue
            a, b = _values(reader, found[0]), _values(reader, found[1])
            if pair.transposed and len(found[0].shape) == 2:
                a = a.reshape(found[0].shape).T.ravel()
            if a.size != b.size or (len(found[0].shape) == 2 and not pair.same_shape):
                skipped.append(f"{pair.candidate}: shapes differ ({found[0].shape} vs {found[1].shape})")
                continue
            pairs.append(
                Pair(
                    candidate=pair.candidate,
                    reference=pair.reference,
                    role=pair.role,
                    layers=None,
                    moments=moments(a, b),
                )
            )
    if not pairs:
        return None, "no vision-encoder tensor pair has the same shape in both models"
    return VisionTensors(
        components=tuple(c.name for c in components), pairs=tuple(pairs), skipped=tuple(skipped)
    ), ""


def measure(
    candidate: Path | str, reference: Path | str, report: Any, statistics: Iterable[Statistic]
) -> Measured:
    """Read what ``statistics`` need from both checkpoints (local or remote) and measure it.

    ``report`` is the audit's :class:`~generator.audit.AuditReport` (its vision pairs are reused).
    """
    wanted = set(statistics)
    remote = Remote() if is_remote(candidate) or is_remote(reference) else None
    try:
        cand, ref = (dequantised(open_checkpoint(x, remote=remote)) for x in (candidate, reference))
        with TensorReader() as reader:
            gains, gains_missing = (
                read_gains(cand, ref, reader, remote)
                if wanted & {"norm_gain_cosine", "norm_gain_pearson"}
                else (None, "")
            )
            vision, vision_missing = (
                read_vision(cand, ref, report, reader)
                if wanted & {"tensor_cosine", "tensor_pearson"}
                else (None, "")
            )
        transfer = (
            {}
            if remote is None
            else {"requests": remote.transfer.requests, "fetched": remote.transfer.fetched}
        )
    finally:
        if remote is not None:
            remote.close()
    return Measured(
        gains=gains,
        gains_missing=gains_missing,
        vision=vision,
        vision_missing=vision_missing,
        transfer=transfer,
    )
