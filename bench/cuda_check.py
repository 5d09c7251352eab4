"""The audit on CUDA, as one prepared check for a machine with a GPU (not part of `make bench`).

    python bench/cuda_check.py            # needs CUDA: exits 2 without it
    python bench/cuda_check.py --device cpu   # rehearsal of the script itself, anywhere

1. runs the GPU tests (`pytest -m gpu tests/audit`: the zoo's audits on CPU and CUDA give the same verdicts,
   shares, p-values and unit alignments; the CLI's `auto` picks CUDA) and the blocked-matching tests;
2. times `stats.best_matches` (the one step an audit runs on the device) at a realistic size, CPU and the
   chosen device, and prints the ratio and how many matches agree.

On a bare GPU image without the project's virtual environment, pydantic and its three companions are the
only missing packages; carry them as wheels (versions in constraints.txt) and put them on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--units", type=int, default=14336, help="candidate units (an FFN's width)")
    parser.add_argument("--sampled", type=int, default=128, help="sampled reference units")
    parser.add_argument("--width", type=int, default=2048, help="positions per unit (half A)")
    args = parser.parse_args()

    import numpy as np  # noqa: PLC0415 — after argument parsing, so --help is instant
    import pytest  # noqa: PLC0415
    import torch  # noqa: PLC0415

    from generator.audit.stats import best_matches, standardise  # noqa: PLC0415

    if args.device == "cuda" and not torch.cuda.is_available():
        print("cuda_check: CUDA is not available here (use --device cpu to rehearse)", file=sys.stderr)
        return 2
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu"
    print(f"torch {torch.__version__} · device {args.device} ({name})", flush=True)

    tests = pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / "tests/audit/test_best_matches.py")])
    gpu_tests = pytest.main(["-q", "-p", "no:cacheprovider", "-m", "gpu", "-rs", str(ROOT / "tests/audit")])
    if args.device == "cuda" and gpu_tests != 0:
        print(f"cuda_check: GPU tests failed (pytest exit {gpu_tests})", file=sys.stderr)
    rng = np.random.default_rng(0)
    cand = standardise(rng.standard_normal((args.units, args.width)))
    picked = rng.choice(args.units, size=args.sampled, replace=False)
    noise = rng.standard_normal((args.sampled, args.width)) / np.sqrt(args.width)  # rows of norm ≈ 1
    ref = standardise(cand[picked] + 0.5 * noise)
    times: dict[str, float] = {}
    found: dict[str, np.ndarray] = {}
    for device in dict.fromkeys(["cpu", args.device]):
        best_matches(ref[:4], cand[:64], device=device)  # warm-up (CUDA context, kernels)
        start = time.perf_counter()
        found[device], _ = best_matches(ref, cand, device=device)
        times[device] = time.perf_counter() - start
    agree = float(np.mean(found["cpu"] == found[args.device]))
    recovered = float(np.mean(found[args.device] == picked))
    print(
        f"best_matches {args.sampled}×{args.width} against {args.units}×{args.width}: "
        f"cpu {times['cpu']:.3f} s, {args.device} {times[args.device]:.3f} s, "
        f"{args.device} ÷ cpu {times[args.device] / times['cpu']:.3f}; "
        f"same match {agree:.1%}; planted units recovered {recovered:.1%}"
    )
    ok = tests == 0 and (gpu_tests == 0 or args.device == "cpu") and agree == 1.0 and recovered == 1.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
