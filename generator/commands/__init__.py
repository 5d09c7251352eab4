"""The commands of ``python -m generator``, each a few lines over the library.

:mod:`~generator.commands.round` holds the commands over a round folder (``check``, ``scores``, ``build``,
``evidence``), :mod:`~generator.commands.weights` those over checkpoints (``audit``, ``fingerprint``),
:mod:`~generator.commands.boundary` the error boundary every command passes through, and
:mod:`~generator.commands.options` the options they share. :mod:`generator.cli` assembles them into one
click group. A command imports the library only when it runs, so that ``--help`` stays fast.
"""

from __future__ import annotations

from generator.commands.round import build_command, check_command, evidence_command, scores_command
from generator.commands.weights import audit_command, fingerprint_command

COMMANDS = (
    check_command,
    scores_command,
    build_command,
    evidence_command,
    audit_command,
    fingerprint_command,
)
"""Every command, in the order a newcomer meets them."""

__all__ = [
    "COMMANDS",
    "audit_command",
    "build_command",
    "check_command",
    "evidence_command",
    "fingerprint_command",
    "scores_command",
]
