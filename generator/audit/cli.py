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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from generator.audit import cheap
from generator.audit.engine import make_fingerprint, run_audit
from generator.audit.experts import EXPERT_SEED, EXPERTS_PER_LAYER
from generator.audit.read import load_mapping
from generator.audit.remote import is_remote
from generator.audit.report import AuditReport, ComponentReport
from generator.cli import DEVICE_OPTION, reports_errors
from generator.errors import InputError

_PATH = click.Path(path_type=Path)
_CACHE = click.option(
    "--cache",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Keep ranges fetched from hf:// or http(s):// locations here (keyed by each file's sha256).",
)


def _location(text: str) -> Path | str:
    """A command-line checkpoint argument: a URL stays text (``Path`` would fold ``//``), else a path."""
    return text if is_remote(text) else Path(text)


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=max(total, 1))
        bar.update(tasks[stage], completed=done, total=max(total, 1))  # bytes planned grow as reads are

    with bar:
        yield update


def summary_lines(report: AuditReport) -> list[str]:
    """The readable summary printed after an audit."""
    lines = [f"Verdict: {report.verdict}  ({report.candidate} vs {report.reference_kind} {report.reference})"]
    if report.summary:
        lines.append(f"  {report.summary}")
    for component in report.components:
        evidence = f"log10 p = {component.log10_p:.1f}" if component.log10_p is not None else "no test"
        lines.append(
            f"  {component.name}: {component.verdict} — {component.parameters:,} parameters, "
            f"{component.share_compared:.0%} compared, {component.share_identical:.0%} identical, {evidence}"
        )
        lines.append(f"    {component.summary}")
        lines.extend(f"    {line}" for line in _expert_lines(component))
    if any(c.expert_matches for c in report.components):
        lines.append(f"  Routed experts sampled per layer with expert seed {report.expert_seed}.")
    if report.reference_unpaired:
        lines.append(
            f"  Reference tensors not compared with any candidate tensor: {len(report.reference_unpaired):,}."
        )
    for role, files in (("candidate", report.candidate_files), ("reference", report.reference_files)):
        for file in files:
            if file.revision is not None or file.etag is not None or file.sha256 is not None:
                lines.append(
                    f"  {role} file {file.location}: {file.size:,} bytes, commit {file.revision or 'n/a'}, "
                    f"sha256 {file.sha256 or 'not published'}"
                )
    if report.transfer is not None:
        remote = sum(
            f.size for f in (*report.candidate_files, *report.reference_files) if f.etag or f.revision
        )
        lines.append(
            f"  fetched {report.transfer['fetched']:,} bytes in {report.transfer['requests']:,} requests "
            f"({report.transfer['fetched'] / max(1, remote):.2%} of the remote files' {remote:,} bytes)"
        )
    if report.cheap is not None:
        lines.extend(cheap.summary_lines(report.cheap))
    return lines


def _expert_lines(component: ComponentReport) -> list[str]:
    """One line per candidate layer: which reference FFN each sampled expert was matched with."""
    by_layer: dict[int, list[str]] = {}
    for match in component.expert_matches:
        mark = " *" if match.significant else ""
        by_layer.setdefault(match.candidate_layer, []).append(
            f"{match.candidate} → {match.reference_layer}:{match.reference}{mark}"
        )
    lines = [f"layer {layer} experts: {', '.join(pairs)}" for layer, pairs in sorted(by_layer.items())]
    return [*lines, "(* shows shared origin on its own)"] if lines else []


@click.command("audit")
@click.argument("candidate")
@click.argument("reference")
@click.option("--json", "json_out", type=_PATH, default=None, help="Write the full report here.")
@DEVICE_OPTION
@click.option(
    "--mapping", type=_PATH, default=None, help='YAML/JSON: {"components": {"name prefix": "component"}}.'
)
@click.option(
    "--expert-seed",
    type=int,
    default=EXPERT_SEED,
    show_default=True,
    help=f"Seed choosing which routed experts are tested ({EXPERTS_PER_LAYER} per layer); in the report.",
)
@_CACHE
@reports_errors
def audit_command(
    *,
    candidate: str,
    reference: str,
    json_out: Path | None,
    device: str,
    mapping: Path | None,
    expert_seed: int,
    cache: Path | None,
) -> None:
    """Audit CANDIDATE (safetensors file or directory) against REFERENCE (the same, or a fingerprint).

    Either may also be hf://OWNER/NAME[@REVISION][/SUBFOLDER] or an http(s):// URL of a .safetensors file
    or of a *.safetensors.index.json: only headers and sampled windows are fetched (HF_ENDPOINT and HF_TOKEN
    are honoured).
    """
    components = load_mapping(mapping) if mapping is not None else None
    if json_out is not None:
        _check_writable(json_out)  # before a long audit, not after it
    with _progress() as progress:
        report = run_audit(
            _location(candidate),
            _location(reference),
            device=device,
            mapping=components,
            progress=progress,
            cache=cache,
            expert_seed=expert_seed,
        )
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
@click.argument("model")
@click.option("--out", type=_PATH, required=True, help="Fingerprint file to write.")
@_CACHE
@reports_errors
def fingerprint_command(model: str, out: Path, cache: Path | None) -> None:
    """Write a compact fingerprint of MODEL (a path, hf:// or http(s):// URL) that `audit` accepts in place
    of the reference."""
    with _progress() as progress:
        size, model_bytes = make_fingerprint(_location(model), out, progress=progress, cache=cache)
    click.echo(
        f"Wrote {out}: {size:,} bytes ({size / max(1, model_bytes):.2%} of the model's {model_bytes:,} bytes)"
    )
