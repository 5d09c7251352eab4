"""Stage 6 — compare: the statistics of each matched pair, and the joint matrices of each component.

For a pair: align units on half A (by index when the index alignment is already significant, else each
reference unit's best-matching candidate unit — permuted neurons and heads are found this way; where no
sampled unit agrees with its own index, a wide tensor's units are searched first in one seeded run of them,
and all of them are read only when the run shows clear matches); then on the whole window the identity
statistics (bit-identical and identical-after-cast fractions, relative L2, centred and — for display only —
raw cosine), and on half B the permutation test. When the sample is identical, the
whole tensors confirm it: compared chunk by chunk when the reference's checkpoint is at hand (stopping at the
first difference), else the candidate's SHA-256 against the one in the reference's fingerprint.
"""

from __future__ import annotations

import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from generator.audit.fingerprint import TensorProfile, tensor_hash
from generator.audit.pairs import CandidateSource, Match
from generator.audit.plan import search_run, seed_for, window_for
from generator.audit.quant import stored_label
from generator.audit.read import TensorInfo, TensorReader, to_float
from generator.audit.stats import (
    PermutationTest,
    best_matches,
    cast_bits,
    cosines,
    identical_fraction,
    identity_hits_log10_p,
    linear_permutation_test,
    relative_l2,
    standardise,
    vector_permutation_test,
)


@dataclass(frozen=True, kw_only=True)
class UnitAlignment:
    """How hidden units were aligned (on half A)."""

    method: Literal["index", "matched", "mixed"]
    """``index``: unit i with unit i; ``matched``: each reference unit with its best-matching candidate unit;
    ``mixed``: some of each (e.g. whole attention heads moved, others left in place)."""
    sampled: int
    """Reference units sampled."""
    index_z: float | None
    """z-score of the index alignment on half A (``None`` when the unit counts differ)."""
    hits: int | None
    """Reference units whose best match is their own index."""
    log10_p_hits: float | None
    """log10 of a bound on the chance of that many hits under independence."""
    mean_best_correlation: float
    """Mean correlation of each reference unit with its best match on half A."""
    moved: int
    """Reference units aligned with a candidate unit other than their own index."""
    flipped: int = 0
    """Aligned units whose sign was flipped (clearly negative correlation on half A); flipping a unit's
    incoming and outgoing weights leaves an odd-symmetric or linear path's function unchanged."""
    searched: int | None = None
    """Candidate units among which best matches were sought: all of them, or — where no sampled unit agreed
    with its own index and none matched clearly inside a seeded run of units (:func:`~generator.audit.plan.
    search_run`) — that run only (``hits`` is then ``None``); ``None`` when no search was needed."""


@dataclass(frozen=True, kw_only=True)
class PairEvidence:
    """Everything measured on one matched pair."""

    candidate: str
    """Candidate tensor name."""
    reference: str
    """Reference tensor name."""
    component: str
    """Candidate component."""
    role: str
    """The reference tensor's role."""
    parameters: int
    """Elements of the candidate tensor."""
    how: str
    """How the pair was found (``layer map``, ``role``, ``content``)."""
    transposed: bool
    """Whether the candidate stores it transposed."""
    match_score: float | None
    """Centred profile correlation on half A the choice was based on."""
    same_shape: bool
    """Whether shapes agree (after transposition)."""
    units: UnitAlignment | None
    """Unit alignment of hidden units (``None`` otherwise)."""
    sampled: int
    """Elements compared."""
    bit_identical: float | None
    """Fraction of compared elements with identical bits (same dtype only)."""
    cast_identical: float | None
    """Fraction identical after casting both to the lower precision."""
    cast_dtype: str | None
    """That lower precision."""
    whole_tensor_identical: bool | None
    """The whole candidate (in the reference's layout and precision) equals the whole reference: compared
    directly against a checkpoint, by SHA-256 against a fingerprint. ``None``: not checked (sample differs).
    """
    relative_l2: float
    """‖candidate − reference‖ / ‖reference‖ over the compared elements."""
    centred_cosine: float
    """Pearson correlation over the compared elements (the centred statistic)."""
    raw_cosine_not_evidence: float
    """Raw (uncentred) cosine — NOT evidence: two unrelated gain vectors near 1.0 score about 0.98."""
    test: PermutationTest | None
    """Permutation test over residual positions of half B (or a vector's entries); ``None`` if not tested."""
    residual_width: int | None
    """Model width whose residual permutation the test used (pairs of one component and width combine)."""
    note: str
    """Why a pair was not tested, or anything unusual."""
    candidate_quantisation: str = ""
    """How the candidate stores it when quantised (its dequantised values are compared), else ``""``."""
    reference_quantisation: str = ""
    """How the reference stores it when quantised, else ``""``."""


@dataclass(frozen=True, kw_only=True)
class Compared:
    """One pair's evidence and its contribution to the joint test."""

    evidence: PairEvidence
    """The statistics."""
    joint: npt.NDArray[np.float64] | None
    """``M`` of the test on half B, divided by the number of units (summed per component and width)."""


def compare(match: Match, source: CandidateSource, *, device: Any = "cpu") -> Compared:
    """Measure one pair."""
    reference = match.reference
    if reference.layout.kind == "plain":
        return _compare_plain(match, source)
    info, layout = match.candidate.info, reference.layout
    half = window_for(layout.width).half
    ref_values = to_float(reference.block, reference.dtype)
    units: UnitAlignment | None = None
    reference_raw = reference.block
    if layout.units == "hidden":
        raw, chosen, units = _hidden(match, source, ref_values, half, device)
    elif layout.units == "token":
        raw, chosen, units, keep = _tokens(match, source, ref_values, half, device)
        ref_values, reference_raw = ref_values[keep], reference.block[keep]
    else:
        raw = source.block(info, reference, transposed=match.transposed, all_units=False)
        chosen = np.arange(raw.shape[0])
    cand_values = to_float(raw, info.dtype)
    aligned_raw, aligned = raw[chosen], cand_values[chosen]
    if units is not None:
        aligned, flipped = _unflip(aligned, ref_values, half)
        units = dataclasses.replace(units, flipped=flipped)
    note, test, joint = "", None, None
    if _constant(aligned) or reference.constant:
        note = "constant tensor: never evidence"
    else:
        cand_b, ref_b = standardise(aligned[:, half:]), standardise(ref_values[:, half:])
        joint = (cand_b.T @ ref_b) / max(1, aligned.shape[0])
        test = linear_permutation_test(
            joint, seed=seed_for(f"test|{reference.parsed.seed_role}|{reference.shape}")
        )
    same_shape = _same_shape(info.shape, reference.shape, match.transposed)
    evidence = _evidence(
        match,
        aligned_raw=aligned_raw,
        aligned=aligned,
        reference_raw=reference_raw,
        reference_values=ref_values,
        units=units,
        test=test,
        note=note,
        same_shape=same_shape,
        source=source,
        by_index=units is None or units.method == "index",
    )
    return Compared(evidence=evidence, joint=joint if test is not None else None)


def _unflip(
    aligned: npt.NDArray[np.float64], ref_values: npt.NDArray[np.float64], half: int
) -> tuple[npt.NDArray[np.float64], int]:
    """Aligned units with a clearly negative correlation on half A, sign-flipped; and how many.

    Decided on half A only, so the tests on half B stay exact.
    """
    flip = _half_a_correlations(aligned, ref_values, half) <= -_threshold(aligned.shape[0], half)
    if not flip.any():
        return aligned, 0
    return np.where(flip[:, None], -aligned, aligned), int(np.count_nonzero(flip))


def _half_a_correlations(
    cand: npt.NDArray[np.float64], ref: npt.NDArray[np.float64], half: int
) -> npt.NDArray[np.float64]:
    """Per row, the correlation of candidate and reference units on half A of the window."""
    return np.asarray((standardise(cand[:, :half]) * standardise(ref[:, :half])).sum(axis=1))


def _threshold(units: int, half: int) -> float:
    """A best match above this is beyond what the maximum over ``units`` candidate units reaches by chance."""
    return min(0.9, (math.sqrt(2 * math.log(max(2, units))) + 2) / math.sqrt(max(1, half)))


def _hidden(
    match: Match, source: CandidateSource, ref_values: npt.NDArray[np.float64], half: int, device: Any
) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64], UnitAlignment]:
    """Candidate rows aligned with the reference's sampled units, reading all units only when needed.

    First only the sampled units are read; when every one of them agrees clearly with its own index on
    half A, that is the alignment (a copy or a fine-tune). Otherwise all units are read and matched.
    """
    info, reference = match.candidate.info, match.reference
    own = np.asarray(reference.units, dtype=np.int64)
    count = source.unit_count(info, reference, match.transposed)
    if count == _unit_count(reference):
        sampled = source.block(info, reference, transposed=match.transposed, all_units=False)
        own_corr = _half_a_correlations(to_float(sampled, info.dtype), ref_values, half)
        clear = np.abs(own_corr) >= _threshold(count, half)
        searched = None
        if not clear.any():
            searched = _search(match, source, ref_values, own_corr, half=half, device=device)
        if searched is not None:
            return sampled, np.arange(own.size), searched
        if own.size and bool(np.all(clear)):
            alignment = UnitAlignment(
                method="index",
                sampled=int(own.size),
                index_z=float(own_corr.mean() * math.sqrt(own.size * half)),
                hits=None,
                log10_p_hits=None,
                mean_best_correlation=float(own_corr.mean()),
                moved=0,
            )
            return sampled, np.arange(own.size), alignment
    everything = source.block(info, reference, transposed=match.transposed, all_units=True)
    chosen, alignment = _align_units(to_float(everything, info.dtype), ref_values, reference, half, device)
    return everything, chosen, alignment


def _tokens(
    match: Match, source: CandidateSource, ref_values: npt.NDArray[np.float64], half: int, device: Any
) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64], UnitAlignment | None, npt.NDArray[np.bool_]]:
    """Candidate token rows for the reference's sampled ones, and which sampled rows are kept.

    By index when every sampled row the candidate has agrees clearly with its own index on half A (the
    vocabulary unchanged, grown, or cut at its end); otherwise every candidate row is read and each sampled
    reference row is matched on half A (rows removed from the middle, or re-ordered).
    """
    info, reference = match.candidate.info, match.reference
    keep = np.isin(np.asarray(reference.units), source.present_units(info, reference, match.transposed))
    sampled = source.block(info, reference, transposed=match.transposed, all_units=False)
    count = source.unit_count(info, reference, match.transposed)
    if keep.any():
        own_corr = _half_a_correlations(to_float(sampled, info.dtype), ref_values[keep], half)
        clear = np.abs(own_corr) >= _threshold(count, half)
        if bool(np.all(clear)):
            return sampled, np.arange(sampled.shape[0]), None, keep
        if count == _unit_count(reference) and not clear.any():
            searched = _search(match, source, ref_values, own_corr, half=half, device=device)
            if searched is not None:
                return sampled, np.arange(sampled.shape[0]), searched, keep
    everything = source.block(info, reference, transposed=match.transposed, all_units=True)
    chosen, alignment = _align_units(to_float(everything, info.dtype), ref_values, reference, half, device)
    return everything, chosen, alignment, np.ones(keep.shape, dtype=bool)


def _search(
    match: Match,
    source: CandidateSource,
    ref_values: npt.NDArray[np.float64],
    own_corr: npt.NDArray[np.float64],
    *,
    half: int,
    device: Any,
) -> UnitAlignment | None:
    """The index alignment, when no sampled unit agrees with its own index and none matches clearly inside
    a seeded run of the candidate's units either; ``None`` (search them all) otherwise, or for a small tensor.

    Decided on half A only, so the test on half B stays exact; an independent candidate then reads one run
    of units instead of all of them, while a re-ordered copy still shows clear matches in the run.
    """
    info, reference = match.candidate.info, match.reference
    count = source.unit_count(info, reference, match.transposed)
    run = search_run(reference.parsed.seed_role, reference.shape, count, own_corr.size)
    if run is None or own_corr.size == 0:
        return None
    raw = source.run_block(info, reference, transposed=match.transposed, run=run)
    cand_a, ref_a = standardise(to_float(raw, info.dtype)[:, :half]), standardise(ref_values[:, :half])
    _, best_corr = best_matches(ref_a, cand_a, device=device)
    if bool(np.any(np.abs(best_corr) >= _threshold(count, half))):
        return None
    return UnitAlignment(
        method="index",
        sampled=int(own_corr.size),
        index_z=float(own_corr.mean() * math.sqrt(own_corr.size * half)),
        hits=None,
        log10_p_hits=None,
        mean_best_correlation=float(best_corr.mean()),
        moved=0,
        searched=len(run),
    )


def _align_units(
    cand: npt.NDArray[np.float64],
    ref: npt.NDArray[np.float64],
    reference: TensorProfile,
    half: int,
    device: Any,
) -> tuple[npt.NDArray[np.int64], UnitAlignment]:
    """Per reference unit: its own index, unless another candidate unit matches clearly better on half A."""
    own = np.asarray(reference.units, dtype=np.int64)
    cand_a, ref_a = standardise(cand[:, :half]), standardise(ref[:, :half])
    best, best_corr = best_matches(ref_a, cand_a, device=device)
    threshold = _threshold(cand.shape[0], half)
    index_z, hits, log10_hits = None, None, None
    chosen = best.copy()
    if own.size and _unit_count(reference) == cand.shape[0]:
        own_corr = (ref_a * cand_a[own]).sum(axis=1)
        index_z = float(own_corr.mean() * math.sqrt(own.size * half))
        hits = int(np.count_nonzero(best == own))
        log10_hits = identity_hits_log10_p(hits, own.size, cand.shape[0])
        moved = (np.abs(best_corr) >= threshold) & (np.abs(best_corr) > np.abs(own_corr) + 0.1)
        chosen = np.where(moved, best, own)
    method: Literal["index", "matched", "mixed"] = (
        "index" if np.array_equal(chosen, own) else "matched" if np.array_equal(chosen, best) else "mixed"
    )
    alignment = UnitAlignment(
        method=method,
        searched=int(cand.shape[0]),
        sampled=int(own.size),
        index_z=index_z,
        hits=hits,
        log10_p_hits=log10_hits,
        mean_best_correlation=float(best_corr.mean()) if best_corr.size else 0.0,
        moved=int(np.count_nonzero(chosen != own)) if chosen.shape == own.shape else int(own.size),
    )
    return chosen, alignment


def _unit_count(reference: TensorProfile) -> int:
    rows = reference.shape[0] if len(reference.shape) >= 2 else 1
    cols = math.prod(reference.shape[1:]) if len(reference.shape) >= 2 else reference.shape[0]
    return cols if reference.layout.residual_axis == 0 else rows


def _constant(values: npt.NDArray[np.float64]) -> bool:
    return values.size == 0 or bool(np.all(values == values.flat[0]))


def _same_shape(shape: tuple[int, ...], ref_shape: tuple[int, ...], transposed: bool) -> bool:
    return (shape[::-1] if transposed else shape) == ref_shape


def _compare_plain(match: Match, source: CandidateSource) -> Compared:
    reference, info = match.reference, match.candidate.info
    raw = source.reader.read_all(info).reshape(info.shape if len(info.shape) == 2 else (1, -1))
    raw = (np.ascontiguousarray(raw.T) if match.transposed else raw).reshape(1, -1)
    values = to_float(raw, info.dtype)
    ref_values = to_float(reference.block, reference.dtype)
    note, test = "", None
    if _constant(values) or reference.constant:
        note = "constant tensor: never evidence"
    else:
        test = vector_permutation_test(
            _double_centred(values[0], reference.shape),
            _double_centred(ref_values[0], reference.shape),
            seed=seed_for(f"plain|{reference.parsed.seed_role}|{reference.shape}"),
        )
    evidence = _evidence(
        match,
        aligned_raw=raw,
        aligned=values,
        reference_raw=reference.block,
        reference_values=ref_values,
        units=None,
        test=test,
        note=note,
        same_shape=_same_shape(info.shape, reference.shape, match.transposed),
        source=source,
        by_index=True,
    )
    return Compared(evidence=evidence, joint=None)


def _double_centred(values: npt.NDArray[np.float64], shape: tuple[int, ...]) -> npt.NDArray[np.float64]:
    """A matrix's entries less their row and column means (flattened); other shapes as they are.

    A deterministic initialisation that repeats along rows or columns (Mamba's ``A_log = log(1..N)`` in
    every row, a per-column constant) is shared by independent models; its additive part is removed here,
    so that only what training changed is compared.
    """
    if len(shape) != 2 or min(shape) < 2:
        return values
    matrix = values.reshape(shape)
    centred = matrix - matrix.mean(axis=0, keepdims=True) - matrix.mean(axis=1, keepdims=True) + matrix.mean()
    return np.asarray(centred, dtype=np.float64).ravel()


def _evidence(
    match: Match,
    *,
    aligned_raw: npt.NDArray[Any],
    aligned: npt.NDArray[np.float64],
    reference_raw: npt.NDArray[Any],
    reference_values: npt.NDArray[np.float64],
    units: UnitAlignment | None,
    test: PermutationTest | None,
    note: str,
    same_shape: bool,
    source: CandidateSource,
    by_index: bool,
) -> PairEvidence:
    info, reference = match.candidate.info, match.reference
    bit, cast, cast_dtype = identical_fraction(aligned_raw, info.dtype, reference_raw, reference.dtype)
    raw_cos, centred = cosines(aligned, reference_values)
    whole = None
    if cast == 1.0 and same_shape and by_index and cast_dtype is not None:
        if reference.stored is not None:
            whole = whole_tensors_equal(match, source, reference.stored, cast_dtype)
        elif cast_dtype in reference.hashes:
            whole = _whole_hash(match, source, cast_dtype) == reference.hashes[cast_dtype]
    return PairEvidence(
        candidate=info.name,
        reference=reference.name,
        component=match.candidate.parsed.component,
        role=reference.parsed.role,
        parameters=info.numel,
        how=match.how,
        transposed=match.transposed,
        match_score=match.score,
        same_shape=same_shape,
        units=units,
        sampled=int(aligned.size),
        bit_identical=bit,
        cast_identical=cast,
        cast_dtype=cast_dtype,
        whole_tensor_identical=whole,
        relative_l2=relative_l2(aligned, reference_values),
        centred_cosine=centred,
        raw_cosine_not_evidence=raw_cos,
        test=test,
        residual_width=reference.layout.width if reference.layout.kind == "residual" else None,
        note=note,
        candidate_quantisation=stored_label(info),
        reference_quantisation=reference.quantisation,
    )


def whole_tensors_equal(match: Match, source: CandidateSource, stored: TensorInfo, target: str) -> bool:
    """Whether the whole candidate tensor, in the reference's layout, equals the stored reference tensor
    once both are cast to ``target`` — what equal SHA-256 digests of the two would say, without hashing.

    Reads both in row chunks of the reference's 2-D view — the reference's in a second thread with its own
    reader, so the two reads overlap (``pread`` releases the GIL) — and stops at the first chunk that differs.
    """
    info, reader = match.candidate.info, source.reader
    flipped = reader.read_all(info).T if match.transposed else None
    with TensorReader() as theirs, ThreadPoolExecutor(max_workers=1) as pool:
        chunks = theirs.iter_rows(stored, 0, stored.rows)
        pending = pool.submit(next, chunks, None)
        while (item := pending.result()) is not None:
            first, expected = item
            pending = pool.submit(next, chunks, None)
            count = expected.shape[0]
            got = reader.rows(info, first, count) if flipped is None else flipped[first : first + count]
            expected_bits = cast_bits(expected, stored.dtype, target)
            if not np.array_equal(cast_bits(got, info.dtype, target), expected_bits):
                return False
    return True


def _whole_hash(match: Match, source: CandidateSource, target: str) -> str:
    """SHA-256 of the whole candidate tensor in the reference's layout, cast to ``target``."""
    return whole_hash(source.reader, match.candidate.info, transposed=match.transposed, target=target)


def whole_hash(reader: TensorReader, info: TensorInfo, *, transposed: bool, target: str) -> str:
    """SHA-256 of a whole tensor (transposed when asked), cast to ``target``; comparable with
    :attr:`~generator.audit.fingerprint.TensorProfile.hashes`."""
    import hashlib  # noqa: PLC0415 — only reached for identical samples

    if transposed:
        raw = np.ascontiguousarray(reader.read_all(info).T)
        return tensor_hash(raw if info.dtype == target else cast_bits(raw, info.dtype, target))
    digest = hashlib.sha256()
    for _, chunk in reader.iter_rows(info, 0, info.rows):
        part = chunk if info.dtype == target else cast_bits(chunk, info.dtype, target)
        digest.update(np.ascontiguousarray(part).data)
    return digest.hexdigest()
