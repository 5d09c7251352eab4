"""Stage 4b (wide) — a rotation of a residual stream wider than the sampled token rows can fit.

:mod:`~generator.audit.residual` fits a rotation on half of the 512 sampled token rows, at the reference's 128
window columns. An orthogonal map of ``d'`` candidate dimensions is determined only by more than ``d'`` rows,
so a rotated copy of a real model (``d`` = 4096–7168) is missed there. This module fits it from whole rows
instead: the reference's embedding rows of :func:`~generator.audit.plan.wide_run` (``2 d + 512`` ids, one
run) — kept by its fingerprint when they cost at most :data:`~generator.audit.plan.WIDE_SHARE` of the model,
or read from its checkpoint, local or remote, its sampled token rows first (read already, but for the ends of
each run) — and the candidate's rows of the same tokens.

1. **A cheap pre-test** on the first :data:`GRAM_ROWS` pairs: a rotation keeps every pair of token rows at
   the same angle, so the pairwise cosines of a rotated copy agree with the reference's (correlation ≈ 1,
   measured 0.87 for a copy that was also width-pruned to 75 %), while independent models sit near 0. Below
   :data:`GRAM_GATE` nothing more is read. The pre-test only saves work; it is not evidence.
2. **The fit**: orthogonal Procrustes on all but the last :data:`CHECK_ROWS` pairs (read in chunks; ``d' × d``
   accumulated, one SVD), checked on those last rows as in the narrow fit — kept only when it predicts the
   reference's window columns on them at :data:`~generator.audit.residual.ROTATION_GATE`. The embeddings
   stay set aside as used to fit it.

A fingerprint of a model whose whole rows would cost more keeps none: the alignment then says a wide rotation
is fitted only against the checkpoint (README, known blind spots).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from generator.audit.fingerprint_file import TensorProfile
from generator.audit.plan import (
    RESIDUAL_WIDTH,
    WIDE_CHECK_ROWS,
    WIDE_FIT_FACTOR,
    WIDE_SHARE,
    wide_ids,
    wide_run,
    window_for,
)
from generator.audit.read import TensorInfo, TensorReader, read_together
from generator.audit.stats import column_correlations
from generator.audit.tokens import TokenMap
from generator.audit.values import raw_finite_or_fail, to_float

FIT_FACTOR = WIDE_FIT_FACTOR
"""Whole token rows to fit on per residual dimension of the reference."""
CHECK_ROWS = WIDE_CHECK_ROWS
"""Further rows the fit is checked on (never fitted on)."""
GRAM_ROWS = 128
"""Shared token rows whose pairwise cosines are compared before anything larger is read: 8,128 pairs, so an
agreement of independent models (≈ 0) is known to about ±0.01 and a rotated copy's (≈ 1; 0.87 pruned too)
stands far from :data:`GRAM_GATE`. 512 rows cost 4 MB of each model at d = 4096 over HTTP, for no better
decision; the pre-test only decides whether the fit is tried (the fit is checked on held-out rows)."""
FIT_MARGIN = 128
"""Pairs a fit needs beyond the residual width (besides the rows it is checked on)."""
GRAM_GATE = 0.6
"""Correlation of the pairwise cosines below which no wide rotation is fitted (a rotated copy: ≈ 1; a copy
also pruned to 75 % of its width: 0.87; independent toy models trained on the same tokens: ≈ 0)."""
POLAR_CONDITION = 1e-10
"""Smallest ratio of the Gram matrix's eigenvalues at which :func:`polar` takes its inverse square root."""
CHUNK_ROWS = 1024
"""Rows read and accumulated at a time (memory: two chunks and one ``d' × d`` matrix)."""


@dataclass(frozen=True, kw_only=True)
class WideRotation:
    """The outcome of one wide fit: a map to use, or why there is none."""

    matrix: npt.NDArray[np.float64] | None
    """``d' × window`` (columns the fit does not predict zeroed), or ``None`` when no map is kept."""
    kept: int
    """Window columns the map predicts at the gate."""
    quality: float | None
    """Median held-out correlation of the predicted window columns (``None``: not fitted)."""
    tokens: int
    """Token rows read from each model (pre-test only, or pre-test and fit)."""
    note: str
    """Why no map is kept (empty when one is)."""


def needs_wide(fit_rows: int, width: int) -> bool:
    """Whether a rotation of ``width`` dimensions is under-determined by ``fit_rows`` sampled rows."""
    return fit_rows < FIT_FACTOR * width


def fit_wide_rotation(
    candidate: TensorInfo,
    reader: TensorReader,
    reference: TensorProfile,
    *,
    gate: float,
    tokens: TokenMap | None = None,
) -> WideRotation:
    """Fit the candidate's residual stream to the reference embedding's window by a rotation from whole
    token rows (see the module docstring): the reference's rows of :func:`~generator.audit.plan.wide_run`,
    read from its checkpoint or kept in its fingerprint, and the candidate's rows of the same tokens (by id,
    or by string through ``tokens``). ``gate`` is the held-out correlation a window column must reach."""
    d, width = reference.layout.width, candidate.cols
    if d <= RESIDUAL_WIDTH:  # the window holds every dimension: the sampled rows were the fit to make
        return _none("", tokens=0)
    run = wide_run(reference.shape, d)
    if run is None:
        return _none(
            f"{reference.shape[0]} token rows are too few to fit a rotation of {width} residual dimensions "
            f"(needs {FIT_FACTOR * d + CHECK_ROWS})",
            tokens=0,
        )
    if reference.stored is None and reference.wide is None:
        return _none(
            f"a rotation of {width} residual dimensions needs whole token rows, which this fingerprint"
            f" does not keep (they would cost more than {WIDE_SHARE:.2%} of the model's bytes): fitted only"
            " against the reference's checkpoint",
            tokens=0,
        )
    ids = wide_ids(reference.shape, d, reference.units)
    assert ids is not None  # as run
    ours = ids if tokens is None else tokens.rows(ids)
    paired = (ours >= 0) & (ours < candidate.rows)
    fit_rows = int(paired.sum()) - CHECK_ROWS
    if fit_rows < max(d, width) + FIT_MARGIN or fit_rows < GRAM_ROWS:
        return _none(
            f"{int(paired.sum())} of the {len(ids)} reference token rows kept for a wide rotation pair with"
            f" a candidate row (by id, or by string where both strings are known): too few to fit {width}"
            " residual dimensions",
            tokens=0,
        )
    with TensorReader() as theirs:
        pairs = Pairs(
            ours=ours[paired],
            theirs=ids[paired] if reference.stored is not None else np.flatnonzero(paired),
            candidate=candidate,
            reference=reference,
            our_reader=reader,
            their_reader=theirs,
        )
        x, y = pairs.read(0, GRAM_ROWS)
        agreement = gram_agreement(x, y)
        if agreement < GRAM_GATE:
            return _none(
                f"pairwise cosines of {GRAM_ROWS} token rows agree at r = {agreement:.2f} (a rotated copy "
                f"keeps them, r ≈ 1; a wide rotation is fitted from whole rows only at r ≥ {GRAM_GATE})",
                tokens=GRAM_ROWS,
            )
        rotation = procrustes(pairs, count=fit_rows)
        x_check, y_check = pairs.read(fit_rows, CHECK_ROWS)
        x_check -= rotation.x_mean
        y_check -= rotation.y_mean
    used = fit_rows + CHECK_ROWS
    matrix, quality, kept = checked(rotation, x_check, y_check, d=d, gate=gate)
    if kept.mean() < 0.5 or quality < gate:
        return WideRotation(
            matrix=None,
            kept=int(kept.sum()),
            quality=quality,
            tokens=used,
            note=(
                f"a rotation fitted on {fit_rows} whole token rows predicts held-out embedding columns at "
                f"median correlation {quality:.2f} (needs {gate}): read as stored"
            ),
        )
    return WideRotation(
        matrix=matrix * kept[None, :], kept=int(kept.sum()), quality=quality, tokens=used, note=""
    )


def checked(
    rotation: Fitted,
    x_check: npt.NDArray[np.float64],
    y_check: npt.NDArray[np.float64],
    *,
    d: int,
    gate: float,
) -> tuple[npt.NDArray[np.float64], float, npt.NDArray[np.bool_]]:
    """A fitted rotation's columns at the reference's window, and how well they predict held-out rows (already
    centred): the median correlation over the window columns, and which columns reach ``gate``."""
    columns = window_for(d).positions()
    matrix = rotation.matrix[:, columns]
    held = column_correlations(x_check @ matrix, y_check[:, columns])
    quality = float(np.median(held)) if held.size and np.all(np.isfinite(held)) else 0.0
    return matrix, quality, held >= gate


def gram_agreement(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """Correlation of the pairwise cosines of the rows of ``x`` with those of ``y`` (same tokens, each model's
    own width): unchanged by any rotation of either."""
    a, b = _cosines(x), _cosines(y)
    upper = np.triu_indices(a.shape[0], 1)
    value = np.corrcoef(a[upper], b[upper])[0, 1]
    return float(value) if np.isfinite(value) else 0.0


def _cosines(rows: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit = rows / np.where(norms > 0, norms, 1.0)
    return np.asarray(unit @ unit.T)


def _none(note: str, *, tokens: int) -> WideRotation:
    return WideRotation(matrix=None, kept=0, quality=None, tokens=tokens, note=note)


@dataclass(frozen=True, kw_only=True)
class Pairs:
    """The rows fitted on: the ``i``-th pair is the candidate's row ``ours[i]`` and the reference's row
    ``theirs[i]`` — of its checkpoint, or of the ``wide`` rows its fingerprint keeps (their positions)."""

    ours: npt.NDArray[np.int64]
    theirs: npt.NDArray[np.int64]
    candidate: TensorInfo
    reference: TensorProfile
    our_reader: TensorReader
    their_reader: TensorReader
    our_scale: npt.NDArray[np.float64] | None = None
    """Per column, a factor the candidate's rows are multiplied by (a norm gain folded in), or ``None``."""
    their_scale: npt.NDArray[np.float64] | None = None
    """The same for the reference's rows."""

    def read(self, first: int, count: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Pairs ``first:first + count`` as float rows of each model."""
        where = slice(first, first + count)
        kept, stored = self.reference.wide, self.reference.stored
        if stored is not None:  # both read at once (one round trip, not two, when remote)
            ours, theirs = read_together(
                partial(rows_in_order, self.our_reader, self.candidate, self.ours[where]),
                partial(rows_in_order, self.their_reader, stored, self.theirs[where]),
            )
        else:
            assert kept is not None
            ours = rows_in_order(self.our_reader, self.candidate, self.ours[where])
            theirs = to_float(kept[self.theirs[where]], self.reference.dtype)
        if self.our_scale is not None:
            ours *= self.our_scale
        if self.their_scale is not None:
            theirs *= self.their_scale
        return ours, theirs


def rows_in_order(
    reader: TensorReader, info: TensorInfo, rows: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Whole rows, in the order given (read in ascending order)."""
    order = np.argsort(rows, kind="stable")
    raw = reader.read_2d(info, rows[order])
    raw_finite_or_fail(raw, info.dtype, info)
    values = to_float(raw, info.dtype)
    return values if bool(np.all(order[1:] > order[:-1])) else values[np.argsort(order)]


@dataclass(frozen=True, kw_only=True)
class Fitted:
    matrix: npt.NDArray[np.float64]
    """``d' × d``: the orthogonal map (a partial isometry when the widths differ)."""
    x_mean: npt.NDArray[np.float64]
    y_mean: npt.NDArray[np.float64]


def procrustes(run: Pairs, *, count: int) -> Fitted:
    """Orthogonal Procrustes on the first ``count`` pairs of the run, centred, read in chunks: ``R = U Vᵀ``
    from the SVD of ``Xᵀ Y``. Sums are taken about the first chunk's means (no cancellation)."""
    shift_x = shift_y = None
    width = run.reference.shape[1]
    cross = np.zeros((run.candidate.cols, width))
    sum_x, sum_y = np.zeros(run.candidate.cols), np.zeros(width)
    for first in range(0, count, CHUNK_ROWS):
        x, y = run.read(first, min(CHUNK_ROWS, count - first))
        if shift_x is None or shift_y is None:
            shift_x, shift_y = x.mean(axis=0), y.mean(axis=0)
        x -= shift_x
        y -= shift_y
        cross += x.T @ y
        sum_x += x.sum(axis=0)
        sum_y += y.sum(axis=0)
    assert shift_x is not None
    assert shift_y is not None
    mean_x, mean_y = sum_x / count, sum_y / count
    cross -= count * np.outer(mean_x, mean_y)
    return Fitted(matrix=polar(cross), x_mean=mean_x + shift_x, y_mean=mean_y + shift_y)


def polar(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The orthogonal factor ``U Vᵀ`` of ``matrix``'s SVD (orthonormal columns, or rows when it is wide).

    From the symmetric eigendecomposition of the smaller Gram matrix — ``M (MᵀM)^-½`` — which is 2–3 times
    faster than an SVD (2048 wide: 1.8 s against 4.8 s on one core here); an SVD when the Gram matrix is too
    ill-conditioned for its inverse square root to be exact.
    """
    tall = matrix.shape[0] >= matrix.shape[1]
    gram = matrix.T @ matrix if tall else matrix @ matrix.T
    values, vectors = np.linalg.eigh(gram)
    if values.size and values[0] > POLAR_CONDITION * values[-1]:
        root = (vectors / np.sqrt(values)) @ vectors.T  # (Gram)^-1/2
        return np.asarray(matrix @ root if tall else root @ matrix)
    u, _, vt = np.linalg.svd(matrix, full_matrices=False)
    return np.asarray(u @ vt)
