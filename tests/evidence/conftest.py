"""Tiny stand-in models served under the configured repository ids by the local Hub test server.

* Qwen2.5-VL: a vision tower, a projector and a language model (all freshly initialised; the tower's gains
  spread around 1 as a trained model's do, so that their Pearson correlation is defined).
* NAVER's HyperCLOVAX-SEED-Think-32B: the Qwen stand-in's vision tower copied (cast to bfloat16) beside an
  independent language model and projector — what the allegation says.
* The MoE teams (K-EXAONE, Solar Open, A.X K1, VAETKI) and GLM-4.5-Air: independent MoE models. Solar
  Open (3 layers) and GLM-4.5-Air (4 layers: matched by depth) have independent gains spread around 1 so
  that their raw cosine is ≈ 0.989, as the accuser's was, while their Pearson correlation is near 0.
* DeepSeek-V3: an independent MoE stored as FP8 with block scales (``weight_scale_inv``).

Only Solar Open and GLM-4.5-Air have a ``config.json`` with architecture fields, and none has a tokenizer: the
cheap comparison is available for that pair alone.

Only the second spelling of VAETKI's unconfirmed id is served, so the evidence must record that the first
one did not resolve.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import torch

from generator.audit import remote_transport, toy, toy_moe
from tests.audit.hubserver import HubServer, serving

ROOT = Path(__file__).resolve().parents[2]
VAETKI_SERVED = "nc-ai-consortium/VAETKI"
VAETKI_MISSING = "NC-AI-consortium-VAETKI/VAETKI"
MOE_CONFIG: dict[str, object] = {"hidden_size": 64, "num_hidden_layers": 3, "n_routed_experts": 8}
"""The config.json of the Solar and GLM stand-ins (the others have none, or only a quantisation block)."""
GAIN_SPREAD = 0.105
"""Standard deviation of the stand-ins' gains around 1: independent gains then have raw cosine ≈ 1/(1+σ²)
≈ 0.989."""
FP8_CONFIG: dict[str, object] = {
    "quantization_config": {"quant_method": "fp8", "weight_block_size": [16, 16]}
}


def _bytes(
    params: dict[str, torch.Tensor], folder: Path, name: str, config: Mapping[str, object] | None = None
) -> bytes:
    return toy.save_checkpoint(params, folder / name / "model.safetensors", config=config).read_bytes()


def spread_gains(params: Mapping[str, torch.Tensor], seed: int) -> dict[str, torch.Tensor]:
    """Every all-ones gain vector replaced by 1 + N(0, σ²) (:data:`GAIN_SPREAD`), independently per seed."""
    gen = torch.Generator().manual_seed(seed)
    out = dict(params)
    for name, tensor in params.items():
        if tensor.ndim == 1 and name.endswith("weight") and bool((tensor == 1).all()):
            out[name] = 1 + GAIN_SPREAD * torch.randn(tensor.shape, generator=gen)
    return out


def _vision_language(vision: dict[str, torch.Tensor], seed: int) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return toy.graft(
        {
            "language_model": toy.init_toy(toy.ToyConfig(), seed=seed),
            "vision_tower": vision,
            "multi_modal_projector": {"linear_1.weight": torch.randn(64, 64, generator=gen) * 0.1},
        }
    )


def stand_ins(folder: Path) -> dict[str, dict[str, bytes]]:
    """Repository id → file name → bytes, for every repository audits.yaml configures."""
    vit = spread_gains(toy.init_toy(toy.ToyConfig(style="vit", vocab=96), seed=7), seed=8)
    moe = toy_moe.MoeConfig()
    dsv3, _ = toy.quantise_fp8_blocks(toy_moe.init_moe(toy_moe.MoeConfig(mla=True), seed=50))
    models = {
        "Qwen/Qwen2.5-VL-32B-Instruct": (_vision_language(vit, seed=20), None),
        "naver-hyperclovax/HyperCLOVAX-SEED-Think-32B": (
            _vision_language(toy.cast(vit, torch.bfloat16), seed=21),
            None,
        ),
        "LGAI-EXAONE/K-EXAONE-236B-A23B": (toy_moe.init_moe(moe, seed=30), None),
        "upstage/Solar-Open-100B": (
            spread_gains(toy_moe.init_moe(moe, seed=31), seed=41),
            MOE_CONFIG | {"model_type": "solar_open"},
        ),
        "skt/A.X-K1": (toy_moe.init_moe(toy_moe.MoeConfig(mla=True, post_mlp_norm=True), seed=32), None),
        VAETKI_SERVED: (toy_moe.init_moe(toy_moe.MoeConfig(mla=True), seed=33), None),
        "zai-org/GLM-4.5-Air": (
            spread_gains(toy_moe.init_moe(toy_moe.MoeConfig(n_layers=4), seed=34), seed=44),
            MOE_CONFIG | {"model_type": "glm4_moe", "num_hidden_layers": 4},
        ),
        "deepseek-ai/DeepSeek-V3": (dsv3, FP8_CONFIG),
    }
    repos: dict[str, dict[str, bytes]] = {}
    for repo, (params, config) in models.items():
        files = {"model.safetensors": _bytes(params, folder, repo, config)}
        if config is not None:
            files["config.json"] = (folder / repo / "config.json").read_bytes()
        repos[repo] = files
    return repos


@pytest.fixture(scope="session")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """The stand-ins, made once per session."""
    return stand_ins(tmp_path_factory.mktemp("stand-ins"))


@pytest.fixture
def hub(repos: dict[str, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    """A fresh server per test (faults and commits are changed by some tests), at HF_ENDPOINT."""
    with serving(repos) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.setattr(remote_transport, "BACKOFF_S", 0.001)
        yield server


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the round's data under ``data/round-1`` (as the workflow sees it), the working folder."""
    shutil.copytree(ROOT / "data" / "round-1", tmp_path / "data" / "round-1")
    shutil.rmtree(tmp_path / "data" / "round-1" / "evidence", ignore_errors=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path
