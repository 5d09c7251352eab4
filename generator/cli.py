"""The thin command-line interface: one click group over the library.

Domain errors (:class:`generator.errors.GeneratorError`) become ``Error: …`` on stderr and a non-zero
exit code; bad input never prints a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click

from generator.errors import GeneratorError

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Translate domain errors raised by ``func`` into a clean message and exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except GeneratorError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_code)

    return wrapper


DEVICE_OPTION = click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="Where the audit's matrix products run (auto: CUDA when available).",
)
"""The ``--device`` option of every command that runs the audit engine."""


@click.group()
@click.version_option(package_name="sovereign-ai-report")
def cli() -> None:
    """Transparency report generator for the Sovereign AI Foundation Model project."""


def main() -> None:
    """Console entry point."""
    _register_commands()
    cli(prog_name="python -m generator")


def _register_commands() -> None:
    # Commands live beside the stage they drive; importing here keeps `--help` fast and the CLI thin.
    from generator.audit.cli import audit_command, fingerprint_command  # noqa: PLC0415
    from generator.commands import (  # noqa: PLC0415
        build_command,
        check_command,
        evidence_command,
        scores_command,
    )

    commands = (
        check_command,
        scores_command,
        build_command,
        evidence_command,
        audit_command,
        fingerprint_command,
    )
    for command in commands:
        cli.add_command(command)
