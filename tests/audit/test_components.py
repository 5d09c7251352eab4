"""Part 0 of issue 9: what a verdict says to a reader — per component, and for the whole candidate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from generator.audit import AuditReport, make_fingerprint, run_audit, toy, toy_moe
from generator.audit.names import fused_whole
from generator.audit.read import open_checkpoint
from tests.audit.conftest import CONFIG, Zoo

KINDS = ("checkpoint", "fingerprint")
VISION = toy_moe.VisionConfig()
TOWER = "model.vision_tower"


@dataclass(frozen=True, kw_only=True)
class VisionZoo:
    """A Qwen2.5-VL-shaped reference (vision tower + language model) and a model that grafts its tower."""

    reference: Path
    """``visual.*`` + ``model.*`` + ``lm_head``."""
    fingerprint: Path
    """Its fingerprint."""
    graft: Path
    """The tower cast to bf16 under ``model.vision_tower``, in a larger independent model."""
    tuned: Path
    """The same, with the tower's merger changed after grafting."""

    def reference_for(self, kind: str) -> Path:
        """The reference as a checkpoint or as a fingerprint."""
        return self.reference if kind == "checkpoint" else self.fingerprint


def _prefixed(params: dict[str, torch.Tensor], old: str, new: str) -> dict[str, torch.Tensor]:
    return {new + n.removeprefix(old) if n.startswith(old) else n: t for n, t in params.items()}


@pytest.fixture(scope="module")
def vision(zoo: Zoo, tmp_path_factory: pytest.TempPathFactory) -> VisionZoo:
    root = tmp_path_factory.mktemp("vision")
    tower = toy_moe.train_vision(VISION, seed=21)
    reference = toy.save_checkpoint(
        {**zoo.weights, **toy.graft({"visual": tower})}, root / "qwen-vl.safetensors"
    )
    fingerprint = root / "qwen-vl.fingerprint"
    make_fingerprint(reference, fingerprint)
    language = _prefixed(toy.train_toy(toy.ToyConfig(n_layers=6), seed=22), "model.", "model.language_model.")
    gen = torch.Generator().manual_seed(23)
    projector = {"model.mm_projector.linear_1.weight": torch.randn(64, 64, generator=gen) * 0.1}
    copied = toy.graft({TOWER: toy.cast(tower, torch.bfloat16)})
    graft = toy.save_checkpoint({**language, **copied, **projector}, root / "graft.safetensors")
    changed = dict(copied)
    changed[f"{TOWER}.merger.mlp.0.weight"] = copied[f"{TOWER}.merger.mlp.0.weight"] * 1.01
    tuned = toy.save_checkpoint({**language, **changed, **projector}, root / "tuned.safetensors")
    return VisionZoo(reference=reference, fingerprint=fingerprint, graft=graft, tuned=tuned)


def accounted(report: AuditReport, checkpoint: Path, side: str) -> tuple[set[str], set[str]]:
    """``(names of one side's tensors, names the report compares or lists as unpaired)`` — fused parts as
    their whole tensor."""
    names = {info.name for info in open_checkpoint(checkpoint).tensors}
    if side == "candidate":
        listed = {t.candidate for c in report.components for t in c.tensors}
        listed |= {u.name for c in report.components for u in c.unpaired}
    else:
        listed = {t.reference for c in report.components for t in c.tensors}
        listed |= {u.name for u in report.reference_unpaired}
    return names, {fused_whole(name) for name in listed}


def assert_every_tensor_accounted_for(report: AuditReport, candidate: Path, reference: Path) -> None:
    """Every tensor of both checkpoints is compared or listed as unpaired with a reason; nothing else."""
    for side, path in (("candidate", candidate), ("reference", reference)):
        names, listed = accounted(report, path, side)
        assert listed == names, (side, sorted(names ^ listed)[:5])
    reasons = [u.reason for c in report.components for u in c.unpaired] + [
        u.reason for u in report.reference_unpaired
    ]
    assert all(reasons)
    pairs = [t.candidate for c in report.components for t in c.tensors]
    unpaired = [u.name for c in report.components for u in c.unpaired]
    assert len(pairs) == len(set(pairs))
    assert not set(pairs) & set(unpaired)


@pytest.mark.parametrize("kind", KINDS)
def test_an_exact_vision_tower_graft_is_identical_and_the_model_derived(vision: VisionZoo, kind: str) -> None:
    """NAVER's case: the tower copied as-is (bf16) under a new prefix into a larger model."""
    report = run_audit(vision.graft, vision.reference_for(kind))
    verdicts = {c.name: c.verdict for c in report.components}
    assert verdicts[TOWER] == "identical", verdicts
    assert verdicts["model.language_model"] == "independent"
    assert report.verdict == "derived"
    assert report.shared_origin == (f"{TOWER}: identical",)
    assert f"{TOWER}: identical" in report.summary
    tower = next(c for c in report.components if c.name == TOWER)
    # every tensor of the tower compared — the large merger matrix whole, since no test samples it
    assert tower.unpaired == ()
    compared = {fused_whole(t.candidate) for t in tower.tensors}
    assert compared == {n for n in _names(vision.graft) if n.startswith(TOWER)}
    assert tower.share_compared == pytest.approx(1.0)
    assert tower.share_identical == pytest.approx(1.0)
    merger = next(t for t in tower.tensors if t.candidate == f"{TOWER}.merger.mlp.0.weight")
    assert (merger.how, merger.reference, merger.test) == ("whole", "visual.merger.mlp.0.weight", None)
    assert all(t.reference.startswith("visual.") for t in tower.tensors)
    assert_every_tensor_accounted_for(report, vision.graft, vision.reference)


@pytest.mark.parametrize("kind", KINDS)
def test_a_tower_changed_outside_the_sample_is_derived(vision: VisionZoo, kind: str) -> None:
    report = run_audit(vision.tuned, vision.reference_for(kind))
    tower = next(c for c in report.components if c.name == TOWER)
    assert tower.verdict == "derived"
    (merger,) = [u for u in tower.unpaired if u.name == f"{TOWER}.merger.mlp.0.weight"]
    assert "equals no reference tensor of its shape" in merger.reason
    assert report.verdict == "derived"
    assert_every_tensor_accounted_for(report, vision.tuned, vision.reference)


def _names(path: Path) -> set[str]:
    return {info.name for info in open_checkpoint(path).tensors}


@pytest.mark.parametrize("kind", KINDS)
def test_kept_embeddings_with_half_the_layers_dropped_is_not_identical(
    zoo: Zoo, tmp_path: Path, kind: str
) -> None:
    halved = toy.keep_layers(zoo.weights, [0, 1])
    path = toy.save_checkpoint(halved, tmp_path / "halved.safetensors")
    report = run_audit(path, zoo.reference if kind == "checkpoint" else zoo.fingerprint)
    assert report.verdict == "derived"
    assert "model: derived" in report.shared_origin or "model: identical" in report.shared_origin
    dropped = {u.name for u in report.reference_unpaired}
    assert {f"model.layers.{i}.mlp.up_proj.weight" for i in (2, 3)} <= dropped
    assert all(u.reason == "no candidate tensor was compared with it" for u in report.reference_unpaired)
    assert_every_tensor_accounted_for(report, path, zoo.reference)


def test_a_subset_of_the_reference_copied_as_is_is_derived(zoo: Zoo, tmp_path: Path) -> None:
    """Every candidate component identical, but the reference has more: not the whole reference."""
    head = toy.save_checkpoint(
        {"lm_head.weight": zoo.weights["lm_head.weight"]}, tmp_path / "head.safetensors"
    )
    report = run_audit(head, zoo.fingerprint)
    assert [c.verdict for c in report.components] == ["identical"]
    assert report.verdict == "derived"
    assert "not in the candidate" in report.summary


def test_a_whole_copy_is_identical_and_accounts_for_every_tensor(zoo: Zoo) -> None:
    report = run_audit(zoo.path("fused_qkv"), zoo.fingerprint)
    assert report.verdict == "identical"
    assert report.reference_unpaired == ()
    assert sorted(report.shared_origin) == ["lm_head: identical", "model: identical"]
    assert_every_tensor_accounted_for(report, zoo.path("fused_qkv"), zoo.reference)


@pytest.mark.parametrize(
    "case", ["graft", "every_other_layer", "duplicated_layers", "renamed_transposed", "independent_trained"]
)
def test_no_tensor_is_dropped_silently(zoo: Zoo, case: str) -> None:
    report = run_audit(zoo.path(case), zoo.reference)
    assert_every_tensor_accounted_for(report, zoo.path(case), zoo.reference)


def test_anonymous_names_form_one_component(zoo: Zoo, tmp_path: Path) -> None:
    """ONNX-style names without structure are one component, not one component per tensor."""
    anonymous = {
        name.removeprefix("export."): tensor
        for name, tensor in toy.rename_and_transpose(zoo.weights, seed=3).items()
    }
    path = toy.save_checkpoint(anonymous, tmp_path / "anonymous.safetensors")
    report = run_audit(path, zoo.fingerprint)
    assert [(c.name, c.verdict) for c in report.components] == [("(anonymous)", "identical")]
    assert report.verdict == "identical"
    assert len(report.components[0].tensors) == len(anonymous)
    assert CONFIG.n_layers == 4


def _hybrid(weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """EXAONE/Gemma-style hybrid attention: layers 1 and 3 "global" with half the key/value width of the
    sliding-window layers (their trained k and v rows cut to 32)."""
    out = dict(weights)
    for layer in (1, 3):
        for part in "kv":
            name = f"model.layers.{layer}.self_attn.{part}_proj.weight"
            out[name] = weights[name][:32].clone()
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_sliding_window_and_global_layers_of_other_shapes_are_paired_as_named(
    zoo: Zoo, tmp_path: Path, kind: str
) -> None:
    reference = toy.save_checkpoint(_hybrid(zoo.weights), tmp_path / "hybrid.safetensors")
    if kind == "fingerprint":
        make_fingerprint(reference, tmp_path / "hybrid.fp")
    against = reference if kind == "checkpoint" else tmp_path / "hybrid.fp"
    noisy = toy.save_checkpoint(
        toy.add_noise(_hybrid(zoo.weights), 0.3, seed=4), tmp_path / "noisy.safetensors"
    )
    report = run_audit(noisy, against)
    model = next(c for c in report.components if c.name == "model")
    assert model.verdict == "derived"
    assert all(t.candidate == t.reference for t in model.tensors)
    assert_every_tensor_accounted_for(report, noisy, reference)
    halved = toy.save_checkpoint(
        toy.keep_layers(_hybrid(zoo.weights), [1, 3]), tmp_path / "global.safetensors"
    )
    (layer_map,) = next(c for c in run_audit(halved, against).components if c.name == "model").layer_maps
    assert layer_map.mapping == ((0, 1), (1, 3))  # the global layers found among the sliding ones
    independent = toy.save_checkpoint(_hybrid(toy.train_toy(CONFIG, seed=2)), tmp_path / "other.safetensors")
    assert run_audit(independent, against).verdict == "independent"
