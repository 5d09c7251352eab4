"""Readers: files in, plain Python values out, every problem recorded with its file and line or row.

Nothing here interprets the data; :mod:`generator.validate` does. Readers never raise for bad input:
they add a :class:`~generator.errors.Problem` to the collector and return ``None``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import Problem

MAX_DATA_FILE_BYTES = 20 * 1024 * 1024
"""Round data is small; a larger file is almost certainly the wrong file."""


@dataclass
class Problems:
    """Collects problems (errors and warnings) across a whole validation run."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, file: str, where: str, message: str) -> None:
        """Record an error."""
        self.errors.append(Problem(file=file, where=where, message=message))

    def warn(self, file: str, where: str, message: str) -> None:
        """Record a warning: legal, but probably not what was meant."""
        self.warnings.append(Problem(file=file, where=where, message=message))


class _TextDatesLoader(yaml.SafeLoader):
    """Safe loader that keeps dates as text, so pydantic (not PyYAML) judges them with a clear message."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, kw_only=True)
class YamlDocument:
    """A parsed YAML file plus the line of every value, for error messages."""

    data: Any
    lines: dict[tuple[str | int, ...], int]
    """Path of keys/indices → 1-based line number."""

    def line(self, path: Sequence[str | int]) -> int | None:
        """The line of the deepest known prefix of ``path``."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get(())


def read_text(path: Path, label: str, problems: Problems) -> str | None:
    """Read a UTF-8 text file (a leading BOM is accepted, as Excel writes one)."""
    if not path.exists():
        problems.error(label, "", "file not found")
        return None
    if not path.is_file():
        problems.error(label, "", "is not a regular file")
        return None
    size = path.stat().st_size
    if size > MAX_DATA_FILE_BYTES:
        problems.error(label, "", f"file is {size} bytes; data files must be under {MAX_DATA_FILE_BYTES}")
        return None
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.error(label, "", "file is UTF-16; save it as UTF-8")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.error(
            label, f"line {line}", f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save as UTF-8"
        )
        return None
    if "\x00" in text:
        problems.error(label, "", "file contains NUL bytes; is it a binary file?")
        return None
    return text


def read_yaml(path: Path, label: str, problems: Problems) -> YamlDocument | None:
    """Parse a YAML file safely (no Python object tags), keeping each value's line number."""
    text = read_text(path, label, problems)
    if text is None:
        return None
    try:
        node = yaml.compose(text, Loader=_TextDatesLoader)
        data = yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.error(label, where, f"not valid YAML: {error.problem or error}")
        return None
    except yaml.YAMLError as error:
        problems.error(label, "", f"not valid YAML: {error}")
        return None
    if data is None:
        problems.error(label, "", "file is empty")
        return None
    duplicates = duplicate_key_problems(node, label)
    problems.errors.extend(duplicates)
    if duplicates:
        return None
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return YamlDocument(data=data, lines=lines)


def duplicate_key_problems(node: yaml.Node | None, label: str) -> list[Problem]:
    """A problem for every key repeated within one mapping (YAML would silently keep the last value)."""
    return [
        Problem(file=label, where=f"line {at}", message=f"key '{key}' appears twice (first on line {first})")
        for key, at, first in _duplicate_keys(node)
    ]


def _duplicate_keys(node: yaml.Node | None) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                line = key.start_mark.line + 1
                if key.value in seen:
                    found.append((key.value, line, seen[key.value]))
                seen.setdefault(key.value, line)
            found += _duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found += _duplicate_keys(item)
    return found


def _collect_lines(
    node: yaml.Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line)
            lines[(*path, name)] = key.start_mark.line + 1
            _collect_lines(value, (*path, name), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, (*path, index), lines)


@dataclass(frozen=True, kw_only=True)
class CsvTable:
    """A CSV file as rows of text cells, each with its 1-based line number (the header is line 1)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


def read_csv(
    path: Path, label: str, columns: Sequence[str], problems: Problems, *, allow_no_rows: bool = False
) -> CsvTable | None:
    """Read a CSV with exactly ``columns`` (any order); ragged rows and unknown columns are errors."""
    text = read_text(path, label, problems)
    if text is None:
        return None
    if not text.strip():
        problems.error(label, "", "file is empty; expected a header row: " + ",".join(columns))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    start = 1  # the line on which the record being read begins
    try:
        for record in reader:
            records.append(record)
            start = reader.line_num + 1
    except csv.Error as error:
        unclosed = "end of data" in str(error)
        hint = " (a quote opened here is never closed)" if unclosed else ""
        problems.error(label, f"line {start}", f"not valid CSV: {error}{hint}")
        return None
    header = tuple(cell.strip() for cell in records[0])
    missing = [c for c in columns if c not in header]
    unknown = [c for c in header if c not in columns]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.error(label, "header (line 1)", f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.error(label, "header (line 1)", f"unknown column(s): {', '.join(unknown)}")
    if duplicated:
        problems.error(label, "header (line 1)", f"repeated column(s): {', '.join(duplicated)}")
    if missing or unknown or duplicated:
        return None
    rows: list[tuple[int, dict[str, str]]] = []
    for line, record in enumerate(records[1:], start=2):
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.error(label, f"row {line}", f"has {len(record)} cells; the header has {len(header)}")
            continue
        rows.append((line, {name: cell.strip() for name, cell in zip(header, record, strict=True)}))
    if not rows and not allow_no_rows:
        problems.error(label, "", "has a header but no data rows")
        return None
    return CsvTable(columns=header, rows=tuple(rows))
