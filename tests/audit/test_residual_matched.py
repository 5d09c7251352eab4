"""Pairing FFN neurons across a permutation and a rotation (:mod:`generator.audit.residual_matched`).

On matrices shaped like trained weights (a decaying spectrum); the audit-level tests, with trained toys, are
in ``test_wide_rotation.py``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from generator.audit.residual_matched import match_neurons

N, D = 1024, 256


def _weights(seed: int) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((N, D)))
    v, _ = np.linalg.qr(rng.standard_normal((D, D)))
    spectrum = (1.0 + np.arange(D)) ** -0.5
    return np.asarray((u * spectrum) @ v.T, dtype=np.float32)


def _disguised(
    x: npt.NDArray[np.float32], *, noise: float, seed: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """``x`` rotated, its rows permuted, noise added: the copy, the rotation, and where each row went."""
    rng = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(rng.standard_normal((D, D)))
    order = rng.permutation(N)
    y = (x @ rotation)[order]
    y = y + noise * float(y.std()) * rng.standard_normal(y.shape)
    return y.astype(np.float32), rotation, np.argsort(order).astype(np.int64)


CHECK = np.sort(np.random.default_rng(7).permutation(N)[: N // 4]).astype(np.int64)


def test_a_rotated_permuted_copy_is_paired_neuron_by_neuron() -> None:
    x = _weights(1)
    y, rotation, where = _disguised(x, noise=0.0, seed=2)
    matching = match_neurons(y, x, check=CHECK, min_pairs=D + 64)
    assert matching.matrix is not None
    assert matching.pairs == N - CHECK.size  # every neuron fitted on
    assert np.array_equal(matching.check_ours, where[CHECK])  # and every held-out one found
    assert np.allclose(matching.matrix, rotation.T, atol=1e-3)  # the candidate's rows mapped back
    assert matching.directions >= 3


@pytest.mark.parametrize("noise", [0.02, 0.05])
def test_a_lightly_changed_copy_is_still_paired(noise: float) -> None:
    x = _weights(1)
    y, _, where = _disguised(x, noise=noise, seed=3)
    matching = match_neurons(y, x, check=CHECK, min_pairs=D + 64)
    assert matching.matrix is not None
    assert np.mean(matching.check_ours == where[CHECK]) > 0.95


def test_an_independent_matrix_is_paired_by_chance_only() -> None:
    """Too few mutual pairs for a rotation; asked for fewer, a map is fitted (a rotation has d²/2
    parameters to overfit with), and the held-out neurons' pairs — which the caller checks on another
    tensor — are no better than chance."""
    x = _weights(1)
    y, _, where = _disguised(_weights(4), noise=0.0, seed=2)
    matching = match_neurons(y, x, check=CHECK, min_pairs=D + 64)
    assert matching.matrix is None
    assert matching.note.endswith(f"neurons paired (a rotation needs {D + 64})")
    assert int(matching.note.split()[0]) < D + 64
    forced = match_neurons(y, x, check=CHECK, min_pairs=64)
    assert forced.matrix is not None
    assert np.mean(forced.check_ours == where[CHECK]) < 0.02


def test_a_spectrum_without_gaps_pairs_nothing() -> None:
    """Equal singular values: every direction can turn into every other, so no coordinate is defined."""
    rng = np.random.default_rng(5)
    x = np.linalg.qr(rng.standard_normal((N, D)))[0].astype(np.float32)
    y, _, _ = _disguised(x, noise=0.0, seed=2)
    matching = match_neurons(y, x, check=CHECK, min_pairs=D + 64)
    assert matching.matrix is None
    assert matching.note == "only 0 well-separated singular directions to pair neurons on"


def test_the_pairing_is_deterministic() -> None:
    x = _weights(1)
    y, _, _ = _disguised(x, noise=0.05, seed=3)
    first = match_neurons(y, x, check=CHECK, min_pairs=D + 64)
    second = match_neurons(y.copy(), x.copy(), check=CHECK, min_pairs=D + 64)
    assert first.matrix is not None
    assert second.matrix is not None
    assert np.array_equal(first.matrix, second.matrix)
    assert np.array_equal(first.check_ours, second.check_ours)
