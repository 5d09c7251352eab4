"""Writes the render tests' evidence files with the real ``evidence`` command, against the local Hub test
server serving the stand-ins of :mod:`tests.evidence.conftest` under the configured repository ids.

    .venv/bin/python -m tests.render.make_evidence

Two audits: NAVER's vision encoder against Qwen2.5-VL (a copied tower: the allegation reproduced) and
Upstage against GLM-4.5-Air (independent gains near 1: the accuser's raw cosine, the rebuttal's Pearson).
The files are committed under ``tests/render/evidence/`` and checked by ``check`` in the tests
(:mod:`tests.render.test_evidence_pages`), so a change of format that makes them stale fails there; rerun
this script then. Only the date and the seconds taken differ from one run to the next.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from generator.audit import remote_transport
from generator.commands import evidence_command
from tests.audit.hubserver import serving
from tests.evidence.conftest import stand_ins

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).parent / "evidence"
AUDITS = ("naver-hcx-think-32b-vs-qwen2-5-vl-32b", "upstage-solar-open-vs-glm-4-5-air")


def main() -> int:
    """Run the audits in a scratch copy of the round and copy their files here."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(ROOT / "data" / "round-1", work / "data" / "round-1")
        shutil.rmtree(work / "data" / "round-1" / "evidence", ignore_errors=True)
        with serving(stand_ins(work / "stand-ins")) as server:
            os.environ["HF_ENDPOINT"] = server.url
            os.environ.pop("HF_TOKEN", None)
            remote_transport.BACKOFF_S = 0.001
            os.chdir(work)
            args = ["--data", "data/round-1", "--device", "cpu"]
            for audit in AUDITS:
                args += ["--only", audit]
            result = CliRunner().invoke(evidence_command, args)
        if result.exit_code != 0:
            sys.stderr.write(result.output)
            return 1
        OUT.mkdir(exist_ok=True)
        for audit in AUDITS:
            shutil.copyfile(work / "data" / "round-1" / "evidence" / f"{audit}.json", OUT / f"{audit}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
