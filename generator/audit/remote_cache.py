"""Stage 1, remote: the optional on-disk cache of fetched ranges.

Each range is one file, ``ROOT/SHA256/START-END`` (hexadecimal offsets), keyed by the sha256 of the whole
file it came from (the Hub's LFS metadata), so that it can never serve bytes of another version; a file
without a sha256 (a plain URL) is never cached. A range is written aside and renamed into place, so a
reader never sees half of one.
"""

from __future__ import annotations

import threading
from pathlib import Path

from generator.errors import InputError

_HEX = frozenset("0123456789abcdef")


class RangeCache:
    """Fetched ranges on disk under :attr:`root`, by file sha256 and byte span."""

    def __init__(self, root: Path) -> None:
        self.root = root
        """The cache's folder (``--cache``)."""

    def path(self, sha256: str | None, start: int, end: int) -> Path | None:
        """Where bytes ``start : end`` of the file with ``sha256`` are kept (``None``: not cacheable)."""
        if sha256 is None or len(sha256) != 64 or not set(sha256) <= _HEX:
            return None
        return self.root / sha256 / f"{start:014x}-{end:014x}"

    def load(self, sha256: str | None, start: int, end: int) -> bytes | None:
        """The kept bytes ``start : end``, or ``None`` when they are not here whole."""
        path = self.path(sha256, start, end)
        if path is None or not path.is_file():
            return None
        data = path.read_bytes()
        return data if len(data) == end - start else None

    def store(self, sha256: str | None, start: int, end: int, data: bytes) -> None:
        """Keep ``data`` as bytes ``start : end`` (only when it is all of them and the file is cacheable)."""
        path = self.path(sha256, start, end)
        if path is None or len(data) != end - start:
            return
        partial = path.with_name(f".{path.name}.{threading.get_ident()}.partial")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(data)
            partial.replace(path)
        except OSError as error:
            raise InputError(f"--cache {self.root}: cannot be written ({error.strerror or error})") from error
