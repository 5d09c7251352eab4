"""Stage 2 — names, the parts: tensors that hold several weights split into named row slices.

A fused ``qkv`` matrix becomes ``<name>[q]``, ``[k]`` and ``[v]``; fused expert tensors ``[E, …]`` become
``<name>[e]``, and a fused ``gate_up`` also ``<name>[e.gate]`` and ``<name>[e.up]`` (a dense Phi-3
``mlp.gate_up_proj``: ``<name>[gate]`` and ``<name>[up]``). Each slice keeps its place in the file (an offset
and a size), so nothing is read here; :func:`~generator.audit.names.entries_of` applies them to both sides,
so a fused checkpoint and a split one are compared part by part.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from generator.audit.header import TensorInfo

if TYPE_CHECKING:  # a type only: names parses the names, then splits the parts here
    from generator.audit.names import ParsedName

_FUSED_PARTS = ("q", "k", "v")


def is_fused_part(name: str) -> bool:
    """Whether ``name`` is one part of a fused tensor as :func:`split_fused` names it (``…qkv.weight[q]``)."""
    return name.endswith(tuple(f"[{part}]" for part in _FUSED_PARTS))


def fused_whole(name: str) -> str:
    """The fused tensor's own name for one of its parts; any other name unchanged."""
    return name.split("[", maxsplit=1)[0]


def split_fused(entries: list[tuple[TensorInfo, ParsedName]]) -> list[tuple[TensorInfo, ParsedName]]:
    """Split fused ``qkv`` matrices (rows = 3 × columns) and their biases into three row slices.

    Applied to both sides, so a fused checkpoint and a split one are compared part by part. Slices are named
    ``<name>[q]`` etc.; grouped-query layouts (unequal parts) stay fused.
    """
    out: list[tuple[TensorInfo, ParsedName]] = []
    for info, parsed in entries:
        rows, cols = (info.shape[0], info.cols) if len(info.shape) == 2 else (info.numel, 1)  # 0-d: 1 row
        fused = parsed.role.startswith("attn.qkv.") and len(info.shape) in (1, 2) and rows % 3 == 0
        if fused and len(info.shape) == 2:
            fused = rows == 3 * cols
        if not fused:
            out.append((info, parsed))
            continue
        part_rows = rows // 3
        part_bytes = info.nbytes // 3
        for index, part in enumerate(_FUSED_PARTS):
            name = f"{info.name}[{part}]"
            shape = (part_rows, *info.shape[1:])
            sliced = replace(
                info, name=name, shape=shape, offset=info.offset + index * part_bytes, nbytes=part_bytes
            )
            role = parsed.role.replace("attn.qkv.", f"attn.{part}.", 1)
            out.append((sliced, replace(parsed, name=name, role=role)))
    return out


def split_experts(entries: list[tuple[TensorInfo, ParsedName]]) -> list[tuple[TensorInfo, ParsedName]]:
    """Fused expert tensors ``[E, …]`` (``experts.gate_up_proj``, ``experts.down_proj``) split per expert,
    named ``<name>[e]``; a fused ``gate_up`` stored ``[E, 2f, d]`` (rows: gate then up) also in halves,
    ``<name>[e.gate]`` and ``<name>[e.up]``, as is a dense ``mlp.gate_up_proj`` (Phi-3)."""
    downs = {
        (p.stack, p.layer): info.shape
        for info, p in entries
        if p.role.startswith("expert.down") and p.expert is None and len(info.shape) == 3
    }
    out: list[tuple[TensorInfo, ParsedName]] = []
    for info, parsed in entries:
        fused = parsed.role.startswith("expert.") and parsed.expert is None and len(info.shape) >= 2
        if fused:
            count, part_bytes = info.shape[0], info.nbytes // max(1, info.shape[0])
            for e in range(count):
                name = f"{info.name}[{e}]"
                sliced = replace(
                    info,
                    name=name,
                    shape=info.shape[1:],
                    offset=info.offset + e * part_bytes,
                    nbytes=part_bytes,
                )
                piece = replace(parsed, name=name, expert=e)
                down = downs.get((parsed.stack, parsed.layer))
                halves = down is not None and len(info.shape) == 3 and info.shape[1] == 2 * down[-1]
                if parsed.role.startswith("expert.gate_up") and halves:
                    out.extend(_halves(sliced, piece, f"{info.name}[{e}.", "expert"))
                else:
                    out.append((sliced, piece))
        elif parsed.role.startswith("mlp.gate_up") and len(info.shape) == 2 and info.shape[0] % 2 == 0:
            out.extend(_halves(info, parsed, f"{info.name}[", "mlp"))
        else:
            out.append((info, parsed))
    return out


def _halves(
    info: TensorInfo, parsed: ParsedName, stem: str, family: str
) -> list[tuple[TensorInfo, ParsedName]]:
    rows, half = info.shape[0], info.nbytes // 2
    out = []
    for index, part in enumerate(("gate", "up")):
        name = f"{stem}{part}]"
        shape = (rows // 2, *info.shape[1:])
        sliced = replace(info, name=name, shape=shape, offset=info.offset + index * half, nbytes=half)
        role = parsed.role.replace(f"{family}.gate_up", f"{family}.{part}", 1)
        out.append((sliced, replace(parsed, name=name, role=role)))
    return out
