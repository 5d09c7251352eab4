"""The commands over checkpoints — ``audit`` and ``fingerprint`` — thin wrappers over
:mod:`generator.audit`, which each imports only when it runs (torch is heavy to import)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from generator.commands.boundary import reports_errors
from generator.commands.options import CACHE_OPTION, DEVICE_OPTION, LibraryDefault, http_options
from generator.errors import InputError

_PATH = click.Path(path_type=Path)


def _location(text: str) -> Path | str:
    """A command-line checkpoint argument: a URL stays text (``Path`` would fold ``//``), else a path."""
    from generator.audit.remote import is_remote  # noqa: PLC0415

    return text if is_remote(text) else Path(text)


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeRemainingColumn,
    )

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


def _expert_seed() -> tuple[object, str]:
    from generator.audit.experts import EXPERT_SEED, EXPERTS_PER_LAYER  # noqa: PLC0415

    return EXPERT_SEED, (
        f"Seed choosing which routed experts are tested ({EXPERTS_PER_LAYER} per layer); in the report."
    )


@click.command("audit")
@click.argument("candidate")
@click.argument("reference")
@click.option("--json", "json_out", type=_PATH, default=None, help="Write the full report here.")
@DEVICE_OPTION
@click.option(
    "--mapping", type=_PATH, default=None, help='YAML/JSON: {"components": {"name prefix": "component"}}.'
)
@click.option("--expert-seed", cls=LibraryDefault, library=_expert_seed, type=int, show_default=True)
@CACHE_OPTION
@http_options
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
    from generator.audit.engine import run_audit  # noqa: PLC0415
    from generator.audit.read import load_mapping  # noqa: PLC0415
    from generator.audit.summary import summary_lines  # noqa: PLC0415

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
@CACHE_OPTION
@http_options
@reports_errors
def fingerprint_command(model: str, out: Path, cache: Path | None) -> None:
    """Write a compact fingerprint of MODEL (a path, hf:// or http(s):// URL) that `audit` accepts in place
    of the reference."""
    from generator.audit.engine import make_fingerprint  # noqa: PLC0415

    with _progress() as progress:
        size, model_bytes = make_fingerprint(_location(model), out, progress=progress, cache=cache)
    click.echo(
        f"Wrote {out}: {size:,} bytes ({size / max(1, model_bytes):.2%} of the model's {model_bytes:,} bytes)"
    )
