"""The shortcuts that keep an audit near the read floor give exactly what the plain computations give."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from generator.audit import run_audit
from generator.audit.fingerprint import DeferredHashes, fingerprint_checkpoint, write_safetensors
from generator.audit.read import TensorReader, open_checkpoint, raw_finite_or_fail, to_float
from generator.audit.stats import cast_bits, permutation_draws, profile_of
from generator.errors import InputError
from tests.audit.conftest import Zoo


def test_deferred_hashes_equal_eager_ones_and_membership_reads_nothing(zoo: Zoo) -> None:
    checkpoint = open_checkpoint(zoo.reference)
    eager = fingerprint_checkpoint(checkpoint)
    deferred = fingerprint_checkpoint(checkpoint, defer_hashes=True)
    for now, later in zip(eager.tensors, deferred.tensors, strict=True):
        if not now.hashes:
            continue
        assert isinstance(later.hashes, DeferredHashes)
        assert all(dtype in later.hashes for dtype in now.hashes)
        assert "deferred" in repr(later.hashes)  # `in` computed nothing
        assert dict(later.hashes) == dict(now.hashes)
        with pytest.raises(KeyError):
            later.hashes["I8"]


def test_a_derived_candidate_hashes_no_reference_tensor(zoo: Zoo, monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []
    original = DeferredHashes.__getitem__

    def spy(self: DeferredHashes, dtype: str) -> str:
        looked_up.append(dtype)
        return original(self, dtype)

    monkeypatch.setattr(DeferredHashes, "__getitem__", spy)
    assert run_audit(zoo.path("noise"), zoo.reference).verdict == "derived"
    assert looked_up == []
    assert run_audit(zoo.path("graft"), zoo.reference).verdict == "identical"
    assert looked_up  # identical samples are confirmed on the whole tensors


@pytest.mark.parametrize(("k", "count"), [(8, 5), (128, 999), (300, 1001)])
def test_flat_permutation_draws_are_the_permutations(k: int, count: int) -> None:
    draws = permutation_draws(k, count, seed=42)
    assert draws.shape == (count, k)
    assert not draws.flags.writeable
    assert np.array_equal(draws % k, np.broadcast_to(np.arange(k), (count, k)))
    rows = draws // k
    assert np.array_equal(np.sort(rows, axis=1), np.broadcast_to(np.arange(k), (count, k)))
    matrix = np.random.default_rng(0).standard_normal((k, k))
    assert np.array_equal(matrix.ravel()[draws].sum(axis=1), matrix[rows, np.arange(k)].sum(axis=1))
    if k * count <= 1 << 18:  # small sets are made once and shared by every tensor of the role
        assert permutation_draws(k, count, seed=42) is draws


@pytest.mark.parametrize("dtype", ["BF16", "F16", "F32", "F64"])
def test_profile_of_equals_float64_sums_of_squares(dtype: str) -> None:
    raw = _stored(np.random.default_rng(1).standard_normal((37, 16)), dtype)
    exact = to_float(raw, dtype)
    assert np.array_equal(profile_of(raw, dtype, single=False), (exact * exact).sum(axis=0))
    assert np.array_equal(profile_of(raw, dtype, single=True), exact[0])


@pytest.mark.parametrize("dtype", ["BF16", "F16", "F32", "F64"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_raw_finiteness_check_sees_nan_and_inf(tmp_path: Path, dtype: str, bad: float) -> None:
    values = np.linspace(-3.0, 3.0, 24).reshape(4, 6)
    raw = _stored(values, dtype)
    info = open_checkpoint(_one_tensor_checkpoint(tmp_path)).tensors[0]
    raw_finite_or_fail(raw, dtype, info)
    values[2, 3] = bad
    with np.errstate(invalid="ignore", over="ignore"):
        broken = _stored(values, dtype)
    with pytest.raises(InputError, match="NaN or infinite"):
        raw_finite_or_fail(broken, dtype, info)


def test_reads_of_scattered_and_consecutive_rows_match_the_tensor(zoo: Zoo) -> None:
    checkpoint = open_checkpoint(zoo.reference)
    info = max(checkpoint.tensors, key=lambda t: t.numel)
    with TensorReader() as reader:
        whole = reader.read_all(info)
        rows = np.array([0, 1, 2, 5, 6, 9, info.rows - 1], dtype=np.int64)
        assert np.array_equal(reader.read_2d(info, rows), whole[rows])
        cols = np.array([1, 3, 4], dtype=np.int64)
        assert np.array_equal(reader.read_2d(info, rows, cols), whole[rows][:, cols])


def _stored(values: npt.NDArray[np.float64], dtype: str) -> npt.NDArray[Any]:
    """Values as the reader returns them: BF16 as raw bits, the other floats as numpy floats."""
    if dtype == "BF16":
        return cast_bits(values, "F64", "BF16")
    return values.astype({"F16": np.float16, "F32": np.float32, "F64": np.float64}[dtype])


def _one_tensor_checkpoint(tmp_path: Path) -> Path:
    """A one-tensor checkpoint, only for its :class:`TensorInfo` (error messages name it)."""
    path = tmp_path / "one.safetensors"
    write_safetensors(path, [("w", "F32", (2,), np.zeros(2, "<f4").tobytes())], {})
    return path
