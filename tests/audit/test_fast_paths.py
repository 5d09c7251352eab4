"""The shortcuts that keep an audit near the read floor give exactly what the plain computations give."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import torch

from generator.audit import align as align_module
from generator.audit import compare, make_fingerprint, pairs, run_audit, toy
from generator.audit.align import align
from generator.audit.fingerprint import fingerprint_checkpoint, write_safetensors
from generator.audit.names import entries_of
from generator.audit.read import (
    TensorReader,
    open_checkpoint,
    raw_finite_or_fail,
    read_block,
    to_float,
)
from generator.audit.stats import cast_bits, permutation_draws, profile_of
from generator.errors import InputError
from tests.audit.conftest import Zoo


def test_a_direct_reference_is_read_at_its_samples_only_and_keeps_where_it_is(zoo: Zoo) -> None:
    checkpoint = open_checkpoint(zoo.reference)
    eager = fingerprint_checkpoint(checkpoint)
    direct = fingerprint_checkpoint(checkpoint, keep_stored=True)
    stored = {info.name: info for info in checkpoint.tensors}
    for full, light in zip(eager.tensors, direct.tensors, strict=True):
        assert light.hashes == {}
        assert light.stored == stored[light.name]
        assert full.stored is None
        assert np.array_equal(full.block, light.block)


def test_only_identical_samples_are_confirmed_on_the_whole_tensors(
    zoo: Zoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    confirmed: list[str] = []
    original = compare.whole_tensors_equal

    def spy(match: Any, source: Any, stored: Any, target: str) -> bool:
        confirmed.append(stored.name)
        return original(match, source, stored, target)

    monkeypatch.setattr(compare, "whole_tensors_equal", spy)
    assert run_audit(zoo.path("noise"), zoo.reference).verdict == "derived"
    assert confirmed == []
    assert run_audit(zoo.path("graft"), zoo.reference).verdict == "derived"
    assert confirmed  # identical samples are confirmed on the whole tensors


@pytest.mark.parametrize("reference", ["checkpoint", "fingerprint"])
def test_one_changed_element_outside_the_sample_is_not_identical(tmp_path: Path, reference: str) -> None:
    # A vocabulary large enough that the audit samples only some of the output head's rows.
    weights = toy.init_toy(toy.ToyConfig(vocab=1024), seed=5)
    original = toy.save_checkpoint(weights, tmp_path / "reference.safetensors")
    head = next(
        t for t in fingerprint_checkpoint(open_checkpoint(original)).tensors if t.name == "lm_head.weight"
    )
    unsampled = next(row for row in range(head.shape[0]) if row not in head.units)
    weights["lm_head.weight"][unsampled, 0] += 1.0
    candidate = toy.save_checkpoint(toy.cast(weights, torch.bfloat16), tmp_path / "nearly.safetensors")
    against = original
    if reference == "fingerprint":
        against = tmp_path / "reference.fingerprint"
        make_fingerprint(original, against)
    report = run_audit(candidate, against)
    pair = next(e for c in report.components for e in c.tensors if e.candidate == "lm_head.weight")
    assert pair.cast_identical == 1.0  # the sample cannot see the change ...
    assert pair.whole_tensor_identical is False  # ... the whole-tensor check does
    assert next(c for c in report.components if c.name == "lm_head").verdict != "identical"
    others = [e for c in report.components for e in c.tensors if e.candidate != "lm_head.weight"]
    assert all(e.whole_tensor_identical for e in others)


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


def _aligned(
    case: Path, fingerprint: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, list[tuple[str, bool, bool]]]:
    """The alignment of ``case`` against ``fingerprint``, and every (tensor, transposed, every unit) block it
    read."""
    reads: list[tuple[str, bool, bool]] = []
    original = read_block

    def counted(reader: Any, info: Any, **kwargs: Any) -> Any:
        reads.append((info.name, kwargs["transposed"], kwargs["units"] is None))
        return original(reader, info, **kwargs)

    monkeypatch.setattr(pairs, "read_block", counted)
    checkpoint = open_checkpoint(case)
    candidates = [pairs.Candidate(info=i, parsed=p) for i, p in entries_of(checkpoint.tensors)]
    with TensorReader() as reader:
        alignment = align(candidates, fingerprint, pairs.CandidateSource(reader))
    return alignment, reads


@pytest.mark.parametrize(("case", "transposed_reads"), [("noise", False), ("independent_trained", True)])
def test_a_transposed_reading_that_cannot_win_is_never_read(
    zoo: Zoo, monkeypatch: pytest.MonkeyPatch, case: str, transposed_reads: bool
) -> None:
    monkeypatch.setattr(align_module, "storage_conventions", lambda _: {})  # square matrices: both ways
    fingerprint = fingerprint_checkpoint(open_checkpoint(zoo.reference), keep_stored=True)
    square = {p.name for p in fingerprint.tensors if len(p.shape) == 2 and p.shape[0] == p.shape[1]}
    assert square  # q, k, v and o projections: both orientations fit them
    lazy, reads = _aligned(zoo.path(case), fingerprint, monkeypatch)
    assert any(name in square and flipped for name, flipped, _ in reads) is transposed_reads
    # The same alignment as reading every orientation: the readings skipped could not have won.
    monkeypatch.setattr(pairs, "can_switch", lambda *_, **__: True)
    every, all_reads = _aligned(zoo.path(case), fingerprint, monkeypatch)
    assert any(name in square and flipped for name, flipped, _ in all_reads)
    assert [(m.candidate.info.name, m.reference.name, m.transposed, m.score) for m in lazy.matches] == [
        (m.candidate.info.name, m.reference.name, m.transposed, m.score) for m in every.matches
    ]
    assert lazy.layer_maps == every.layer_maps


def test_square_matrices_are_read_the_way_their_component_stores_its_other_matrices(
    zoo: Zoo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A square ``q/k/v/o_proj`` fits both ways, and read transposed costs a window of every row. Where the
    component's matrices of one-way shapes (``gate/up/down_proj``) are stored as the reference's, the square
    ones are read as stored only: an independent model reads none transposed (it did before), with the same
    alignment. A copy that stores every linear layer transposed (GPT-2's ``Conv1D``, ONNX) still has its
    square matrices read transposed, and found."""
    from safetensors.torch import load_file  # noqa: PLC0415

    fingerprint = fingerprint_checkpoint(open_checkpoint(zoo.reference), keep_stored=True)
    square = {p.name for p in fingerprint.tensors if len(p.shape) == 2 and p.shape[0] == p.shape[1]}
    assert square  # q, k, v and o projections

    def transposed_square(reads: list[tuple[str, bool, bool]]) -> set[str]:
        return {name for name, flipped, _ in reads if flipped and name in square}

    gated, reads = _aligned(zoo.path("independent_trained"), fingerprint, monkeypatch)
    assert not transposed_square(reads)
    with monkeypatch.context() as patch:
        patch.setattr(align_module, "storage_conventions", lambda _: {})
        both, reads = _aligned(zoo.path("independent_trained"), fingerprint, monkeypatch)
    assert transposed_square(reads)
    assert [(m.reference.name, m.transposed) for m in gated.matches] == [
        (m.reference.name, m.transposed) for m in both.matches
    ]  # what was not read would not have won

    weights = load_file(zoo.reference)
    linear = {n for n in weights if weights[n].dim() == 2 and "embed" not in n and "lm_head" not in n}
    conv1d = {n: t.T.contiguous() if n in linear else t for n, t in weights.items()}
    path = toy.save_checkpoint(conv1d, tmp_path / "conv1d.safetensors")
    copy, _ = _aligned(path, fingerprint, monkeypatch)
    found = {m.reference.name: m.transposed for m in copy.matches if m.candidate.info.name in linear}
    assert found == dict.fromkeys(linear, True)
    assert square <= set(found)
    assert run_audit(path, zoo.reference).verdict == "identical"


def test_a_transposed_reading_over_every_unit_is_read_only_where_the_sampled_units_agree(
    zoo: Zoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`o_proj`/`down_proj` keep residual positions in their rows: read transposed, their profile needs a
    window of every row — the whole tensor over HTTP. An independent candidate's sampled units, read
    transposed, do not agree with the reference's, so that is not read; a transposed copy's do."""
    monkeypatch.setattr(align_module, "storage_conventions", lambda _: {})  # square matrices: both ways
    fingerprint = fingerprint_checkpoint(open_checkpoint(zoo.reference), keep_stored=True)
    rows = {
        p.name
        for p in fingerprint.tensors
        if p.layout.kind == "residual" and p.layout.residual_axis == 0 and p.layout.units == "hidden"
    }
    assert rows  # o_proj and down_proj of every layer

    def whole_transposed(reads: list[tuple[str, bool, bool]]) -> set[str]:
        return {name for name, transposed, every in reads if transposed and every and name in rows}

    screened, reads = _aligned(zoo.path("independent_trained"), fingerprint, monkeypatch)
    assert not whole_transposed(reads)
    monkeypatch.setattr(pairs, "SCREEN", 0.0)  # without the screen, the square o_proj is read whole
    unscreened, reads = _aligned(zoo.path("independent_trained"), fingerprint, monkeypatch)
    assert whole_transposed(reads)
    assert [(m.reference.name, m.transposed) for m in screened.matches] == [
        (m.reference.name, m.transposed) for m in unscreened.matches
    ]  # what was not read would not have won
    monkeypatch.setattr(pairs, "SCREEN", 0.25)
    copy, _ = _aligned(zoo.path("renamed_transposed"), fingerprint, monkeypatch)
    square = [m for m in copy.matches if m.reference.name in rows and len(set(m.reference.shape)) == 1]
    assert square
    assert all(m.transposed for m in square)  # a transposed copy is still read transposed


def test_a_transposed_reading_that_is_the_only_one_is_always_made(
    zoo: Zoo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A rectangular down_proj stored the other way round (Conv1D style) fits only transposed: the screen
    must not drop the only reading, or the tensor loses its pairing by name."""
    from safetensors.torch import load_file  # noqa: PLC0415

    weights = load_file(zoo.path("independent_trained"))
    flipped = {n: t.T.contiguous() if "down_proj" in n else t for n, t in weights.items()}
    path = toy.save_checkpoint(flipped, tmp_path / "flipped.safetensors")
    fingerprint = fingerprint_checkpoint(open_checkpoint(zoo.reference), keep_stored=True)
    alignment, _ = _aligned(path, fingerprint, monkeypatch)
    down = [m for m in alignment.matches if "down_proj" in m.candidate.info.name]
    assert len(down) == sum("down_proj" in n for n in weights)
    assert all(m.transposed and m.reference.name == m.candidate.info.name for m in down)


def test_a_fingerprint_of_an_earlier_format_is_refused_by_name(zoo: Zoo, tmp_path: Path) -> None:
    """Version 4 sampled a window of 256 residual positions, 5 samples 128: an audit against an old file
    would not give the numbers one against its checkpoint gives: refused, naming the version wanted."""
    import json  # noqa: PLC0415

    from generator.audit.fingerprint_file import VERSION, load_fingerprint  # noqa: PLC0415

    data = zoo.fingerprint.read_bytes()
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    assert header["__metadata__"]["version"] == VERSION == "5"
    header["__metadata__"]["version"] = "4"
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    old = tmp_path / "old.fingerprint"
    old.write_bytes(len(text).to_bytes(8, "little") + text + data[8 + length :])
    with pytest.raises(InputError, match="not a version-5 audit fingerprint"):
        load_fingerprint(old)
