"""Stage 1, remote: one remote file — where it is, which version, and its bytes on demand.

A :class:`RemoteFile` answers reads from what it already holds (its probe, ranges fetched ahead) and asks
its fetcher (a :class:`~generator.audit.remote.Remote`) for the rest. While a rehearsal is set it fetches
nothing: reads are recorded and answered with zeros (see :meth:`~generator.audit.remote.Remote.rehearse`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import unquote, urlsplit

from generator.audit.remote_settings import PROBE_BYTES


class Fetcher(Protocol):
    """What moves a :class:`RemoteFile`'s bytes (a :class:`~generator.audit.remote.Remote`)."""

    def fetch(
        self, file: RemoteFile, wanted: Sequence[tuple[int, int, int]], *, probe: bool = False
    ) -> list[bytes]:
        """Bytes of each ``(start, end, tag)`` range of ``file``."""
        ...


class RemoteFile:
    """One remote file: where it is, what version, and its bytes on demand (identity-hashed)."""

    def __init__(
        self,
        remote: Fetcher,
        *,
        url: str,
        size: int | None = None,
        sha256: str | None = None,
        revision: str | None = None,
        hub: bool = False,
    ) -> None:
        self.url = url
        """The URL read (for ``hf://``, the ``resolve`` URL at the resolved commit)."""
        self.size = size if size is not None else -1
        """Bytes in the file (from the Hub's metadata, else from the first response)."""
        self.sha256 = sha256
        """SHA-256 of the whole file from the Hub's LFS metadata (``None`` for plain URLs)."""
        self.revision = revision
        """The resolved commit SHA (``hf://`` only)."""
        self.etag: str | None = None
        """The ``ETag`` of the first response; every later response must carry the same."""
        self.hub = hub
        """Whether requests carry the Hub's headers (token, user agent)."""
        self.ignores_range = False
        """Set when the server answered a ``Range`` request with the whole body."""
        self._remote = remote
        self._head = b""
        self._ahead: dict[int, bytes] = {}  # prefetched ranges by start (disjoint)
        self._ahead_starts: list[int] = []
        self.direct: str | None = None
        """Where :attr:`url` last redirected (a CDN URL), asked directly until it stops answering."""
        self.rehearsal: list[tuple[int, int]] | None = None
        """While set, reads are only recorded here (and answered with zeros): see
        :meth:`~generator.audit.remote.Remote.rehearse`."""

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"RemoteFile({self.url!r})"

    @property
    def name(self) -> str:
        """The file name (last path segment of the URL)."""
        return unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])

    def read(self, offset: int, length: int) -> bytes:
        """Bytes ``offset : offset + length`` (fewer only at the end of the file)."""
        return self.read_many([(offset, length)])[0]

    def read_many(self, spans: Sequence[tuple[int, int]]) -> list[bytes]:
        """Bytes of every ``(offset, length)`` span, fetched together; in the order given."""
        if self.rehearsal is not None:
            self.rehearsal.extend(spans)
            return [bytes(max(0, min(length, self.size - offset))) for offset, length in spans]
        # The probe's bytes first, then a prefetched range holding the rest; what neither holds is fetched.
        out: list[bytes] = []
        wanted: list[tuple[int, int, int]] = []
        for k, (offset, length) in enumerate(spans):
            part = self._head[offset : offset + length]
            rest = offset + len(part) if part else offset
            if length > len(part):
                ahead = self._prefetched(rest, offset + length - rest)
                part += ahead
                if not ahead:
                    wanted.append((rest, offset + length, k))
            out.append(part)
        if wanted:
            for (_, _, k), data in zip(wanted, self._remote.fetch(self, wanted), strict=True):
                out[k] += data  # the reader checks every length
        return out

    def _prefetched(self, offset: int, length: int) -> bytes:
        k = bisect_right(self._ahead_starts, offset) - 1
        if k < 0:
            return b""
        start = self._ahead_starts[k]
        blob = self._ahead[start]
        return blob[offset - start : offset - start + length] if offset + length <= start + len(blob) else b""

    @property
    def probed(self) -> int:
        """How many first bytes of the file the probe holds."""
        return len(self._head)

    def keep(self, blobs: Sequence[tuple[int, bytes]]) -> None:
        """Hold prefetched ``(start, bytes)`` ranges; later reads inside one of them cost no request."""
        for start, blob in blobs:
            self._ahead[start] = blob
        self._ahead_starts = sorted(self._ahead)

    def probe(self) -> None:
        """Fetch the first bytes (learning the size and ETag of a plain URL); reads of them are then free."""
        self._head = self._remote.fetch(self, [(0, PROBE_BYTES, 0)], probe=True)[0]
