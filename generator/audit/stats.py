"""Stage 4 — statistics: pure functions on sample blocks, each calibrated against an exact null.

A *block* has one row per unit (FFN neuron, attention dimension, token row, or the single row of a vector)
and one column per residual position. Under independence the candidate's residual dimensions carry an
arbitrary labelling, so permuting them (the same permutation for every tensor of a model) simulates an
independent candidate exactly (Zhu et al., ICML 2025).

The statistic is ``T = Σ_units corr(a_u, b_u)`` over residual positions (per-unit Pearson correlation, so
raw, uncentred cosines — meaningless for gains that start at 1.0 — never enter). ``T`` is linear in the
permutation, ``T(σ) = Σ_j M[σ(j), j]`` with ``M = Aᵀ B``, so sums over tensors stay linear (one joint
permutation for a whole component) and the exact permutation mean and variance are known in closed form
(Hoeffding's combinatorial central limit theorem): ``z = (T − E)/sd``. A Monte-Carlo permutation p-value
``(#{|T_π − E| ≥ |T − E|} + 1)/(R + 1)`` needs no normal approximation and is what calibration checks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from generator.audit.header import DTYPES
from generator.audit.values import to_float, to_float32

PERMUTATIONS = 999
"""Monte-Carlo permutations per tensor test; the smallest p-value they can show is 1/(R+1) = 0.001."""
JOINT_PERMUTATIONS = 9_999
"""Monte-Carlo permutations of a component's joint test (smallest p-value 1e-4)."""
MIN_POSITIONS = 8
"""Fewest permutable positions for a test to be run."""

_UNSIGNED: dict[int, type[np.unsignedinteger[Any]]] = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True)
class PermutationTest:
    """One permutation test of ``T = Σ_units corr(a_u, b_u)`` (or of a sum of such statistics)."""

    positions: int
    """Permuted positions (residual dimensions in half B, or a vector's entries)."""
    statistic: float
    """Observed ``T``."""
    mean: float
    """Exact permutation mean of ``T``."""
    sd: float
    """Exact permutation standard deviation of ``T``."""
    z: float
    """``(T − mean)/sd``."""
    log10_p: float
    """log10 of the two-sided normal p-value of ``z``."""
    p_permutation: float
    """Monte-Carlo permutation p-value, two-sided, floor 1/(R+1)."""
    permutations: int
    """R, the Monte-Carlo permutations drawn."""


def standardise(block: FloatArray) -> FloatArray:
    """Centre each row and scale it to unit length; constant rows become zero."""
    centred = block - block.mean(axis=1, keepdims=True)
    norms = np.sqrt((centred * centred).sum(axis=1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(norms > 0, centred / np.where(norms > 0, norms, 1.0), 0.0)
    return np.asarray(out, dtype=np.float64)


def row_correlations(a: FloatArray, b: FloatArray) -> FloatArray:
    """Per row, the correlation of ``a``'s and ``b``'s values over columns."""
    return np.asarray((standardise(a) * standardise(b)).sum(axis=1))


def column_correlations(a: FloatArray, b: FloatArray) -> FloatArray:
    """Per column, the correlation of ``a``'s and ``b``'s values over rows."""
    return row_correlations(a.T, b.T)


def profile_of(raw: npt.NDArray[Any], dtype: str, *, single: bool) -> FloatArray:
    """A block's profile: a vector's own values, else per position the sum of squares over the block's units.

    In float64 (squares of exact float32 values, so no float64 copy of a large block is made first).
    """
    values = to_float32(raw, dtype)
    if single:
        return np.asarray(values[0], dtype=np.float64)
    return np.asarray(np.square(values, dtype=np.float64).sum(axis=0), dtype=np.float64)


def cosines(a: FloatArray, b: FloatArray) -> tuple[float, float]:
    """Raw (uncentred) and centred (Pearson) cosine of two equally shaped arrays, over all elements."""
    x, y = a.ravel(), b.ravel()
    raw = _cos(x, y)
    return raw, _cos(x - x.mean(), y - y.mean())


def _cos(x: FloatArray, y: FloatArray) -> float:
    denominator = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / denominator if denominator > 0 else 0.0


def relative_l2(a: FloatArray, b: FloatArray) -> float:
    """``‖a − b‖ / ‖b‖`` (infinite when ``b`` is zero and ``a`` is not)."""
    diff = float(np.linalg.norm(a - b))
    base = float(np.linalg.norm(b))
    if base == 0:
        return 0.0 if diff == 0 else math.inf
    return diff / base


def log10_two_sided(z: float) -> float:
    """log10 of ``2Φ(−|z|) = erfc(|z|/√2)``, accurate far into the tail (z = 50 gives about −545)."""
    x = abs(z) / math.sqrt(2.0)
    if x < 20:
        return min(0.0, math.log10(math.erfc(x)))
    # Asymptotic series of erfc (relative error below 1e-9 here), in logs to avoid underflow.
    series = 1 - 1 / (2 * x * x) + 3 / (4 * x**4) - 15 / (8 * x**6)
    return (-x * x - math.log(x * math.sqrt(math.pi)) + math.log(series)) / math.log(10.0)


def linear_permutation_test(
    matrix: FloatArray, *, seed: int, permutations: int = PERMUTATIONS
) -> PermutationTest | None:
    """Test ``trace(M)`` against ``Σ_j M[π(j), j]`` over uniformly random permutations ``π``.

    Exact moments (Hoeffding): mean ``ΣM/k``; variance ``Σ d²/(k−1)`` with ``d`` the doubly centred ``M``.
    Returns ``None`` when fewer than :data:`MIN_POSITIONS` positions can be permuted.
    """
    k = matrix.shape[0]
    if k < MIN_POSITIONS:
        return None
    observed = float(np.trace(matrix))
    mean = float(matrix.sum()) / k
    doubly = matrix - matrix.mean(axis=1, keepdims=True) - matrix.mean(axis=0, keepdims=True) + matrix.mean()
    sd = math.sqrt(float((doubly * doubly).sum()) / (k - 1))
    draws = np.ascontiguousarray(matrix).ravel()[permutation_draws(k, permutations, seed)].sum(axis=1)
    return _result(k, observed, mean, sd, draws)


def vector_permutation_test(
    a: FloatArray, b: FloatArray, *, seed: int, permutations: int = PERMUTATIONS
) -> PermutationTest | None:
    """Permutation test of the Pearson correlation of two vectors (the rank-one case of the linear test)."""
    k = a.shape[0]
    if k < MIN_POSITIONS:
        return None
    x, y = standardise(a[None, :])[0], standardise(b[None, :])[0]
    observed = float(x @ y)
    sd = math.sqrt(float(x @ x) * float(y @ y) / (k - 1))
    if k * permutations <= _CACHED_DRAWS:
        draws = x[permutation_draws(k, permutations, seed) // k] @ y
    else:
        draws = np.concatenate([x[perms] @ y for perms in _permutations(k, permutations, seed)])
    return _result(k, observed, 0.0, sd, draws)


def permutation_draws(k: int, count: int, seed: int) -> npt.NDArray[np.intp]:
    """Flat indices ``π_r(j)·k + j`` into a ``k × k`` matrix, one row per permutation ``π_r`` (read-only).

    ``matrix.ravel()[draws].sum(axis=1)`` is then ``Σ_j M[π_r(j), j]`` for every ``r`` in one gather. The
    draws depend only on ``(k, count, seed)`` — and per-tensor seeds only on role and shape — so the tensors
    of one role in every layer share one set (each test on its own stays exact: its permutations are
    uniform and independent of its data). Small sets are cached; large ones are made afresh.
    """
    if k * count > _CACHED_DRAWS:
        return _flat_draws(k, count, seed)
    return _cached_draws(k, count, seed)


_CACHED_DRAWS = 1 << 18
"""Largest draw set cached, in elements (2 MiB; 128 positions × 999 permutations is 0.13 M); at most 32 sets
are kept, so the cache stays under 64 MiB whatever the model."""


def _flat_draws(k: int, count: int, seed: int) -> npt.NDArray[np.intp]:
    flat = np.concatenate(list(_permutations(k, count, seed))).astype(np.intp)
    flat *= k
    flat += np.arange(k, dtype=np.intp)
    flat.flags.writeable = False
    return flat


@lru_cache(maxsize=32)
def _cached_draws(k: int, count: int, seed: int) -> npt.NDArray[np.intp]:
    return _flat_draws(k, count, seed)


def _permutations(k: int, count: int, seed: int, batch: int = 1000) -> Iterator[npt.NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    for start in range(0, count, batch):
        yield rng.permuted(np.tile(np.arange(k), (min(batch, count - start), 1)), axis=1)


def _result(k: int, observed: float, mean: float, sd: float, draws: FloatArray) -> PermutationTest:
    z = (observed - mean) / sd if sd > 0 else 0.0
    extreme = int(
        np.count_nonzero(np.abs(draws - mean) >= abs(observed - mean) - 1e-12 * (1 + abs(observed)))
    )
    return PermutationTest(
        positions=k,
        statistic=observed,
        mean=mean,
        sd=sd,
        z=z,
        log10_p=log10_two_sided(z) if sd > 0 else 0.0,
        p_permutation=(extreme + 1) / (len(draws) + 1),
        permutations=len(draws),
    )


def identity_hits_log10_p(hits: int, sampled: int, units: int) -> float:
    """log10 of a bound on P(≥ ``hits`` of ``sampled`` units best-match their own index among ``units``).

    Under independence the candidate's units are in uniformly random order, so a given set of ``h`` units all
    land on their own index with probability at most ``(n−h)!/n!``; a union bound over the ``C(m, h)`` sets
    gives the p-value bound. Valid whatever the units' contents (no normal approximation).
    """
    if hits <= 0 or units <= 0:
        return 0.0
    log_p = math.lgamma(sampled + 1) - math.lgamma(hits + 1) - math.lgamma(sampled - hits + 1)
    log_p += math.lgamma(units - hits + 1) - math.lgamma(units + 1)
    return min(0.0, log_p / math.log(10.0))


def best_matches(
    ref_std: FloatArray, cand_std: FloatArray, *, device: Any = "cpu", block: int = 8192
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """For each reference unit, the candidate unit with the largest |correlation| and that correlation.

    A blocked matrix product over candidate units (``s × n`` memory per block, never ``n × n``); runs on
    ``device`` (a torch device) so large audits can use a GPU.
    """
    import torch  # noqa: PLC0415 — keep `import generator.audit.stats` light

    ref = torch.from_numpy(np.ascontiguousarray(ref_std, dtype=np.float32)).to(device)
    best_idx = torch.zeros(ref.shape[0], dtype=torch.int64, device=device)
    best_val = torch.full((ref.shape[0],), -1.0, dtype=torch.float32, device=device)
    best_signed = torch.zeros(ref.shape[0], dtype=torch.float32, device=device)
    for start in range(0, cand_std.shape[0], block):
        chunk = torch.from_numpy(np.ascontiguousarray(cand_std[start : start + block], dtype=np.float32))
        sims = ref @ chunk.to(device).T
        values, index = sims.abs().max(dim=1)
        better = values > best_val
        best_val = torch.where(better, values, best_val)
        best_idx = torch.where(better, index + start, best_idx)
        best_signed = torch.where(better, sims.gather(1, index[:, None])[:, 0], best_signed)
    return best_idx.cpu().numpy().astype(np.int64), best_signed.cpu().numpy().astype(np.float64)


def bonferroni(log10_p: float, factor: int) -> float:
    """Bonferroni correction in log10 space, capped at p = 1."""
    return min(0.0, log10_p + math.log10(max(1, factor)))


def lower_precision(candidate: str, reference: str) -> str | None:
    """The dtype both tensors are cast to before comparing bits, or ``None`` if they cannot be compared.

    The less precise of the two; between formats of one width where neither holds the other (bf16 and
    fp16: more mantissa against more exponent), the candidate's, since a copy is the reference cast to it.
    """
    if candidate == reference:
        return candidate
    dc, dr = DTYPES[candidate], DTYPES[reference]
    if dc.kind != "float" or dr.kind != "float":
        return None
    if dc.rank != dr.rank:
        return candidate if dc.rank < dr.rank else reference
    return candidate


def cast_bits(raw: npt.NDArray[Any], dtype: str, target: str) -> npt.NDArray[Any]:
    """Bit patterns of raw ``dtype`` elements after rounding (to nearest, ties to even) to ``target``."""
    unsigned = _UNSIGNED[DTYPES[target].itemsize]
    if dtype == target:
        return raw.view(unsigned)
    values = to_float(raw, dtype)
    if target == "F64":
        return values.view(np.uint64)
    if target == "F32":
        return values.astype(np.float32).view(np.uint32)
    if target == "F16":
        with np.errstate(over="ignore"):  # beyond fp16's range is inf, as a real cast gives
            return values.astype(np.float16).view(np.uint16)
    if target == "BF16":
        bits = values.astype(np.float32).view(np.uint32).astype(np.uint64)
        return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    import torch  # noqa: PLC0415 — fp8 casts only

    torch_dtype = torch.float8_e4m3fn if target == "F8_E4M3" else torch.float8_e5m2
    as_tensor = torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32)).to(torch_dtype)
    return np.asarray(as_tensor.view(torch.uint8).numpy(), dtype=np.uint8)


def identical_fraction(
    a_raw: npt.NDArray[Any], a_dtype: str, b_raw: npt.NDArray[Any], b_dtype: str
) -> tuple[float | None, float | None, str | None]:
    """Bit-identical fraction (same dtype only), identical-after-cast fraction, and the cast dtype."""
    if a_raw.size == 0:
        return None, None, None
    bit = None
    if a_dtype == b_dtype:
        unsigned = _UNSIGNED[DTYPES[a_dtype].itemsize]
        bit = float(np.mean(a_raw.view(unsigned) == b_raw.view(unsigned)))
    target = lower_precision(a_dtype, b_dtype)
    if target is None:
        return bit, None, None
    cast = float(np.mean(cast_bits(a_raw, a_dtype, target) == cast_bits(b_raw, b_dtype, target)))
    if cast < 1.0 and target != b_dtype and DTYPES[a_dtype].rank == DTYPES[b_dtype].rank:
        # bf16 and fp16 each hold values the other cannot: the reference may be the candidate's cast too
        back = float(
            np.mean(cast_bits(a_raw, a_dtype, b_dtype) == b_raw.view(_UNSIGNED[DTYPES[b_dtype].itemsize]))
        )
        if back > cast:
            return bit, back, b_dtype
    return bit, cast, target
