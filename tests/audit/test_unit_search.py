"""The unit search reads a seeded run of a wide tensor's units first, and all of them only when it must.

An independent candidate has no unit agreeing with its own index and none matching inside the run: the run is
all it reads of that tensor. A re-ordered copy shows clear matches inside the run, and is then searched whole
exactly as before. (Calibration with the run searched: ``test_calibration.py``.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.audit import plan, run_audit, toy, units
from generator.audit.read import TensorReader
from generator.audit.report import AuditReport

WIDE = toy.ToyConfig(vocab=4096, d_model=64, n_layers=1, d_ff=2048)
"""FFN and vocabulary wide enough (≥ plan.SEARCH_MIN_UNITS) for the run to be searched first."""
SEARCHED = ("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "embed_tokens", "lm_head")


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("wide")
    reference = toy.init_toy(WIDE, seed=11)
    return {
        "reference": toy.save_checkpoint(reference, root / "reference.safetensors"),
        "independent": toy.save_checkpoint(toy.init_toy(WIDE, seed=12), root / "independent.safetensors"),
        "permuted": toy.save_checkpoint(
            toy.permute_units(reference, WIDE, seed=13), root / "permuted.safetensors"
        ),
    }


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Bytes read per file name."""
    read: dict[str, int] = {}
    plain = TensorReader._pread_many

    def counting(self: TensorReader, info: Any, spans: Any) -> Any:
        read[Path(str(info.file)).name] = read.get(Path(str(info.file)).name, 0) + sum(n for _, n in spans)
        return plain(self, info, spans)

    monkeypatch.setattr(TensorReader, "_pread_many", counting)
    return read


def _searched(report: AuditReport) -> dict[str, int | None]:
    return {
        e.candidate: e.units.searched
        for c in report.components
        for e in c.tensors
        if e.units is not None and any(key in e.candidate for key in SEARCHED)
    }


def test_an_independent_candidate_reads_no_units_beyond_those_read_anyway(
    wide: dict[str, Path], counted: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    searched = run_audit(wide["independent"], wide["reference"])
    run_bytes = counted.pop("independent.safetensors")
    monkeypatch.setattr(plan, "SEARCH_MIN_UNITS", 10**9)  # search every unit, as before
    everything = run_audit(wide["independent"], wide["reference"])
    all_bytes = counted.pop("independent.safetensors")
    assert searched.verdict == everything.verdict == "independent"
    runs, alls = _searched(searched), _searched(everything)
    assert len(runs) == len(SEARCHED)
    for name, count in runs.items():
        # down_proj: every neuron (its block over all of them is read anyway); gate and up share its neurons,
        # which showed no relation: they are not searched at all; nor are the token rows, as no o_proj or
        # down_proj showed one (a re-numbered vocabulary is looked for in a model related otherwise)
        expected = 2048 if "down_proj" in name else 0
        assert count == alls[name] == expected
    assert run_bytes == all_bytes  # so nothing is read beyond what the audit reads anyway


def test_gate_and_up_are_searched_unless_down_proj_showed_no_relation(
    wide: dict[str, Path], counted: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """down_proj is read over every neuron, and a re-ordering of neurons moves its columns with gate's and
    up's rows: where its own search finds nothing, theirs is skipped — on half A, so the tests stay exact."""
    gated = run_audit(wide["independent"], wide["reference"])
    gated_bytes = counted.pop("independent.safetensors")
    monkeypatch.setattr(units, "writes_units", lambda _: False)  # no tensor is read first: each searched
    alone = run_audit(wide["independent"], wide["reference"])
    alone_bytes = counted.pop("independent.safetensors")
    assert [c.verdict for c in gated.components] == [c.verdict for c in alone.components]
    # each searched alone: a run of 256 (2048 · 16 / 128 sampled), down_proj too
    assert {n: c for n, c in _searched(alone).items() if "mlp" in n} == dict.fromkeys(
        [n for n in _searched(alone) if "mlp" in n], 256
    )
    assert gated_bytes < alone_bytes


def test_a_reordered_copy_is_still_searched_whole(wide: dict[str, Path], counted: dict[str, int]) -> None:
    report = run_audit(wide["permuted"], wide["reference"])
    assert report.verdict == "derived"
    model = next(c for c in report.components if c.name == "model")
    assert "units re-ordered" in model.disguises
    ffn = {name: n for name, n in _searched(report).items() if "mlp" in name}
    assert len(ffn) == 3
    assert set(ffn.values()) == {2048}  # the run showed clear matches: every unit was searched


def test_a_renumbered_vocabulary_of_a_related_model_is_searched_and_found(
    wide: dict[str, Path], tmp_path: Path
) -> None:
    """The token rows are searched where the model's other weights are related: a copy whose 4096 token rows
    were shuffled (no tokenizer beside it to pair them by string) has them found, every row searched."""
    import torch  # noqa: PLC0415
    from safetensors.torch import load_file  # noqa: PLC0415

    weights = load_file(wide["reference"])
    order = torch.randperm(WIDE.vocab, generator=torch.Generator().manual_seed(5))
    shuffled = {n: t[order].contiguous() if "embed" in n or "lm_head" in n else t for n, t in weights.items()}
    report = run_audit(toy.save_checkpoint(shuffled, tmp_path / "shuffled.safetensors"), wide["reference"])
    assert report.verdict == "derived"
    tokens = {n: c for n, c in _searched(report).items() if "mlp" not in n}
    assert set(tokens.values()) == {WIDE.vocab}
    model = next(c for c in report.components if c.name == "model")
    assert "units re-ordered" in model.disguises


def test_the_run_is_seeded_by_role_and_shape_and_skipped_when_small() -> None:
    run = plan.search_run("mlp.up", (2048, 64), 2048, 128)
    assert run == plan.search_run("mlp.up", (2048, 64), 2048, 128)
    assert run is not None
    assert len(run) == 256
    assert run.start >= 0
    assert run.stop <= 2048
    assert plan.search_run("mlp.up", (512, 64), 512, 128) is None  # under SEARCH_MIN_UNITS: all at once
    assert plan.search_run("mlp.up", (2048, 64), 2048, 16) is None  # the run would be half the units
    # the candidate's own 128 sampled units, searched first, hold 128 · 128 / 2048 = 8 partners expected:
    # the run holds the other 8
    shorter = plan.search_run("mlp.up", (2048, 64), 2048, 128, seen=128)
    assert shorter is not None
    assert len(shorter) == 128
    none = plan.search_run("embed", (4096, 64), 4096, 512, seen=512)  # 64 expected among the sampled rows
    assert none is not None
    assert len(none) == 0


@pytest.mark.parametrize("n", [1408, 2048, 8192])
def test_a_routed_expert_s_few_sampled_units_are_searched_in_a_quarter_of_its_units(n: int) -> None:
    """32 sampled units would need half the units for 16 partners expected: a quarter is searched instead
    (8 partners expected, less those among the 32 already read), never every unit."""
    units = plan.EXPERT_UNITS
    run = plan.search_run("expert.up", (n, 4096), n, units, seen=units)
    assert run is not None
    assert 0 < len(run) <= n // 4 + 1
    assert run.start >= 0
    assert run.stop <= n
    expected = units * len(run) / n + units * units / n  # partners in the run and among those read already
    assert expected >= plan.SEARCH_MIN_PARTNERS - 0.01


def test_a_unit_search_looks_among_the_units_already_read_first(
    wide: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no writer read first (each tensor searched alone), a re-ordered copy's neurons are found among
    the sampled units and the run; an independent model's search counts both."""
    monkeypatch.setattr(units, "writes_units", lambda _: False)
    report = run_audit(wide["independent"], wide["reference"])
    mlp = {n: c for n, c in _searched(report).items() if "mlp" in n}
    assert set(mlp.values()) == {128 + 128}  # the 128 sampled, then a run of 128
    tokens = {n: c for n, c in _searched(report).items() if "mlp" not in n}
    assert set(tokens.values()) == {512}  # 64 partners expected among the 512 sampled rows: no run read
    copy = run_audit(wide["permuted"], wide["reference"])
    assert copy.verdict == "derived"
    assert {c for n, c in _searched(copy).items() if "mlp" in n} == {2048}  # found: searched whole


HEADS = toy.ToyConfig(vocab=256, d_model=1024, n_layers=1, n_heads=8, d_ff=256)
"""Attention wide enough (1024 rows of q/k/v/o's units) that a run of units is searched first."""


def _attention_moved(report: AuditReport) -> dict[str, int]:
    return {
        e.candidate: e.units.moved
        for c in report.components
        for e in c.tensors
        if "self_attn" in e.candidate and e.units is not None
    }


def test_heads_moved_as_blocks_are_found_in_every_attention_tensor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sampled units come in runs of 16, inside one head: heads moved as blocks carry whole runs along,
    which one searched run of units misses together. o_proj is searched over every unit (read anyway), and
    finding its heads moved, q/k/v are searched whole too."""
    reference = toy.init_toy(HEADS, seed=22)
    moved = toy.permute_units(reference, HEADS, seed=122)
    reference_path = toy.save_checkpoint(reference, tmp_path / "reference.safetensors")
    moved_path = toy.save_checkpoint(moved, tmp_path / "moved.safetensors")
    report = run_audit(moved_path, reference_path)
    assert report.verdict == "derived"
    found = _attention_moved(report)
    assert len(found) == 4
    assert all(n > 0 for n in found.values())  # every one found its heads moved
    monkeypatch.setattr(units, "writes_units", lambda _: False)  # each searched alone, in one run
    alone = _attention_moved(run_audit(moved_path, reference_path))
    assert any(n == 0 for n in alone.values())  # (k_proj and o_proj here): the run held none of the heads
