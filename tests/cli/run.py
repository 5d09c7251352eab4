"""Running the CLI in tests: in-process through click's ``CliRunner``, or as a real process."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from generator.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, kw_only=True)
class Ran:
    """What a run of the CLI printed and how it ended."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> Ran:
    """Run ``python -m generator ARGS`` in this process.

    An exception that escapes the error boundary is raised here: in a real process it would have printed a
    traceback, so the test fails with it instead of reading an exit code.
    """
    result = CliRunner().invoke(cli, list(args), prog_name="python -m generator")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def run_process(*args: str, timeout: float = 300) -> Ran:
    """Run ``python -m generator ARGS`` as a real process, from the repository root."""
    process = subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Ran(returncode=process.returncode, stdout=process.stdout, stderr=process.stderr)
