"""Quantised weights (issue 9 part 3): dequantised before any statistic, refused when not understood.

Every quantised case is audited against the float reference checkpoint AND against its fingerprint; the
FP8 block-scaled reference (as DeepSeek-V3 stores) is audited directly and through its own fingerprint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from generator.audit import AuditReport, make_fingerprint, run_audit, toy
from generator.audit.fingerprint import load_fingerprint
from generator.audit.plan import window_for
from generator.audit.quant import dequantised, stored_label
from generator.audit.read import TensorInfo, TensorReader, open_checkpoint
from generator.errors import InputError
from tests.audit.conftest import Zoo
from tests.cli.run import run_cli

FP8_CONFIG: dict[str, object] = {
    "quantization_config": {"quant_method": "fp8", "weight_block_size": [16, 16]}
}
GPTQ_CONFIG: dict[str, object] = {
    "quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 32, "sym": True}
}
AWQ_CONFIG: dict[str, object] = {
    "quantization_config": {"quant_method": "awq", "w_bit": 4, "q_group_size": 32, "version": "gemm"}
}

FROM_CONFIG = "block size from config.json"
"""How a block-scaled label names the source of its block size when the config gives it."""
BOTH_DERIVED = {"model": "derived", "lm_head": "derived"}
# GPTQ and AWQ keep the embeddings and the output head in float16: that head is the reference's, cast.
HEAD_KEPT = {"model": "derived", "lm_head": "identical"}
INDEPENDENT = {"model": "independent", "lm_head": "independent"}


@dataclass(frozen=True, kw_only=True)
class Case:
    """One quantised candidate."""

    stored: dict[str, torch.Tensor]
    """What the checkpoint stores."""
    values: dict[str, torch.Tensor]
    """The float32 values it stands for."""
    config: dict[str, object] | None
    """Its config.json, if any."""
    verdicts: dict[str, str]
    """Expected verdict per component."""
    label: str
    """Expected description of how its weights are stored."""


def _cases(reference: dict[str, torch.Tensor], independent: dict[str, torch.Tensor]) -> dict[str, Case]:
    def case(
        quantised: toy.Quantised, config: dict[str, object] | None, verdicts: dict[str, str], label: str
    ) -> Case:
        return Case(stored=quantised[0], values=quantised[1], config=config, verdicts=verdicts, label=label)

    fp8 = f"FP8 E4M3, 16×16 block scales — {FROM_CONFIG}"
    return {
        "fp8_copy": case(toy.quantise_fp8_blocks(reference), FP8_CONFIG, BOTH_DERIVED, fp8),
        "fp8_copy_no_config": case(
            toy.quantise_fp8_blocks(reference),
            None,
            BOTH_DERIVED,
            "FP8 E4M3, 16×16 block scales — block size from the shapes: no config.json beside the checkpoint",
        ),
        "fp8_e5m2_copy": case(
            toy.quantise_fp8_blocks(reference, fmt=torch.float8_e5m2),
            FP8_CONFIG,
            BOTH_DERIVED,
            f"FP8 E5M2, 16×16 block scales — {FROM_CONFIG}",
        ),
        "int8_rows_copy": case(toy.quantise_int8(reference), None, BOTH_DERIVED, "int8, per-row scales"),
        "int8_fused_qkv_copy": case(
            toy.quantise_int8(toy.fuse_qkv(reference)), None, BOTH_DERIVED, "int8, per-row scales"
        ),
        "int8_tensor_copy": case(
            toy.quantise_int8(reference, per="tensor"), None, BOTH_DERIVED, "int8, per-tensor scale"
        ),
        "int8_onnx_copy": case(
            toy.quantise_int8(reference, style="onnx"),
            None,
            BOTH_DERIVED,
            "uint8 with zero points, per-tensor scale",
        ),
        "gptq_copy": case(toy.quantise_int4(reference), GPTQ_CONFIG, HEAD_KEPT, "GPTQ int4, groups of 32"),
        "gptq8_copy": case(toy.quantise_int4(reference, bits=8), None, HEAD_KEPT, "GPTQ int8, groups of 32"),
        "gptq2_copy": case(
            toy.quantise_int4(reference, bits=2, group=16), None, HEAD_KEPT, "GPTQ int2, groups of 16"
        ),
        "gptq_copy_no_config": case(toy.quantise_int4(reference), None, HEAD_KEPT, "GPTQ int4, groups of 32"),
        "awq_copy": case(
            toy.quantise_int4(reference, layout="awq"), AWQ_CONFIG, HEAD_KEPT, "AWQ int4, groups of 32"
        ),
        "fp8_independent": case(toy.quantise_fp8_blocks(independent), FP8_CONFIG, INDEPENDENT, fp8),
        "int8_independent": case(toy.quantise_int8(independent), None, INDEPENDENT, "int8, per-row scales"),
        "gptq_independent": case(
            toy.quantise_int4(independent, skip=()), GPTQ_CONFIG, INDEPENDENT, "GPTQ int4, groups of 32"
        ),
    }


@dataclass(frozen=True, kw_only=True)
class Quantised:
    """The quantised checkpoints, each in its own folder (with its config.json)."""

    root: Path
    """Where they are."""
    cases: dict[str, Case]
    """Every case."""
    fp8_reference: Path
    """The reference stored FP8 with 16×16 block scales, as DeepSeek-V3 stores."""
    fp8_fingerprint: Path
    """Its fingerprint."""
    fp8_values: dict[str, torch.Tensor]
    """The values the FP8 reference stands for."""
    fp8_candidates: dict[str, Path]
    """bf16 candidates against the FP8 reference."""

    def path(self, case: str) -> Path:
        """One case's checkpoint."""
        return self.root / case / "model.safetensors"


@pytest.fixture(scope="module")
def quantised(zoo: Zoo, tmp_path_factory: pytest.TempPathFactory) -> Quantised:
    root = tmp_path_factory.mktemp("quantised")
    independent = load_file(str(zoo.path("independent_trained")))
    cases = _cases(zoo.weights, independent)
    for name, case in cases.items():
        toy.save_checkpoint(case.stored, root / name / "model.safetensors", config=case.config)
    stored, values = toy.quantise_fp8_blocks(zoo.weights)
    fp8_reference = toy.save_checkpoint(
        stored, root / "fp8_reference" / "model.safetensors", config=FP8_CONFIG
    )
    fp8_fingerprint = root / "fp8_reference.fingerprint"
    make_fingerprint(fp8_reference, fp8_fingerprint)
    converted = toy.dequantise_fp8_blocks(stored)
    candidates = {
        "bf16_conversion": converted,
        "bf16_noisy": toy.add_noise(converted, 0.3, seed=12),
        "bf16_independent": toy.cast(independent, torch.bfloat16),
    }
    fp8_candidates = {
        name: toy.save_checkpoint(params, root / f"{name}.safetensors") for name, params in candidates.items()
    }
    return Quantised(
        root=root,
        cases=cases,
        fp8_reference=fp8_reference,
        fp8_fingerprint=fp8_fingerprint,
        fp8_values=values,
        fp8_candidates=fp8_candidates,
    )


@cache
def _audit(candidate: Path, reference: Path) -> AuditReport:
    return run_audit(candidate, reference)


def _verdicts(report: AuditReport) -> dict[str, str]:
    return {c.name: c.verdict for c in report.components}


# ---- reading ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "fp8_copy",
        "fp8_copy_no_config",
        "fp8_e5m2_copy",
        "int8_rows_copy",
        "int8_onnx_copy",
        "gptq_copy",
        "gptq8_copy",
        "gptq2_copy",
        "awq_copy",
    ],
)
def test_dequantised_values_are_exact(quantised: Quantised, case: str) -> None:
    """What the reader returns — whole, and at scattered rows × columns — is exactly what codes stand for."""
    checkpoint = dequantised(open_checkpoint(quantised.path(case)))
    expected = quantised.cases[case].values
    decoded = [info for info in checkpoint.tensors if info.decoder is not None]
    assert decoded, "nothing was dequantised"
    assert {stored_label(info) for info in decoded} == {quantised.cases[case].label}
    assert {info.name for info in checkpoint.tensors} == set(expected), "scales and zeros are consumed"
    rows, cols = np.array([0, 5, 6, 40, 63]), np.array([3, 17, 18, 33, 60])
    with TensorReader() as reader:
        for info in decoded:
            want = expected[info.name].numpy()
            assert info.dtype == "F32"
            np.testing.assert_array_equal(reader.read_all(info), want)
            np.testing.assert_array_equal(reader.read_2d(info, rows, cols), want[rows][:, cols])
            first, chunk = next(reader.iter_rows(info, 3, 9))
            np.testing.assert_array_equal(chunk, want[first:9])


def test_quantisation_is_lossy_but_close(quantised: Quantised, zoo: Zoo) -> None:
    """The toy quantisers really quantise: not bit-identical, yet close to the reference (the premise)."""
    for case, bound in (("fp8_copy", 0.05), ("int8_rows_copy", 0.01), ("gptq_copy", 0.12)):
        values = quantised.cases[case].values
        name = "model.layers.1.mlp.up_proj.weight"
        error = float((values[name] - zoo.weights[name]).norm() / zoo.weights[name].norm())
        assert 0 < error < bound, (case, error)


class _CountingReader(TensorReader):
    """Counts the bytes it reads."""

    def __init__(self) -> None:
        super().__init__()
        self.read_bytes = 0

    def _pread_many(self, info: TensorInfo, spans: Sequence[tuple[int, int]]) -> list[bytes]:
        self.read_bytes += sum(length for _, length in spans)
        return super()._pread_many(info, spans)


def test_a_window_is_dequantised_without_reading_the_whole_tensor(tmp_path: Path) -> None:
    """Memory and reads stay bounded by the window: a sampled block of a large packed matrix reads a few
    percent of it (the window's packed rows), and comes back as float32 (never a float64 copy)."""
    weight = torch.randn(1024, 8192, generator=torch.Generator().manual_seed(3))
    stored, values = toy.quantise_int4({"big.weight": weight}, skip=())
    path = toy.save_checkpoint(stored, tmp_path / "big" / "model.safetensors")
    (info,) = dequantised(open_checkpoint(path)).tensors
    units, window = np.arange(0, 1024, 8), np.arange(1024, 1280)
    reader = _CountingReader()
    with reader:
        block = reader.read_2d(info, units, window)
    assert block.dtype == np.float32
    np.testing.assert_array_equal(block, values["big.weight"].numpy()[units][:, window])
    assert 0 < reader.read_bytes < 0.05 * info.stored_nbytes, (reader.read_bytes, info.stored_nbytes)


ScaleCase = tuple[str, str, tuple[int, int], tuple[int, ...], str, int, float]
"""Codes name, scale name, codes shape, scale shape, expected label, axis the scale follows, divisor."""
SCALE_CASES: list[ScaleCase] = [
    ("l.weight", "l.weight_scale", (64, 32), (64,), "int8, per-row scales", 0, 1.0),
    ("l.weight", "l.weight_scale", (32, 32), (32,), "int8, per-row scales", 0, 1.0),
    ("l.weight", "l.SCB", (32, 32), (32,), "int8, per-row scales", 0, 127.0),
    ("onnx::MatMul_9_quantized", "onnx::MatMul_9_scale", (32, 64), (64,), "int8, per-column scales", 1, 1.0),
    # ONNX DequantizeLinear's default axis is 1: a square matrix's 1-D scale is per column
    ("onnx::MatMul_9_quantized", "onnx::MatMul_9_scale", (32, 32), (32,), "int8, per-column scales", 1, 1.0),
    ("l.weight", "l.weight_scale", (32, 32), (1, 32), "int8, per-column scales", 1, 1.0),
]


@pytest.mark.parametrize("case", SCALE_CASES)
def test_one_dimensional_scales_follow_each_format(tmp_path: Path, case: ScaleCase) -> None:
    codes_name, scale_name, shape, scale_shape, label, axis, divisor = case
    gen = torch.Generator().manual_seed(4)
    codes = torch.randint(-127, 128, shape, generator=gen, dtype=torch.int8)
    scale = torch.rand(scale_shape, generator=gen) + 0.5
    path = toy.save_checkpoint({codes_name: codes, scale_name: scale}, tmp_path / "m" / "model.safetensors")
    (info,) = dequantised(open_checkpoint(path)).tensors
    assert stored_label(info) == label
    factor = scale.reshape(-1, 1) if axis == 0 else scale.reshape(1, -1)
    with TensorReader() as reader:
        np.testing.assert_allclose(
            reader.read_all(info), (codes.float() * factor / divisor).numpy(), rtol=1e-6
        )


# ---- verdicts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["checkpoint", "fingerprint"])
@pytest.mark.parametrize(
    "case",
    [
        "fp8_copy",
        "fp8_copy_no_config",
        "fp8_e5m2_copy",
        "int8_rows_copy",
        "int8_tensor_copy",
        "int8_fused_qkv_copy",
        "int8_onnx_copy",
        "gptq_copy",
        "gptq_copy_no_config",
        "awq_copy",
        "fp8_independent",
        "int8_independent",
        "gptq_independent",
    ],
)
def test_quantised_candidate_verdicts(quantised: Quantised, zoo: Zoo, case: str, kind: str) -> None:
    report = _audit(quantised.path(case), zoo.reference if kind == "checkpoint" else zoo.fingerprint)
    expected = quantised.cases[case]
    assert _verdicts(report) == expected.verdicts
    model = next(c for c in report.components if c.name == "model")
    quantised_pairs = [e for e in model.tensors if e.candidate_quantisation]
    # The packed matrices are compared (never skipped as "not weights"), as their values.
    assert sum(e.parameters for e in quantised_pairs) > 0.7 * model.parameters
    assert {e.candidate_quantisation for e in quantised_pairs} == {expected.label}
    assert not any(u.reason.endswith("not weights") for c in report.components for u in c.unpaired)
    if model.verdict == "derived":
        assert f"quantised ({expected.label})" in model.disguises
        assert model.share_identical < 0.3, "lossy codes are not the reference's values"
        assert all(e.whole_tensor_identical is not True for e in quantised_pairs)
        # every part read at its own rows (a fused q/k/v part too): each pair is its reference, rounded
        assert all(e.centred_cosine > 0.99 for e in quantised_pairs), [
            e.centred_cosine for e in quantised_pairs
        ]


@pytest.mark.parametrize("case", ["fp8_copy", "gptq_copy", "int8_independent"])
def test_quantised_candidate_same_numbers_with_fingerprint(quantised: Quantised, zoo: Zoo, case: str) -> None:
    full = _audit(quantised.path(case), zoo.reference).to_dict()
    light = _audit(quantised.path(case), zoo.fingerprint).to_dict()
    for document in (full, light):
        # what was read; and the config and tokenizer beside the weights, which a fingerprint holds neither of
        for key in ("reference", "reference_kind", "reference_files", "transfer", "candidate_files", "cheap"):
            document.pop(key, None)
    assert full == light


EXPECTED_AGAINST_FP8 = {
    "bf16_conversion": {"model": "identical", "lm_head": "identical"},
    "bf16_noisy": {"model": "derived", "lm_head": "derived"},
    "bf16_independent": INDEPENDENT,
}


@pytest.mark.parametrize("kind", ["checkpoint", "fingerprint"])
@pytest.mark.parametrize("candidate", sorted(EXPECTED_AGAINST_FP8))
def test_fp8_block_scaled_reference(quantised: Quantised, candidate: str, kind: str) -> None:
    """A DeepSeek-V3-style reference: its bf16 conversion is its weights, cast; noise is derived."""
    reference = quantised.fp8_reference if kind == "checkpoint" else quantised.fp8_fingerprint
    report = _audit(quantised.fp8_candidates[candidate], reference)
    assert _verdicts(report) == EXPECTED_AGAINST_FP8[candidate]
    pairs = [e for c in report.components for e in c.tensors if e.role != "norm.final"]
    matrices = [e for e in pairs if "norm" not in e.role]
    assert matrices
    assert all(e.reference_quantisation == f"FP8 E4M3, 16×16 block scales — {FROM_CONFIG}" for e in matrices)
    if candidate == "bf16_conversion":
        assert all(e.whole_tensor_identical for e in pairs)
        assert all(
            f"dequantised from FP8 E4M3, 16×16 block scales — {FROM_CONFIG}" in c.disguises
            for c in report.components
        )


def test_fp8_reference_fingerprint_holds_dequantised_values(quantised: Quantised) -> None:
    fingerprint = load_fingerprint(quantised.fp8_fingerprint)
    checked = 0
    for profile in fingerprint.tensors:
        if not profile.quantisation:
            continue
        assert profile.dtype == "F32"
        assert profile.layout.kind == "residual"
        values = quantised.fp8_values[profile.name].numpy()
        window = window_for(profile.layout.width).positions()
        units = np.asarray(profile.units)
        sampled = (
            values[units][:, window] if profile.layout.residual_axis == 1 else values[window][:, units].T
        )
        np.testing.assert_array_equal(profile.block, sampled)
        checked += 1
    assert checked == 4 * 7 + 2  # every projection of four layers, the embeddings and the head


# ---- refused ---------------------------------------------------------------------------------------------


def _unknown_formats(zoo: Zoo, root: Path) -> dict[str, tuple[Path, str]]:
    """Checkpoints whose weights are mostly in a format the audit does not understand, and the words the
    refusal must contain (the tensor and the format)."""
    gptq, _ = toy.quantise_int4(zoo.weights)
    bare = {k: v for k, v in gptq.items() if not k.endswith((".qzeros", ".scales"))}
    packed = {
        (k.replace(".qweight", ".weight_packed") if k.endswith(".qweight") else k): v
        for k, v in gptq.items()
        if not k.endswith(".qzeros")
    }
    packed = {k.replace(".scales", ".weight_scale"): v for k, v in packed.items()}
    int8, _ = toy.quantise_int8(zoo.weights)
    codes_only = {k: v for k, v in int8.items() if not k.endswith(".weight_scale")}
    out = {}
    for name, params, words in (
        ("qweight_without_scales", bare, "model.layers.0.mlp.down_proj.qweight"),
        ("weight_packed", packed, "_packed"),
        ("int8_without_scales", codes_only, "int8"),
    ):
        out[name] = (toy.save_checkpoint(params, root / name / "model.safetensors"), words)
    return out


@pytest.fixture(scope="module")
def unknown(zoo: Zoo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return _unknown_formats(zoo, tmp_path_factory.mktemp("unknown"))


@pytest.mark.parametrize("case", ["qweight_without_scales", "weight_packed", "int8_without_scales"])
@pytest.mark.parametrize("kind", ["checkpoint", "fingerprint"])
def test_unknown_packed_format_is_refused_never_judged_on_float_leftovers(
    unknown: dict[str, tuple[Path, str]], zoo: Zoo, case: str, kind: str
) -> None:
    path, words = unknown[case]
    with pytest.raises(InputError) as refused:
        run_audit(path, zoo.reference if kind == "checkpoint" else zoo.fingerprint)
    message = str(refused.value)
    assert words in message
    assert "never compared as weights" in message
    # as a reference too: no fingerprint is taken from its float leftovers
    with pytest.raises(InputError, match="never compared as weights"):
        run_audit(zoo.reference, path)
    with pytest.raises(InputError, match="never compared as weights"):
        make_fingerprint(path, path.parent.parent / f"{case}.fingerprint")


def _fp8_matrix(root: Path, name: str, shape: tuple[int, int], grid: tuple[int, int], config: object) -> Path:
    codes = torch.randn(shape).to(torch.float8_e4m3fn)
    params = {"layer.weight": codes, "layer.weight_scale_inv": torch.rand(grid) + 0.5}
    wrapped = None if config is None else {"quantization_config": config}
    return toy.save_checkpoint(params, root / name / "model.safetensors", config=wrapped)


@pytest.mark.parametrize(
    ("shape", "grid", "config", "words"),
    [
        ((100, 100), (7, 7), None, "ambiguous"),
        ((2, 40_000), (1, 2), None, "ambiguous"),  # 20 000 block sizes fit: refused, not enumerated
        ((128, 64), (8, 4), {"weight_block_size": [32, 32]}, "do not tile"),
        ((128, 64), (8, 4), {"weight_block_size": "16"}, "not two positive integers"),
    ],
)
def test_block_size_that_cannot_be_known_is_refused(
    tmp_path: Path, shape: tuple[int, int], grid: tuple[int, int], config: object, words: str
) -> None:
    path = _fp8_matrix(tmp_path, "fp8", shape, grid, config)
    with pytest.raises(InputError, match=words):
        dequantised(open_checkpoint(path))


def _malformed(name: str) -> dict[str, torch.Tensor]:
    """One quantised linear layer (GPTQ int4, 64 → 32, groups of 32), then broken as ``name`` says."""
    stored, _ = toy.quantise_int4({"l.weight": torch.randn(32, 64)}, skip=())
    fp8 = torch.randn(32, 64).to(torch.float8_e4m3fn)
    int8 = torch.randint(-127, 128, (32, 64), dtype=torch.int8)
    broken: dict[str, dict[str, torch.Tensor]] = {
        "g_idx out of range": {**stored, "l.g_idx": torch.full((64,), 9, dtype=torch.int32)},
        "qzeros of the wrong shape": {**stored, "l.qzeros": torch.zeros(2, 3, dtype=torch.int32)},
        "integer scales": {**stored, "l.scales": torch.ones(2, 32, dtype=torch.int32)},
        "qweight not a matrix": {**stored, "l.qweight": torch.zeros(8, 32, 1, dtype=torch.int32)},
        "3-D block scale": {"l.weight": fp8, "l.weight_scale_inv": torch.ones(2, 2, 2)},
        "scale fits neither axis": {"l.weight": int8, "l.weight_scale": torch.ones(7)},
        "zero point shaped unlike scale": {
            "l.weight": int8,
            "l.weight_scale": torch.ones(32, 1),
            "l.weight_zero_point": torch.zeros(2, dtype=torch.int8),
        },
        "empty scales": {**stored, "l.scales": torch.ones(0, 32, dtype=torch.float16)},
    }
    return broken[name]


@pytest.mark.parametrize(
    "name",
    [
        "g_idx out of range",
        "qzeros of the wrong shape",
        "integer scales",
        "qweight not a matrix",
        "3-D block scale",
        "scale fits neither axis",
        "zero point shaped unlike scale",
        "empty scales",
    ],
)
def test_malformed_quantised_layer_is_a_clean_error(tmp_path: Path, name: str) -> None:
    """Hostile or broken quantised layers are refused with an error naming the file, never a crash."""
    path = toy.save_checkpoint(_malformed(name), tmp_path / "m" / "model.safetensors")
    with pytest.raises(InputError, match=str(path)):
        _read_everything(path)


def _read_everything(path: Path) -> None:
    checkpoint = dequantised(open_checkpoint(path))
    with TensorReader() as reader:
        for info in checkpoint.tensors:
            reader.read_all(info)


def test_block_size_is_inferred_where_one_fits(tmp_path: Path) -> None:
    """DeepSeek-V3's shapes, no config: 576 rows make 5 partial blocks, yet only 128 tiles the rest."""
    codes = {
        "a.weight": torch.zeros(576, 256).to(torch.float8_e4m3fn),
        "a.weight_scale_inv": torch.ones(5, 2),
        "b.weight": torch.zeros(384, 256).to(torch.float8_e4m3fn),
        "b.weight_scale_inv": torch.ones(3, 2),
        "c.weight": torch.zeros(64, 256).to(torch.float8_e4m3fn),  # narrower than one block
        "c.weight_scale_inv": torch.ones(1, 2),
    }
    path = toy.save_checkpoint(codes, tmp_path / "m" / "model.safetensors")
    labels = {stored_label(t) for t in dequantised(open_checkpoint(path)).tensors}
    assert labels == {
        "FP8 E4M3, 128×128 block scales — block size from the shapes: no config.json beside the checkpoint"
    }


# ---- 0-d and 1-element tensors ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_scalars(zoo: Zoo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    params = dict(zoo.weights)
    params["logit_scale"] = torch.tensor(2.6592)  # CLIP's, shape []
    params["model.layers.0.self_attn.attn_temperature"] = torch.tensor([1.0])
    params["model.embed_tokens.weight_scale_hint"] = torch.tensor(3, dtype=torch.int64)  # 0-d integer
    return toy.save_checkpoint(params, tmp_path_factory.mktemp("scalars") / "clip_like.safetensors")


def test_scalar_tensors_audit_and_fingerprint(with_scalars: Path, zoo: Zoo, tmp_path: Path) -> None:
    for reference in (zoo.reference, zoo.fingerprint):
        report = run_audit(with_scalars, reference)
        verdicts = _verdicts(report)
        assert verdicts["model"] == verdicts["lm_head"] == "identical"
        unpaired = {u.name for c in report.components for u in c.unpaired}
        assert {"logit_scale", "model.layers.0.self_attn.attn_temperature"} <= unpaired
    fingerprint = tmp_path / "scalars.fingerprint"
    make_fingerprint(with_scalars, fingerprint)
    as_reference = run_audit(zoo.reference, fingerprint)
    assert _verdicts(as_reference) == {"model": "identical", "lm_head": "identical"}


@pytest.mark.slow
def test_cli_scalars_and_unknown_formats(
    with_scalars: Path, unknown: dict[str, tuple[Path, str]], zoo: Zoo, tmp_path: Path
) -> None:
    audited = run_cli("audit", str(with_scalars), str(zoo.reference))
    assert audited.returncode == 0, audited.stderr
    assert "Traceback" not in audited.stderr
    made = run_cli("fingerprint", str(with_scalars), "--out", str(tmp_path / "scalars.fp"))
    assert made.returncode == 0, made.stderr
    path, words = unknown["qweight_without_scales"]
    for args in (
        ("audit", str(path), str(zoo.fingerprint)),
        ("fingerprint", str(path), "--out", str(tmp_path / "x.fp")),
    ):
        refused = run_cli(*args)
        assert refused.returncode != 0
        assert "Traceback" not in refused.stderr
        assert refused.stderr.startswith("Error: "), refused.stderr
        assert words in refused.stderr
        assert "Verdict" not in refused.stdout
    assert not (tmp_path / "x.fp").exists()
