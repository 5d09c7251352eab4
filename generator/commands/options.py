"""The options several commands share, and options whose default is a library constant.

A command module imports only click at the top: the library is imported inside each command, so that
``python -m generator --help`` and the commands that do not need the audit engine or the site stack stay
fast. :class:`LibraryDefault` does the same for an option whose default (and help text) comes from the
library.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


class LibraryDefault(click.Option):
    """An option whose default and help text are read from the library only when they are needed.

    ``library`` returns ``(default, help)``; it is called when the command runs or its own ``--help`` is
    shown, never when the group's ``--help`` lists the commands.
    """

    def __init__(self, *decls: Any, library: Callable[[], tuple[object, str]], **attrs: Any) -> None:
        super().__init__(*decls, **attrs)
        self._library: Callable[[], tuple[object, str]] | None = library

    def _load(self) -> None:
        if self._library is not None:
            self.default, self.help = self._library()
            self._library = None

    def get_default(self, ctx: click.Context, call: bool = True) -> Any:
        self._load()
        return super().get_default(ctx, call=call)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self._load()
        return super().get_help_record(ctx)

    def to_info_dict(self) -> dict[str, Any]:
        self._load()
        return super().to_info_dict()


FOLDER = click.Path(path_type=Path, file_okay=False)
"""A folder argument, as a :class:`~pathlib.Path`."""

DATA_OPTION = click.option(
    "--data",
    "data_dir",
    type=FOLDER,
    default=Path("data/round-1"),
    show_default=True,
    help="One round's folder (or a data folder that holds a single round).",
)
"""``--data``: the one round folder a command reads."""

DEVICE_OPTION = click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="Where the audit's matrix products run (auto: CUDA when available).",
)
"""``--device``: where the audit engine runs, for every command that runs it."""

CACHE_OPTION = click.option(
    "--cache",
    type=FOLDER,
    default=None,
    help="Keep ranges fetched from hf:// or http(s):// locations here (keyed by each file's sha256).",
)
"""``--cache``: where fetched ranges of remote checkpoints are kept."""


def _to_environment(variable: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    """A callback handing an option's value to the remote reader through its ``AUDIT_HTTP_*`` variable,
    which every :class:`~generator.audit.remote.Remote` reads when it is made (the evidence runner's too)."""

    def store(_ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is not None:
            os.environ[variable] = repr(value)  # the environment is how the reader is told; exact

    return store


def http_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--http-workers``, ``--http-bandwidth``, ``--http-latency-ms``, ``--http-room-mb``: how a remote
    checkpoint is read (the command-line face of the ``AUDIT_HTTP_*`` variables; an option given wins over
    the variable)."""
    settings = (
        ("--http-workers", "AUDIT_HTTP_WORKERS", click.IntRange(1, 256), "Requests in flight at once [32]."),
        (
            "--http-bandwidth",
            "AUDIT_HTTP_BANDWIDTH",
            click.FloatRange(0),
            "MB/s the link is assumed to deliver; with the latency, which gaps are joined (0: none) [25].",
        ),
        (
            "--http-latency-ms",
            "AUDIT_HTTP_LATENCY_MS",
            click.FloatRange(0, 60_000),
            "Milliseconds one request is assumed to wait for its answer [20].",
        ),
        (
            "--http-room-mb",
            "AUDIT_HTTP_ROOM_MB",
            click.IntRange(1, 65536),
            "MiB of fetched bytes held at once ahead of the stage that reads them; what a stage plans past it"
            " is fetched when asked, a round trip each [512].",
        ),
    )
    for flag, variable, kind, text in reversed(settings):
        command = click.option(
            flag,
            type=kind,
            default=None,
            envvar=variable,
            show_envvar=True,
            expose_value=False,
            callback=_to_environment(variable),
            help=text,
        )(command)
    return command
