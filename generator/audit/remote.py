"""Stage 1, remote: checkpoints read where they are — ``hf://`` repositories and ``http(s)://`` files.

Only the bytes the audit asks for travel: each file's header (one probe), the shard index, and the sampled
windows. :mod:`~generator.audit.read` validates them exactly as it validates a local file; this module only
moves bytes. A batch of ranges is sorted, nearby ranges are coalesced into one request, and the requests run
in a bounded pool; 429, 5xx and broken connections are retried with backoff; a server that ignores ``Range``
(``200`` with the whole body) is streamed through without storing the file; a file whose ``ETag`` or size
changes during a run is an error, never a verdict computed from two versions.

Where a file's URL redirects (the Hub sends ``resolve`` requests for stored files to its CDN), the target is
kept and later ranges go there directly, without the Hub's headers, until it stops answering (an expired
signature), when the file's URL is asked again: one ``resolve`` request per file, not per range. Requests for
the Hub's host carry its headers (set by :mod:`~generator.audit.locate`, which resolves an ``hf://`` revision
to a commit first; the token goes to that host only and is never printed). An optional
on-disk cache of fetched ranges is keyed by each file's sha256 (so it can never serve bytes of another
version). Stages whose read positions do not depend on values can be rehearsed and read ahead in one
parallel batch (:meth:`Remote.rehearse`, :meth:`Remote.prefetch`; see :mod:`~generator.audit.ahead`).
How many requests are in flight and which gaps are worth joining are settings (:class:`Pacing`, from the
``AUDIT_HTTP_*`` environment variables).
"""

from __future__ import annotations

import os
import random
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx2

from generator.errors import InputError

SCHEMES = ("hf://", "http://", "https://")
"""Locations read remotely."""
WORKERS = 32
"""Requests in flight at once, per audit (``AUDIT_HTTP_WORKERS`` overrides it, up to :data:`MAX_WORKERS`). On
the 2-core bench 64 cost more client CPU (thread switching) than their shorter wait saved."""
MAX_WORKERS = 256
"""Most requests in flight one audit may ask for."""
BANDWIDTH = 25e6
"""Bytes per second the link is assumed to deliver (``AUDIT_HTTP_BANDWIDTH``, in MB/s, overrides it). With
:data:`WORKERS` and :data:`LATENCY_S` it joins gaps under 15.6 KiB. On the 127.0.0.1 bench (2.17 GB pair) a
gap twice that saved 11% of the requests and no time, for a third more bytes (``bench/RESULTS-audit.md``)."""
LATENCY_S = 0.02
"""Seconds one request is assumed to wait for its answer (``AUDIT_HTTP_LATENCY_MS`` overrides it)."""
MAX_REQUEST = 8 * 1024 * 1024
"""Longest single request; longer reads are split and fetched in parallel."""
PREFETCH_BYTES = 512 * 1024 * 1024
"""Most bytes one run holds in memory after fetching them ahead of the stage that reads them."""
PROBE_BYTES = 64 * 1024
"""First bytes fetched of every file: the 8-byte length and, for most checkpoints, the whole header."""
ATTEMPTS = 6
"""Tries per request before a network failure becomes an error."""
BACKOFF_S = 0.1
"""First retry delay; doubled per retry (with jitter), capped at :data:`BACKOFF_CAP_S`."""
BACKOFF_CAP_S = 5.0
"""Longest wait between tries (also caps a server's ``Retry-After``)."""
TIMEOUT = httpx2.Timeout(60.0, connect=15.0)
"""Per-request timeouts (seconds)."""

Progress = Callable[[int, int], None]
"""Called as ``progress(bytes fetched, bytes planned)`` after each request."""


def is_remote(location: object) -> bool:
    """Whether ``location`` is a URL this module reads (``hf://``, ``http://``, ``https://``)."""
    return isinstance(location, str) and location.lower().startswith(SCHEMES)


@dataclass(frozen=True, kw_only=True)
class Transfer:
    """What a :class:`Remote` moved so far."""

    requests: int
    """HTTP requests sent (retries included)."""
    fetched: int
    """Bytes received (a server that ignores ``Range`` counts every byte streamed through)."""
    planned: int
    """Bytes the audit asked for (after coalescing)."""
    retries: int
    """Requests that were retried."""


@dataclass(frozen=True, kw_only=True)
class Pacing:
    """How a :class:`Remote` spends requests against bytes."""

    workers: int = WORKERS
    """Requests in flight at once."""
    bandwidth: float = BANDWIDTH
    """Bytes per second the link is assumed to deliver to the whole pool."""
    latency_s: float = LATENCY_S
    """Seconds one request is assumed to wait for its answer."""

    @property
    def gap(self) -> int:
        """Ranges closer than this may be joined into one request. With ``workers`` requests in flight one
        request costs about ``latency_s / workers`` of the pool's time, in which ``bandwidth`` delivers this
        many bytes; a wider gap costs more than the request it saves."""
        return int(self.bandwidth * self.latency_s / self.workers)

    def __post_init__(self) -> None:
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ValueError(f"workers must lie in 1…{MAX_WORKERS}, not {self.workers}")


_SETTINGS = {
    "AUDIT_HTTP_WORKERS": ("workers", 1.0, 1.0, float(MAX_WORKERS)),
    "AUDIT_HTTP_BANDWIDTH": ("bandwidth", 1e6, 0.0, float("inf")),
    "AUDIT_HTTP_LATENCY_MS": ("latency_s", 1e-3, 0.0, 60e3),
}
"""Environment variable → (field of :class:`Pacing`, unit, least and most value allowed, in that unit)."""


def pacing_from(environ: Mapping[str, str]) -> Pacing:
    """:class:`Pacing` with each ``AUDIT_HTTP_*`` variable set in ``environ`` applied (a malformed or
    out-of-range value is an :class:`InputError` naming the variable)."""
    values: dict[str, Any] = {}
    for variable, (name, unit, least, most) in _SETTINGS.items():
        text = environ.get(variable, "").strip()
        if not text:
            continue
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        whole = name != "workers" or number.is_integer()
        if not (least <= number <= most and whole):
            kind = "a whole number" if name == "workers" else "a number"
            upper = f" to {most:g}" if most < float("inf") else " or more"
            raise InputError(f"{variable}={text!r}: expected {kind} from {least:g}{upper}")
        values[name] = int(number) if name == "workers" else number * unit
    return Pacing(**values)


class _RetryableError(Exception):
    """A failure worth another try (rate limit, server error, broken or short response)."""


class RemoteFile:
    """One remote file: where it is, what version, and its bytes on demand (identity-hashed)."""

    def __init__(
        self,
        remote: Remote,
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
        """While set, reads are only recorded here (and answered with zeros): see :meth:`Remote.rehearse`."""

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


class Remote:
    """One audit's connection to remote files: a bounded pool, retries, counters, an optional cache."""

    def __init__(
        self,
        *,
        pacing: Pacing | None = None,
        workers: int | None = None,
        cache: Path | None = None,
        progress: Progress | None = None,
    ) -> None:
        pacing = pacing if pacing is not None else pacing_from(os.environ)
        self.pacing = pacing if workers is None else replace(pacing, workers=workers)
        """Requests in flight and how ranges are joined (by default from the ``AUDIT_HTTP_*`` variables)."""
        workers = self.pacing.workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
        self._client = httpx2.Client(
            follow_redirects=True,
            timeout=TIMEOUT,
            limits=httpx2.Limits(max_connections=workers, max_keepalive_connections=workers),
        )
        self._cache = cache
        self._progress = progress
        self._lock = threading.Lock()
        self._counts = {"requests": 0, "fetched": 0, "planned": 0, "retries": 0}
        self.hub_headers: dict[str, str] = {}
        """Headers for the Hub's host: user agent, and the token when one is set (see ``locate``)."""
        self._held = 0

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the pool and close connections."""
        self._pool.shutdown(wait=True)
        self._client.close()

    @property
    def transfer(self) -> Transfer:
        """Requests and bytes so far."""
        with self._lock:
            return Transfer(**self._counts)

    def _count(self, **amounts: int) -> None:
        with self._lock:
            for key, value in amounts.items():
                self._counts[key] += value
            fetched, planned = self._counts["fetched"], self._counts["planned"]
        if self._progress is not None:
            self._progress(fetched, planned)

    def probe_all(self, files: Sequence[RemoteFile]) -> None:
        """Probe ``files`` in parallel (see :meth:`RemoteFile.probe`)."""
        for future in [self._pool.submit(f.probe) for f in files]:
            future.result()

    # ---- reading ahead ------------------------------------------------------------------------------------

    @contextmanager
    def rehearse(self, files: Sequence[RemoteFile]) -> Iterator[dict[RemoteFile, list[tuple[int, int]]]]:
        """While inside, reads of ``files`` fetch nothing: they are recorded (and answered with zeros).

        A stage whose reads do not depend on the values read (the reference's fingerprint: positions come
        from roles and shapes) is run once like this to learn every range it will read, so that all of them
        can be fetched at once, in parallel, by :meth:`prefetch`.
        """
        plans: dict[RemoteFile, list[tuple[int, int]]] = {file: [] for file in files}
        for file, plan in plans.items():
            file.rehearsal = plan
        try:
            yield plans
        finally:
            for file in files:
                file.rehearsal = None

    def prefetch(self, plans: Mapping[RemoteFile, Sequence[tuple[int, int]]]) -> None:
        """Fetch every planned ``(offset, length)`` span of every file in one parallel batch and hold it,
        up to :data:`PREFETCH_BYTES` in all (spans past the limit are read when asked for)."""
        budget = PREFETCH_BYTES - self._held
        jobs: list[tuple[RemoteFile, int, int]] = []
        for file, spans in plans.items():
            held = file.probed  # the probe's bytes are at hand already
            for start, end in self._coalesce(
                [(max(o, held), min(o + n, file.size)) for o, n in spans if o + n > held]
            ):
                if end - start > budget:
                    break
                budget -= end - start
                jobs.append((file, start, end))
        self._count(planned=sum(end - start for _, start, end in jobs))
        # A server that ignores Range gets one streamed pass per file, not one per range.
        batches = [(f, [(a, b)]) for f, a, b in jobs if not f.ignores_range]
        batches += [
            (f, [(a, b) for g, a, b in jobs if g is f]) for f in {f for f, _, _ in jobs if f.ignores_range}
        ]
        futures = [self._pool.submit(self._batch, file, groups) for file, groups in batches]
        for (file, groups), future in zip(batches, futures, strict=True):
            file.keep([(start, blob) for (start, _), blob in zip(groups, future.result(), strict=True)])
        self._held = PREFETCH_BYTES - budget

    # ---- fetching -----------------------------------------------------------------------------------------

    def _coalesce(self, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        return coalesce(spans, gap=self.pacing.gap)

    def _batch(self, file: RemoteFile, groups: Sequence[tuple[int, int]]) -> list[bytes]:
        if len(groups) > 1:
            return self._stream(file, groups)
        return [self._cached_get(file, groups[0][0], groups[0][1], False)]

    def fetch(
        self, file: RemoteFile, wanted: Sequence[tuple[int, int, int]], *, probe: bool = False
    ) -> list[bytes]:
        """Bytes of each ``(start, end, tag)`` range of ``file``: coalesced, cached, fetched in the pool."""
        groups = self._coalesce([(s, e) for s, e, _ in wanted])
        self._count(planned=sum(e - s for s, e in groups))
        if file.ignores_range and len(groups) > 1:
            blobs = self._stream(file, groups)
        elif len(groups) == 1:  # in this thread: probes run inside the pool, and must not wait on it
            blobs = [self._cached_get(file, groups[0][0], groups[0][1], probe)]
        else:
            futures = [self._pool.submit(self._cached_get, file, s, e, probe) for s, e in groups]
            blobs = [f.result() for f in futures]
        out: list[bytes] = []
        starts = [s for s, _ in groups]
        for start, end, _ in wanted:
            k = bisect_right(starts, start) - 1
            pieces = []
            while k < len(groups) and groups[k][0] < end:
                pieces.append(blobs[k][max(0, start - groups[k][0]) : end - groups[k][0]])
                k += 1
            out.append(b"".join(pieces))
        return out

    def _cached_get(self, file: RemoteFile, start: int, end: int, probe: bool) -> bytes:
        path = self._cache_path(file, start, end)
        if path is not None and path.is_file():
            data = path.read_bytes()
            if len(data) == end - start:
                return data
        data = self._get(file, start, end, probe=probe)
        if path is not None and len(data) == end - start:
            partial = path.with_name(f".{path.name}.{threading.get_ident()}.partial")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial.write_bytes(data)
                partial.replace(path)
            except OSError as error:
                raise InputError(
                    f"--cache {self._cache}: cannot be written ({error.strerror or error})"
                ) from error
        return data

    def _cache_path(self, file: RemoteFile, start: int, end: int) -> Path | None:
        if self._cache is None or file.sha256 is None or len(file.sha256) != 64:
            return None
        if not all(c in "0123456789abcdef" for c in file.sha256):
            return None
        return self._cache / file.sha256 / f"{start:014x}-{end:014x}"

    def _stream(self, file: RemoteFile, groups: Sequence[tuple[int, int]]) -> list[bytes]:
        """One pass over the whole body of a server that ignores ``Range``, keeping only ``groups``."""
        return self._retried(file, lambda: self._stream_once(file, groups))

    def _get(self, file: RemoteFile, start: int, end: int, *, probe: bool) -> bytes:
        return self._retried(file, lambda: self._get_once(file, start, end, probe))[0]

    def _retried(self, file: RemoteFile, attempt: Callable[[], list[bytes]]) -> list[bytes]:
        reason = ""
        for tried in range(ATTEMPTS):
            if tried:
                self._count(retries=1)
                time.sleep(min(BACKOFF_CAP_S, BACKOFF_S * 2 ** (tried - 1)) * (0.5 + random.random()))  # noqa: S311
            try:
                return attempt()
            except _RetryableError as error:
                reason = str(error)
            except httpx2.TransportError as error:
                reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        raise InputError(f"{file.url}: failed after {ATTEMPTS} tries ({reason})")

    def _headers(
        self, file: RemoteFile, start: int | None, end: int | None, *, direct: bool
    ) -> dict[str, str]:
        headers = dict(self.hub_headers) if file.hub and not direct else {"Accept-Encoding": "identity"}
        headers["Accept-Encoding"] = "identity"
        if start is not None and end is not None:
            headers["Range"] = f"bytes={start}-{end - 1}"
        return headers

    def _get_once(self, file: RemoteFile, start: int, end: int, probe: bool) -> list[bytes]:
        self._count(requests=1)
        direct = file.direct
        headers = self._headers(file, start, end, direct=direct is not None)
        with self._client.stream("GET", direct or file.url, headers=headers) as response:
            self._follow(file, response, direct)
            self._check_status(file, response.status_code, response.headers)
            self._check_version(file, response.headers)
            if response.status_code == 200:  # the server ignored Range: stream through, keep the window
                file.ignores_range = True
                total = _int(response.headers.get("Content-Length"))
                self._check_size(file, total, probe)
                return self._keep(file, response, [(start, end)])
            first, last, total = _content_range(response.headers.get("Content-Range", ""))
            self._check_size(file, total, probe)
            stop = min(end, file.size)
            if (first, last + 1) != (start, stop):
                raise _RetryableError(f"asked for bytes {start}-{stop - 1}, got Content-Range {first}-{last}")
            data = b"".join(response.iter_bytes())
        self._count(fetched=len(data))
        if len(data) != stop - start:
            raise _RetryableError(f"short body: {len(data)} of {stop - start} bytes")
        return [data]

    def _stream_once(self, file: RemoteFile, groups: Sequence[tuple[int, int]]) -> list[bytes]:
        self._count(requests=1)
        direct = file.direct
        headers = self._headers(file, None, None, direct=direct is not None)
        with self._client.stream("GET", direct or file.url, headers=headers) as response:
            self._follow(file, response, direct)
            self._check_status(file, response.status_code, response.headers)
            self._check_version(file, response.headers)
            self._check_size(file, _int(response.headers.get("Content-Length")), False)
            return self._keep(file, response, groups)

    def _keep(
        self, file: RemoteFile, response: httpx2.Response, groups: Sequence[tuple[int, int]]
    ) -> list[bytes]:
        """Stream a whole body once, keeping only the bytes of ``groups`` (sorted, disjoint)."""
        kept = [bytearray() for _ in groups]
        position, k, stop = 0, 0, min(groups[-1][1], file.size)
        for chunk in response.iter_bytes():
            self._count(fetched=len(chunk))
            while k < len(groups) and chunk:
                start, end = groups[k]
                lo, hi = max(start, position), min(end, position + len(chunk))
                if lo < hi:
                    kept[k] += chunk[lo - position : hi - position]
                if end <= position + len(chunk):
                    k += 1
                else:
                    break
            position += len(chunk)
            if position >= stop:
                break  # closing the response drops the rest of the body
        if position < stop:
            raise _RetryableError(f"body ended after {position} bytes of {file.size}")
        return [bytes(b) for b in kept]

    def _follow(self, file: RemoteFile, response: httpx2.Response, direct: str | None) -> None:
        """Keep where the file's URL redirected (the Hub's CDN), so that later ranges go there without
        passing the Hub's ``resolve`` (one request, and one request limit, fewer per range); a kept target
        that stops answering (its signature expired) is forgotten, and the range asked for through the file's
        URL again."""
        if direct is None:
            self._count(requests=len(response.history))
            if response.history and response.status_code in {200, 206}:
                file.direct = str(response.url)
        elif response.status_code in {401, 403, 404, 410}:
            file.direct = None
            raise _RetryableError(f"the redirect target answered HTTP {response.status_code}")

    def _check_status(self, file: RemoteFile, status: int, headers: httpx2.Headers) -> None:
        if status == 429 or status >= 500:
            retry_after = _int(headers.get("Retry-After"))
            if retry_after is not None and retry_after > 0:
                time.sleep(min(BACKOFF_CAP_S, retry_after))
            raise _RetryableError(f"HTTP {status}")
        if status == 416:
            raise InputError(f"{file.url}: the server says the range lies outside the file (it changed?)")
        if status in {401, 403}:
            hint = " (gated or private: set HF_TOKEN)" if file.hub else ""
            raise InputError(f"{file.url}: access denied, HTTP {status}{hint}")
        if status == 404:
            raise InputError(f"{file.url}: not found (HTTP 404)")
        if status not in {200, 206}:
            raise InputError(f"{file.url}: unexpected HTTP {status}")

    def _check_version(self, file: RemoteFile, headers: httpx2.Headers) -> None:
        etag = headers.get("ETag")
        with self._lock:
            if file.etag is None:
                file.etag = etag
                return
        if etag != file.etag:
            raise InputError(
                f"{file.url}: changed during the run (ETag {file.etag} → {etag}); audit it again, "
                "preferably at a fixed revision"
            )

    def _check_size(self, file: RemoteFile, total: int | None, probe: bool) -> None:
        if total is None:
            raise _RetryableError("no file size in the response")
        with self._lock:
            if file.size < 0 and probe:
                file.size = total
                return
        if total != file.size:
            raise InputError(
                f"{file.url}: the server reports {total} bytes but {file.size} were expected "
                "(changed during the run, or misreported)"
            )


def coalesce(spans: Sequence[tuple[int, int]], *, gap: int) -> list[tuple[int, int]]:
    """Sorted ``(start, end)`` requests covering ``spans``: overlapping spans, and spans at most ``gap`` bytes
    apart, joined; each request at most :data:`MAX_REQUEST` long (a longer range is split, so that its parts
    are fetched in parallel)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start - out[-1][1] <= gap and max(end, out[-1][1]) - out[-1][0] <= MAX_REQUEST:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    split: list[tuple[int, int]] = []
    for start, end in out:
        split += [(s, min(end, s + MAX_REQUEST)) for s in range(start, end, MAX_REQUEST)]
    return split


def _content_range(value: str) -> tuple[int, int, int | None]:
    """``bytes FIRST-LAST/TOTAL`` → numbers (a malformed header is retried)."""
    unit, _, spec = value.partition(" ")
    span, _, total = spec.partition("/")
    first, _, last = span.partition("-")
    try:
        if unit != "bytes":
            raise ValueError(unit)
        return int(first), int(last), None if total == "*" else int(total)
    except ValueError as error:
        raise _RetryableError(f"malformed Content-Range {value[:60]!r}") from error


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def describe(file: Path | RemoteFile) -> dict[str, Any]:
    """What identifies one file an audit read: location, size, commit, sha256, ETag (``None`` if unknown)."""
    if isinstance(file, RemoteFile):
        return {
            "location": file.url,
            "size": file.size,
            "revision": file.revision,
            "sha256": file.sha256,
            "etag": file.etag,
        }
    path = Path(file)
    return {
        "location": str(path),
        "size": path.stat().st_size,
        "revision": None,
        "sha256": None,
        "etag": None,
    }


@cache
def default_remote() -> Remote:
    """The process's shared :class:`Remote` for callers that pass none (no cache, no progress)."""
    return Remote()
