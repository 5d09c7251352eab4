"""Tiny transformers trained once per session (real gradient steps), and the disguised copies under test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from generator.audit import make_fingerprint, remote_transport, toy
from tests.audit.hubserver import HubServer

CONFIG = toy.ToyConfig()
"""The reference's shape: llama style, d = 64, four layers, 120 Adam steps."""
VIT = toy.ToyConfig(style="vit", vocab=96, steps=80)
"""An unrelated vision-style tower (LayerNorm, fused qkv, biases) for the multimodal graft."""


@dataclass(frozen=True, kw_only=True)
class Zoo:
    """Checkpoints written once per session."""

    root: Path
    """Directory holding every checkpoint."""
    reference: Path
    """The trained reference."""
    fingerprint: Path
    """Its fingerprint."""
    weights: dict[str, torch.Tensor]
    """The reference's weights (float32)."""

    def path(self, case: str) -> Path:
        """Path of one case's checkpoint."""
        return self.root / f"{case}.safetensors"


def _cases(reference: dict[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
    vit = toy.train_toy(VIT, seed=7, task_seed=3)
    gen = torch.Generator().manual_seed(11)
    projector = {
        "linear_1.weight": torch.randn(64, 64, generator=gen) * 0.1,
        "linear_1.bias": torch.zeros(64),
    }
    return {
        "graft": toy.graft(
            {
                "language_model": toy.cast(reference, torch.bfloat16),
                "vision_tower": vit,
                "multi_modal_projector": projector,
            }
        ),
        "finetuned": toy.train_toy(CONFIG, seed=3, task_seed=1, init=reference, steps=60),
        "every_other_layer": toy.keep_layers(reference, [0, 2]),
        "duplicated_layers": toy.keep_layers(reference, [0, 1, 1, 2, 3, 3]),
        "fused_qkv": toy.fuse_qkv(reference),
        "vocab_grown": toy.grow_vocab(reference, 32, seed=4),
        "noise": toy.add_noise(reference, 0.5, seed=5),
        "permuted": toy.permute_units(reference, CONFIG, seed=6),
        "renamed_transposed": toy.rename_and_transpose(reference, seed=7),
        "independent_trained": toy.train_toy(CONFIG, seed=2),
        "independent_untrained": toy.init_toy(CONFIG, seed=8),
    }


@pytest.fixture(scope="session")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Zoo:
    """The reference, its fingerprint and every case of issue 4 point 7, trained once."""
    root = tmp_path_factory.mktemp("zoo")
    weights = toy.train_toy(CONFIG, seed=1)
    reference = toy.save_checkpoint(weights, root / "reference.safetensors")
    for name, params in _cases(weights).items():
        toy.save_checkpoint(params, root / f"{name}.safetensors")
    fingerprint = root / "reference.fingerprint"
    make_fingerprint(reference, fingerprint)
    return Zoo(root=root, reference=reference, fingerprint=fingerprint, weights=weights)


def use_hub(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point ``hf://`` at the local test Hub, retry without waiting, and clear its faults."""
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setattr(remote_transport, "BACKOFF_S", 0.001)
    with hub.faults.lock:
        hub.faults.queue.clear()
        hub.faults.ignore_range = False
