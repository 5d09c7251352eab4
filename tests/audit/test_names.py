"""Names of the layouts real checkpoints use, normalised — and never two tensors of one layer on one key."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.audit.names import ANONYMOUS, entries_of, parse_name
from generator.audit.read import TensorInfo

# name → (component, stack, layer, role, expert)
CASES: dict[str, tuple[str, str | None, int | None, str, int | None]] = {
    "model.layers.3.mlp.experts.7.gate_proj.weight": ("model", "model.layers", 3, "expert.gate.weight", 7),
    "model.layers.3.block_sparse_moe.experts.7.w2.weight": (
        "model",
        "model.layers",
        3,
        "expert.down.weight",
        7,
    ),
    "model.layers.3.mlp.shared_experts.up_proj.weight": (
        "model",
        "model.layers",
        3,
        "shared.up.weight",
        None,
    ),
    "model.layers.3.mlp.shared_expert.down_proj.weight": (
        "model",
        "model.layers",
        3,
        "shared.down.weight",
        None,
    ),
    "model.layers.3.mlp.gate.e_score_correction_bias": (
        "model",
        "model.layers",
        3,
        "router.correction",
        None,
    ),
    "model.layers.3.block_sparse_moe.gate.weight": ("model", "model.layers", 3, "router.weight", None),
    "model.layers.3.mlp.shared_expert_gate.weight": (
        "model",
        "model.layers",
        3,
        "router.shared.weight",
        None,
    ),
    "model.layers.3.mlp.experts.gate_up_proj": ("model", "model.layers", 3, "expert.gate_up.weight", None),
    # one expert's columns of a fused [E, d, 2f] tensor (generator.audit.gate_up): a weight, like its peers
    "model.layers.3.mlp.experts.gate_up_proj[5.up]": ("model", "model.layers", 3, "expert.up.weight", 5),
    "model.0.auto_model.encoder.layer.5.attention.self.query.weight": (
        "model",
        "model.0.auto_model.encoder.layer",
        5,
        "attn.q.weight",
        None,
    ),
    "model.0.auto_model.embeddings.word_embeddings.weight": ("model", None, None, "embed.weight", None),
    "model.layers.2.self_attn.q_a_proj.weight": ("model", "model.layers", 2, "attn.q_a.weight", None),
    "model.layers.2.self_attn.q_b_proj.weight": ("model", "model.layers", 2, "attn.q_b.weight", None),
    "model.layers.2.self_attn.kv_a_proj_with_mqa.weight": (
        "model",
        "model.layers",
        2,
        "attn.kv_a.weight",
        None,
    ),
    "model.layers.2.self_attn.kv_b_proj.weight": ("model", "model.layers", 2, "attn.kv_b.weight", None),
    "model.layers.2.self_attn.q_a_layernorm.weight": ("model", "model.layers", 2, "norm.q_a.weight", None),
    "model.layers.2.self_attn.kv_a_layernorm.weight": ("model", "model.layers", 2, "norm.kv_a.weight", None),
    "model.layers.2.pre_feedforward_layernorm.weight": (
        "model",
        "model.layers",
        2,
        "norm.pre_mlp.weight",
        None,
    ),
    "model.layers.2.post_feedforward_layernorm.weight": (
        "model",
        "model.layers",
        2,
        "norm.post_mlp.weight",
        None,
    ),
    "model.layers.2.post_mlp_layernorm.weight": ("model", "model.layers", 2, "norm.post_mlp.weight", None),
    "model.layers.61.enorm.weight": ("model", "model.layers", 61, "norm.mtp_embed.weight", None),
    "visual.blocks.4.attn.qkv.weight": ("visual", "visual.blocks", 4, "attn.qkv.weight", None),
    "visual.merger.mlp.0.weight": ("visual", None, None, "?merger.mlp.0.weight", None),
    "visual.merger.mlp.2.weight": ("visual", None, None, "?merger.mlp.2.weight", None),
    "model.vision_tower.merger.mlp.2.weight": (
        "model.vision_tower",
        None,
        None,
        "?merger.mlp.2.weight",
        None,
    ),
    "model.vision_model.encoder.layers.1.mlp.fc1.weight": (
        "model.vision_model",
        "model.vision_model.encoder.layers",
        1,
        "mlp.up.weight",
        None,
    ),
    "model.audio_tower.layers.0.fc1.weight": (
        "model.audio_tower",
        "model.audio_tower.layers",
        0,
        "mlp.up.weight",
        None,
    ),
    "model.mm_projector.linear_1.weight": ("model.mm_projector", None, None, "?linear_1.weight", None),
    "onnx::MatMul_470": (ANONYMOUS, None, None, "?onnx::matmul_470", None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_names_are_parsed(name: str) -> None:
    parsed = parse_name(name)
    assert (parsed.component, parsed.stack, parsed.layer, parsed.role, parsed.expert) == CASES[name]


def _info(name: str, shape: tuple[int, ...], offset: int = 0) -> TensorInfo:
    numel = 1
    for n in shape:
        numel *= n
    return TensorInfo(name=name, dtype="F32", shape=shape, file=Path("x"), offset=offset, nbytes=4 * numel)


def test_routers_are_named_only_in_layers_with_experts() -> None:
    entries = entries_of(
        [
            _info("model.layers.0.mlp.gate.weight", (8, 64)),  # a dense layer's gate: a projection
            _info("model.layers.1.mlp.gate.weight", (8, 64)),
            _info("model.layers.1.mlp.experts.0.gate_proj.weight", (32, 64)),
        ]
    )
    roles = {info.name: parsed.role for info, parsed in entries}
    assert roles["model.layers.0.mlp.gate.weight"] == "mlp.gate.weight"
    assert roles["model.layers.1.mlp.gate.weight"] == "router.weight"
    assert roles["model.layers.1.mlp.experts.0.gate_proj.weight"] == "expert.gate.weight"


def test_fused_experts_are_split_per_expert_and_into_gate_and_up() -> None:
    e, f, d = 4, 32, 64
    entries = entries_of(
        [
            _info("model.layers.1.mlp.experts.gate_up_proj", (e, 2 * f, d)),
            _info("model.layers.1.mlp.experts.down_proj", (e, d, f), offset=4 * e * 2 * f * d),
        ]
    )
    parts = {info.name: (parsed.role, parsed.expert, info.shape, info.offset) for info, parsed in entries}
    assert len(parts) == 3 * e
    gate_up = 4 * 2 * f * d  # bytes of one expert's gate_up slice
    assert parts["model.layers.1.mlp.experts.gate_up_proj[2.gate]"] == (
        "expert.gate.weight",
        2,
        (f, d),
        2 * gate_up,
    )
    assert parts["model.layers.1.mlp.experts.gate_up_proj[2.up]"] == (
        "expert.up.weight",
        2,
        (f, d),
        2 * gate_up + gate_up // 2,
    )
    assert parts["model.layers.1.mlp.experts.down_proj[3]"][:3] == ("expert.down.weight", 3, (d, f))


def test_no_two_tensors_of_a_layer_share_a_key() -> None:
    """The bug of issue 9 part 5: a second number taken as the layer made experts overwrite each other."""
    names = [
        f"model.layers.{layer}.mlp.experts.{e}.{p}.weight"
        for layer in range(3)
        for e in range(4)
        for p in ("gate_proj", "up_proj", "down_proj")
    ]
    names += ["visual.merger.mlp.0.weight", "visual.merger.mlp.0.bias", "visual.merger.mlp.2.weight"]
    keys = [(p.component, p.stack, p.layer, p.role, p.expert) for p in map(parse_name, names)]
    assert len(set(keys)) == len(names)
