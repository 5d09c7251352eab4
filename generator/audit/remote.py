"""Stage 1, remote: checkpoints read where they are — ``hf://`` repositories and ``http(s)://`` files.

Only the bytes the audit asks for travel: each file's header (one probe), the shard index, and the sampled
windows. :mod:`~generator.audit.read` validates them exactly as it validates a local file; this module only
moves bytes. A batch of ranges is sorted, nearby ranges are coalesced into one request, and the requests run
in a bounded pool; 429, 5xx and broken connections are retried with backoff; a server that ignores ``Range``
(``200`` with the whole body) is streamed through without storing the file; a file whose ``ETag`` or size
changes during a run is an error, never a verdict computed from two versions.

``hf://OWNER/NAME[@REVISION][/SUBFOLDER]`` goes through the Hub's own HTTP API with ``huggingface_hub``
(``HF_ENDPOINT`` and ``HF_TOKEN`` are honoured; the token is sent to the Hub's host only and never printed):
the revision is resolved to a commit SHA with file sizes and LFS sha256 first, then files are read from
``/{repo}/resolve/{sha}/{file}``, so a report names exactly what it read. An optional on-disk cache of fetched
ranges is keyed by each file's sha256 (so it can never serve bytes of another version).
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
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx2

from generator.errors import InputError

SCHEMES = ("hf://", "http://", "https://")
"""Locations read remotely."""
WORKERS = 32
"""Requests in flight at once, per audit."""
MAX_GAP = 16 * 1024
"""Ranges closer than this are fetched as one request (a request costs more than this many bytes)."""
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
MAX_INDEX_BYTES = 64 * 1024 * 1024
"""Largest shard index fetched (the reader applies the same limit)."""

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
        head = self._head
        out = [head[offset : offset + length] for offset, length in spans]
        for k, (offset, length) in enumerate(spans):
            if offset + length > len(head):
                out[k] = self._prefetched(offset, length) or out[k]
        # What neither the probe nor a prefetch holds, fetched together.
        wanted = [
            (max(offset, len(head)), offset + length, k)
            for k, (offset, length) in enumerate(spans)
            if offset + length > len(head) and length > 0 and len(out[k]) != length
        ]
        if wanted:
            for (start, end, k), data in zip(wanted, self._remote.fetch(self, wanted), strict=True):
                assert len(data) == end - start or start + len(data) == self.size
                out[k] += data
        return out

    def _prefetched(self, offset: int, length: int) -> bytes:
        k = bisect_right(self._ahead_starts, offset) - 1
        if k < 0:
            return b""
        start = self._ahead_starts[k]
        blob = self._ahead[start]
        return blob[offset - start : offset - start + length] if offset + length <= start + len(blob) else b""

    def keep(self, blobs: Sequence[tuple[int, bytes]]) -> None:
        """Hold prefetched ``(start, bytes)`` ranges; later reads inside one of them cost no request."""
        for start, blob in blobs:
            self._ahead[start] = blob
        self._ahead_starts = sorted(self._ahead)

    def probe(self) -> None:
        """Fetch the first bytes (learning the size and ETag of a plain URL); reads of them are then free."""
        self._head = self._remote.fetch(self, [(0, PROBE_BYTES, 0)], probe=True)[0]


@dataclass(frozen=True, kw_only=True)
class Located:
    """What a remote location names: the files to read, or an index and how to find its shards."""

    location: str
    """The location as given."""
    files: tuple[RemoteFile, ...]
    """The ``.safetensors`` files (empty when :attr:`index` is set)."""
    index: bytes | None
    """The raw ``*.safetensors.index.json``, when the location names one."""
    index_url: str
    """Where the index came from (for messages)."""
    shard: Callable[[Sequence[str]], dict[str, RemoteFile]]
    """Shard file names (validated by the reader) → probed files."""


class Remote:
    """One audit's connection to remote files: a bounded pool, retries, counters, an optional cache."""

    def __init__(
        self, *, workers: int = WORKERS, cache: Path | None = None, progress: Progress | None = None
    ) -> None:
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
        self._hub_headers: dict[str, str] = {}
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

    # ---- locating -----------------------------------------------------------------------------------------

    def locate(self, location: str) -> Located:
        """Resolve ``location`` to files (or an index); every file is probed, so its header is at hand."""
        if location.lower().startswith("hf://"):
            return self._locate_hub(location)
        parts = urlsplit(location)
        if not parts.netloc:
            raise InputError(f"{location}: not a URL (expected http(s)://HOST/PATH)")
        name = unquote(parts.path.rsplit("/", 1)[-1])
        if name.endswith(".safetensors.index.json"):
            index = self._whole(RemoteFile(self, url=location))

            def shard(names: Sequence[str]) -> dict[str, RemoteFile]:
                return self._probed({n: RemoteFile(self, url=urljoin(location, quote(n))) for n in names})

            return Located(location=location, files=(), index=index, index_url=location, shard=shard)
        file = RemoteFile(self, url=location)
        if name.endswith(".safetensors"):
            file.probe()
        return Located(location=location, files=(file,), index=None, index_url="", shard=_no_shards)

    def _probed(self, files: dict[str, RemoteFile]) -> dict[str, RemoteFile]:
        for future in [self._pool.submit(f.probe) for f in files.values()]:
            future.result()
        return files

    def _whole(self, file: RemoteFile) -> bytes:
        file.probe()
        if file.size > MAX_INDEX_BYTES:
            raise InputError(f"{file.url}: index is larger than {MAX_INDEX_BYTES} bytes")
        return file.read(0, file.size)

    def _locate_hub(self, location: str) -> Located:
        repo, revision, folder = parse_hub(location)
        endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
        commit, siblings = self._hub_revision(location, endpoint, repo, revision)
        prefix = f"{folder}/" if folder else ""

        def file(name: str) -> RemoteFile:
            size, sha256 = siblings[name]
            url = f"{endpoint}/{repo}/resolve/{commit}/{quote(name)}"
            return RemoteFile(self, url=url, size=size, sha256=sha256, revision=commit, hub=True)

        if folder in siblings:  # the location names one file
            chosen = [folder]
        else:
            inside = sorted(n for n in siblings if n.startswith(prefix) and "/" not in n[len(prefix) :])
            indexes = [n for n in inside if n.endswith(".safetensors.index.json")]
            if len(indexes) > 1:
                raise InputError(f"{location}: holds {len(indexes)} index files; name one of them")
            chosen = indexes or [n for n in inside if n.endswith(".safetensors")]
            if not chosen:
                raise InputError(f"{location}: no .safetensors files at commit {commit}")
        if chosen[0].endswith(".index.json"):
            index_file = file(chosen[0])
            base = chosen[0].rsplit("/", 1)[0] + "/" if "/" in chosen[0] else ""

            def shard(names: Sequence[str]) -> dict[str, RemoteFile]:
                missing = sorted(n for n in names if base + n not in siblings)
                if missing:
                    raise InputError(f"{index_file.url}: shard {missing[0]!r} is not in the repository")
                return self._probed({n: file(base + n) for n in names})

            return Located(
                location=location,
                files=(),
                index=self._whole(index_file),
                index_url=index_file.url,
                shard=shard,
            )
        files = self._probed({n: file(n) for n in chosen})
        return Located(
            location=location, files=tuple(files.values()), index=None, index_url="", shard=_no_shards
        )

    def _hub_revision(
        self, location: str, endpoint: str, repo: str, revision: str
    ) -> tuple[str, dict[str, tuple[int | None, str | None]]]:
        """``/api/models/{repo}/revision/{rev}``: the commit SHA and every file's size and LFS sha256."""
        # Only hf:// locations need huggingface_hub (a slow import).
        from huggingface_hub import HfApi  # noqa: PLC0415
        from huggingface_hub.errors import (  # noqa: PLC0415
            GatedRepoError,
            HfHubHTTPError,
            OfflineModeIsEnabled,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
        from huggingface_hub.utils import (  # type: ignore[attr-defined]  # noqa: PLC0415 — lazily exported
            build_hf_headers,
        )

        where = f"{location} ({endpoint}/api/models/{repo}/revision/{quote(revision, safe='')})"
        try:
            info = HfApi(endpoint=endpoint).model_info(repo, revision=revision, files_metadata=True)
            self._hub_headers = dict(build_hf_headers())
        except GatedRepoError as error:
            raise InputError(
                f"{where}: the repository is gated; accept its terms and set HF_TOKEN"
            ) from error
        except RevisionNotFoundError as error:
            raise InputError(f"{where}: no revision {revision!r}") from error
        except RepositoryNotFoundError as error:
            raise InputError(f"{where}: no such repository (or it is private: set HF_TOKEN)") from error
        except HfHubHTTPError as error:
            status = error.response.status_code if error.response is not None else "no"
            raise InputError(f"{where}: the Hub answered HTTP {status}") from error
        except OfflineModeIsEnabled as error:
            raise InputError(f"{where}: HF_HUB_OFFLINE is set") from error
        except (httpx2.HTTPError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{where}: cannot be read ({type(error).__name__})") from error
        commit = info.sha
        if not isinstance(commit, str) or not commit or info.siblings is None:
            raise InputError(f"{where}: the Hub's answer has no commit SHA or file list")
        siblings = {s.rfilename: (s.size, s.lfs.sha256 if s.lfs is not None else None) for s in info.siblings}
        return commit, siblings

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
            for start, end in coalesce([(o, min(o + n, file.size)) for o, n in spans if n > 0]):
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

    def _batch(self, file: RemoteFile, groups: Sequence[tuple[int, int]]) -> list[bytes]:
        if len(groups) > 1:
            return self._stream(file, groups)
        return [self._cached_get(file, groups[0][0], groups[0][1], False)]

    def fetch(
        self, file: RemoteFile, wanted: Sequence[tuple[int, int, int]], *, probe: bool = False
    ) -> list[bytes]:
        """Bytes of each ``(start, end, tag)`` range of ``file``: coalesced, cached, fetched in the pool."""
        groups = coalesce([(s, e) for s, e, _ in wanted])
        self._count(planned=sum(e - s for s, e in groups))
        if file.ignores_range and len(groups) > 1:
            blobs = self._stream(file, groups)
        else:
            futures = [self._pool.submit(self._cached_get, file, s, e, probe) for s, e in groups]
            blobs = [f.result() for f in futures]
        out: list[bytes] = []
        for start, end, _ in wanted:
            k = _first_group(groups, start)
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
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{threading.get_ident()}.partial")
            partial.write_bytes(data)
            partial.replace(path)
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

    def _headers(self, file: RemoteFile, start: int | None, end: int | None) -> dict[str, str]:
        headers = dict(self._hub_headers) if file.hub else {"Accept-Encoding": "identity"}
        headers["Accept-Encoding"] = "identity"
        if start is not None and end is not None:
            headers["Range"] = f"bytes={start}-{end - 1}"
        return headers

    def _get_once(self, file: RemoteFile, start: int, end: int, probe: bool) -> list[bytes]:
        self._count(requests=1)
        with self._client.stream("GET", file.url, headers=self._headers(file, start, end)) as response:
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
        with self._client.stream("GET", file.url, headers=self._headers(file, None, None)) as response:
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


def _no_shards(names: Sequence[str]) -> dict[str, RemoteFile]:
    raise AssertionError(f"no index, yet shards {list(names)[:1]} were asked for")


def parse_hub(location: str) -> tuple[str, str, str]:
    """``hf://OWNER/NAME[@REVISION][/SUBFOLDER]`` → repository, revision (``main``), folder or file ('')."""
    rest = location[len("hf://") :]
    parts = rest.split("/", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise InputError(f"{location}: expected hf://OWNER/NAME[@REVISION][/SUBFOLDER]")
    name, _, revision = parts[1].partition("@")
    folder = parts[2].strip("/") if len(parts) == 3 else ""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    if not (set(parts[0]) <= allowed and set(name) <= allowed and name) or ".." in folder.split("/"):
        raise InputError(f"{location}: not a valid repository name")
    return f"{parts[0]}/{name}", unquote(revision) or "main", folder


def coalesce(spans: Sequence[tuple[int, int]], *, gap: int | None = None) -> list[tuple[int, int]]:
    """Sorted ``(start, end)`` requests covering ``spans``: ranges closer than ``gap`` (default
    :data:`MAX_GAP`) joined, each at most :data:`MAX_REQUEST` long (a longer range is split, so its parts
    are fetched in parallel)."""
    gap = MAX_GAP if gap is None else gap
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


def _first_group(groups: Sequence[tuple[int, int]], start: int) -> int:
    """Index of the request holding byte ``start`` (sorted, disjoint requests)."""
    return bisect_right([s for s, _ in groups], start) - 1


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


def describe(file: Any) -> dict[str, Any]:
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
