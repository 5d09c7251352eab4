"""Stage 1c — fused expert ``gate_up_proj`` stored ``[E, d, 2f]`` (Llama 4, GPT-OSS) split into gate and up.

Llama 4 and GPT-OSS store each layer's routed experts as one ``experts.gate_up_proj`` of shape
``[E, d, 2f]`` — inputs first (``x @ W``), with ``experts.down_proj`` ``[E, f, d]`` — where a per-expert
checkpoint stores ``gate_proj`` and ``up_proj`` ``[f, d]`` each. Llama 4 concatenates the columns
(``[gate | up]``); GPT-OSS interleaves them (gate ``0, 2, 4, …``, up ``1, 3, 5, …``). :func:`split_gate_up`
replaces each such tensor by one ``[d, f]`` view per expert and part, named ``<name>[e.gate]`` and
``<name>[e.up]`` (as :func:`~generator.audit.names.split_experts` names the parts of a ``[E, 2f, d]``
layout), whose :class:`ColumnView` reads just the requested columns of that expert's slice; the views are
paired with a per-expert reference ``[f, d]`` transposed, like any other transposed weight. Nothing is
copied. Which columns are which comes from ``config.json`` (``model_type`` ``gpt_oss``: interleaved;
``llama4`` or ``llama4_text``: concatenated); where the config names neither, a candidate is audited both
ways (:func:`~generator.audit.engine.run_audit` keeps the layout whose experts score higher on half A), and a
reference or fingerprint is read concatenated, the layout transformers documents for ``[E, d, 2f]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from generator.audit.header import DTYPES, TensorInfo
from generator.audit.read import Checkpoint, TensorReader

Layout = Literal["concatenated", "interleaved"]
"""How gate and up columns are arranged in a fused ``[E, d, 2f]`` tensor."""

LAYOUTS: dict[str, Layout] = {
    "gpt_oss": "interleaved",
    "llama4": "concatenated",
    "llama4_text": "concatenated",
}
"""``config.json`` ``model_type`` values whose fused ``gate_up_proj`` layout is known."""

Rows = npt.NDArray[np.int64]


@dataclass(frozen=True, kw_only=True)
class ColumnView:
    """Some columns of a stored 2-D tensor, in a given order: read as the base reads (raw elements in the
    base's dtype, or its decoder's float32 values)."""

    base: TensorInfo
    """The tensor whose columns are viewed (one expert's ``[d, 2f]`` slice)."""
    columns: tuple[int, ...]
    """The base's column for each column of the view, in order."""
    label: str = ""
    """How the base is stored when quantised (its label), else ``""``: a view is not a quantisation."""
    _order: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_order", np.asarray(self.columns, dtype=np.int64))

    @property
    def stored_nbytes(self) -> int:
        """The share of the base's stored bytes this view stands for."""
        return self.base.stored_nbytes * len(self.columns) // max(1, self.base.cols)

    @property
    def parts(self) -> tuple[TensorInfo, ...]:
        """The fused tensor (read for the gate view and for the up view)."""
        return (self.base,)

    def read(self, reader: TensorReader, rows: Rows, cols: Rows | None) -> npt.NDArray[Any]:
        """Elements at ``rows`` × ``cols`` of the view (``cols=None``: every column of the view)."""
        picked = self._order if cols is None else self._order[cols]
        order = np.argsort(picked, kind="stable")
        raw = reader.read_2d(self.base, rows, picked[order])
        out = np.empty_like(raw)
        out[:, order] = raw
        return out


def layout_of(config: Mapping[str, Any] | None) -> Layout | None:
    """The gate/up column layout a model's ``config.json`` names (see the module docstring), else ``None``."""
    model_type = config.get("model_type") if config else None
    return LAYOUTS.get(model_type) if isinstance(model_type, str) else None


def _columns(f: int, layout: Layout) -> dict[str, tuple[int, ...]]:
    if layout == "interleaved":
        return {"gate": tuple(range(0, 2 * f, 2)), "up": tuple(range(1, 2 * f, 2))}
    return {"gate": tuple(range(f)), "up": tuple(range(f, 2 * f))}


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0]


def fused_by_columns(tensors: tuple[TensorInfo, ...]) -> list[TensorInfo]:
    """The ``…experts.gate_up_proj`` tensors stored ``[E, d, 2f]`` beside an ``…experts.down_proj``
    ``[E, f, d]`` (inputs first); a ``[E, 2f, d]`` layout is not one of them."""
    by_name = {t.name: t for t in tensors}
    found = []
    for info in tensors:
        if not info.name.endswith(".experts.gate_up_proj") or len(info.shape) != 3 or info.decoder:
            continue
        down = by_name.get(_stem(info.name) + ".down_proj")
        if down is None or len(down.shape) != 3 or down.shape[0] != info.shape[0]:
            continue
        if info.shape[1] == down.shape[2] and info.shape[2] == 2 * down.shape[1]:
            found.append(info)
    return found


def split_gate_up(
    checkpoint: Checkpoint, config: Mapping[str, Any] | None, layout: Layout | None = None
) -> Checkpoint:
    """``checkpoint`` with each fused ``[E, d, 2f]`` ``gate_up_proj`` replaced by its per-expert gate and up
    views: in ``layout`` when given, else as ``config`` (the model's ``config.json``) names it, else
    concatenated."""
    fused = fused_by_columns(checkpoint.tensors)
    if not fused:
        return checkpoint
    chosen = layout or layout_of(config) or "concatenated"
    parts = {info.name: _columns(info.shape[2] // 2, chosen) for info in fused}
    views: list[TensorInfo] = []
    for info in fused:
        experts, d, twice = info.shape
        item = DTYPES[info.dtype].itemsize
        part_bytes = d * twice * item
        for e in range(experts):
            sliced = replace(
                info,
                name=f"{info.name}[{e}]",
                shape=(d, twice),
                offset=info.offset + e * part_bytes,
                nbytes=part_bytes,
            )
            for part, columns in parts[info.name].items():
                views.append(
                    TensorInfo(
                        name=f"{info.name}[{e}.{part}]",
                        dtype=info.dtype,
                        shape=(d, len(columns)),
                        file=info.file,
                        offset=0,
                        nbytes=d * len(columns) * item,
                        decoder=ColumnView(base=sliced, columns=columns),
                    )
                )
    gone = {t.name for t in fused}
    kept = [t for t in checkpoint.tensors if t.name not in gone]
    return replace(checkpoint, tensors=tuple(sorted([*kept, *views], key=lambda t: t.name)))
