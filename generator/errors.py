"""The one small hierarchy of domain errors; the CLI turns each into `Error: …` and an exit code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong with the input, located so that a person can act on it."""

    file: str
    """Path of the file, as the user gave it (relative to the data directory where possible)."""
    where: str = ""
    """Row, column or field inside the file, e.g. ``row 17, column "value"``; empty for the whole file."""
    message: str
    """What is wrong, in plain words."""

    def __str__(self) -> str:
        location = f"{self.file}: {self.where}" if self.where else self.file
        return f"{location}: {self.message}"


class GeneratorError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code: int = 1


class DataError(GeneratorError):
    """The round's data is invalid; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{count} {noun} in the data:\n{lines}")


class InputError(GeneratorError):
    """An input file other than round data (a checkpoint, a fingerprint) is unreadable or hostile."""

    exit_code = 2


class BuildError(GeneratorError):
    """The site could not be built; the previous site, if any, is left untouched."""

    exit_code = 1
