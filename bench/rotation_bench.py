"""Benchmark what a wide rotation costs the audit (issue 9 §5): a QuaRot-rotated copy of a model as wide as a
small real one, audited against its checkpoint and against a fingerprint that keeps whole rows, beside the
same audit of a plain fine-tune-like copy (reference + noise) that needs no alignment.

    .venv/bin/python bench/rotation_bench.py [--d 2048] [--layers 2] [--vocab 32000]

Prints, for each candidate, the verdict, the residual alignment, the audit's seconds and peak RSS (each audit
in a fresh child process, torch imported before the clock starts), and the ratio rotated ÷ plain. Weights
are random (bf16), not trained: the fit's cost depends on the widths, not on the values.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from audit_bench import run_child  # noqa: E402 — the bench folder is not a package

CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from generator.audit import fingerprint, make_fingerprint, run_audit
import torch  # imported before the clock starts
task, args = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
result = {{}}
if task == "fingerprint":
    fingerprint.WIDE_SHARE = 1.0  # keep the whole rows whatever the toy's embedding share
    size, model = make_fingerprint(Path(args[0]), Path(args[1]))
    result["share"] = size / model
else:
    report = run_audit(Path(args[0]), Path(args[1]), device="cpu")
    model = next(c for c in report.components if c.name == "model")
    result["verdict"] = report.verdict
    result["alignment"] = model.residual.kind if model.residual else None
    result["held_out"] = model.residual.held_out_correlation if model.residual else None
result["seconds"] = time.perf_counter() - start
hwm = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM"))
result["peak_rss_mb"] = int(hwm.split()[1]) / 1024
print(json.dumps(result))
"""


def _write(directory: Path, d: int, layers: int, vocab: int) -> dict[str, Path]:
    import torch  # noqa: PLC0415 — only the writer needs it

    from generator.audit import toy, toy_disguise  # noqa: PLC0415

    config = toy.ToyConfig(vocab=vocab, d_model=d, n_layers=layers, n_heads=max(1, d // 128), d_ff=4 * d)
    gen = torch.Generator().manual_seed(0)
    weights = {}
    for name, tensor in toy.init_toy(config, seed=1).items():
        scale = 0.02 if tensor.dim() == 2 else 0.1
        base = 1.0 if name.endswith("norm.weight") else 0.0
        weights[name] = base + scale * torch.randn(tensor.shape, generator=gen)
    rotated = toy_disguise.rotate(weights, config, seed=4)
    noisy = toy.add_noise(weights, 0.3, seed=5)
    paths = {
        "reference": directory / "reference.safetensors",
        "rotated": directory / "rotated.safetensors",
        "plain": directory / "plain.safetensors",
    }
    for key, params in (("reference", weights), ("rotated", rotated), ("plain", noisy)):
        toy.save_checkpoint(toy.cast(params, torch.bfloat16), paths[key])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d", type=int, default=2048, help="Residual width.")
    parser.add_argument("--layers", type=int, default=2, help="Transformer blocks.")
    parser.add_argument("--vocab", type=int, default=32000, help="Vocabulary size.")
    parser.add_argument("--dir", type=Path, default=None, help="Where to write the checkpoints (a temp dir).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as name:
        directory = Path(name)
        paths = _write(directory, args.d, args.layers, args.vocab)
        size = paths["reference"].stat().st_size
        code = CHILD.format(root=str(ROOT))
        rich = directory / "reference.fingerprint"
        made = run_child(code, "fingerprint", str(paths["reference"]), str(rich))
        share = made["share"]
        print(f"pair of {size / 1e9:.2f} GB each, d = {args.d}; fingerprint with whole rows: {share:.2%}")
        rows: dict[tuple[str, str], dict[str, object]] = {}
        for against, where in (("checkpoint", paths["reference"]), ("fingerprint", rich)):
            for case in ("plain", "rotated"):
                rows[case, against] = run_child(code, "audit", str(paths[case]), str(where))
                print(json.dumps({"candidate": case, "against": against, **rows[case, against]}))
        for against in ("checkpoint", "fingerprint"):
            rotated, plain = rows["rotated", against]["seconds"], rows["plain", against]["seconds"]
            assert isinstance(rotated, float)
            assert isinstance(plain, float)
            print(f"rotated ÷ plain ({against}): {rotated / plain:.2f} × the time")


if __name__ == "__main__":
    main()
