"""Stage 4b (units) — a rotated residual stream recovered from a layer's FFN neurons, when tokens cannot.

The token embeddings anchor every other residual fit: the same token is the same point in both streams. A
model given a wholly new vocabulary shares no token with the reference, and one whose new tokenizer is not
beside it cannot be paired by string, so those fits find nothing. QuaRot and SpinQuant rotate the residual
stream only: the neurons of a layer's FFN stay where they were, and the rows of its ``gate_proj`` (inputs
scaled by the norm gain before it) are the reference's rows times the rotation, ``W_c = W_r diag(g) R``. With
at least as many neurons as residual dimensions (dense FFNs have 2.7–4 times as many) the rows determine
``R``, no token needed. As for the wide fit (:mod:`~generator.audit.residual_wide`): a pre-test on the
pairwise cosines of 128 neurons' rows (kept by a rotation; near 0 between independent models, whose neurons
share no index), then orthogonal Procrustes on three quarters of the neurons, kept only when it predicts the
reference's window columns on the last quarter at the same gate. The anchor tensor and the gain folded into
it are then used to fit, never evidence. Against the reference's checkpoint, or a fingerprint that keeps the
layer's whole rows (:func:`~generator.audit.plan.unit_rows`, when cheap; one that does not says so). Where
the neurons were permuted as well, the pre-test finds nothing; they are then paired across the permutation
first (:mod:`~generator.audit.residual_matched`), when reading both whole matrices is cheap enough.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from generator.audit.fingerprint_file import Fingerprint, TensorProfile
from generator.audit.header import AUDITED_DTYPES, TensorInfo
from generator.audit.plan import (
    ANCHOR_ROLES,
    MATCH_SHARE,
    WIDE_SHARE,
    check_quarter,
    gain_role,
    leading,
    unit_rows,
)
from generator.audit.read import TensorReader, read_together
from generator.audit.residual_matched import match_neurons
from generator.audit.residual_wide import (
    CHUNK_ROWS,
    GRAM_GATE,
    GRAM_ROWS,
    Fitted,
    Pairs,
    checked,
    gram_agreement,
    procrustes,
    rows_in_order,
)
from generator.audit.stats import column_correlations
from generator.audit.values import raw_finite_or_fail, to_float

if TYPE_CHECKING:  # pairs imports residual, which imports this module
    from generator.audit.pairs import Candidate, CandidateSource

MIN_EXTRA = 64
"""Neurons beyond the residual width a fit needs (besides the quarter it is checked on)."""


@dataclass(frozen=True, kw_only=True)
class UnitFit:
    """A rotation fitted on one layer's FFN neurons, or why there is none."""

    matrix: npt.NDArray[np.float64] | None
    """``d' × window`` (columns not predicted zeroed), or ``None``."""
    kept: int
    quality: float | None
    rows: int
    """Neuron rows read from each model."""
    anchor: tuple[str, str]
    """The candidate's and the reference's tensor it was fitted on (and then never evidence)."""
    gains: tuple[str, str]
    """The gains folded into them (``""`` where there is none)."""
    widths: tuple[int, int]
    """The candidate's and the reference's residual width."""
    checked_on: tuple[str, str] | None = None
    """Where neurons were paired across a permutation: the candidate's and the reference's tensor the map
    was checked on (then never evidence either)."""
    note: str


def fit_from_units(
    candidates: Sequence[Candidate],
    reference: Fingerprint,
    source: CandidateSource,
    *,
    component: str,
    gate: float,
    index_gate: float,
) -> UnitFit | None:
    """Fit the candidate component's residual stream on the reference's first dense FFN layer (its anchor of
    :func:`~generator.audit.plan.unit_rows`: the layer a fingerprint keeps, so that a checkpoint and its
    fingerprint fit alike), where the candidate has it too (see the module docstring); ``None`` when it has
    not or the tensor already agrees as stored (``index_gate``)."""
    layers = unit_rows((p.parsed, p.shape, p.layout) for p in reference.tensors)
    chosen = {u.anchor: u for u in layers.values()}
    ours = {(c.parsed.layer, c.parsed.role): c for c in candidates if c.parsed.component == component}
    for (layer, role), candidate in sorted(ours.items(), key=lambda item: (item[0][0] is None, item[0])):
        if layer is None or not role.startswith(ANCHOR_ROLES) or candidate.info.dtype not in AUDITED_DTYPES:
            continue
        theirs = _counterpart(reference, layer, role, candidate.info, chosen)
        if theirs is None:
            continue
        partner = _partner(ours, reference, layer, role, chosen[theirs.name].partner)
        share = MATCH_SHARE * (sum(c.info.stored_nbytes for c in candidates) + reference.nbytes)
        return _fit(
            candidate,
            theirs,
            source,
            gains=(ours.get((layer, gain_role(role))), _gain(reference, theirs)),
            partner=partner,
            share=share,
            gate=gate,
            index_gate=index_gate,
        )
    return None


def _partner(
    ours: dict[tuple[int | None, str], Candidate],
    reference: Fingerprint,
    layer: int,
    role: str,
    theirs: str | None,
) -> tuple[Candidate, TensorProfile] | None:
    """The ``up`` projection beside a ``gate`` anchor on both sides (``theirs``: the reference's, of
    :func:`~generator.audit.plan.unit_rows`): the same neurons' other rows."""
    if theirs is None or not role.startswith(ANCHOR_ROLES[0]):
        return None
    up = ANCHOR_ROLES[1] + role.removeprefix(ANCHOR_ROLES[0])
    candidate = ours.get((layer, up))
    if candidate is None or candidate.info.dtype not in AUDITED_DTYPES:
        return None
    found = _counterpart(reference, layer, up, candidate.info, {theirs})
    return None if found is None else (candidate, found)


def _counterpart(
    reference: Fingerprint, layer: int, role: str, info: TensorInfo, names: Collection[str]
) -> TensorProfile | None:
    """The reference tensor of ``role`` at ``layer`` among ``names``, with as many rows as ``info``."""
    for profile in reference.tensors:
        p, layout = profile.parsed, profile.layout
        same = p.layer == layer and p.role == role and p.expert is None and len(profile.shape) == 2
        usable = layout.kind == "residual" and layout.residual_axis == 1 and profile.name in names
        if same and usable and profile.shape[0] == info.shape[0]:
            return profile
    return None


def _gain(reference: Fingerprint, anchor: TensorProfile) -> TensorProfile | None:
    for profile in reference.tensors:
        p = profile.parsed
        same = (
            p.layer == anchor.parsed.layer
            and p.stack == anchor.parsed.stack
            and p.role == gain_role(anchor.parsed.role)
        )
        readable = profile.stored is not None or profile.wide is not None
        if same and readable and profile.shape == (anchor.shape[1],):
            return profile
    return None


def _fit(
    candidate: Candidate,
    reference: TensorProfile,
    source: CandidateSource,
    *,
    gains: tuple[Candidate | None, TensorProfile | None],
    partner: tuple[Candidate, TensorProfile] | None,
    share: float,
    gate: float,
    index_gate: float,
) -> UnitFit | None:
    """The fit on one anchor tensor, its gains folded in (each side's own, where it has one); across a
    permutation of its neurons when they do not agree in place, ``partner`` checks it and reading both costs
    at most ``share`` bytes."""
    gain, reference_gain = gains
    info = candidate.info
    d, width, count = reference.layout.width, info.cols, info.rows
    check = count // 4
    fit_rows = count - check
    names = (
        gain.info.name if gain is not None else "",
        reference_gain.name if reference_gain is not None else "",
    )
    fit = partial(UnitFit, anchor=(info.name, reference.name), gains=names, widths=(width, d))
    if fit_rows < max(d, width) + MIN_EXTRA or fit_rows < GRAM_ROWS:
        return None  # too few neurons to determine a rotation: nothing to say beyond the embeddings' note
    if width == d:
        stored = source.block(info, reference, transposed=False, all_units=False)
        same = column_correlations(to_float(stored, info.dtype), to_float(reference.block, reference.dtype))
        if float(np.median(same)) >= index_gate:
            return None  # read as stored: nothing relabelled here
    if not _whole(reference):
        note = (
            f"a rotation fitted on the FFN neurons of {info.name} needs the reference's whole rows of"
            f" {reference.name}, which this fingerprint does not keep (they would cost more than"
            f" {WIDE_SHARE:.2%} of the model's bytes): fitted only against the reference's checkpoint"
        )
        return fit(matrix=None, kept=0, quality=None, rows=0, note=note)
    if partner is not None and not _kept_for_check(partner[1], reference):
        partner = None
    # the sampled neurons first: their rows were read already (all but each run's ends), so the pre-test on
    # the first GRAM_ROWS pairs costs little more; fit and check sets stay disjoint, neurons exchangeable
    units = leading(np.asarray(reference.units, dtype=np.int64), np.arange(count, dtype=np.int64))
    with TensorReader() as theirs:
        our_scale, their_scale = read_together(  # one round trip, not two, when remote
            partial(_vector, source.reader, gain.info) if gain is not None else _nothing,
            partial(_their_vector, theirs, reference_gain) if reference_gain is not None else _nothing,
        )
        pairs = Pairs(
            ours=units,
            theirs=units,
            candidate=info,
            reference=reference,
            our_reader=source.reader,
            their_reader=theirs,
            our_scale=our_scale,
            their_scale=their_scale,
        )
        x, y = pairs.read(0, GRAM_ROWS)
        agreement = gram_agreement(x, y)
        if agreement < GRAM_GATE:
            note = (
                f"pairwise cosines of {GRAM_ROWS} FFN neurons of {info.name} agree at r = {agreement:.2f}"
                f" (a rotated copy keeps them; fitted only at r ≥ {GRAM_GATE})"
            )
            if partner is None or width != d or count != reference.shape[0]:
                return fit(matrix=None, kept=0, quality=None, rows=GRAM_ROWS, note=note)
            cost = _across_cost(candidate, reference, partner)
            if cost > share:
                return fit(
                    matrix=None,
                    kept=0,
                    quality=None,
                    rows=GRAM_ROWS,
                    note=(
                        f"{note}; its neurons were not paired across a permutation (both whole matrices and"
                        f" a quarter of {partner[0].info.name}, {cost / 1e6:,.0f} MB, cost more than"
                        f" {MATCH_SHARE:.1%} of the two checkpoints)"
                    ),
                )
            every = np.arange(count, dtype=np.int64)
            return _across(replace(pairs, ours=every, theirs=every), partner, fit, gate=gate, note=note)
        rotation = procrustes(pairs, count=fit_rows)
        x_check, y_check = pairs.read(fit_rows, check)
    x_check -= rotation.x_mean
    y_check -= rotation.y_mean
    return _judged(
        fit,
        checked(rotation, x_check, y_check, d=d, gate=gate),
        gate=gate,
        rows=count,
        failed=f"a rotation fitted on {fit_rows} FFN neurons of {info.name} predicts held-out columns",
        fitted=f"fitted on the {count} FFN neurons of {info.name} (no tokens to fit on)",
    )


def _across(
    pairs: Pairs,
    partner: tuple[Candidate, TensorProfile],
    fit: partial[UnitFit],
    *,
    gate: float,
    note: str,
) -> UnitFit:
    """The neurons paired across a permutation (:mod:`~generator.audit.residual_matched`), the map kept when
    it predicts the partner's rows of a seeded quarter of the reference's neurons, never fitted on."""
    count, d = pairs.reference.shape
    ours = np.empty((count, pairs.candidate.cols), dtype=np.float32)
    theirs = np.empty((count, d), dtype=np.float32)
    for first in range(0, count, CHUNK_ROWS):
        x, y = pairs.read(first, min(CHUNK_ROWS, count - first))
        ours[first : first + x.shape[0]] = x
        theirs[first : first + y.shape[0]] = y
    check = check_quarter(pairs.reference.shape)
    matching = match_neurons(ours, theirs, check=check, min_pairs=d + MIN_EXTRA)
    across = f"{note}; {matching.note}"
    if matching.matrix is None:
        return fit(matrix=None, kept=0, quality=None, rows=count, note=across)
    # the check neurons' gate rows as read (both arrays were centred in place)
    our_gates = np.asarray(ours[matching.check_ours] + matching.our_mean, dtype=np.float64)
    their_gates = np.asarray(theirs[check] + matching.their_mean, dtype=np.float64)
    del ours, theirs
    up, their_up = partner
    picked, where = np.unique(matching.check_ours, return_inverse=True)
    x_check, y_check = read_together(  # one round trip, not two, when remote
        partial(rows_in_order, pairs.our_reader, up.info, picked),
        partial(_their_check_rows, pairs.their_reader, their_up, check),
    )
    x_check = x_check[where]
    if pairs.our_scale is not None:
        x_check *= pairs.our_scale
    if pairs.their_scale is not None:
        y_check *= pairs.their_scale
    x_check = _beside(x_check, our_gates)
    y_check = _beside(y_check, their_gates)
    x_check -= x_check.mean(axis=0)
    y_check -= y_check.mean(axis=0)
    rotation = Fitted(matrix=matching.matrix, x_mean=matching.our_mean, y_mean=matching.their_mean)
    return _judged(
        fit,
        checked(rotation, x_check, y_check, d=d, gate=gate),
        gate=gate,
        rows=count,
        failed=f"{across}: the map predicts {up.info.name} on {check.size} held-out neurons",
        fitted=(
            f"fitted on the FFN neurons of {pairs.candidate.name}, {matching.note} (no tokens to fit on;"
            f" checked on {up.info.name} of {check.size} held-out neurons)"
        ),
        checked_on=(up.info.name, their_up.name),
    )


def _across_cost(
    candidate: Candidate, reference: TensorProfile, partner: tuple[Candidate, TensorProfile]
) -> int:
    """Bytes the pairing reads: both whole anchors, and a quarter of each side's partner — the reference's
    counted as stored like the candidate's (they have the same shape here), whether it is read from its
    checkpoint or held by its fingerprint, so that both decide alike."""
    up, _ = partner
    return 2 * (candidate.info.stored_nbytes + up.info.stored_nbytes // 4)


def _beside(rows: npt.NDArray[np.float64], gates: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each row less its projection on the same neuron's gate row, which the pairing saw (a rotation keeps
    the projection, so a copy's rows still agree; independent models' no longer share what their gates
    share)."""
    norms = np.einsum("ij,ij->i", gates, gates)
    along = np.einsum("ij,ij->i", rows, gates) / np.where(norms > 0, norms, 1.0)
    return np.asarray(rows - along[:, None] * gates, dtype=np.float64)


def _judged(
    fit: partial[UnitFit],
    judged: tuple[npt.NDArray[np.float64], float, npt.NDArray[np.bool_]],
    *,
    gate: float,
    rows: int,
    failed: str,
    fitted: str,
    checked_on: tuple[str, str] | None = None,
) -> UnitFit:
    """A map kept when it predicts the held-out rows at ``gate`` (:func:`~generator.audit.residual_wide.
    checked`'s window columns, their median correlation, those reaching it); ``failed`` begins the note
    when it does not, ``fitted`` is the note when it does."""
    matrix, quality, kept = judged
    if kept.mean() < 0.5 or quality < gate:
        note = f"{failed} at median correlation {quality:.2f} (needs {gate})"
        return fit(matrix=None, kept=int(kept.sum()), quality=quality, rows=rows, note=note)
    return fit(
        matrix=matrix * kept[None, :],
        kept=int(kept.sum()),
        quality=quality,
        rows=rows,
        checked_on=checked_on,
        note=fitted,
    )


def _whole(profile: TensorProfile) -> bool:
    """Whether every row of a reference tensor can be read: from its checkpoint, or kept by a fingerprint."""
    return profile.stored is not None or (profile.wide is not None and profile.wide.shape == profile.shape)


def _kept_for_check(profile: TensorProfile, anchor: TensorProfile) -> bool:
    """Whether the rows a pairing across a permutation is checked on can be read: the partner (of the
    anchor's shape) read from its checkpoint, or its :func:`~generator.audit.plan.check_quarter` rows of the
    anchor's shape kept by a fingerprint."""
    if profile.shape != anchor.shape:
        return False
    quarter = (anchor.shape[0] // 4, anchor.shape[1])
    return _whole(profile) or (profile.wide is not None and profile.wide.shape == quarter)


def _their_check_rows(
    reader: TensorReader, profile: TensorProfile, check: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """The reference partner's rows ``check`` (those of :func:`~generator.audit.plan.check_quarter`)."""
    if profile.stored is not None:
        return rows_in_order(reader, profile.stored, check)
    assert profile.wide is not None
    rows = profile.wide[check] if profile.wide.shape == profile.shape else profile.wide  # all, or just those
    return to_float(rows, profile.dtype)


def _their_vector(reader: TensorReader, profile: TensorProfile) -> npt.NDArray[np.float64]:
    """A reference gain, from its checkpoint or as its fingerprint keeps it."""
    if profile.stored is not None:
        return _vector(reader, profile.stored)
    assert profile.wide is not None
    return to_float(profile.wide.reshape(-1), profile.dtype)


def _nothing() -> None:
    return None


def _vector(reader: TensorReader, info: TensorInfo) -> npt.NDArray[np.float64]:
    raw = reader.read_all(info).reshape(-1)
    raw_finite_or_fail(raw, info.dtype, info)
    return to_float(raw, info.dtype)
