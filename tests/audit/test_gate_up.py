"""Fused expert ``gate_up_proj`` stored ``[E, d, 2f]`` (Llama 4: columns concatenated; GPT-OSS: interleaved)
split into per-expert gate and up before pairing — against a per-expert reference, and the other way round."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import torch

from generator.audit import AuditReport, ComponentReport, make_fingerprint, run_audit, toy, toy_moe
from generator.audit.quant import dequantised
from generator.audit.read import TensorReader, open_checkpoint
from tests.audit.test_components import assert_every_tensor_accounted_for

MOE = toy_moe.MoeConfig()
"""Three layers (the first dense), eight experts of width 32 and a shared expert."""
GPT_OSS = {"model_type": "gpt_oss"}
LLAMA4 = {"model_type": "llama4_text"}
STEM = "model.layers.1.mlp.experts."
KINDS = ("checkpoint", "fingerprint")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("gate_up")
    reference = toy_moe.train_moe(MOE, seed=31)
    written = {
        "reference": toy.save_checkpoint(reference, root / "reference" / "model.safetensors"),
        "concatenated": toy.save_checkpoint(
            toy_moe.fuse_experts(reference, layout="concatenated"),
            root / "concatenated" / "model.safetensors",
            config=LLAMA4,
        ),
        "interleaved": toy.save_checkpoint(
            toy_moe.fuse_experts(reference, layout="interleaved"),
            root / "interleaved" / "model.safetensors",
            config=GPT_OSS,
        ),
        "independent_interleaved": toy.save_checkpoint(
            toy_moe.fuse_experts(toy_moe.train_moe(MOE, seed=32), layout="interleaved"),
            root / "independent_interleaved" / "model.safetensors",
            config=GPT_OSS,
        ),
    }
    for name in ("reference", "interleaved"):
        make_fingerprint(written[name], root / f"{name}.fingerprint")
        written[f"{name}.fingerprint"] = root / f"{name}.fingerprint"
    return written


@cache
def _audit(candidate: Path, reference: Path) -> AuditReport:
    return run_audit(candidate, reference)


def _model(report: AuditReport) -> ComponentReport:
    return next(c for c in report.components if c.name == "model")


def _against(models: dict[str, Path], name: str, kind: str) -> Path:
    return models[name] if kind == "checkpoint" else models[f"{name}.fingerprint"]


@pytest.mark.parametrize("layout", ["concatenated", "interleaved"])
def test_views_read_each_experts_gate_and_up(models: dict[str, Path], layout: str) -> None:
    """The views hold exactly the per-expert weights, transposed ([d, f] for a [f, d] projection)."""
    fused = dequantised(open_checkpoint(models[layout]))
    plain = {t.name: t for t in open_checkpoint(models["reference"]).tensors}
    views = {t.name: t for t in fused.tensors}
    assert f"{STEM}gate_up_proj" not in views
    with TensorReader() as reader:
        for e in (0, 5):
            for part in ("gate", "up"):
                got = reader.read_all(views[f"{STEM}gate_up_proj[{e}.{part}]"])
                want = reader.read_all(plain[f"{STEM}{e}.{part}_proj.weight"])
                assert got.dtype == want.dtype
                assert (got == want.T).all()
        # scattered rows and unsorted-in-the-base columns read the same as the whole
        view = views[f"{STEM}gate_up_proj[3.up]"]
        rows, cols = torch.tensor([1, 7, 40]).numpy(), torch.tensor([0, 2, 3, 31]).numpy()
        assert (reader.read_2d(view, rows, cols) == reader.read_all(view)[rows][:, cols]).all()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layout", ["concatenated", "interleaved"])
def test_fused_by_columns_candidate_is_paired_per_expert(
    models: dict[str, Path], layout: str, kind: str
) -> None:
    report = _audit(models[layout], _against(models, "reference", kind))
    assert report.verdict == "identical", [(c.name, c.verdict, c.summary) for c in report.components]
    pairs = {t.candidate: t.reference for t in _model(report).tensors}
    assert pairs[STEM + "gate_up_proj[3.gate]"] == STEM + "3.gate_proj.weight"
    assert pairs[STEM + "gate_up_proj[3.up]"] == STEM + "3.up_proj.weight"
    assert pairs[STEM + "down_proj[3]"] == STEM + "3.down_proj.weight"
    assert all(m.candidate == m.reference and m.significant for m in _model(report).expert_matches)
    assert_every_tensor_accounted_for(report, models[layout], models["reference"])


@pytest.mark.parametrize("kind", KINDS)
def test_per_expert_candidate_against_a_fused_reference(models: dict[str, Path], kind: str) -> None:
    """The other way round, and a fused candidate against a reference fused the other way."""
    for candidate in ("reference", "concatenated"):
        report = _audit(models[candidate], _against(models, "interleaved", kind))
        assert report.verdict == "identical", (candidate, [(c.name, c.verdict) for c in report.components])
        pairs = {t.candidate: t.reference for t in _model(report).tensors}
        mine = STEM + ("3.gate_proj.weight" if candidate == "reference" else "gate_up_proj[3.gate]")
        assert pairs[mine] == STEM + "gate_up_proj[3.gate]"


def test_an_independent_fused_model_is_independent(models: dict[str, Path]) -> None:
    report = _audit(models["independent_interleaved"], models["reference"])
    assert report.verdict == "independent"


@pytest.mark.parametrize("layout", ["concatenated", "interleaved"])
def test_a_layout_no_config_names_is_chosen_against_the_reference(
    models: dict[str, Path], tmp_path: Path, layout: str
) -> None:
    """The same bytes without a config: both layouts are tried, the one whose experts score higher on half A
    is kept and named — read the other way, each view would mix half of gate with half of up."""
    bare = tmp_path / "bare" / "model.safetensors"
    bare.parent.mkdir()
    bare.write_bytes(models[layout].read_bytes())
    report = run_audit(bare, models["reference"])
    assert report.verdict == "identical"
    assert report.method["gate_up_layout"].startswith(f"{layout}: config.json names no layout")
    named = _audit(models[layout], models["reference"]).method["gate_up_layout"]
    assert named == f"{layout}: named by config.json (model_type)"


def test_wrong_layout_is_not_the_reference(models: dict[str, Path]) -> None:
    """GPT-OSS bytes read as concatenated (the layout forced): no expert view is the reference's tensor."""
    fused = dequantised(open_checkpoint(models["interleaved"]), gate_up="concatenated")
    plain = {t.name: t for t in open_checkpoint(models["reference"]).tensors}
    view = {t.name: t for t in fused.tensors}[f"{STEM}gate_up_proj[3.gate]"]
    with TensorReader() as reader:
        got = reader.read_all(view)
        assert not (got == reader.read_all(plain[f"{STEM}3.gate_proj.weight"]).T).all()


def _with_biases(params: dict[str, torch.Tensor], *, seed: int) -> dict[str, torch.Tensor]:
    """GPT-OSS's fused expert biases added beside its fused weights: ``gate_up_proj_bias`` ``[E, 2f]``,
    ``down_proj_bias`` ``[E, d]`` (trained models' biases are small and all different)."""
    out = dict(params)
    generator = torch.Generator().manual_seed(seed)
    for name, weight in params.items():
        if name.endswith(".experts.gate_up_proj"):
            experts, d, twice = weight.shape
            out[name + "_bias"] = 0.02 * torch.randn(experts, twice, generator=generator)
            out[name.replace("gate_up_proj", "down_proj_bias")] = 0.02 * torch.randn(
                experts, d, generator=generator
            )
    return out


@pytest.fixture(scope="module")
def biased(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("biased")
    fused = _with_biases(toy_moe.fuse_experts(toy_moe.train_moe(MOE, seed=31), layout="interleaved"), seed=5)
    written = {
        "reference": toy.save_checkpoint(fused, root / "reference" / "model.safetensors", config=GPT_OSS),
        "copy": toy.save_checkpoint(
            toy.cast(fused, torch.bfloat16), root / "copy" / "model.safetensors", config=GPT_OSS
        ),
    }
    make_fingerprint(written["reference"], root / "reference.fingerprint")
    return {**written, "reference.fingerprint": root / "reference.fingerprint"}


@pytest.mark.parametrize("kind", KINDS)
def test_fused_expert_biases_are_each_experts_biases(biased: dict[str, Path], kind: str) -> None:
    """``gate_up_proj_bias`` and ``down_proj_bias`` are read as the experts' biases, one slice per expert
    paired with the same expert's (they were unknown roles, ``?mlp.experts.gate_up_proj_bias``, before)."""
    report = _audit(biased["copy"], _against(biased, "reference", kind))
    assert report.verdict == "identical", [(c.name, c.verdict, c.summary) for c in report.components]
    rows = {t.candidate: t for t in _model(report).tensors}
    for e in (0, 7):
        for stem in ("gate_up_proj_bias", "down_proj_bias"):
            row = rows[f"{STEM}{stem}[{e}]"]
            assert row.reference == f"{STEM}{stem}[{e}]"
            assert row.role == ("expert.gate_up.bias" if stem.startswith("gate") else "expert.down.bias")
    assert not any(t.role.startswith("?") for t in _model(report).tensors)
    assert_every_tensor_accounted_for(report, biased["copy"], biased["reference"])
