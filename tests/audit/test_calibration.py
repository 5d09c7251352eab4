"""Calibration: independent pairs give uniform joint p-values; derived pairs sit far below any threshold.

Dense pairs, and MoE pairs whose experts are matched on half A and sampled (12 per layer, 8 tested)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from scipy import stats

from generator.audit import plan, run_audit, toy, toy_moe
from generator.audit.report import ComponentReport

TINY = toy.ToyConfig(vocab=64, d_model=64, n_layers=2, d_ff=128)
TINY_MOE = toy_moe.MoeConfig(vocab=64, n_layers=2, n_experts=12, d_expert=16, dense_layers=0)
SEEDS = 48


def _model_component(candidate: Path, reference: Path) -> ComponentReport:
    return next(c for c in run_audit(candidate, reference).components if c.name == "model")


@pytest.fixture(scope="module")
def null_components(tmp_path_factory: pytest.TempPathFactory) -> list[ComponentReport]:
    root = tmp_path_factory.mktemp("calibration")
    out = []
    for seed in range(SEEDS):
        a = toy.save_checkpoint(toy.init_toy(TINY, seed=1000 + 2 * seed), root / f"{seed}a.safetensors")
        b = toy.save_checkpoint(toy.init_toy(TINY, seed=1001 + 2 * seed), root / f"{seed}b.safetensors")
        out.append(_model_component(a, b))
    return out


@pytest.fixture(scope="module")
def null_components_run_first(tmp_path_factory: pytest.TempPathFactory) -> list[ComponentReport]:
    """The same independent pairs, every unit search looking in a seeded run of units first (as wide
    tensors do; these are narrower than plan.SEARCH_MIN_UNITS, so it is lowered here)."""
    root = tmp_path_factory.mktemp("calibration-run")
    out = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan, "SEARCH_MIN_UNITS", 0)
        for seed in range(SEEDS):
            a = toy.save_checkpoint(toy.init_toy(TINY, seed=1000 + 2 * seed), root / f"{seed}a.safetensors")
            b = toy.save_checkpoint(toy.init_toy(TINY, seed=1001 + 2 * seed), root / f"{seed}b.safetensors")
            out.append(_model_component(a, b))
    return out


@pytest.fixture(scope="module")
def null_moe_components(tmp_path_factory: pytest.TempPathFactory) -> list[ComponentReport]:
    root = tmp_path_factory.mktemp("calibration-moe")
    out = []
    for seed in range(SEEDS):
        a = toy_moe.init_moe(TINY_MOE, seed=3000 + 2 * seed)
        b = toy_moe.init_moe(TINY_MOE, seed=3001 + 2 * seed)
        out.append(
            _model_component(
                toy.save_checkpoint(a, root / f"{seed}a.safetensors"),
                toy.save_checkpoint(b, root / f"{seed}b.safetensors"),
            )
        )
    return out


@pytest.mark.slow
def test_independent_p_values_are_uniform(null_components: list[ComponentReport]) -> None:
    _assert_uniform(null_components)


@pytest.mark.slow
def test_independent_p_values_are_uniform_when_a_run_of_units_is_searched_first(
    null_components_run_first: list[ComponentReport],
) -> None:
    """Whether all units are searched is decided on half A: the half-B test stays exact."""
    searched = [e.units.searched for c in null_components_run_first for e in c.tensors if e.units is not None]
    assert 16 in searched  # the run (16 expected partners among 64 or 128 units) was all that was searched
    _assert_uniform(null_components_run_first)


@pytest.mark.slow
def test_independent_moe_p_values_are_uniform(null_moe_components: list[ComponentReport]) -> None:
    """Experts chosen on half A (best match of 12, 8 sampled per layer) leave the half-B test exact."""
    assert all(len(c.expert_matches) == 2 * (8 + 1) for c in null_moe_components)  # and the shared expert
    _assert_uniform(null_moe_components)


def _assert_uniform(null_components: list[ComponentReport]) -> None:
    assert all(c.verdict == "independent" for c in null_components)
    permutation = [c.joint_tests[0].test.p_permutation for c in null_components]
    normal = [10 ** c.joint_tests[0].test.log10_p for c in null_components]
    for p_values in (permutation, normal):
        assert stats.kstest(p_values, "uniform").pvalue > 0.001
        # About 5% below 0.05: 48 draws give 2.4 on average; 8 or more has probability < 0.2%.
        assert sum(p < 0.05 for p in p_values) <= 7
        assert min(p_values) >= 1e-4


@pytest.mark.slow
def test_derived_p_values_are_far_below_threshold(tmp_path: Path) -> None:
    for seed in range(4):
        weights = toy.init_toy(TINY, seed=2000 + seed)
        reference = toy.save_checkpoint(weights, tmp_path / f"{seed}-ref.safetensors")
        noisy = toy.add_noise(toy.cast(weights, torch.bfloat16), 0.5, seed=seed)
        candidate = toy.save_checkpoint(noisy, tmp_path / f"{seed}-noisy.safetensors")
        component = _model_component(candidate, reference)
        assert component.verdict == "derived"
        assert component.log10_p is not None
        assert component.log10_p < -30
        assert component.joint_tests[0].test.p_permutation == pytest.approx(1e-4)
