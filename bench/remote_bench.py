"""Benchmark the audit of checkpoints read in place over HTTP against the same audit of local files.

Run by hand or by ``make bench`` (never by ``make test``):
``.venv/bin/python bench/remote_bench.py [--gb 1.05] [--latency-ms 20]``.
Writes the llama-shaped bf16 pair of ``bench/audit_bench.py`` (a reference and a derived candidate — or,
with ``--independent``, an unrelated one — each ``--gb`` GB, so the pair is ≥ 2 GB by default) to a
temporary directory, serves both from 127.0.0.1 through
the test Hub (``tests/audit/hubserver.py``: the Hub's revision API and ``resolve`` with ``Range``), adding
``--latency-ms`` to every request, and measures in fresh child processes:

* the local audit (both files in the page cache), counting the bytes it reads;
* the same audit with both given as ``hf://`` locations — wall time, requests, bytes fetched (with its own
  ``HF_HOME``, where ``huggingface_hub`` keeps what it asks the Hub once a day, as a user's keeps it);

alternately, ``--repeat`` times each (3), after flushing the freshly written pair to disk; the medians are
reported, every run's times are in the JSON line.

It prints the two ratios the issue asks for: bytes fetched ÷ the two files' bytes (goal ≤ 2%) and remote
time ÷ local time (goal ≤ 3×), and checks that both audits reach the same verdict.
"""

from __future__ import annotations

import argparse
import json
import mmap
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import audit_bench  # noqa: E402 — the bench folder is not a package

from tests.audit.hubserver import serving  # noqa: E402

CHILD = r"""
import json, sys, time
from pathlib import Path
from typing import Any
sys.path.insert(0, {root!r})
from generator.audit import run_audit
from generator.audit.read import TensorReader
import torch  # imported before the clock starts, by both runs alike
# and so is every library a remote audit uses: huggingface_hub's header and error helpers (~40 ms to import)
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status
candidate, reference = sys.argv[1:3]
read = [0]
if not candidate.startswith("hf://"):
    candidate, reference = Path(candidate), Path(reference)
    plain = TensorReader._pread_many
    def counted(self, info, spans):
        read[0] += sum(n for _, n in spans)
        return plain(self, info, spans)
    TensorReader._pread_many = counted
start, cpu = time.perf_counter(), time.process_time()
report = run_audit(candidate, reference, device="cpu")
print(json.dumps({{"seconds": time.perf_counter() - start, "cpu_s": time.process_time() - cpu,
                   "verdict": report.verdict, "transfer": report.transfer, "read": read[0]}}))
"""


SHAPES = {"tinyllama": (2048, 5632, 32000), "llama-2-7b": (4096, 11008, 32000)}
"""Model widths (d, FFN, vocabulary) the bench can generate; the layer count sets the size."""


def bench(
    directory: Path,
    gigabytes: float,
    latency_ms: float,
    shape: str,
    *,
    independent: bool,
    pacing: dict[str, str],
    redirect: bool = False,
    repeat: int = 3,
) -> dict[str, Any]:
    d, ff, vocab = SHAPES[shape]
    audit_bench.D, audit_bench.FF, audit_bench.VOCAB = d, ff, vocab  # read by its generator at call time
    per_layer = 2 * (4 * d * d + 3 * d * ff + 2 * d)
    layers = max(1, round((gigabytes * 1e9 - 4 * vocab * d) / per_layer))
    reference, candidate = audit_bench._write_pair(directory, layers, independent=independent)
    code = CHILD.format(root=str(ROOT))
    os.sync()  # the pair was just written: its dirty pages would be flushed during the timed runs
    locals_: list[dict[str, Any]] = []
    remotes: list[dict[str, Any]] = []
    with reference.open("rb") as ref, candidate.open("rb") as cand:
        maps = [mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) for f in (ref, cand)]
        names = ("bench/reference", "bench/candidate")
        repos = {name: {"model.safetensors": m} for name, m in zip(names, maps, strict=True)}
        with serving(repos) as hub:
            for m in maps:  # hashed before the clock starts, as the real Hub has them hashed
                hub.sha256(m)
            with hub.faults.lock:
                hub.faults.latency_s, hub.faults.redirect = latency_ms / 1000, redirect
            for _ in range(repeat):  # alternately, so that a busy spell of this shared VM hits both alike
                locals_.append(audit_bench.run_child(code, str(candidate), str(reference)))
                before = time.process_time()  # this process runs nothing but the test Hub meanwhile
                remotes.append(
                    audit_bench.run_child(
                        code,
                        "hf://bench/candidate",
                        "hf://bench/reference",
                        env={"HF_ENDPOINT": hub.url, "HF_HOME": str(directory / "hf-home"), **pacing},
                    )
                )
                remotes[-1]["hub_cpu_s"] = time.process_time() - before
            served = {  # per remote audit
                "requests": hub.log.requests // repeat,
                "api": hub.log.api_requests // repeat,
                "bytes": hub.log.bytes_sent // repeat,
                "most_in_flight": hub.log.most_in_flight,
                "resolve_redirects": hub.log.redirects // repeat,
            }
        for m in maps:
            m.close()
    total = reference.stat().st_size + candidate.stat().st_size
    local, remote = _median(locals_, "seconds"), _median(remotes, "seconds")
    transfer = remote["transfer"]
    return {
        "shape": shape,
        "pair_gb": total / 1e9,
        "layers": layers,
        "latency_ms": latency_ms,
        "pacing": pacing,
        "local_s": local["seconds"],
        "remote_s": remote["seconds"],
        "remote_cpu_s": remote["cpu_s"],
        "hub_cpu_s": remote["hub_cpu_s"],
        "time_ratio": remote["seconds"] / local["seconds"],
        "requests": transfer["requests"],
        "bytes_fetched": transfer["fetched"],
        "bytes_share": transfer["fetched"] / total,
        "local_bytes_read": local["read"],
        "local_read_share": local["read"] / total,
        "retries": transfer["retries"],
        "server": served,
        "verdict_local": local["verdict"],
        "verdict_remote": remote["verdict"],
        "runs": [[a["seconds"], b["seconds"]] for a, b in zip(locals_, remotes, strict=True)],
        "verdicts_agree": len({r["verdict"] for r in locals_ + remotes}) == 1,
    }


def _median(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The run whose ``key`` is the median (the lower one of an even count)."""
    return sorted(runs, key=lambda r: r[key])[(len(runs) - 1) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.05, help="Size of each file of the pair, in GB.")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="Added to every HTTP request.")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tinyllama", help="Model widths.")
    parser.add_argument(
        "--independent", action="store_true", help="An unrelated candidate, not a derived one."
    )
    parser.add_argument("--workers", type=int, default=None, help="Requests in flight (AUDIT_HTTP_WORKERS).")
    parser.add_argument("--bandwidth", type=float, default=None, help="Assumed MB/s: sets the gap joined.")
    parser.add_argument(
        "--redirect", action="store_true", help="resolve answers 302 to a CDN URL, as the Hub does."
    )
    parser.add_argument("--dir", type=Path, default=None, help="Where to write the checkpoints (a temp dir).")
    parser.add_argument(
        "--repeat", type=int, default=3, help="Local and remote audits, alternately; medians are reported."
    )
    options = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="remote-bench-", dir=options.dir))
    try:
        pacing = {
            variable: str(value)
            for variable, value in (
                ("AUDIT_HTTP_WORKERS", options.workers),
                ("AUDIT_HTTP_BANDWIDTH", options.bandwidth),
            )
            if value is not None
        }
        r = bench(
            directory,
            options.gb,
            options.latency_ms,
            options.shape,
            independent=options.independent,
            pacing=pacing,
            redirect=options.redirect,
            repeat=max(1, options.repeat),
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps(r))
    if r["verdict_local"] != r["verdict_remote"] or not r["verdicts_agree"]:
        raise SystemExit(f"verdicts differ: local {r['verdict_local']}, remote {r['verdict_remote']}")
    print()
    print(
        "| pair (d) | latency | local audit (median) | remote audit (median; its CPU) | remote ÷ local (≤ 3) "
        "| requests | most in flight | fetched ÷ pair (≤ 2%) | local audit read ÷ pair | verdicts |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {r['pair_gb']:.2f} GB ({SHAPES[r['shape']][0]}) | {r['latency_ms']:.0f} ms "
        f"| {r['local_s']:.2f} s "
        f"| {r['remote_s']:.2f} s ({r['remote_cpu_s']:.1f} s) "
        f"| {r['time_ratio']:.1f} | {r['requests']:,} | {r['server']['most_in_flight']} "
        f"| {r['bytes_share']:.2%} ({r['bytes_fetched']:,} B) "
        f"| {r['local_read_share']:.2%} | {r['verdict_local']} / {r['verdict_remote']} |"
    )


if __name__ == "__main__":
    main()
