"""Benchmark the weight-independence audit on generated checkpoint pairs of about 1 GB and 4 GB.

Run by hand (never by ``make test``): ``.venv/bin/python bench/audit_bench.py [--sizes 1,4] [--dir DIR]``.
Writes a llama-shaped bf16 reference and a derived candidate (reference + noise of relative norm 0.3) per
size into a temporary directory (removed afterwards), then measures, each in a fresh child process:

* the time to merely read both files' tensors (every byte, with ``os.pread`` in 32 MiB chunks);
* the full audit (candidate vs reference checkpoint) — wall time and peak RSS;
* writing the reference's fingerprint — its size;
* the audit against that fingerprint — wall time and peak RSS;
* the audit of an identical copy of the reference against it (every tensor read whole on both sides).

A full audit reads the reference only at its sampled positions, and reads a reference tensor whole only when
the candidate's sample of it is identical after the cast (to confirm it byte for byte); so the vs-fingerprint
time is also given against the read floor, the cost a fingerprint is meant to stay far below. An identical
copy is the case where an audit must read every byte of both files: its floor is the read time itself.

It prints the four ratios the issue asks for. The files are freshly written, so they are in the page
cache: the read floor and the audit see the same (warm) storage.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

D, FF, VOCAB = 2048, 5632, 32000
"""Model shape (TinyLlama-like); the layer count sets the size."""


def _shapes(layers: int) -> list[tuple[str, tuple[int, ...]]]:
    out: list[tuple[str, tuple[int, ...]]] = [("model.embed_tokens.weight", (VOCAB, D))]
    for i in range(layers):
        pre = f"model.layers.{i}."
        out += [(pre + "input_layernorm.weight", (D,)), (pre + "post_attention_layernorm.weight", (D,))]
        out += [(pre + f"self_attn.{n}_proj.weight", (D, D)) for n in "qkvo"]
        out += [(pre + "mlp.gate_proj.weight", (FF, D)), (pre + "mlp.up_proj.weight", (FF, D))]
        out += [(pre + "mlp.down_proj.weight", (D, FF))]
    return [*out, ("model.norm.weight", (D,)), ("lm_head.weight", (VOCAB, D))]


def _bf16(values: np.ndarray) -> bytes:
    bits = values.astype(np.float32).view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2").tobytes()


def _write_pair(directory: Path, layers: int, *, independent: bool = False) -> tuple[Path, Path]:
    """Reference and derived candidate (or, with ``independent``, one drawn afresh with the same shapes and
    scales), written tensor by tensor (peak memory: a few tensors)."""
    rng = np.random.default_rng(layers)
    shapes = _shapes(layers)
    paths = directory / "reference.safetensors", directory / "candidate.safetensors"
    # write_safetensors wants all data up front; write the header, then stream each tensor's bytes.
    header, offset = {}, 0
    for name, shape in shapes:
        nbytes = 2 * math.prod(shape)
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with paths[0].open("wb") as ref, paths[1].open("wb") as cand:
        for handle in (ref, cand):
            handle.write(len(text).to_bytes(8, "little") + text)
        for _, shape in shapes:
            if len(shape) == 1:
                values = 1.0 + 0.1 * rng.standard_normal(shape, dtype=np.float32)
            else:
                values = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
            noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.3 * values.std())
            if independent:  # same scales, no shared origin (vectors keep their mean: gains start at 1)
                noise = (noise / np.float32(0.3)) - (values - np.float32(values.mean()))
            ref.write(_bf16(values))
            cand.write(_bf16(values + noise))
            del values, noise
    return paths


CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
task, args = sys.argv[1], sys.argv[2:]
from generator.audit import make_fingerprint, run_audit
from generator.audit.read import open_checkpoint, TensorReader
import torch  # imported before the clock starts, by every task alike
start = time.perf_counter()
result = {{}}
if task == "read":
    total = 0
    for path in args:
        with TensorReader() as reader:
            for info in open_checkpoint(Path(path)).tensors:
                for _, chunk in reader.iter_rows(info, 0, info.rows):
                    total += chunk.nbytes
    result["bytes"] = total
elif task == "audit":
    report = run_audit(Path(args[0]), Path(args[1]), device="cpu")
    result["verdict"] = report.verdict
elif task == "fingerprint":
    size, model = make_fingerprint(Path(args[0]), Path(args[1]))
    result["size"], result["model"] = size, model
result["seconds"] = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec.
hwm = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM"))
result["peak_rss_mb"] = int(hwm.split()[1]) / 1024
print(json.dumps(result))
"""


def _child(task: str, *args: Path) -> dict[str, float | str]:
    result: dict[str, float | str] = run_child(CHILD.format(root=str(ROOT)), task, *map(str, args))
    return result


def run_child(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``code`` in a fresh Python with ``args``; return the JSON object its last line prints."""
    # One BLAS/torch thread: this machine's two cores are shared, and spin-waiting threads distort timings.
    threads = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {}), **threads},
    )
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench(directory: Path, gigabytes: float) -> dict[str, float | str]:
    per_layer = 2 * (4 * D * D + 3 * D * FF + 2 * D)
    layers = max(1, round((gigabytes * 1e9 - 4 * VOCAB * D) / per_layer))
    reference, candidate = _write_pair(directory, layers)
    largest = 2 * VOCAB * D
    read = _child("read", reference, candidate)
    audit = _child("audit", candidate, reference)
    fingerprint_path = directory / "reference.fingerprint"
    made = _child("fingerprint", reference, fingerprint_path)
    light = _child("audit", candidate, fingerprint_path)
    # The worst case: an identical copy, where every tensor of both files is read whole to confirm it.
    copy = directory / "copy.safetensors"
    shutil.copyfile(reference, copy)
    same = _child("audit", copy, reference)
    size = reference.stat().st_size
    row: dict[str, float | str] = {
        "model_gb": size / 1e9,
        "layers": layers,
        "largest_tensor_mb": largest / 2**20,
        "read_both_s": read["seconds"],
        "audit_s": audit["seconds"],
        "audit_over_read": float(audit["seconds"]) / float(read["seconds"]),
        "audit_peak_rss_mb": audit["peak_rss_mb"],
        "rss_goal_mb": 2 * largest / 2**20 + 400,
        "fingerprint_bytes": made["size"],
        "fingerprint_over_model": float(made["size"]) / size,
        "audit_fingerprint_s": light["seconds"],
        "audit_fingerprint_peak_rss_mb": light["peak_rss_mb"],
        "fingerprint_time_over_full": float(light["seconds"]) / float(audit["seconds"]),
        "fingerprint_time_over_read": float(light["seconds"]) / float(read["seconds"]),
        "verdict_full": audit["verdict"],
        "verdict_fingerprint": light["verdict"],
        "audit_identical_s": same["seconds"],
        "audit_identical_over_read": float(same["seconds"]) / float(read["seconds"]),
        "verdict_identical": same["verdict"],
    }
    for path in (reference, candidate, fingerprint_path, copy):
        path.unlink()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4", help="Model sizes in GB, comma-separated.")
    parser.add_argument("--dir", type=Path, default=None, help="Where to write the checkpoints (a temp dir).")
    options = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="audit-bench-", dir=options.dir))
    try:
        rows = [bench(directory, float(size)) for size in options.sizes.split(",")]
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    for row in rows:
        print(json.dumps(row))
    print()
    print(
        "| model | read both | audit | audit ÷ read | peak RSS (goal) | fingerprint ÷ model "
        "| vs-fp | vs-fp ÷ full | vs-fp ÷ read | identical copy ÷ read |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {float(r['model_gb']):.2f} GB | {float(r['read_both_s']):.2f} s | "
            f"{float(r['audit_s']):.2f} s | "
            f"{float(r['audit_over_read']):.2f} | {float(r['audit_peak_rss_mb']):.0f} MB "
            f"(≤ {float(r['rss_goal_mb']):.0f}) | {float(r['fingerprint_over_model']):.3%} | "
            f"{float(r['audit_fingerprint_s']):.2f} s | {float(r['fingerprint_time_over_full']):.3f} | "
            f"{float(r['fingerprint_time_over_read']):.3f} | {float(r['audit_identical_over_read']):.2f} |"
        )
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# peak RSS of this parent: {parent:.0f} MB")


if __name__ == "__main__":
    main()
