"""The CLI as a person runs it — a real process: bad input is one ``Error: …`` and exit 2, never a
traceback, for every command; both entry points run the same group."""

from __future__ import annotations

import importlib
import tomllib

import pytest

import generator
from generator.cli import cli
from tests.cli.run import ROOT, run_process

BAD_INPUT = {
    "check": (("check", "--data", "/no"), "Error: 1 problem in the data:\n  - /no: data folder not found"),
    "scores": (("scores", "--format", "xml"), "Error: Invalid value for '--format'"),
    "build": (("build", "--data", "/no", "--out", "/no-site"), "  - /no: data folder not found"),
    "evidence": (("evidence", "--only", "x"), "Error: --only x: no such audit in data/round-1/audits.yaml"),
    "audit": (("audit", "/no/a", "/no/b"), "Error: /no/a: no such file or directory"),
    "fingerprint": (("fingerprint", "/no/m", "--out", "/no/m.fp"), "Error: /no/m: no such file or directory"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BAD_INPUT))
def test_bad_input_is_an_error_line_and_exit_2_not_a_traceback(name: str) -> None:
    args, message = BAD_INPUT[name]
    result = run_process(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_bad_input_covers_every_command() -> None:
    assert set(BAD_INPUT) == set(cli.commands)


def test_python_m_generator_and_the_console_script_run_the_group() -> None:
    result = run_process("--version")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # the installed version is the project's and the package's (evidence files record the latter)
    assert project["version"] == generator.__version__
    assert (result.returncode, result.stdout) == (0, f"python -m generator, version {project['version']}\n")
    scripts = project["scripts"]
    module, _, name = scripts["sovereign-report"].partition(":")
    entry = getattr(importlib.import_module(module), name)
    assert entry.__module__ == "generator.cli"
    assert entry.__name__ == "main"
