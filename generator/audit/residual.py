"""Stage 4b — residual: a relabelled residual stream, recovered from the token embeddings.

A function-preserving relabelling of the residual stream — a permutation of its dimensions (with signs), a
subset of them kept (Minitron-style width pruning) or placed among new ones (a widened model), or an
orthogonal rotation with the norm gains folded into the next matrices (QuaRot, SpinQuant) — moves every
residual axis of every tensor together, so every index-by-index statistic looks independent. When candidate
and reference share tokens (by id, or by string when the vocabulary was re-numbered:
:mod:`~generator.audit.tokens`), the embedding rows of one token are the same point in both residual
streams, so the map between the streams can be fitted from them: each reference window position's best
candidate dimension (an assignment), or an orthogonal map (Procrustes, a partial isometry when the widths
differ; from whole rows when the stream is wide: :mod:`~generator.audit.residual_wide`).

Honesty rules. A map is fitted on one half of the sampled token rows and kept only when it predicts the
reference's embedding columns on the other half far better than independent models do
(:data:`PERMUTATION_GATE`, :data:`ROTATION_GATE`); otherwise the tensors are read as stored, as before. A
kept map is refitted on every sampled row and applied to the candidate's residual axes wherever a block is
read (:meth:`~generator.audit.pairs.CandidateSource.read_through`). The embeddings it was fitted on are then
never evidence: both are listed as used to fit it, not compared; nor are tensors whose rows are those same
tokens (an untied output head), which a fitted map makes agree for independent models trained on the same
tokens (measured: z up to 8 on such pairs with the map forced on). After a fitted map the permutation null is
no longer exact by construction (the map depends on both models), so the gates are calibrated on independent
models trained on the same token stream (``tests/audit/test_calibration.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from generator.audit.fingerprint_file import Fingerprint, TensorProfile
from generator.audit.header import AUDITED_DTYPES, DTYPES
from generator.audit.names import is_buffer
from generator.audit.plan import model_width, seed_for, window_for
from generator.audit.residual_units import fit_from_units
from generator.audit.residual_wide import fit_wide_rotation, needs_wide, rows_in_order
from generator.audit.stats import cast_bits, column_correlations, standardise
from generator.audit.tokens import TOKEN_ROLES
from generator.audit.values import to_float

if TYPE_CHECKING:  # pairs reads blocks through a ResidualMap, so it imports this module
    from generator.audit.pairs import Candidate, CandidateSource, Unmatched

INDEX_GATE = 0.5
"""Median correlation of the same-index embedding columns at which the stream is read as stored (a copy or a
fine-tune), with no map fitted."""
PERMUTATION_GATE = 0.5
"""Median held-out correlation of matched embedding columns a permutation or subset must reach (one column of
an independent model matches one column of another near 0 on held-out tokens)."""
ROTATION_GATE = 0.8
"""Median held-out correlation a fitted rotation must reach (an orthogonal map has many more parameters, and
independent models that learned the same token stream share some linear structure)."""
MIN_TOKENS = 32
"""Fewest shared token rows to fit a map on (half to fit, half to check)."""
MIN_KEPT = 0.5
"""Fewest reference window positions (share) a map must predict at the gate for it to be used."""

Kind = Literal["none", "permutation", "subset", "grown", "rotation"]
USED_TO_FIT = "used to fit the residual alignment; never evidence"
NO_COUNTERPART = "no reference tensor of a compatible shape"
SAME_TOKENS = (
    "rows are the tokens the residual alignment was fitted on: an output head of two independent models"
    " trained on the same tokens agrees through such a map; never evidence after a fitted alignment"
)
GAIN_NOT_ROTATED = (
    "norm gain of a rotated residual stream of another width: a rotation folds the gains into the next"
    " matrices, so no reference gain corresponds to it"
)


@dataclass(frozen=True, kw_only=True)
class ResidualAlignment:
    """How the candidate's residual stream was read against the reference's (reported per component)."""

    kind: Kind
    """``none``: as stored; ``permutation``: dimensions re-ordered (signs too); ``subset``: a narrower
    candidate's dimensions placed among the reference's (the others read as zeros); ``grown``: the
    reference's dimensions found among a wider candidate's; ``rotation``: an orthogonal map (a partial
    isometry when the widths differ; from whole embedding rows when the stream is wide,
    :mod:`~generator.audit.residual_wide`)."""
    candidate_width: int
    """The candidate's residual width."""
    reference_width: int
    """The reference's residual width."""
    tokens: int
    """Shared token rows the map was fitted and checked on."""
    index_correlation: float | None
    """Median over the reference's window positions of the correlation of the same-index embedding columns
    (``None`` when the widths differ): near 1 for a copy or a fine-tune."""
    held_out_correlation: float | None
    """Fit quality: median correlation of the predicted and the reference's embedding columns on the half of
    the tokens the map was not fitted on (of the kind chosen; of the best kind tried when ``none``)."""
    positions: int
    """Reference window positions with a counterpart in the candidate (a subset has fewer)."""
    window: int
    """Reference window positions."""
    component: str
    """The candidate component whose embeddings it was fitted on."""
    fitted_on: tuple[str, ...]
    """The candidate's and the reference's tensors the map was fitted on (never evidence once it is used)."""
    applied_to: tuple[str, ...]
    """Candidate components read through the map (none when ``kind`` is ``none``)."""
    note: str
    """Why no map was used, or anything unusual."""


@dataclass(frozen=True, kw_only=True)
class ResidualMap:
    """A fitted map from the candidate's residual dimensions to the reference's window positions."""

    kind: Kind
    """As in :class:`ResidualAlignment` (never ``none``)."""
    reference_width: int
    """Reference width ``d`` whose window the map fills."""
    candidate_width: int
    """Candidate width ``d'``."""
    index: npt.NDArray[np.int64] | None = None
    """Per window position, the candidate dimension (``-1``: none); permutation and subset."""
    signs: npt.NDArray[np.float64] | None = None
    """Per window position, ``±1``; permutation and subset."""
    matrix: npt.NDArray[np.float64] | None = None
    """``d' × window``: candidate values times it are the reference's window (rotation)."""

    def positions(self) -> npt.NDArray[np.int64]:
        """Candidate residual positions to read (sorted, unique)."""
        if self.index is None:
            return np.arange(self.candidate_width, dtype=np.int64)
        return np.unique(self.index[self.index >= 0])

    def apply(self, raw: npt.NDArray[np.generic], dtype: str) -> npt.NDArray[np.generic]:
        """Raw ``units × positions()`` elements of ``dtype`` → raw ``units × window`` in the reference's
        coordinates (a re-ordering is bit-exact; a rotation is rounded back to ``dtype``)."""
        if self.matrix is not None:
            return raw_of(to_float(raw, dtype) @ self.matrix, dtype)
        assert self.index is not None
        assert self.signs is not None
        read = self.positions()
        out = np.zeros((raw.shape[0], self.index.size), dtype=raw.dtype)
        kept = self.index >= 0
        out[:, kept] = raw[:, np.searchsorted(read, self.index[kept])]
        flip = kept & (self.signs < 0)
        if flip.any():
            out[:, flip] = raw_of(-to_float(out[:, flip], dtype), dtype)
        return out


def raw_of(values: npt.NDArray[np.float64], dtype: str) -> npt.NDArray[np.generic]:
    """Float values as raw elements of ``dtype`` (rounded to nearest), as the reader returns them."""
    bits = cast_bits(np.ascontiguousarray(values, dtype=np.float64), "F64", dtype)
    return np.asarray(bits.view(np.dtype(DTYPES[dtype].numpy)))


@dataclass(frozen=True, kw_only=True)
class ResidualFit:
    """The residual alignments of one audit, and what they cost the evidence."""

    alignments: tuple[ResidualAlignment, ...] = ()
    """One per candidate embedding tried."""
    maps: dict[str, ResidualMap] = field(default_factory=dict)
    """Candidate tensor name → the map its residual axes are read through."""
    candidate_set_aside: dict[str, str] = field(default_factory=dict)
    """Candidate tensors that are not evidence once a map is kept, with the reason: the embeddings it was
    fitted on, and tensors whose rows are the same tokens (an output head)."""
    reference_set_aside: dict[str, str] = field(default_factory=dict)
    """The same for the reference's tensors."""

    def explain(self, unmatched: Unmatched) -> Unmatched:
        """A narrower norm gain of a rotated stream says why it has no counterpart."""
        mapped = self.maps.get(unmatched.candidate.info.name)
        gain = unmatched.candidate.parsed.role.startswith("norm.")
        if mapped is None or mapped.kind != "rotation" or not gain or unmatched.reason != NO_COUNTERPART:
            return unmatched
        return replace(unmatched, reason=GAIN_NOT_ROTATED)


def fit_residual(
    candidates: Sequence[Candidate], reference: Fingerprint, source: CandidateSource
) -> ResidualFit:
    """Fit a residual map for each candidate component that has token embeddings (see the module docstring).

    A map is applied to its own component and to components with no vectors of their own (a separate
    ``lm_head``), whose residual width can only be the model's.
    """
    references = [p for p in reference.tensors if _is_embedding(p)]
    alignments: list[ResidualAlignment] = []
    maps: dict[str, ResidualMap] = {}
    aside_c: dict[str, str] = {}
    aside_r: dict[str, str] = {}
    bare = _bare_components(candidates)
    for candidate in candidates:
        info = candidate.info
        usable = candidate.parsed.role.startswith("embed") and len(info.shape) == 2
        if not usable or info.dtype not in AUDITED_DTYPES or is_buffer(info.name):
            continue
        tried = [_fit(candidate, r, source) for r in references]
        scored = [t for t in tried if t is not None]
        if not scored:
            continue
        alignment, fitted = max(scored, key=lambda t: (t[1] is not None, t[0].held_out_correlation or -1.0))
        component = candidate.parsed.component
        applied = (component, *sorted(bare - {component}))
        if fitted is None:
            units = _from_units(alignment, candidates, reference, source, component=component, bare=bare)
            alignment, fitted, fitted_on = units
            alignments.append(alignment)
            if fitted is not None:
                _read_through_units(
                    fitted, fitted_on, alignment, candidates, maps=maps, aside=(aside_c, aside_r)
                )
            continue
        alignments.append(replace(alignment, applied_to=applied))
        aside_c[info.name] = USED_TO_FIT
        aside_r[alignment.fitted_on[1]] = USED_TO_FIT
        for other in candidates:
            if other.parsed.component in applied and other.info.name != info.name:
                maps[other.info.name] = fitted
                if other.parsed.role.startswith(TOKEN_ROLES):
                    aside_c[other.info.name] = SAME_TOKENS
        for profile in reference.tensors:
            token_rows = profile.layout.units == "token" and profile.parsed.role.startswith(TOKEN_ROLES)
            if token_rows and profile.layout.width == fitted.reference_width:
                aside_r.setdefault(profile.name, SAME_TOKENS)
    return ResidualFit(
        alignments=tuple(alignments), maps=maps, candidate_set_aside=aside_c, reference_set_aside=aside_r
    )


def _read_through_units(
    fitted: ResidualMap,
    fitted_on: list[tuple[str, str]],
    alignment: ResidualAlignment,
    candidates: Sequence[Candidate],
    *,
    maps: dict[str, ResidualMap],
    aside: tuple[dict[str, str], dict[str, str]],
) -> None:
    """Record a map fitted on FFN neurons: its tensors set aside, the rest of its components mapped."""
    for name, side in fitted_on:
        aside[0 if side == "candidate" else 1][name] = USED_TO_FIT
    for other in candidates:
        if other.parsed.component in alignment.applied_to and other.info.name not in aside[0]:
            maps[other.info.name] = fitted


def _from_units(
    alignment: ResidualAlignment,
    candidates: Sequence[Candidate],
    reference: Fingerprint,
    source: CandidateSource,
    *,
    component: str,
    bare: set[str],
) -> tuple[ResidualAlignment, ResidualMap | None, list[tuple[str, str]]]:
    """When the embeddings fit nothing and do not agree as stored, a rotation fitted on a dense FFN layer's
    neurons (:mod:`~generator.audit.residual_units`): the alignment, its map (``None``: none kept), and the
    tensors fitted on."""
    if alignment.index_correlation is not None and alignment.index_correlation >= INDEX_GATE:
        return alignment, None, []
    units = fit_from_units(
        candidates, reference, source, component=component, gate=ROTATION_GATE, index_gate=INDEX_GATE
    )
    if units is None:
        return alignment, None, []
    if units.matrix is None:
        return replace(alignment, note=f"{alignment.note}; {units.note}"), None, []
    width, d = units.widths
    mapping = ResidualMap(kind="rotation", reference_width=d, candidate_width=width, matrix=units.matrix)
    fitted_on = [(units.anchor[0], "candidate"), (units.anchor[1], "reference")]
    fitted_on += [
        (name, side) for name, side in zip(units.gains, ("candidate", "reference"), strict=True) if name
    ]
    if units.checked_on is not None:
        fitted_on += [(units.checked_on[0], "candidate"), (units.checked_on[1], "reference")]
    kept = replace(
        alignment,
        kind="rotation",
        held_out_correlation=units.quality,
        positions=units.kept,
        tokens=units.rows,
        fitted_on=units.anchor,
        applied_to=(component, *sorted(bare - {component})),
        note=units.note,
    )
    return kept, mapping, fitted_on


def _is_embedding(profile: TensorProfile) -> bool:
    layout = profile.layout
    return (
        profile.parsed.role.startswith("embed")
        and layout.kind == "residual"
        and layout.units == "token"
        and layout.residual_axis == 1
        and len(profile.shape) == 2
        and not profile.constant
    )


def _bare_components(candidates: Sequence[Candidate]) -> set[str]:
    """Candidate components without vectors of their own (their width is the model's)."""
    by_component: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_component.setdefault(c.parsed.component, []).append(c)
    return {
        name
        for name, members in by_component.items()
        if model_width((c.parsed, c.info.shape) for c in members) is None
    }


def _fit(
    candidate: Candidate, reference: TensorProfile, source: CandidateSource
) -> tuple[ResidualAlignment, ResidualMap | None] | None:
    """The best map between one candidate and one reference embedding (``None``: too few shared tokens)."""
    info = candidate.info
    d, width = reference.layout.width, info.shape[1]
    units = np.asarray(reference.units, dtype=np.int64)
    paired = source.candidate_units(reference, units)  # the same ids, or the same strings when re-numbered
    shared = (paired >= 0) & (paired < info.shape[0])
    if int(shared.sum()) < MIN_TOKENS:
        return None
    rows = paired[shared]
    y = to_float(reference.block, reference.dtype)[shared]

    window, count = y.shape[1], y.shape[0]
    rng = np.random.default_rng(seed_for(f"residual-fit|{reference.shape}"))
    order = rng.permutation(count)
    fit, check = np.sort(order[: count // 2]), np.sort(order[count // 2 :])
    base = ResidualAlignment(
        kind="none",
        candidate_width=width,
        reference_width=d,
        tokens=int(count),
        index_correlation=None,
        held_out_correlation=None,
        positions=window,
        window=window,
        component=candidate.parsed.component,
        fitted_on=(info.name, reference.name),
        applied_to=(),
        note="",
    )
    if width == d:
        # the window's columns first (the block the comparison reads too, kept by the source); whole rows
        # only when they disagree
        sampled = source.block(info, reference, transposed=False, all_units=False)
        same = column_correlations(to_float(sampled, info.dtype), y)
        agree = float(np.median(same))
        base = replace(base, index_correlation=agree)
        if agree >= INDEX_GATE:
            return replace(base, note="the same-index columns agree: read as stored"), None
    x = rows_in_order(source.reader, info, rows)
    assignment = _assignment(x, y, fit, check)
    kind: Kind = "permutation" if width == d else "subset" if width < d else "grown"
    kept = assignment.index >= 0
    if kept.mean() >= MIN_KEPT and assignment.quality >= PERMUTATION_GATE:
        final = _assignment(x, y, np.arange(count), check)
        index = np.where(kept & (final.index >= 0), final.index, -1)
        quality = assignment.quality
        identity = width == d and np.array_equal(index, window_for(d).positions())
        if identity and bool(np.all(final.signs > 0)):
            note = "the fitted permutation is the identity: read as stored"
            return replace(base, held_out_correlation=quality, note=note), None
        mapping = ResidualMap(
            kind=kind, reference_width=d, candidate_width=width, index=index, signs=final.signs
        )
        return replace(
            base, kind=kind, held_out_correlation=quality, positions=int(np.count_nonzero(index >= 0))
        ), mapping
    rotation = _procrustes(x, y, fit, check)
    if rotation.kept.mean() >= MIN_KEPT and rotation.quality >= ROTATION_GATE:
        matrix = _procrustes(x, y, np.arange(count), check).matrix * rotation.kept[None, :]
        mapping = ResidualMap(kind="rotation", reference_width=d, candidate_width=width, matrix=matrix)
        return replace(
            base,
            kind="rotation",
            held_out_correlation=rotation.quality,
            positions=int(rotation.kept.sum()),
        ), mapping
    best = max(assignment.quality, rotation.quality)
    note = (
        f"no map predicts held-out embedding columns well enough (median correlation {best:.2f}; "
        f"needs {PERMUTATION_GATE} for a permutation, {ROTATION_GATE} for a rotation): read as stored"
    )
    if needs_wide(fit.size, width):
        wide = fit_wide_rotation(info, source.reader, reference, gate=ROTATION_GATE, tokens=source.tokens)
        if wide.matrix is not None:
            mapping = ResidualMap(
                kind="rotation", reference_width=d, candidate_width=width, matrix=wide.matrix
            )
            return replace(
                base,
                kind="rotation",
                held_out_correlation=wide.quality,
                positions=wide.kept,
                tokens=wide.tokens,
            ), mapping
        note = f"{note}; {wide.note}" if wide.note else note
    return replace(base, held_out_correlation=best, note=note), None


@dataclass(frozen=True, kw_only=True)
class _Assigned:
    index: npt.NDArray[np.int64]
    signs: npt.NDArray[np.float64]
    quality: float


def _assignment(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    fit: npt.NDArray[np.intp],
    check: npt.NDArray[np.intp],
) -> _Assigned:
    """Each reference window column's candidate column (one-to-one, by |correlation| on ``fit``); columns
    whose match does not hold on ``check`` are dropped (``-1``)."""
    corr = standardise(y[fit].T) @ standardise(x[fit].T).T  # window × d'
    rows, cols = linear_sum_assignment(-np.abs(corr))
    index = np.full(y.shape[1], -1, dtype=np.int64)
    signs = np.ones(y.shape[1])
    index[rows] = cols
    signs[rows] = np.sign(corr[rows, cols]) + (corr[rows, cols] == 0)
    matched = index >= 0
    held = np.zeros(y.shape[1])
    held[matched] = column_correlations(x[check][:, index[matched]] * signs[matched], y[check][:, matched])
    good = matched & (held >= PERMUTATION_GATE)
    quality = float(np.median(held)) if held.size else 0.0
    return _Assigned(index=np.where(good, index, -1), signs=signs, quality=quality)


@dataclass(frozen=True, kw_only=True)
class _Rotated:
    matrix: npt.NDArray[np.float64]
    kept: npt.NDArray[np.float64]
    quality: float


def _procrustes(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    fit: npt.NDArray[np.intp],
    check: npt.NDArray[np.intp],
) -> _Rotated:
    """The partial isometry ``R`` (``d' × window``) maximising ``trace(Rᵀ Xᵀ Y)`` on ``fit`` (orthogonal
    Procrustes); window columns it does not predict on ``check`` are zeroed in :attr:`_Rotated.kept`."""
    xc = x - x[fit].mean(axis=0, keepdims=True)
    yc = y - y[fit].mean(axis=0, keepdims=True)
    u, _, vt = np.linalg.svd(xc[fit].T @ yc[fit], full_matrices=False)
    matrix = u @ vt
    held = column_correlations(xc[check] @ matrix, yc[check])
    kept = (held >= ROTATION_GATE).astype(np.float64)
    quality = float(np.median(held)) if held.size else 0.0
    return _Rotated(matrix=np.asarray(matrix), kept=kept, quality=quality if math.isfinite(quality) else 0.0)
