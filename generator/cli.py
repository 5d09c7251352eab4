"""The click group of ``python -m generator``: it only assembles the commands of :mod:`generator.commands`.

Nothing imports this module but the entry points (``python -m generator``, the ``sovereign-report``
script); the commands and their error boundary live in :mod:`generator.commands`.
"""

from __future__ import annotations

import click

from generator.commands import COMMANDS


@click.group(commands=COMMANDS)
@click.version_option(package_name="sovereign-ai-report")
def cli() -> None:
    """Transparency report generator for the Sovereign AI Foundation Model project."""


def main() -> None:
    """Console entry point."""
    cli(prog_name="python -m generator")
