"""Parse YAML entries and CSV rows with the pydantic models of :mod:`generator.schema`.

A pydantic error becomes one located problem per field (``entry 3 (id "x"), field "name.ko", line 12``) in
plain words; an entry that fails is reported and left out, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from generator import schema
from generator.load import Problems, YamlDocument
from generator.model import Text

M = TypeVar("M", bound=BaseModel)

_UNION_TAGS = {"mean", "highest", "lowest", "benchmarks", "panel"}
"""Discriminator values pydantic puts into an error's path; a person never wrote them."""


def where(
    doc: YamlDocument | None, path: Sequence[str | int], prefix: str = "", base: Sequence[str | int] = ()
) -> str:
    """``entry 3 (id "x"), field "name.ko", line 12`` — ``path`` is inside ``base`` (the entry's own path)."""
    field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")
    line = doc.line([*base, *path]) if doc else None
    parts = [p for p in (prefix, f'field "{field}"' if field else "", f"line {line}" if line else "") if p]
    return ", ".join(parts)


def entry(doc: YamlDocument | None, index: int, ident: str | None = None) -> str:
    """``entry 3 (id "x"), line 12``: where a list entry begins."""
    line = doc.line((index,)) if doc else None
    label = f"entry {index + 1}" + (f' (id "{ident}")' if ident else "")
    return f"{label}, line {line}" if line else label


def message(item: Mapping[str, Any]) -> str:
    """One pydantic error in plain words."""
    kind = item["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling)"
    if kind == "string_pattern_mismatch":
        pattern = item.get("ctx", {}).get("pattern", "")
        if pattern == schema.ID_PATTERN:
            return f"{item['input']!r} is not a valid id (lowercase letters, digits and single hyphens)"
        if pattern == schema.DATE_PATTERN:
            return f"{item['input']!r} is not a date (YYYY-MM-DD or YYYY-MM)"
        return f"{item['input']!r} has the wrong format"
    text = str(item["msg"])
    return text[0].lower() + text[1:] if text else kind


def _report(
    error: ValidationError,
    *,
    label: str,
    doc: YamlDocument | None,
    base: Sequence[str | int],
    prefix: str,
    problems: Problems,
) -> None:
    for item in error.errors():
        loc = [p for p in item["loc"] if not (isinstance(p, str) and p in _UNION_TAGS)]
        problems.error(label, where(doc, loc, prefix, base), message(item))


def parse_one(
    model: type[M], doc: YamlDocument | None, label: str, problems: Problems
) -> tuple[YamlDocument, M] | None:
    """A file that holds one mapping, parsed; ``None`` (and its problems recorded) when it is not valid."""
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.error(label, "line 1", f"expected a mapping of fields, found {_kind(doc.data)}")
        return None
    try:
        return doc, model.model_validate(doc.data)
    except ValidationError as error:
        _report(error, label=label, doc=doc, base=(), prefix="", problems=problems)
        return None


def parse_list(
    model: type[M] | TypeAdapter[Any], doc: YamlDocument | None, label: str, problems: Problems
) -> list[tuple[int, Any]]:
    """The valid entries of a file that holds a list, each with its index; the others are reported."""
    if doc is None:
        return []
    if not isinstance(doc.data, list):
        problems.error(label, "line 1", f"expected a list of entries, found {_kind(doc.data)}")
        return []
    parsed: list[tuple[int, Any]] = []
    for index, item in enumerate(doc.data):
        prefix = f"entry {index + 1}"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            prefix += f' (id "{item["id"]}")'
        try:
            value = (
                model.validate_python(item) if isinstance(model, TypeAdapter) else model.model_validate(item)
            )
        except ValidationError as error:
            _report(error, label=label, doc=doc, base=(index,), prefix=prefix, problems=problems)
            continue
        parsed.append((index, value))
    return parsed


def parse_row(model: type[M], cells: dict[str, str], label: str, at: str, problems: Problems) -> M | None:
    """One CSV row; each wrong cell is reported with its column."""
    try:
        return model.model_validate(cells)
    except ValidationError as error:
        report_cells(error, label, at, problems)
        return None


def report_cells(error: ValidationError, label: str, at: str, problems: Problems) -> None:
    """Each wrong cell of a CSV row at ``at`` (``row 17``), with its column."""
    for item in error.errors():
        problems.error(label, f'{at}, column "{item["loc"][0]}"', message(item))


def readable_list(doc: YamlDocument | None) -> bool:
    """True when a file was read and holds a list, so its ids can judge references from other files."""
    return doc is not None and isinstance(doc.data, list)


def declared_ids(doc: YamlDocument | None) -> set[str]:
    """The ``id`` of every entry of a list file that has one, valid entry or not."""
    if doc is None or not isinstance(doc.data, list):
        return set()
    return {e["id"] for e in doc.data if isinstance(e, dict) and isinstance(e.get("id"), str)}


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text" if isinstance(value, str) else type(value).__name__


def text(value: schema.TextIn) -> Text:
    """A checked bilingual text as the resolved value."""
    return Text(ko=value.ko, en=value.en)


def maybe_text(value: schema.TextIn | None) -> Text | None:
    """:func:`text`, or ``None`` when the field was left out."""
    return text(value) if value is not None else None
