"""Benchmark what auditing against a Mixture-of-Experts reference reads of it (issue 9 §1–2): one MoE layer
at the real shape of GLM-4.5-Air (bf16) or DeepSeek-V3 (FP8 e4m3 with 128 × 128 block scales), written as a
sparse file (the real header, zeros for data: a few KB on disk), fingerprinted the way an audit reads a
reference from its checkpoint, with every read recorded.

    .venv/bin/python bench/moe_reference_bench.py [--shape glm-4.5-air|deepseek-v3|both] [--whole]

Prints, for the layer, the bytes read and the requests they make once joined as a remote reader joins them
(`remote_settings.Pacing().gap`) — with the routed experts' output projections deferred (read only for
matched experts: add ``matched`` of them, 8 a candidate layer) and without (every expert read whole at its
sampled positions, as before). The positions read depend on roles and shapes only, never on values, so zeros
plan exactly what real weights would.

``--whole`` writes the whole model instead (every layer, the dense ones and the embeddings; 673 GB for
DeepSeek-V3, all of it a hole on disk) and times the reference's fingerprint pass over it: once reading
without computing (what a rehearsal plans; locally it reads the zeros), then as an audit makes it, with the
peak RSS — the scale an audit against such a reference works at.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from generator.audit import fingerprint  # noqa: E402 — after the path is set
from generator.audit.experts import EXPERTS_PER_LAYER  # noqa: E402
from generator.audit.read import TensorReader, open_checkpoint  # noqa: E402
from generator.audit.remote_ranges import coalesce  # noqa: E402
from generator.audit.remote_settings import Pacing  # noqa: E402

SHAPES = {
    # d, expert width, routed experts, attention tensors (name, rows, cols), stored dtype
    "glm-4.5-air": {
        "d": 4096,
        "f": 1408,
        "experts": 128,
        "dtype": "BF16",
        "attention": [
            ("q_proj", 12288, 4096),
            ("k_proj", 1024, 4096),
            ("v_proj", 1024, 4096),
            ("o_proj", 4096, 12288),
        ],
        "config": {"model_type": "glm4_moe"},
        "layers": 46,
        "dense_layers": 1,
        "dense_width": 10944,
        "vocab": 151552,
    },
    "deepseek-v3": {
        "d": 7168,
        "f": 2048,
        "experts": 256,
        "dtype": "F8_E4M3",
        "attention": [
            ("q_a_proj", 1536, 7168),
            ("q_b_proj", 24576, 1536),
            ("kv_a_proj_with_mqa", 576, 7168),
            ("kv_b_proj", 32768, 512),
            ("o_proj", 7168, 16384),
        ],
        "config": {
            "model_type": "deepseek_v3",
            "quantization_config": {"quant_method": "fp8", "fmt": "e4m3", "weight_block_size": [128, 128]},
        },
        "layers": 61,
        "dense_layers": 3,
        "dense_width": 18432,
        "vocab": 129280,
    },
}
SIZES = {"BF16": 2, "F32": 4, "F8_E4M3": 1}


def _tensors(shape: dict[str, Any], *, whole: bool) -> dict[str, tuple[list[int], str]]:
    """One MoE layer (``model.layers.3``), or the whole model."""
    d, f, dtype = shape["d"], shape["f"], shape["dtype"]
    out: dict[str, tuple[list[int], str]] = {}

    def matrix(name: str, rows: int, cols: int) -> None:
        out[f"{name}.weight"] = ([rows, cols], dtype)
        if dtype == "F8_E4M3":
            out[f"{name}.weight_scale_inv"] = ([math.ceil(rows / 128), math.ceil(cols / 128)], "F32")

    if whole:
        for name in ("model.embed_tokens.weight", "lm_head.weight"):
            out[name] = ([shape["vocab"], d], "BF16")
        out["model.norm.weight"] = ([d], "BF16")
    for layer in range(shape["layers"]) if whole else [3]:
        stem = f"model.layers.{layer}."
        for norm in ("input_layernorm", "post_attention_layernorm"):
            out[f"{stem}{norm}.weight"] = ([d], "BF16")
        for name, rows, cols in shape["attention"]:
            matrix(f"{stem}self_attn.{name}", rows, cols)
        if whole and layer < shape["dense_layers"]:
            width = shape["dense_width"]
            matrix(f"{stem}mlp.gate_proj", width, d)
            matrix(f"{stem}mlp.up_proj", width, d)
            matrix(f"{stem}mlp.down_proj", d, width)
            continue
        out[f"{stem}mlp.gate.weight"] = ([shape["experts"], d], "BF16")
        out[f"{stem}mlp.gate.e_score_correction_bias"] = ([shape["experts"]], "F32")
        for unit in [f"experts.{e}" for e in range(shape["experts"])] + ["shared_experts"]:
            matrix(f"{stem}mlp.{unit}.gate_proj", f, d)
            matrix(f"{stem}mlp.{unit}.up_proj", f, d)
            matrix(f"{stem}mlp.{unit}.down_proj", d, f)
    return out


def _write(folder: Path, shape: dict[str, Any], *, whole: bool = False) -> tuple[Path, int]:
    header: dict[str, Any] = {}
    offset = 0
    for name, (dims, dtype) in sorted(_tensors(shape, whole=whole).items()):
        size = math.prod(dims) * SIZES[dtype]
        header[name] = {"dtype": dtype, "shape": dims, "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path = folder / "model.safetensors"
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        out.truncate(8 + len(text) + offset)  # sparse: the data reads as zeros
    (folder / "config.json").write_text(json.dumps(shape["config"]), encoding="utf-8")
    return path, offset


@contextmanager
def _recorded() -> Iterator[list[tuple[int, int]]]:
    """Every ``(start, end)`` of the file read while inside."""
    spans: list[tuple[int, int]] = []
    plain = TensorReader._pread_many

    def counted(self: TensorReader, info: Any, asked: Any) -> Any:
        spans.extend((info.offset + start, info.offset + start + length) for start, length in asked)
        return plain(self, info, asked)

    setattr(TensorReader, "_pread_many", counted)  # noqa: B010 — put back below
    try:
        yield spans
    finally:
        setattr(TensorReader, "_pread_many", plain)  # noqa: B010


def _reads(path: Path, *, deferred: bool) -> tuple[list[tuple[int, int]], int, int]:
    """Every ``(start, end)`` the reference's fingerprint pass reads; deferred tensors and one's reads."""
    roles = fingerprint.DEFERRED_ROLES
    fingerprint.DEFERRED_ROLES = roles if deferred else ()
    try:
        with _recorded() as spans:
            reduced = fingerprint.fingerprint_checkpoint(
                open_checkpoint(path), keep_stored=True, statistics=False
            )
        later = [p for p in reduced.tensors if p.deferred]
        with _recorded() as deferred_spans:
            if later:
                fingerprint.read_deferred(later[:1], statistics=False)
        one = sum(end - start for start, end in deferred_spans)
    finally:
        fingerprint.DEFERRED_ROLES = roles
    return spans, len(later), one


def bench(name: str) -> dict[str, Any]:
    shape = SHAPES[name]
    gap = Pacing().gap
    with tempfile.TemporaryDirectory(prefix="moe-bench-") as folder:
        path, layer = _write(Path(folder), shape)
        row: dict[str, Any] = {"shape": name, "layer_bytes": layer, "experts": shape["experts"]}
        for deferred in (False, True):
            spans, later, one = _reads(path, deferred=deferred)
            groups = coalesce(sorted(spans), gap=gap)
            fetched = sum(end - start for start, end in groups)
            matched = EXPERTS_PER_LAYER * one  # a candidate layer's sampled experts, each matched once
            key = "deferred" if deferred else "every_expert"
            row[key] = {
                "fetched": fetched + matched,
                "share": (fetched + matched) / layer,
                "requests": len(groups) + (EXPERTS_PER_LAYER if later else 0),
                "left_unread": later,
                "one_output_projection": one,
            }
    return row


def whole(name: str) -> dict[str, Any]:
    """The whole model: the reference's fingerprint pass over it, timed, with the peak RSS."""
    with tempfile.TemporaryDirectory(prefix="moe-bench-") as folder:
        path, size = _write(Path(folder), SHAPES[name], whole=True)
        start = time.perf_counter()
        checkpoint = open_checkpoint(path)
        opened = time.perf_counter()
        fingerprint.fingerprint_checkpoint(checkpoint, keep_stored=True, statistics=False)
        planned = time.perf_counter()
        with _recorded() as spans:
            reduced = fingerprint.fingerprint_checkpoint(checkpoint, keep_stored=True)
        done = time.perf_counter()
        read = sum(end - start for start, end in spans)
    return {
        "shape": name,
        "model_bytes": size,
        "tensors": len(checkpoint.tensors),
        "profiles": len(reduced.tensors),
        "deferred": sum(p.deferred for p in reduced.tensors),
        "open_s": round(opened - start, 2),
        "read_without_statistics_s": round(planned - opened, 2),
        "fingerprint_s": round(done - planned, 2),
        "read": read,
        "read_share": read / size,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=[*SHAPES, "both"], default="both")
    parser.add_argument("--whole", action="store_true", help="The whole model, timed (see above).")
    args = parser.parse_args()
    names = list(SHAPES) if args.shape == "both" else [args.shape]
    if args.whole:
        for name in names:
            print(json.dumps(whole(name)), flush=True)
        return
    rows = [bench(name) for name in names]
    print(json.dumps(rows, indent=1))
    print()
    print("| layer | bytes | every expert read (before) | output projections deferred (+8 matched) | ratio |")
    print("|---|---|---|---|---|")
    for row in rows:
        every, deferred = row["every_expert"], row["deferred"]
        print(
            f"| {row['shape']} ({row['experts']} experts) | {row['layer_bytes'] / 1e9:.2f} GB "
            f"| {every['share']:.2%}, {every['requests']:,} requests "
            f"| {deferred['share']:.2%}, {deferred['requests']:,} requests "
            f"| {deferred['fetched'] / every['fetched']:.2f} |"
        )


if __name__ == "__main__":
    main()
