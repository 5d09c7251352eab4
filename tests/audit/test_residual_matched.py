"""Pairing FFN neurons across a permutation and a rotation (:mod:`generator.audit.residual_matched`).

On matrices shaped like trained weights (a decaying spectrum); the audit-level tests, with trained toys, are
in ``test_wide_rotation.py``.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import pytest

from generator.audit import residual_matched, residual_units
from generator.audit.residual_matched import match_neurons
from generator.audit.residual_wide import Fitted, checked

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


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_an_independent_matrix_is_paired_by_chance_only(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """After two rounds its held-out neurons are no closer to the candidate's than to their own siblings,
    and it gives up. Made to go on (a rotation has d²/2 parameters to overfit with, so pairs are found),
    the held-out neurons' pairs — which the caller checks on another tensor — are no better than chance."""
    x = _weights(1)
    y, _, where = _disguised(_weights(seed), noise=0.0, seed=2)
    matching = match_neurons(y.copy(), x.copy(), check=CHECK, min_pairs=64)
    assert matching.matrix is None
    assert matching.note.startswith("after 2 rounds the held-out neurons' closest rows under the map")
    found = re.search(r"median cosine (-?[0-9.]+), no closer than (-?[0-9.]+)", matching.note)
    assert found is not None
    cosine, bar = float(found[1]), float(found[2])
    assert cosine < bar
    monkeypatch.setattr(residual_matched, "HOPE_ROUNDS", residual_matched.ROUNDS + 1)
    forced = match_neurons(y, x, check=CHECK, min_pairs=64)
    assert forced.matrix is not None
    assert np.mean(forced.check_ours == where[CHECK]) < 0.02


def test_a_changed_spectrum_is_still_paired() -> None:
    """Every singular value moved by 10% (the weights by 9%): close values swap ranks, so some coordinates
    are noise; the others still start the closest-point rounds."""
    rng = np.random.default_rng(1)
    u, _ = np.linalg.qr(rng.standard_normal((N, D)))
    v, _ = np.linalg.qr(rng.standard_normal((D, D)))
    spectrum = (1.0 + np.arange(D)) ** -0.5
    x = np.asarray((u * spectrum) @ v.T, dtype=np.float32)
    moved = np.asarray((u * (spectrum * (1 + 0.1 * rng.standard_normal(D)))) @ v.T, dtype=np.float32)
    y, _, where = _disguised(moved, noise=0.0, seed=2)
    matching = match_neurons(y, x, check=CHECK, min_pairs=D + 64)
    assert np.mean(matching.check_ours == where[CHECK]) > 0.95


def _leaning(gates: npt.NDArray[np.float32], seed: int) -> npt.NDArray[np.float64]:
    """Up rows 90% their own neuron's gate row (a model's up and gate may lean on each other)."""
    noise = np.random.default_rng(seed).standard_normal(gates.shape)
    unit = gates / np.linalg.norm(gates, axis=1, keepdims=True)
    return np.asarray(0.9 * unit + 0.44 * noise / np.sqrt(gates.shape[1]), dtype=np.float64)


def _up_check(
    ours: npt.NDArray[np.float32],
    theirs: npt.NDArray[np.float32],
    *,
    our_up: npt.NDArray[np.float64],
    their_up: npt.NDArray[np.float64],
    beside: bool,
) -> float:
    """The held-out check the audit makes: the map's median correlation on the up rows' window columns."""
    matching = match_neurons(ours.copy(), theirs.copy(), check=CHECK, min_pairs=64)
    assert matching.matrix is not None
    x, y = our_up[matching.check_ours], their_up[CHECK]
    if beside:
        x = residual_units._beside(x, ours[matching.check_ours].astype(np.float64))
        y = residual_units._beside(y, theirs[CHECK].astype(np.float64))
    fitted = Fitted(matrix=matching.matrix, x_mean=matching.our_mean, y_mean=matching.their_mean)
    return checked(fitted, x - x.mean(axis=0), y - y.mean(axis=0), d=D, gate=0.8)[1]


def test_the_up_check_shares_nothing_the_pairing_saw(monkeypatch: pytest.MonkeyPatch) -> None:
    """Independent models whose up rows lean on their gate rows: the pairing made the gates agree a little,
    and that carried into the check until each up row was stripped of its gate row's part."""
    monkeypatch.setattr(residual_matched, "HOPE_ROUNDS", residual_matched.ROUNDS + 1)  # no giving up
    x = _weights(1)
    y, _, _ = _disguised(_weights(4), noise=0.0, seed=2)
    ups = {"our_up": _leaning(y, 8), "their_up": _leaning(x, 9)}
    assert _up_check(y, x, **ups, beside=False) > 0.15
    assert abs(_up_check(y, x, **ups, beside=True)) < 0.05
    # a copy's up rows still agree: the part along the gate row rotates with it
    copy, rotation, where = _disguised(x, noise=0.0, seed=2)
    their_up = _leaning(x, 9)
    our_up = (their_up @ rotation)[np.argsort(where)]
    assert _up_check(copy, x, our_up=our_up, their_up=their_up, beside=True) > 0.99


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
    first = match_neurons(y.copy(), x.copy(), check=CHECK, min_pairs=D + 64)  # (it centres them in place)
    second = match_neurons(y.copy(), x.copy(), check=CHECK, min_pairs=D + 64)
    assert first.matrix is not None
    assert second.matrix is not None
    assert np.array_equal(first.matrix, second.matrix)
    assert np.array_equal(first.check_ours, second.check_ours)
