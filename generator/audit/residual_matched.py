"""Stage 4b (matched units) — a rotated residual stream when the FFN's neurons were permuted as well.

:mod:`~generator.audit.residual_units` fits a rotation on a dense FFN layer's neurons where they stayed in
place. A copier who also shuffles them (any order is the same function) leaves no neuron at its index, and
with a wholly new vocabulary no token either. What survives both is the geometry of the neurons among
themselves: a rotation of the residual stream and a permutation of the neurons keep every inner product
between two neurons' rows, so ``W_c = P W_r R`` has the reference's singular values, and each neuron has the
same coordinates on the matrix's right singular vectors — up to each vector's sign (compared as absolute
values, so there is no sign to guess) and up to turns within directions whose singular values are too close
to tell apart (left out).

Neurons that are each other's nearest neighbours on those coordinates are paired; orthogonal Procrustes on
the pairs gives a first map; under it every neuron is paired again by its whole row (mutual best cosine) and
the map refitted, until the pairs stop changing (iterative closest point). This matches hidden units as Zhu
et al. (2025) do by their activations, here by their weights, which a range read can reach.

Honesty. A seeded quarter of the reference's neurons is never fitted on. Each is paired with the candidate
neuron whose gate row is closest under the final map, and the map is kept only when it predicts the rows of
the *up* projection of those pairs — a tensor neither the matching nor the fit has seen — at the rotation
gate. A model's up row may lean on its own gate row, which the pairing did see, so each up row is first
stripped of its projection on its neuron's gate row (a rotation keeps that projection): what is left shares
nothing beyond chance between independent models (measured with up rows made 90% gate: 0.29 before, 0.00
after). Both tensors are then used to fit, never evidence. Reading both whole matrices and a quarter of the
up projections is allowed only while it costs at most :data:`~generator.audit.plan.MATCH_SHARE` of the two
checkpoints' bytes; an independent pair is given up early (:data:`HOPE_ROUNDS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse.linalg import svds
from scipy.spatial import cKDTree

from generator.audit.residual_wide import polar

DIRECTIONS = 48
"""Singular directions computed on each side (the top ones)."""
USED_DIRECTIONS = 24
"""Most of them the neurons are first paired on."""
MIN_DIRECTIONS = 1
"""Fewest well-separated directions to pair neurons on at all."""
SEPARATION = 0.002
"""Relative gap a singular value needs from both its neighbours (on both sides) for its direction to be
used: closer ones may have turned into each other under a fine-tune."""
ROUNDS = 12
"""Most refits of the iterative closest point."""
GROWTH = 0.02
PATIENCE = 2
"""It stops when the pairs no longer change, or when their number has not grown by :data:`GROWTH` for this
many rounds. Independent models are paired too (a rotation has d²/2 parameters to overfit with): the
held-out check, not the number of pairs, tells them apart."""
HOPELESS = 0.3
HOPE_ROUNDS = 2
"""From this many rounds on, it gives up when the held-out neurons' rows are no closer (median cosine) to
any candidate row under the map than this, or than to the reference's own other neurons: a copy's are near
1; independent models' near the largest cosine among ``n`` directions — ``√(2 ln n / d)`` for random ones
(0.16 for the 512-wide toys, 0.07 at 7B width), and about what a neuron has with its own siblings when the
rows share a few dominant directions, as trained ones do. It only stops early, to spare independent
models the rounds (minutes at 7B width); a map is still kept only by the check on another tensor."""
MIN_START = 32
"""Fewest first pairs to start from (a map fitted on fewer pairs than the width is right on their span only,
which is enough to pair more neurons in the next round)."""
CHUNK = 1024
"""Reference rows compared with every candidate row at once."""


@dataclass(frozen=True, kw_only=True)
class Matching:
    """Neurons paired across a permutation, and the map fitted on them (``None``: none)."""

    matrix: npt.NDArray[np.float64] | None
    """``d × d`` orthogonal map of the candidate's centred rows onto the reference's, or ``None``."""
    our_mean: npt.NDArray[np.float64]
    their_mean: npt.NDArray[np.float64]
    pairs: int
    """Fitted pairs (reference neurons outside the check quarter)."""
    directions: int
    """Singular directions the first pairing used."""
    check_ours: npt.NDArray[np.int64]
    """For each check neuron of the reference, the candidate neuron its row is closest to under the map."""
    note: str


def match_neurons(
    ours: npt.NDArray[np.float32],
    theirs: npt.NDArray[np.float32],
    *,
    check: npt.NDArray[np.int64],
    min_pairs: int,
) -> Matching:
    """Pair the candidate's neuron rows ``ours`` with the reference's ``theirs`` (same width, gains folded)
    and fit the rotation between them on every reference neuron but ``check`` (see the module docstring).
    Both arrays are centred in place (their means are returned): at real widths they are hundreds of MB."""
    fit = np.setdiff1d(np.arange(theirs.shape[0]), check)
    empty = np.zeros(0, dtype=np.int64)
    directions = _separated(ours, theirs)
    count = int(directions[0].shape[0])
    our_mean, their_mean = ours.mean(axis=0), theirs.mean(axis=0)
    means = {"our_mean": our_mean.astype(np.float64), "their_mean": their_mean.astype(np.float64)}
    if count < MIN_DIRECTIONS:
        note = f"only {count} well-separated singular directions to pair neurons on"
        return Matching(matrix=None, pairs=0, directions=count, check_ours=empty, note=note, **means)
    our_coords = np.abs(ours @ directions[0].T)
    their_coords = np.abs(theirs[fit] @ directions[1].T)
    nearest_ours = np.asarray(cKDTree(our_coords).query(their_coords)[1], dtype=np.int64)
    nearest_theirs = np.asarray(cKDTree(their_coords).query(our_coords)[1], dtype=np.int64)
    r, c = _mutual(nearest_ours, nearest_theirs)
    ours -= our_mean
    theirs -= their_mean
    fitted_on, held_out = theirs[fit], theirs[check]
    siblings = float(np.median(_closest(fitted_on, held_out)[2]))
    bar = max(HOPELESS, siblings)
    matrix, mapped, rounds, best, stale = None, None, 0, 0, 0
    while r.size >= MIN_START and rounds < ROUNDS and stale < PATIENCE:
        matrix = _fitted(ours, fitted_on, c, r)
        rounds += 1
        mapped = ours @ matrix.astype(np.float32)
        paired = _mutual(*_closest(mapped, fitted_on)[:2])
        if np.array_equal(paired[0], r) and np.array_equal(paired[1], c):
            break  # converged: the map is fitted on these pairs, and ``mapped`` is through it
        held = float(np.median(_closest(mapped, held_out)[2])) if rounds >= HOPE_ROUNDS else 1.0
        if held < bar:
            note = (
                f"after {rounds} rounds the held-out neurons' closest rows under the map are at median cosine"
                f" {held:.2f}, no closer than {bar:.2f} (their closest among the reference's own neurons:"
                f" {siblings:.2f}; a copy's are near 1): no pairing"
            )
            return Matching(matrix=None, pairs=0, directions=count, check_ours=empty, note=note, **means)
        r, c = paired
        matrix = mapped = None
        if r.size > best * (1 + GROWTH):
            best, stale = r.size, 0
        else:
            stale += 1
    if matrix is None and r.size >= MIN_START:
        matrix = _fitted(ours, fitted_on, c, r)
    del fitted_on
    if matrix is None or r.size < min_pairs:
        note = f"{r.size} neurons paired (a rotation needs {min_pairs})"
        pairs = int(r.size)
        return Matching(matrix=None, pairs=pairs, directions=count, check_ours=empty, note=note, **means)
    if mapped is None:
        mapped = ours @ matrix.astype(np.float32)
    check_ours = _closest(mapped, held_out)[0]
    return Matching(
        matrix=matrix,
        pairs=int(r.size),
        directions=count,
        check_ours=check_ours.astype(np.int64),
        note=f"{r.size} of the {fit.size} neurons fitted on paired across a permutation",
        **means,
    )


def _fitted(
    ours: npt.NDArray[np.float32],
    theirs: npt.NDArray[np.float32],
    c: npt.NDArray[np.int64],
    r: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """Orthogonal Procrustes of the paired centred rows ``ours[c]`` and ``theirs[r]``: the map of the
    candidate's rows onto the reference's (``Xᵀ Y`` summed over chunks of pairs, each product in float32)."""
    cross = np.zeros((ours.shape[1], theirs.shape[1]))
    for first in range(0, r.size, CHUNK):
        cross += ours[c[first : first + CHUNK]].T @ theirs[r[first : first + CHUNK]]
    return polar(cross)


def _separated(
    ours: npt.NDArray[np.float32], theirs: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """The top right singular vectors (rows) of each side whose singular values stand apart on both."""
    k = min(DIRECTIONS, min(ours.shape) - 1, min(theirs.shape) - 1)
    values: list[npt.NDArray[np.float64]] = []
    vectors: list[npt.NDArray[np.float32]] = []
    for rows in (ours, theirs):
        _, s, vt = svds(rows, k=k, solver="arpack", random_state=0)
        order = np.argsort(s)[::-1]
        values.append(np.asarray(s[order], dtype=np.float64))
        vectors.append(np.asarray(vt[order], dtype=np.float32))
    gaps = np.minimum(_gaps(values[0]), _gaps(values[1]))
    # ranks are taken to be the same direction on both sides; where a change swapped close values, those
    # coordinates are noise, and the others still pair enough neurons for the closest-point rounds
    keep = np.flatnonzero(gaps >= SEPARATION)[:USED_DIRECTIONS]
    return vectors[0][keep], vectors[1][keep]


def _gaps(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each singular value's relative distance to its nearest neighbour (the last one has only one known)."""
    step = -np.diff(values) / np.maximum(values[:-1], np.finfo(np.float64).tiny)
    gaps = np.minimum(np.append(np.inf, step), np.append(step, 0.0))
    gaps[-1] = 0.0  # its neighbour below was not computed
    return np.asarray(gaps, dtype=np.float64)


def _mutual(
    best_ours: npt.NDArray[np.int64], best_theirs: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Pairs (reference row, candidate row) that are each other's best: ``best_ours[r]`` is the candidate
    row closest to reference row ``r``, ``best_theirs[c]`` the reference row closest to candidate
    row ``c``."""
    r = np.flatnonzero(best_theirs[best_ours] == np.arange(best_ours.size))
    return r.astype(np.int64), best_ours[r].astype(np.int64)


def _closest(
    mapped: npt.NDArray[np.float32], theirs: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """By cosine: each reference row's closest candidate row, each candidate row's closest reference row,
    and each reference row's cosine with its closest (``theirs`` compared in chunks)."""
    unit_ours = _unit(mapped)
    best_ours = np.empty(theirs.shape[0], dtype=np.int64)
    cosine = np.empty(theirs.shape[0], dtype=np.float32)
    best_value = np.full(mapped.shape[0], -np.inf, dtype=np.float32)
    best_theirs = np.zeros(mapped.shape[0], dtype=np.int64)
    for first in range(0, theirs.shape[0], CHUNK):
        block = _unit(theirs[first : first + CHUNK]) @ unit_ours.T
        best_ours[first : first + block.shape[0]] = block.argmax(axis=1)
        cosine[first : first + block.shape[0]] = block.max(axis=1)
        top = block.max(axis=0)
        better = top > best_value
        best_value[better] = top[better]
        best_theirs[better] = first + block.argmax(axis=0)[better]
    return best_ours, best_theirs, cosine


def _unit(rows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / np.where(norms > 0, norms, 1.0), dtype=np.float32)
