"""Stage 6 — compare: the statistics of each matched pair, and the joint matrices of each component.

For a pair: align units on half A (:mod:`~generator.audit.units`); then on the whole window the identity
statistics (bit-identical and identical-after-cast fractions, relative L2, centred and — for display only —
raw cosine), and on half B the permutation test. When the sample is identical, the
whole tensors confirm it: compared chunk by chunk when the reference's checkpoint is at hand (stopping at the
first difference), else the candidate's SHA-256 against the one in the reference's fingerprint.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from generator.audit.fingerprint import tensor_hash
from generator.audit.header import TensorInfo
from generator.audit.pairs import CandidateSource, Match
from generator.audit.plan import seed_for, window_for
from generator.audit.quant import stored_label
from generator.audit.read import TensorReader
from generator.audit.stats import (
    PermutationTest,
    cast_bits,
    cosines,
    identical_fraction,
    linear_permutation_test,
    relative_l2,
    standardise,
    vector_permutation_test,
)
from generator.audit.units import UnitAlignment, hidden_units, token_units, unflip
from generator.audit.values import to_float


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
        raw, chosen, units = hidden_units(match, source, ref_values, half, device)
    elif layout.units == "token":
        raw, chosen, units, keep = token_units(match, source, ref_values, half, device)
        ref_values, reference_raw = ref_values[keep], reference.block[keep]
    else:
        raw = source.block(info, reference, transposed=match.transposed, all_units=False)
        chosen = np.arange(raw.shape[0])
    cand_values = to_float(raw, info.dtype)
    aligned_raw, aligned = raw[chosen], cand_values[chosen]
    if units is not None:
        aligned, flipped = unflip(aligned, ref_values, half)
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
        # read through a residual map, the stored tensor is not the sample: never checked whole
        by_index=(units is None or units.method == "index") and source.residual_map(info, reference) is None,
    )
    return Compared(evidence=evidence, joint=joint if test is not None else None)


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
