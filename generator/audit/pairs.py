"""Stage 5a — pairs: a candidate tensor, the reference tensor it may copy, and how to read it there.

The building blocks of :mod:`~generator.audit.align` and :mod:`~generator.audit.experts`: candidate
tensors, pairs, the reader that fetches a candidate's blocks at a reference's positions (keeping what a later
stage asks for again), the orientations in which a candidate tensor fits a reference's layout, and the
half-A profile score every choice rests on.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from generator.audit.fingerprint_file import TensorProfile
from generator.audit.header import AUDITED_DTYPES, TensorInfo
from generator.audit.names import ParsedName
from generator.audit.plan import profile_over_all_units, view_shape, window_for
from generator.audit.read import TensorReader, read_block
from generator.audit.residual import ResidualMap
from generator.audit.stats import profile_of, row_correlations
from generator.audit.tokens import TokenMap, is_token_rows
from generator.audit.values import raw_finite_or_fail, to_float

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


class CandidateSource:
    """Reads candidate blocks at a reference's positions, keeping what a later stage will ask for again.

    Sampled-unit blocks (small: units × window) are kept up to a byte budget, so the comparison stage reuses
    the reads the layer maps made; an all-units block (large) is kept only while it is the latest, and the
    sampled rows it contains are stored as the sampled block, so they are never read twice.

    A tensor with a fitted residual map (:mod:`~generator.audit.residual`; :meth:`read_through`) is read
    through it: its blocks come out in the reference's residual coordinates, so every later stage works as for
    a tensor stored that way.
    """

    def __init__(
        self,
        reader: TensorReader,
        *,
        budget: int = 64 << 20,
        large: int = 2,
        tokens: TokenMap | None = None,
    ) -> None:
        self._reader = reader
        self.tokens = tokens
        """Reference token id → candidate row when the vocabulary was re-numbered
        (:mod:`~generator.audit.tokens`); token rows are then read through it."""
        self._residual: dict[str, ResidualMap] = {}
        self.units_related: dict[tuple[Any, ...], bool] = {}
        """Per group of tensors sharing hidden units (:func:`~generator.audit.units.unit_group`): whether the
        one read over every unit (``o_proj``, ``down_proj``) showed its units related to the reference's on
        half A; the others' unit search is skipped where it did not (:func:`~generator.audit.units.
        hidden_units`)."""
        self.conventions: dict[str, bool] = {}
        """Per candidate component, whether it stores its matrices transposed relative to the reference, where
        its matrices of one-way shapes agree (:func:`storage_conventions`)."""
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
        rows = self.candidate_units(reference, units)
        raw = self._read(info, reference, transposed=transposed, units=None if all_units else rows)
        if all_units:
            self._large[key] = raw
            if len(self._large) > self._large_count:
                self._large.popitem(last=False)
            self._keep_sampled((*where, units.tobytes()), np.ascontiguousarray(raw[rows]))
        else:
            self._keep_sampled(key, raw)
        return raw

    def run_block(
        self, info: TensorInfo, reference: TensorProfile, *, transposed: bool, run: range
    ) -> npt.NDArray[Any]:
        """Raw candidate elements, the units of ``run`` × window (not kept: read once, by the unit search)."""
        return self._read(
            info, reference, transposed=transposed, units=np.arange(run.start, run.stop, dtype=np.int64)
        )

    def _read(
        self,
        info: TensorInfo,
        reference: TensorProfile,
        *,
        transposed: bool,
        units: npt.NDArray[np.int64] | None,
    ) -> npt.NDArray[Any]:
        """Raw candidate elements ``units × window`` (``None``: every unit), checked finite."""
        assert reference.layout.residual_axis is not None
        mapped = self.residual_map(info, reference)
        order = None if units is None or bool(np.all(units[1:] > units[:-1])) else np.argsort(units)
        raw = read_block(
            self._reader,
            info,
            residual_axis=reference.layout.residual_axis,
            transposed=transposed,
            window=window_for(reference.layout.width).positions() if mapped is None else mapped.positions(),
            units=units if order is None or units is None else units[order],
        )
        if order is not None:  # rows paired by token string come in the reference's order, read sorted
            raw = raw[np.argsort(order)]
        raw_finite_or_fail(raw, info.dtype, info)
        return raw if mapped is None else mapped.apply(raw, info.dtype)

    def read_through(self, maps: Mapping[str, ResidualMap]) -> None:
        """From now on, read the tensors named in ``maps`` through their residual maps.

        Called once, after the maps were fitted (:func:`~generator.audit.residual.fit_residual` reads the
        embeddings' sampled blocks through this source, so the comparison reuses them); whatever was read as
        stored of the tensors now mapped is dropped, so nothing read as stored is used for them.
        """
        for kept in (self._sampled, self._large, self._profiles):  # as stored: never used through a map
            for key in [k for k in kept if k[0] in maps]:
                dropped = kept.pop(key)
                if kept is self._sampled:
                    self._sampled_bytes -= dropped.nbytes
        self._residual = dict(maps)

    def residual_map(self, info: TensorInfo, reference: TensorProfile) -> ResidualMap | None:
        """The residual map ``info`` is read through against ``reference``, or ``None`` (read as stored).

        Norm gains are not rotated: a rotation needs them folded into the next matrices first.
        """
        mapped = self._residual.get(info.name)
        layout = reference.layout
        if mapped is None or layout.kind != "residual" or layout.width != mapped.reference_width:
            return None
        if mapped.kind == "rotation" and reference.parsed.role.startswith("norm."):
            return None
        return mapped

    def orientations(self, candidate: Candidate, reference: TensorProfile) -> list[bool]:
        """The ways the candidate's shape fits the reference's layout (:func:`orientations`), a square matrix
        read only the way its component stores the matrices whose shape tells (:attr:`conventions`)."""
        fits = orientations(candidate.info, reference, self.width(candidate.info, reference))
        return conventional(fits, self.conventions.get(candidate.parsed.component))

    def width(self, info: TensorInfo, reference: TensorProfile) -> int:
        """The candidate's residual width to look for against ``reference`` (narrower when pruned)."""
        mapped = self.residual_map(info, reference)
        return reference.layout.width if mapped is None else mapped.candidate_width

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
        """The reference's sampled units that exist in the candidate (a shrunk vocabulary lacks some; a
        re-numbered one has the same string elsewhere, or not at all)."""
        units = np.asarray(reference.units, dtype=np.int64)
        rows = self.candidate_units(reference, units)
        return units[(rows >= 0) & (rows < self.unit_count(info, reference, transposed))]

    def candidate_units(
        self, reference: TensorProfile, units: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """The candidate's units holding the reference's ``units``: the same indices, except token rows of a
        re-numbered vocabulary, found by string (``-1``: not in the candidate)."""
        if self.tokens is None or not is_token_rows(reference):
            return units
        return self.tokens.rows(units)

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


def orientations(info: TensorInfo, reference: TensorProfile, width: int | None = None) -> list[bool]:
    """Ways (``False``: as stored; ``True``: transposed) the candidate's shape fits the reference's layout.

    ``width``: the candidate's residual width when it differs from the reference's (a pruned copy read
    through a residual map; :meth:`CandidateSource.width`).
    """
    layout, shape, ref_shape = reference.layout, info.shape, reference.shape
    d = layout.width if width is None else width
    transposable = len(shape) == 2 and len(ref_shape) == 2
    if layout.kind == "plain":
        out = [False] if shape == ref_shape else []
        return out + ([True] if transposable and shape[::-1] == ref_shape and shape != ref_shape else [])
    if layout.kind != "residual" or info.dtype not in AUDITED_DTYPES:
        return []
    if layout.units == "single":
        return [False] if shape == (ref_shape if d == layout.width else (d,)) else []
    assert layout.residual_axis is not None
    axis, out = layout.residual_axis, []
    same_rank = len(shape) == len(ref_shape) and view_shape(shape)[axis] == d
    if same_rank and (len(shape) <= 2 or shape[1:] == ref_shape[1:] or axis == 0):
        out.append(False)
    if transposable and shape[1 - axis] == d:
        out.append(True)
    return out


def storage_conventions(pairs: Iterable[tuple[Candidate, TensorProfile]]) -> dict[str, bool]:
    """Per candidate component, whether its matrices are stored transposed relative to the reference's, as
    its linear layers paired by name whose shape fits one way only say (``gate_proj`` ``[f, d]`` against
    ``[d, f]``): a format stores every linear layer one way (PyTorch ``[out, in]``; GPT-2's ``Conv1D`` and
    ONNX ``[in, out]``). Components with no such matrix, or whose matrices disagree, are
    left out: their square matrices are read both ways, as before; the others' only that way.

    A square matrix (``q_proj``, ``o_proj`` at ``d × d``) fits both ways; read transposed it costs a window
    of every row — an independent candidate's every square matrix read again over HTTP for nothing.
    """
    seen: dict[str, set[bool]] = {}
    for candidate, reference in pairs:
        layout = reference.layout  # hidden units: linear layers (an embedding table is [vocab, d] in both)
        if len(candidate.info.shape) != 2 or layout.kind != "residual" or layout.units != "hidden":
            continue
        fits = orientations(candidate.info, reference)
        if len(fits) == 1:
            seen.setdefault(candidate.parsed.component, set()).add(fits[0])
    return {component: ways.pop() for component, ways in seen.items() if len(ways) == 1}


def conventional(fits: list[bool], way: bool | None) -> list[bool]:
    """The orientations ``fits`` (:func:`orientations`) narrowed to ``way``, a component's storage convention
    (:func:`storage_conventions`), where both fit — a square matrix — and the convention is known."""
    return [way] if len(fits) > 1 and way is not None else fits


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


def best_match(
    candidate: Candidate, options: Sequence[TensorProfile], source: CandidateSource, how: How
) -> Match | None:
    best: Match | None = None
    margin = how != "content"
    for reference in options:
        match = None
        for transposed in source.orientations(candidate, reference):
            if match is not None and not can_switch(match.score, reference, margin=margin):
                break  # the transposed reading could not win: it is not read at all
            if match is not None and not worth_reading_transposed(candidate.info, reference, source):
                continue  # its sampled units do not agree: the whole tensor is not read for it
            score = (
                profile_score(source.profile(candidate.info, reference, transposed), reference)
                if reference.layout.kind == "residual" and not reference.constant
                else None
            )
            read = Match(
                candidate=candidate, reference=reference, transposed=transposed, how=how, score=score
            )
            if match is None or _clearly_better(read, match, margin=margin):
                match = read
        if match is not None and (best is None or _rank(match) > _rank(best)):
            best = match
    return best


SCREEN = 0.25
"""Mean absolute half-A correlation of the sampled units, index by index, below which a transposed reading
that needs every unit is not read (:func:`worth_reading_transposed`). Unrelated weights: about 0.07 (the mean
of ``|r|`` over 128 positions), with a spread of ~0.005 over 128 units; a transposed copy: near 1."""


def worth_reading_transposed(info: TensorInfo, reference: TensorProfile, source: CandidateSource) -> bool:
    """Whether the transposed reading of a tensor whose residual positions are its rows (``o_proj``,
    ``down_proj``) is worth its cost: its profile sums the window of *every* row — the whole tensor over HTTP,
    and all of an independent candidate's ``o_proj`` read for nothing.

    It is read when the reference's sampled units, read transposed at the same indices (a few runs of rows),
    agree with the reference's on half A (mean ``|r|`` ≥ :data:`SCREEN`), as a transposed copy's do; or when
    there are too few units or positions to tell. The choice uses half A only, so the tests on half B stay
    exact. A copy both transposed *and* with its units re-ordered fails this screen and is read as stored.
    Asked only where the stored orientation fits too: a reading that is the only one is always made.
    """
    layout = reference.layout
    if layout.kind != "residual" or not profile_over_all_units(layout) or layout.units == "single":
        return True  # the transposed profile is a window of contiguous rows: no dearer than the stored one
    half = window_for(layout.width).half
    if reference.block.size == 0 or half < 8 or len(reference.units) < 8:
        return True
    units = source.present_units(info, reference, True)
    if units.size != len(reference.units):
        return True
    cand = to_float(source.block(info, reference, transposed=True, all_units=False), info.dtype)[:, :half]
    ref = to_float(reference.block, reference.dtype)[:, :half]
    return bool(np.abs(row_correlations(cand, ref)).mean() >= SCREEN)


def can_switch(stored: float | None, reference: TensorProfile, *, margin: bool) -> bool:
    """Whether a transposed reading could still beat the stored one, whose half-A score is ``stored``.

    With a margin (a tensor paired by its name) it must score above ``stored`` plus :func:`_switch_margin`,
    and no correlation exceeds 1: a stored reading that already scores within the margin of 1 (a copy or a
    fine-tune) settles the orientation, and the transposed one — for a square matrix another window over
    every unit, for a residual-in-rows one the whole tensor over HTTP — need not be read. The choice is
    exactly the one reading both would make.
    """
    if not margin or stored is None:
        return True
    return stored + _switch_margin(reference) <= 1.0 + _ROUNDING


_ROUNDING = 1e-9
"""More than a correlation of float64 values can exceed 1 by rounding."""


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
