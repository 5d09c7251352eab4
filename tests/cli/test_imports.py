"""What the CLI imports: ``--help`` only click, and ``check`` no torch, no site stack, no scipy.stats.

Each test runs the CLI in a fresh interpreter (in-process there, through ``runpy``) and reads
``sys.modules`` afterwards: this process has long imported everything.

``check`` does import SciPy's linear programming (``scipy.optimize``, ``scipy.sparse``): whether the
published figures, means and rankings contradict each other is part of validating a round, and only a
linear programme answers it. ``scipy.stats`` (trimmed means of raw panel scores) is imported only for a
round with raw data; torch only to run an audit.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from tests.cli.run import ROOT

PROBE = """
import json, runpy, sys
sys.argv = ["generator", *sys.argv[1:]]
try:
    runpy.run_module("generator", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

AUDIT_ENGINE = {"torch", "safetensors", "huggingface_hub"}
SITE_STACK = {"altair", "jinja2", "mkdocs", "material", "vl_convert", "pandas"}


def _imported(*args: str) -> tuple[object, set[str]]:
    """The exit code and the modules imported after ``python -m generator ARGS``."""
    command = [sys.executable, "-c", PROBE, *args]
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    probe = json.loads(process.stdout.splitlines()[-1])
    return probe["code"], set(probe["modules"])


def _top_level(modules: set[str]) -> set[str]:
    return {name.partition(".")[0] for name in modules}


def test_help_imports_only_click() -> None:
    code, modules = _imported("--help")
    assert code == 0
    assert "generator.commands" in modules, "the probe did not run the CLI"
    heavy = AUDIT_ENGINE | SITE_STACK | {"scipy", "numpy", "pydantic", "yaml", "rich", "httpx2"}
    assert not heavy & _top_level(modules), sorted(heavy & _top_level(modules))


def test_check_imports_no_torch_no_site_stack_and_no_scipy_stats() -> None:
    code, modules = _imported("check")
    assert code == 0
    assert "generator.scoring" in modules, "the probe did not score the round"
    heavy = AUDIT_ENGINE | SITE_STACK
    assert not heavy & _top_level(modules), sorted(heavy & _top_level(modules))
    assert "scipy.stats" not in modules


def test_nothing_in_the_package_imports_the_cli() -> None:
    """``cli.py`` assembles the commands; a module importing it back would close a circle."""
    importers = []
    for path in sorted((ROOT / "generator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if "generator.cli" in names:
                importers.append(path.relative_to(ROOT).as_posix())
    assert importers == ["generator/__main__.py"]
