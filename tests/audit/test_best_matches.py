"""`best_matches`: the blocked unit matching, the one step an audit runs on a GPU with `--device cuda`.

The audits in the other tests have at most a few hundred units, fewer than one block, so the merge of
results across blocks (the part that differs from a plain argmax) is exercised here, on the same code path
that CUDA runs, with blocks smaller than the candidate.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.audit.stats import best_matches, standardise


def _units(seed: int, count: int, width: int) -> np.ndarray:
    return standardise(np.random.default_rng(seed).standard_normal((count, width)))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sampled=st.integers(1, 40),
    units=st.integers(1, 90),
    block=st.integers(1, 100),
)
def test_each_reference_unit_gets_its_largest_absolute_correlation(
    seed: int, sampled: int, units: int, block: int
) -> None:
    ref, cand = _units(seed, sampled, 48), _units(seed + 1, units, 48)
    index, signed = best_matches(ref, cand, block=block)

    exact = ref @ cand.T
    rows = np.arange(sampled)
    assert index.shape == signed.shape == (sampled,)
    assert ((index >= 0) & (index < units)).all()
    # float32 products: a near tie may pick either unit, but never a clearly worse one
    assert np.all(np.abs(exact[rows, index]) >= np.abs(exact).max(axis=1) - 1e-5)
    assert np.allclose(signed, exact[rows, index], atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), block=st.integers(1, 70))
def test_a_permuted_and_sign_flipped_copy_is_recovered_whatever_the_block(seed: int, block: int) -> None:
    rng = np.random.default_rng(seed)
    cand = _units(seed, 64, 32)
    sampled = rng.choice(64, size=24, replace=False)
    signs = rng.choice([-1.0, 1.0], size=24)
    ref = cand[sampled] * signs[:, None]

    index, signed = best_matches(ref, cand, block=block)

    assert np.array_equal(index, sampled)
    assert np.allclose(signed, signs, atol=1e-5)
