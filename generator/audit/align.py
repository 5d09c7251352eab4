"""Stage 5 — align: pair each candidate tensor with the reference tensor it would be a copy of.

Choices here use only half A of each residual window (see :mod:`generator.audit.plan`), so the tests on
half B stay exact however the pairs were chosen. In order:

1. **Layer maps.** For each repeated stack of the candidate (``model.layers``, ``vision.blocks`` …) and each
   reference stack sharing roles with it, a similarity matrix *candidate layers × reference layers*: the mean
   over roles of the centred correlation of the tensors' *profiles* (per residual position, the sum of
   squares over all units — unchanged by permuted neurons or heads). A monotone (non-decreasing) map
   maximising total similarity handles dropped layers (every other layer kept) and duplicated ones.
2. **Roles** for named tensors outside stacks (embeddings, heads, final norms).
3. **Content** for everything else — anonymous names (``onnx::MatMul_470``), unknown roles, roles the
   reference lacks: the best-correlated reference tensor of a compatible shape, stored as-is or transposed.
"""

from __future__ import annotations

import math
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from generator.audit.fingerprint import Fingerprint, TensorProfile
from generator.audit.names import ParsedName, is_buffer
from generator.audit.plan import profile_over_all_units, view_shape, window_for
from generator.audit.read import (
    AUDITED_DTYPES,
    TensorInfo,
    TensorReader,
    raw_finite_or_fail,
    read_block,
)
from generator.audit.stats import profile_of

How = Literal["layer map", "role", "content"]

SWITCH_MARGIN = 0.2
"""How much better (in mean half-A profile correlation) a re-ordered layer map must score per layer than
the layers as named, and a transposed reading at least, before the audit believes it."""


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """One candidate tensor (or one part of a fused ``qkv``) with its parsed name."""

    info: TensorInfo
    """Where its data lives."""
    parsed: ParsedName
    """Component, stack, layer and role."""


@dataclass(frozen=True, kw_only=True)
class Match:
    """A candidate tensor paired with a reference tensor."""

    candidate: Candidate
    """The candidate side."""
    reference: TensorProfile
    """The reference side."""
    transposed: bool
    """Whether the candidate stores the reference's layout transposed."""
    how: How
    """How the pair was found."""
    score: float | None
    """Centred correlation of the two profiles on half A (what the choice was based on)."""


@dataclass(frozen=True, kw_only=True)
class Unmatched:
    """A candidate tensor with no reference counterpart, or one that is never evidence."""

    candidate: Candidate
    """The tensor."""
    reason: str
    """Why it is not compared."""
    skipped: bool
    """Whether it is excluded by kind (buffer, integer, scalar) rather than unmatched."""


@dataclass(frozen=True, kw_only=True)
class LayerMap:
    """How one candidate stack's layers map onto a reference stack."""

    component: str
    """Candidate component."""
    candidate_stack: str
    """Candidate stack, e.g. ``language_model.model.layers``."""
    reference_stack: str
    """Reference stack."""
    candidate_layers: tuple[int, ...]
    """Candidate layer indices (rows of ``similarity``)."""
    reference_layers: tuple[int, ...]
    """Reference layer indices (columns of ``similarity``)."""
    mapping: tuple[tuple[int, int], ...]
    """``(candidate layer, reference layer)`` pairs chosen."""
    similarity: tuple[tuple[float, ...], ...]
    """Mean centred profile correlation on half A, candidate layers × reference layers."""


@dataclass(frozen=True, kw_only=True)
class Alignment:
    """Every candidate tensor, paired or not."""

    matches: tuple[Match, ...]
    """Pairs to compare."""
    unmatched: tuple[Unmatched, ...]
    """Tensors not compared, with the reason."""
    layer_maps: tuple[LayerMap, ...]
    """Layer maps of the candidate's stacks."""


class CandidateSource:
    """Reads candidate blocks at a reference's positions, keeping what a later stage will ask for again.

    Sampled-unit blocks (small: units × window) are kept up to a byte budget, so the comparison stage reuses
    the reads the layer maps made; an all-units block (large) is kept only while it is the latest, and the
    sampled rows it contains are stored as the sampled block, so they are never read twice.
    """

    def __init__(self, reader: TensorReader, *, budget: int = 64 << 20, large: int = 2) -> None:
        self._reader = reader
        self._sampled: OrderedDict[tuple[Any, ...], npt.NDArray[Any]] = OrderedDict()
        self._sampled_bytes = 0
        self._budget = budget
        self._large: OrderedDict[tuple[Any, ...], npt.NDArray[Any]] = OrderedDict()
        self._large_count = large
        self._profiles: dict[tuple[Any, ...], npt.NDArray[np.float64]] = {}

    @property
    def reader(self) -> TensorReader:
        """The underlying reader."""
        return self._reader

    def block(
        self, info: TensorInfo, reference: TensorProfile, *, transposed: bool, all_units: bool
    ) -> npt.NDArray[Any]:
        """Raw candidate elements, units × window; all units, or the reference's sampled ones that exist."""
        layout = reference.layout
        assert layout.residual_axis is not None
        units = self.present_units(info, reference, transposed)
        where = (info.name, transposed, layout.residual_axis, layout.width)
        key: tuple[Any, ...]
        if all_units:
            key = where
            if key in self._large:
                self._large.move_to_end(key)
                return self._large[key]
        else:
            key = (*where, units.tobytes())
            if key in self._sampled:
                self._sampled.move_to_end(key)
                return self._sampled[key]
        raw = read_block(
            self._reader,
            info,
            residual_axis=layout.residual_axis,
            transposed=transposed,
            window=window_for(layout.width).positions(),
            units=None if all_units else units,
        )
        raw_finite_or_fail(raw, info.dtype, info)
        if all_units:
            self._large[key] = raw
            if len(self._large) > self._large_count:
                self._large.popitem(last=False)
            self._keep_sampled((*where, units.tobytes()), np.ascontiguousarray(raw[units]))
        else:
            self._keep_sampled(key, raw)
        return raw

    def _keep_sampled(self, key: tuple[Any, ...], raw: npt.NDArray[Any]) -> None:
        if key in self._sampled:
            return
        self._sampled[key] = raw
        self._sampled_bytes += raw.nbytes
        while self._sampled_bytes > self._budget and len(self._sampled) > 1:
            _, dropped = self._sampled.popitem(last=False)
            self._sampled_bytes -= dropped.nbytes

    def present_units(
        self, info: TensorInfo, reference: TensorProfile, transposed: bool
    ) -> npt.NDArray[np.int64]:
        """The reference's sampled units that exist in the candidate (a shrunk vocabulary lacks some)."""
        units = np.asarray(reference.units, dtype=np.int64)
        return units[units < self.unit_count(info, reference, transposed)]

    @staticmethod
    def unit_count(info: TensorInfo, reference: TensorProfile, transposed: bool) -> int:
        """How many units (rows of the reference's layout) the candidate tensor has."""
        assert reference.layout.residual_axis is not None
        rows, cols = view_shape(info.shape)
        return rows if reference.layout.residual_axis ^ int(transposed) == 1 else cols

    def profile(
        self, info: TensorInfo, reference: TensorProfile, transposed: bool
    ) -> npt.NDArray[np.float64]:
        """The candidate's profile at the reference's window (sums of squares over units, or values)."""
        layout = reference.layout
        assert layout.residual_axis is not None
        key = (
            info.name,
            layout.residual_axis ^ int(transposed),
            layout.width,
            reference.shape,
            reference.units,
        )
        if key not in self._profiles:
            every = profile_over_all_units(layout)
            raw = self.block(info, reference, transposed=transposed, all_units=every)
            self._profiles[key] = profile_of(raw, info.dtype, single=layout.units == "single")
        return self._profiles[key]


def orientations(info: TensorInfo, reference: TensorProfile) -> list[bool]:
    """Ways (``False``: as stored; ``True``: transposed) the candidate's shape fits the reference's layout."""
    layout, shape, ref_shape = reference.layout, info.shape, reference.shape
    transposable = len(shape) == 2 and len(ref_shape) == 2
    if layout.kind == "plain":
        out = [False] if shape == ref_shape else []
        return out + ([True] if transposable and shape[::-1] == ref_shape and shape != ref_shape else [])
    if layout.kind != "residual" or info.dtype not in AUDITED_DTYPES:
        return []
    if layout.units == "single":
        return [False] if shape == ref_shape else []
    assert layout.residual_axis is not None
    axis, out = layout.residual_axis, []
    same_rank = len(shape) == len(ref_shape) and view_shape(shape)[axis] == layout.width
    if same_rank and (len(shape) <= 2 or shape[1:] == ref_shape[1:] or axis == 0):
        out.append(False)
    if transposable and shape[1 - axis] == layout.width:
        out.append(True)
    return out


def profile_score(candidate: npt.NDArray[np.float64], reference: TensorProfile) -> float | None:
    """Centred correlation of two profiles on half A; ``None`` when either is constant there."""
    half = window_for(reference.layout.width).half if reference.layout.kind == "residual" else 0
    if half < 2:
        return None
    x, y = (
        candidate[:half] - candidate[:half].mean(),
        reference.profile[:half] - reference.profile[:half].mean(),
    )
    norm = float(np.sqrt((x @ x) * (y @ y)))
    return float(x @ y) / norm if norm > 0 else None


def align(
    candidates: Sequence[Candidate],
    reference: Fingerprint,
    source: CandidateSource,
    *,
    progress: Callable[[str], None] | None = None,
) -> Alignment:
    """Pair every candidate tensor with a reference tensor (see the module docstring)."""
    usable = [p for p in reference.tensors if p.layout.kind != "skip"]
    skipped_roles = _skipped_roles(reference)
    matches: list[Match] = []
    unmatched: list[Unmatched] = []
    pending: list[Candidate] = []
    for candidate in candidates:
        reason = _skip_reason(candidate.info) or skipped_roles.get(candidate.parsed.role, "")
        if reason:
            unmatched.append(Unmatched(candidate=candidate, reason=reason, skipped=True))
        else:
            pending.append(candidate)
    layer_maps, by_map, rest = _map_layers(pending, usable, source)
    matches.extend(by_map)
    for candidate in rest:
        if progress is not None:
            progress(candidate.info.name)
        match = _by_role(candidate, usable, source) or _by_content(candidate, usable, source)
        if match is None:
            unmatched.append(
                Unmatched(
                    candidate=candidate, reason="no reference tensor of a compatible shape", skipped=False
                )
            )
        else:
            matches.append(match)
    return Alignment(matches=tuple(matches), unmatched=tuple(unmatched), layer_maps=tuple(layer_maps))


def _skipped_roles(reference: Fingerprint) -> dict[str, str]:
    """Known roles whose every reference tensor is skipped, with the reason (e.g. rotary q/k biases).

    A candidate tensor of such a role is skipped for the same reason, rather than paired by content with
    some unrelated tensor of a compatible shape.
    """
    known = [p for p in reference.tensors if p.parsed.known]
    skipped = {p.parsed.role: p.layout.reason for p in known if p.layout.kind == "skip"}
    kept = {p.parsed.role for p in known if p.layout.kind != "skip"}
    return {
        role: f"as in the reference: {reason}"
        for role, reason in skipped.items()
        if role not in kept and reason
    }


def _skip_reason(info: TensorInfo) -> str:
    if info.dtype not in AUDITED_DTYPES:
        return f"{info.dtype} tensors are not weights"
    if is_buffer(info.name):
        return "deterministic buffer"
    if info.numel < 2:
        return "scalar"
    return ""


def _best(
    candidate: Candidate, options: Sequence[TensorProfile], source: CandidateSource, how: How
) -> Match | None:
    best: Match | None = None
    for reference in options:
        match = None
        for transposed in orientations(candidate.info, reference):
            score = (
                profile_score(source.profile(candidate.info, reference, transposed), reference)
                if reference.layout.kind == "residual" and not reference.constant
                else None
            )
            read = Match(
                candidate=candidate, reference=reference, transposed=transposed, how=how, score=score
            )
            if match is None or _clearly_better(read, match, margin=how != "content"):
                match = read
        if match is not None and (best is None or _rank(match) > _rank(best)):
            best = match
    return best


def _clearly_better(transposed: Match, stored: Match, *, margin: bool) -> bool:
    """Whether the transposed reading of a tensor beats the stored one (clearly, with ``margin``).

    A tensor paired by its name is read as stored unless the transposed reading wins by
    :func:`_switch_margin`: on weakly related weights (a long fine-tune) profile scores are noisy, and noise
    must not invent a disguise. A tensor paired by content alone (anonymous names) has no such prior.
    """
    if transposed.score is None or stored.score is None:
        return stored.score is None and transposed.score is not None
    return transposed.score > stored.score + (_switch_margin(stored.reference) if margin else 0.0)


def _rank(match: Match) -> tuple[float, int]:
    # Between references: prefer a higher score; between unscored options, the stored orientation.
    return (match.score if match.score is not None else -2.0, 0 if match.transposed else 1)


def _switch_margin(reference: TensorProfile) -> float:
    """SWITCH_MARGIN, or three standard deviations of the difference of two half-A profile correlations."""
    half = window_for(reference.layout.width).half if reference.layout.kind == "residual" else 0
    return max(SWITCH_MARGIN, 3.0 * math.sqrt(2.0 / half)) if half > 0 else SWITCH_MARGIN


def _by_role(candidate: Candidate, usable: Sequence[TensorProfile], source: CandidateSource) -> Match | None:
    parsed = candidate.parsed
    if not parsed.known:
        return None
    options = [
        p
        for p in usable
        if p.parsed.role == parsed.role and (p.parsed.layer is None) == (parsed.layer is None)
    ]
    return _best(candidate, options, source, "role")


def _by_content(
    candidate: Candidate, usable: Sequence[TensorProfile], source: CandidateSource
) -> Match | None:
    return _best(candidate, usable, source, "content")


def _map_layers(  # noqa: PLR0912 — one loop per level of stack → layer → role
    candidates: Sequence[Candidate], usable: Sequence[TensorProfile], source: CandidateSource
) -> tuple[list[LayerMap], list[Match], list[Candidate]]:
    stacks: dict[tuple[str, str], dict[int, dict[str, Candidate]]] = defaultdict(lambda: defaultdict(dict))
    rest: list[Candidate] = []
    for candidate in candidates:
        p = candidate.parsed
        if p.layer is None or p.stack is None or not p.known:
            rest.append(candidate)
        else:
            stacks[(p.component, p.stack)][p.layer][p.role] = candidate
    references: dict[str, dict[int, dict[str, TensorProfile]]] = defaultdict(lambda: defaultdict(dict))
    for profile in usable:
        if profile.parsed.layer is not None and profile.parsed.stack is not None:
            references[profile.parsed.stack][profile.parsed.layer][profile.parsed.role] = profile
    maps: list[LayerMap] = []
    matches: list[Match] = []
    for (component, stack), layers in sorted(stacks.items()):
        best: tuple[float, LayerMap, npt.NDArray[np.float64]] | None = None
        for ref_stack, ref_layers in sorted(references.items()):
            found = _stack_map(
                component=component,
                stack=stack,
                layers=layers,
                ref_stack=ref_stack,
                ref_layers=ref_layers,
                source=source,
            )
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        if best is None:
            rest.extend(c for layer in layers.values() for c in layer.values())
            continue
        layer_map = best[1]
        maps.append(layer_map)
        target = dict(layer_map.mapping)
        ref_layers = references[layer_map.reference_stack]
        for layer, roles in sorted(layers.items()):
            for role, candidate in sorted(roles.items()):
                reference = ref_layers[target[layer]].get(role)
                match = _best(candidate, [reference], source, "layer map") if reference is not None else None
                if match is None:
                    rest.append(candidate)
                else:
                    matches.append(match)
    return maps, matches, rest


def _stack_map(
    *,
    component: str,
    stack: str,
    layers: dict[int, dict[str, Candidate]],
    ref_stack: str,
    ref_layers: dict[int, dict[str, TensorProfile]],
    source: CandidateSource,
) -> tuple[float, LayerMap, npt.NDArray[np.float64]] | None:
    cand_ids, ref_ids = sorted(layers), sorted(ref_layers)
    shared = {r for roles in layers.values() for r in roles} & {
        r for roles in ref_layers.values() for r in roles
    }
    if not shared:
        return None
    similarity = np.zeros((len(cand_ids), len(ref_ids)))
    counted = 0
    for i, layer in enumerate(cand_ids):
        for j, ref_layer in enumerate(ref_ids):
            scores = []
            for role in sorted(shared):
                candidate, reference = layers[layer].get(role), ref_layers[ref_layer].get(role)
                if (
                    candidate is None
                    or reference is None
                    or reference.constant
                    or reference.layout.kind != "residual"
                ):
                    continue
                fits = orientations(candidate.info, reference)
                if fits:
                    score = profile_score(source.profile(candidate.info, reference, fits[0]), reference)
                    if score is not None:
                        scores.append(score)
            similarity[i, j] = float(np.mean(scores)) if scores else 0.0
            counted += len(scores)
    if counted == 0:
        return None
    total, path = monotone_map(similarity)
    if cand_ids == ref_ids:
        # The layers as named, unless another map is clearly better (see SWITCH_MARGIN).
        as_named = float(np.trace(similarity))
        if total - as_named <= SWITCH_MARGIN * len(cand_ids):
            total, path = as_named, list(range(len(cand_ids)))
    layer_map = LayerMap(
        component=component,
        candidate_stack=stack,
        reference_stack=ref_stack,
        candidate_layers=tuple(cand_ids),
        reference_layers=tuple(ref_ids),
        mapping=tuple((cand_ids[i], ref_ids[j]) for i, j in enumerate(path)),
        similarity=tuple(tuple(round(float(v), 6) for v in row) for row in similarity),
    )
    return total / len(cand_ids), layer_map, similarity


def monotone_map(similarity: npt.NDArray[np.float64]) -> tuple[float, list[int]]:
    """The non-decreasing map rows → columns maximising the summed similarity (dynamic programming)."""
    rows, cols = similarity.shape
    score = np.zeros((rows, cols))
    back = np.zeros((rows, cols), dtype=np.int64)
    score[0] = similarity[0]
    for i in range(1, rows):
        running = np.maximum.accumulate(score[i - 1])
        argmax = np.zeros(cols, dtype=np.int64)
        for j in range(1, cols):
            argmax[j] = j if score[i - 1, j] >= running[j - 1] else argmax[j - 1]
        score[i] = similarity[i] + running
        back[i] = argmax
    path = [int(np.argmax(score[-1]))]
    for i in range(rows - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return float(score[-1].max()), path[::-1]
