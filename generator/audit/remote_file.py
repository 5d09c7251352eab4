"""Stage 1, remote: one remote file — where it is, which version, and its bytes on demand.

A :class:`RemoteFile` answers reads from what it already holds (its probe, ranges fetched ahead) and asks
its fetcher (a :class:`~generator.audit.remote.Remote`) for the rest. While a rehearsal is set it fetches
nothing: reads are recorded and answered with zeros (see :meth:`~generator.audit.remote.Remote.rehearse`).
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from generator.audit.remote_settings import MAX_REQUEST, PROBE_BYTES

HELD_MIN = 64 * 1024
"""Fewest held bytes inside a longer read that are used as held: splitting a read around fewer costs a
request more than it saves (about 16 KiB on the assumed link; ``remote_settings``)."""


class Plan(list[tuple[int, int]]):
    """The ``(offset, length)`` spans a rehearsal recorded for one file, in the order they were asked for;
    ``ticks[i]`` is span ``i``'s place in the order asked across every file rehearsed together (a
    checkpoint's tensors are read in name order, which goes back and forth between its shards)."""

    def __init__(self, clock: Iterator[int]) -> None:
        super().__init__()
        self.ticks: list[int] = []
        self._clock = clock

    def record(self, spans: Sequence[tuple[int, int]]) -> None:
        """Add the spans of one read."""
        tick = next(self._clock)
        self.extend(spans)
        self.ticks.extend([tick] * len(spans))


Coming = tuple[int, int, Future[Any], Callable[[], None] | None]
"""A range on its way: ``(start, end, done when kept, how to start it now or None)``."""


def succeeded(future: Future[Any]) -> bool:
    """Whether ``future`` is done with a result (not failed, not cancelled)."""
    return future.done() and not future.cancelled() and future.exception() is None


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
        self._coming: list[Coming] = []  # on their way, by start
        self._coming_starts: list[int] = []  # their starts, sorted (the list above in the same order)
        self._coming_kept = 0  # how many there were when last pruned
        self._lock = threading.Lock()
        self.direct: str | None = None
        """Where :attr:`url` last redirected (a CDN URL), asked directly until it stops answering."""
        self.rehearsal: Plan | None = None
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
            self.rehearsal.record(spans)
            return [bytes(max(0, min(length, self.size - offset))) for offset, length in spans]
        self._await(spans)
        # The probe's bytes first, then ranges held (fetched ahead, or by an earlier read); only the rest is
        # fetched — whole rows read again after a window of each cost the rows' ends, not the rows.
        pieces: list[list[bytes]] = []
        wanted: list[tuple[int, int, int]] = []
        slots: list[tuple[int, int]] = []
        for offset, length in spans:
            head = self._head[offset : offset + length]
            parts = [head]
            for start, stop, held in self._segments(offset + len(head) if head else offset, offset + length):
                if held is None:
                    slots.append((len(pieces), len(parts)))
                    wanted.append((start, stop, len(wanted)))
                parts.append(held or b"")
            pieces.append(parts)
        if wanted:
            for (k, i), data in zip(slots, self._remote.fetch(self, wanted), strict=True):
                pieces[k][i] = data  # the reader checks every length
        return [b"".join(parts) for parts in pieces]

    def _segments(self, start: int, end: int) -> list[tuple[int, int, bytes | None]]:
        """``start : end`` cut into ranges held (with their bytes) and ranges to fetch (``None``). A held
        range under :data:`HELD_MIN` inside a longer read is fetched again rather than read around."""
        out: list[tuple[int, int, bytes | None]] = []
        if self.size >= 0:
            end = min(end, self.size)  # a read past the end comes back short (the reader says so)
        starts = self._ahead_starts  # one snapshot: another thread may replace it (keep)
        k = bisect_right(starts, start) - 1  # most reads lie inside one range held
        if k >= 0 and starts[k] + len(blob := self._ahead.get(starts[k], b"")) >= end:
            return [(start, end, blob[start - starts[k] : end - starts[k]])] if start < end else []
        position = start
        while position < end:
            k = bisect_right(starts, position) - 1
            blob = self._ahead.get(starts[k], b"") if k >= 0 else b""
            if k >= 0 and starts[k] + len(blob) > position:
                stop = min(end, starts[k] + len(blob))
                out.append((position, stop, blob[position - starts[k] : stop - starts[k]]))
            else:
                stop = min(end, starts[k + 1]) if k + 1 < len(starts) else end
                out.append((position, stop, None))
            position = stop
        if len(out) > 1:
            out = [(a, b, None if held is not None and b - a < HELD_MIN else held) for a, b, held in out]
        joined: list[tuple[int, int, bytes | None]] = []
        for a, b, held in out:
            if held is None and joined and joined[-1][2] is None:
                joined[-1] = (joined[-1][0], b, None)
            else:
                joined.append((a, b, held))
        return joined

    @property
    def probed(self) -> int:
        """How many first bytes of the file the probe holds."""
        return len(self._head)

    def keep(self, blobs: Sequence[tuple[int, bytes]]) -> None:
        """Hold prefetched ``(start, bytes)`` ranges; later reads inside one of them cost no request."""
        with self._lock:  # fetching threads keep at once
            starts = list(self._ahead_starts)  # a new list: readers hold snapshots of the old one
            for start, blob in blobs:
                if start not in self._ahead:
                    insort(starts, start)
                self._ahead[start] = blob
            self._ahead_starts = starts

    def forget(self, start: int = 0, end: int | None = None) -> int:
        """Drop the ranges held that start in ``start : end`` (every one by default); how many bytes that
        freed. Later reads of them fetch again. Ranges still coming are left alone."""
        with self._lock:
            starts = self._ahead_starts
            first = bisect_left(starts, start)
            last = len(starts) if end is None else bisect_left(starts, end)
            freed = sum(len(self._ahead.pop(s)) for s in starts[first:last])
            if last > first:
                self._ahead_starts = starts[:first] + starts[last:]
        return freed

    def expect_many(self, entries: Sequence[Coming]) -> None:
        """Each ``(start, end, coming, hasten)``: bytes ``start : end`` (at most :data:`MAX_REQUEST`) are on
        their way. A read of any of them waits for ``coming`` — calling ``hasten`` first, when not ``None``,
        to start a fetch that still waits for room — which is done once they are kept (:meth:`keep`), or
        raises why they are not. All at once: one sort, not an insert each."""
        with self._lock:
            self._coming = sorted([*self._coming, *entries], key=lambda c: c[0])
            self._coming_starts = [c[0] for c in self._coming]

    def _await(self, spans: Sequence[tuple[int, int]]) -> None:
        """Wait for the ranges on their way that ``spans`` touch (raising their fetch's error, if any)."""
        if not self._coming:
            return
        touched = []
        with self._lock:
            if len(self._coming) > 2 * self._coming_kept + 64:  # drop those kept (amortised: rarely)
                self._coming = [c for c in self._coming if not succeeded(c[2])]
                self._coming_starts = [c[0] for c in self._coming]
                self._coming_kept = len(self._coming)
            coming, starts = self._coming, self._coming_starts
            for offset, length in spans:
                k = bisect_left(starts, offset - MAX_REQUEST)
                while k < len(coming) and coming[k][0] < offset + length:
                    if coming[k][1] > offset and not succeeded(coming[k][2]):
                        touched.append(coming[k])
                    k += 1
        for _, _, future, hasten in touched:  # outside the lock: their fetches keep what they bring
            if hasten is not None and not future.done():
                hasten()
            future.result()

    def probe(self) -> None:
        """Fetch the first bytes (learning the size and ETag of a plain URL); reads of them are then free."""
        self._head = self._remote.fetch(self, [(0, PROBE_BYTES, 0)], probe=True)[0]
