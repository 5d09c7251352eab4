"""Several rounds in one data folder: find the round folders, validate each as today, order them.

``--data`` names either one round folder (it holds ``round.yaml``: today's usage, ``data/round-1``) or a
parent folder whose sub-folders are rounds (``data/``). Each round is validated on its own by
:func:`generator.validate.read_round`; the problems of every round are collected and raised once, each
located by its round folder (``round-2/figures.csv: row 3, …``), so that one bad round does not hide the
problems of another.

The site these rounds are published in is laid out by :mod:`generator.render.site` (issue 12 §7): each
round's pages under its frozen ``id`` (``/round-1/…``, ``/en/round-1/…``), downloads at
``/downloads/<round-id>/``, the site's home the :attr:`Rounds.latest` round's, cross-round team pages at
``/teams/<team>/``, and round 1's first root addresses kept as redirect pages.

A fictional round is never published beside real ones: :func:`read_rounds` refuses the mix unless the
caller (a test) asks for it with ``allow_fictional``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from generator.errors import DataError, Problem
from generator.model import Round
from generator.validate import Validated, read_round

ROUND_FILE = "round.yaml"
"""The file that makes a folder a round folder."""


@dataclass(frozen=True, kw_only=True)
class RoundData:
    """One validated round and the folder it was read from."""

    folder: Path
    validated: Validated

    @property
    def round(self) -> Round:
        return self.validated.round

    @property
    def published(self) -> bool:
        """True when the round has published figures (a disclosed value or raw evaluation data)."""
        round_ = self.validated.round
        return any(f.disclosed for f in round_.figures) or not round_.raw.empty


@dataclass(frozen=True, kw_only=True)
class Rounds:
    """Every round of a data folder, validated, oldest first (by announcement date, then id)."""

    rounds: tuple[RoundData, ...]

    @property
    def latest(self) -> RoundData:
        """The newest round with published figures; the oldest round when none has any yet."""
        published = [r for r in self.rounds if r.published]
        return published[-1] if published else self.rounds[0]

    def __len__(self) -> int:
        return len(self.rounds)


def round_folders(data_dir: Path) -> tuple[Path, ...]:
    """The round folders ``--data`` names: itself when it holds ``round.yaml``, else its sub-folders that do.

    Sub-folders are returned sorted by name; raises :class:`DataError` when there is no round at all.
    """
    if not data_dir.is_dir():
        raise DataError([Problem(file=str(data_dir), message="data folder not found")])
    if (data_dir / ROUND_FILE).is_file():
        return (data_dir,)
    folders = tuple(sorted(p for p in data_dir.iterdir() if p.is_dir() and (p / ROUND_FILE).is_file()))
    if not folders:
        message = f"no round folder found: neither {ROUND_FILE} here nor a sub-folder holding one"
        raise DataError([Problem(file=str(data_dir), message=message)])
    return folders


def read_rounds(data_dir: Path, *, allow_fictional: bool = False) -> Rounds:
    """Read and validate every round under ``data_dir``; raise :class:`DataError` once with every problem.

    A parent folder's problems and warnings are located by round folder (``round-2/teams.yaml: …``).
    A fictional round beside a real one is refused unless ``allow_fictional`` (tests build the fictional
    round as a second round; the public site never does). Two rounds with the same ``id`` are refused:
    the id is the round's frozen address.
    """
    folders = round_folders(data_dir)
    nested = folders != (data_dir,)
    problems: list[Problem] = []
    read: list[RoundData] = []
    for folder in folders:
        try:
            validated = read_round(folder)
        except DataError as error:
            problems.extend(_located(p, folder.name) if nested else p for p in error.problems)
            continue
        if nested:
            warnings = tuple(_located(w, folder.name) for w in validated.warnings)
            validated = replace(validated, warnings=warnings)
        read.append(RoundData(folder=folder, validated=validated))
    problems.extend(_mixed(read, allow_fictional=allow_fictional))
    if problems:
        raise DataError(problems)
    ordered = sorted(read, key=lambda r: (r.round.info.announced, r.round.info.id))
    return Rounds(rounds=tuple(ordered))


def _located(problem: Problem, folder: str) -> Problem:
    return replace(problem, file=f"{folder}/{problem.file}")


def _mixed(read: list[RoundData], *, allow_fictional: bool) -> list[Problem]:
    """Rounds that may not be published together: a fictional one beside real ones, or a repeated id."""
    problems: list[Problem] = []
    real = [r for r in read if not r.round.info.fictional]
    if real and not allow_fictional:
        problems.extend(
            Problem(
                file=f"{r.folder.name}/{ROUND_FILE}",
                where="fictional",
                message="a fictional round is never published beside real rounds; "
                "move it out of the data folder (tests build it as a second round on purpose)",
            )
            for r in read
            if r.round.info.fictional
        )
    seen: dict[str, str] = {}
    for r in read:
        first = seen.setdefault(r.round.info.id, r.folder.name)
        if first != r.folder.name:
            problems.append(
                Problem(
                    file=f"{r.folder.name}/{ROUND_FILE}",
                    where="id",
                    message=f"round id {r.round.info.id!r} is already used by {first}/{ROUND_FILE}",
                )
            )
    return problems
