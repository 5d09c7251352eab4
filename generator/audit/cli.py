"""``audit`` and ``fingerprint`` commands: thin wrappers over :mod:`generator.audit`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from generator.audit.engine import make_fingerprint, run_audit
from generator.audit.read import load_mapping
from generator.audit.report import AuditReport
from generator.cli import reports_errors
from generator.errors import InputError

_PATH = click.Path(path_type=Path)


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=max(total, 1))
        bar.update(tasks[stage], completed=done)

    with bar:
        yield update


def summary_lines(report: AuditReport) -> list[str]:
    """The readable summary printed after an audit."""
    lines = [f"Verdict: {report.verdict}  ({report.candidate} vs {report.reference_kind} {report.reference})"]
    for component in report.components:
        evidence = f"log10 p = {component.log10_p:.1f}" if component.log10_p is not None else "no test"
        lines.append(
            f"  {component.name}: {component.verdict} — {component.parameters:,} parameters, "
            f"{component.share_compared:.0%} compared, {component.share_identical:.0%} identical, {evidence}"
        )
        lines.append(f"    {component.summary}")
    return lines


@click.command("audit")
@click.argument("candidate", type=_PATH)
@click.argument("reference", type=_PATH)
@click.option("--json", "json_out", type=_PATH, default=None, help="Write the full report here.")
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="Where matrix products run (auto: CUDA when available).",
)
@click.option(
    "--mapping", type=_PATH, default=None, help='YAML/JSON: {"components": {"name prefix": "component"}}.'
)
@reports_errors
def audit_command(
    candidate: Path, reference: Path, json_out: Path | None, device: str, mapping: Path | None
) -> None:
    """Audit CANDIDATE (safetensors file or directory) against REFERENCE (the same, or a fingerprint)."""
    components = load_mapping(mapping) if mapping is not None else None
    if json_out is not None:
        _check_writable(json_out)  # before a long audit, not after it
    with _progress() as progress:
        report = run_audit(candidate, reference, device=device, mapping=components, progress=progress)
    for line in summary_lines(report):
        click.echo(line)
    if json_out is not None:
        try:
            json_out.write_text(
                json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        except OSError as error:
            raise InputError(f"{json_out}: cannot be written ({error.strerror or error})") from error


def _check_writable(path: Path) -> None:
    """Fail early when the report file could not be written: a missing folder, a folder, no permission."""
    folder = path.parent if str(path.parent) else Path()
    if path.is_dir():
        raise InputError(f"--json {path}: is a folder")
    if not folder.is_dir():
        raise InputError(f"--json {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"--json {path}: not writable")


@click.command("fingerprint")
@click.argument("model", type=_PATH)
@click.option("--out", type=_PATH, required=True, help="Fingerprint file to write.")
@reports_errors
def fingerprint_command(model: Path, out: Path) -> None:
    """Write a compact fingerprint of MODEL that `audit` accepts in place of the reference."""
    with _progress() as progress:
        size, model_bytes = make_fingerprint(model, out, progress=progress)
    click.echo(
        f"Wrote {out}: {size:,} bytes ({size / max(1, model_bytes):.2%} of the model's {model_bytes:,} bytes)"
    )
