"""Stage 1, remote: the HTTP side — one client, retries with backoff, redirect targets, version checks.

Every request asks for one byte range (or, from a server that ignores ``Range``, streams the whole body
once, keeping only the ranges wanted). 429, 5xx, broken connections and short or malformed answers are
retried with backoff (a server's ``Retry-After`` honoured, capped); anything else is an :class:`InputError`
naming the URL. A file whose ``ETag`` or size changes during a run is an error, never a verdict computed
from two versions.

Where a file's URL redirects (the Hub sends ``resolve`` requests for stored files to its CDN), the target is
kept and later ranges go there directly, without the Hub's headers, until it stops answering (an expired
signature), when the file's URL is asked again: one ``resolve`` request per file, not per range. Requests for
the Hub's host carry its headers (set by :mod:`~generator.audit.locate`; the token goes to that host only and
is never printed).
"""

from __future__ import annotations

import copy
import http.client
import random
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

import httpcore2
import urllib3
from urllib3.util import make_headers, parse_url

from generator.audit.remote_file import RemoteFile
from generator.audit.remote_settings import Progress
from generator.errors import InputError

ATTEMPTS = 6
"""Tries per request before a network failure becomes an error."""
BACKOFF_S = 0.1
"""First retry delay; doubled per retry (with jitter), capped at :data:`BACKOFF_CAP_S`."""
BACKOFF_CAP_S = 5.0
"""Longest wait between tries (also caps a server's ``Retry-After``)."""
TIMEOUT = urllib3.Timeout(connect=15.0, read=60.0)
"""Per-request timeouts (seconds)."""
REDIRECTS = 5
"""Most redirects one request follows."""
CHUNK = 256 * 1024
"""Bytes read at a time from a body streamed through (a server that ignores ``Range``)."""
MAX_API_ANSWER = 64 * 1024 * 1024
"""Largest answer read from an API (the revision API's file list of a large repository is a few MB)."""
_NETWORK_ERRORS = (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)
"""What a broken connection, a timeout or a malformed answer raises (retried)."""


@dataclass(frozen=True, kw_only=True)
class Transfer:
    """What a :class:`~generator.audit.remote.Remote` moved so far."""

    requests: int
    """HTTP requests sent (retries included)."""
    fetched: int
    """Bytes received (a server that ignores ``Range`` counts every byte streamed through)."""
    planned: int
    """Bytes the audit asked for (after coalescing)."""
    retries: int
    """Requests that were retried."""


class Tally:
    """Requests and bytes counted from every thread; ``progress`` told after each count."""

    def __init__(self, progress: Progress | None = None) -> None:
        self._progress = progress
        self._lock = threading.Lock()
        self._counts = {"requests": 0, "fetched": 0, "planned": 0, "retries": 0}

    @property
    def transfer(self) -> Transfer:
        """Requests and bytes so far."""
        with self._lock:
            return Transfer(**self._counts)

    def add(self, **amounts: int) -> None:
        """Add ``amounts`` to the counts named (``requests``, ``fetched``, ``planned``, ``retries``)."""
        with self._lock:
            for key, value in amounts.items():
                self._counts[key] += value
            fetched, planned = self._counts["fetched"], self._counts["planned"]
        if self._progress is not None:
            self._progress(fetched, planned)


T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """An API's final answer: its status, headers and body, and the URL that gave it (after redirects)."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str


class _RetryableError(Exception):
    """A failure worth another try (rate limit, server error, broken or short response)."""


class Transport:
    """One HTTP client for up to ``workers`` requests at once, counting what it moves in ``tally``."""

    def __init__(self, *, workers: int, tally: Tally) -> None:
        # urllib3 rather than huggingface_hub's httpx2 for the ranges: on the 2-core bench it moved the same
        # bytes in 2.2 × less time and spent about a third of the CPU per request (bench/RESULTS-audit.md).
        self._pools = _Pools(workers)
        self._tally = tally
        self._lock = threading.Lock()
        self._closed = [False]
        """Set by :meth:`close` (in a holder shared with every :meth:`counting` view)."""
        self._hub_headers: list[dict[str, str]] = [{}]
        """Headers for the Hub's host — user agent, and the token when one is set (see ``locate``) — in a
        holder shared with every :meth:`counting` view, replaced whole (never edited) so that a request
        never sees them half-set."""

    def close(self) -> None:
        """Close the connections; a request still being tried (a read-ahead nothing waits for) is not tried
        again."""
        self._closed[0] = True
        self._pools.close()

    @property
    def hub_headers(self) -> dict[str, str]:
        """Headers for the Hub's host (a copy)."""
        return dict(self._hub_headers[0])

    @hub_headers.setter
    def hub_headers(self, headers: dict[str, str]) -> None:
        self._hub_headers[0] = dict(headers)

    def counting(self, tally: Tally) -> Transport:
        """This transport (the same client, connections and Hub headers) counting into ``tally``."""
        twin = copy.copy(self)
        twin._tally = tally
        return twin

    def get(self, file: RemoteFile, start: int, end: int, *, probe: bool) -> bytes:
        """Bytes ``start : end`` of ``file`` (fewer only at its end), retried; ``probe`` learns its size."""
        return self._retried(file.url, lambda: self._get_once(file, start, end, probe))[0]

    def stream(self, file: RemoteFile, groups: Sequence[tuple[int, int]]) -> list[bytes]:
        """One pass over the whole body of a server that ignores ``Range``, keeping only ``groups``."""
        return self._retried(file.url, lambda: self._stream_once(file, groups))

    def api_get(self, url: str, headers: Mapping[str, str]) -> Answer:
        """``GET url`` of an API (the Hub's revision API) over the same connections as the ranges: 429, 5xx,
        broken connections and short bodies retried as a range is, redirects followed (``headers`` — the
        token — kept on the same origin only), any other status returned for the caller to judge. Not
        counted as the weights' transfer."""
        apart = self.counting(Tally())  # its retries too
        return apart._retried(url, lambda: apart._api_once(url, headers))

    def _api_once(self, url: str, headers: Mapping[str, str]) -> Answer:
        bare = {"Accept-Encoding": "identity"}
        sent = {**headers, **bare}
        with self._requested(url, lambda to: sent if _keeps_headers(url, to) else bare) as (response, final):
            if response.status == 429 or response.status >= 500:
                _wait_as_told(response.headers)
                raise _RetryableError(f"HTTP {response.status}")
            # asked for unencoded; decoded here if a proxy compressed it anyway (its length then unknown)
            encoded = response.headers.get("Content-Encoding", "identity").lower() not in {"", "identity"}
            body = response.read(MAX_API_ANSWER + 1, decode_content=encoded)
            if len(body) > MAX_API_ANSWER:
                raise InputError(f"{final}: answered more than {MAX_API_ANSWER} bytes")
            expected = None if encoded else _int(response.headers.get("Content-Length"))
            if expected is not None and len(body) != expected:
                raise _RetryableError(f"short body: {len(body)} of {expected} bytes")
            return Answer(status=response.status, headers=dict(response.headers), body=body, url=final)

    def _retried(self, where: str, attempt: Callable[[], T]) -> T:
        reason = ""
        for tried in range(ATTEMPTS):
            if tried and self._closed[0]:
                raise InputError(f"{where}: not tried again, the connection was closed ({reason})")
            if tried:
                self._tally.add(retries=1)
                time.sleep(min(BACKOFF_CAP_S, BACKOFF_S * 2 ** (tried - 1)) * (0.5 + random.random()))  # noqa: S311
            try:
                return attempt()
            except _RetryableError as error:
                reason = str(error)
            except _NETWORK_ERRORS as error:
                reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        raise InputError(f"{where}: failed after {ATTEMPTS} tries ({reason})")

    def _headers(
        self, file: RemoteFile, start: int | None, end: int | None, *, direct: bool
    ) -> dict[str, str]:
        headers = self.hub_headers if file.hub and not direct else {"Accept-Encoding": "identity"}
        headers["Accept-Encoding"] = "identity"
        if start is not None and end is not None:
            headers["Range"] = f"bytes={start}-{end - 1}"
        return headers

    @contextmanager
    def _answer(
        self, file: RemoteFile, start: int | None, end: int | None
    ) -> Iterator[urllib3.BaseHTTPResponse]:
        """One request for bytes ``start : end`` of ``file`` (all of it when ``None``), through its kept
        redirect target when it has one; its status and version checked, its body not yet read."""
        self._tally.add(requests=1)
        direct = file.direct

        def headers(to: str) -> dict[str, str]:  # the Hub's headers (its token) go to the Hub's host only
            keep = direct is None and _keeps_headers(file.url, to)
            return self._headers(file, start, end, direct=not keep)

        with self._requested(direct or file.url, headers) as (response, url):
            self._follow(file, response.status, direct, url)
            self._check_status(file, response.status, response.headers)
            self._check_version(file, response.headers)
            yield response

    @contextmanager
    def _requested(
        self, url: str, headers: Callable[[str], Mapping[str, str]]
    ) -> Iterator[tuple[urllib3.BaseHTTPResponse, str]]:
        """``GET url``, redirects followed (each counted as a request; ``headers(to)``: what a request to
        ``to`` carries): the final response, its body not yet read, and its URL. Its connection is released
        after — closed instead when a body was left unread (a stream cut short)."""
        response = self._pools.get(url, headers(url))
        try:
            for _ in range(REDIRECTS):
                target = response.get_redirect_location() if response.status in _REDIRECT else None
                if not target:
                    break
                response.drain_conn()
                response.release_conn()
                url = urljoin(url, target)
                self._tally.add(requests=1)
                response = self._pools.get(url, headers(url))
            yield response, url
        finally:
            if response.length_remaining != 0:
                response.close()
            response.release_conn()

    def _get_once(self, file: RemoteFile, start: int, end: int, probe: bool) -> list[bytes]:
        with self._answer(file, start, end) as response:
            if response.status == 200:  # the server ignored Range: stream through, keep the window
                file.ignores_range = True
                total = _int(response.headers.get("Content-Length"))
                self._check_size(file, total, probe)
                return self._keep(file, response, [(start, end)])
            first, last, total = _content_range(response.headers.get("Content-Range", ""))
            self._check_size(file, total, probe)
            stop = min(end, file.size)
            if (first, last + 1) != (start, stop):
                raise _RetryableError(f"asked for bytes {start}-{stop - 1}, got Content-Range {first}-{last}")
            data = response.read()
        self._tally.add(fetched=len(data))
        if len(data) != stop - start:
            raise _RetryableError(f"short body: {len(data)} of {stop - start} bytes")
        return [data]

    def _stream_once(self, file: RemoteFile, groups: Sequence[tuple[int, int]]) -> list[bytes]:
        with self._answer(file, None, None) as response:
            self._check_size(file, _int(response.headers.get("Content-Length")), False)
            return self._keep(file, response, groups)

    def _keep(
        self, file: RemoteFile, response: urllib3.BaseHTTPResponse, groups: Sequence[tuple[int, int]]
    ) -> list[bytes]:
        """Stream a whole body once, keeping only the bytes of ``groups`` (sorted, disjoint)."""
        kept = [bytearray() for _ in groups]
        position, k, stop = 0, 0, min(groups[-1][1], file.size)
        for chunk in response.stream(CHUNK):
            self._tally.add(fetched=len(chunk))
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

    def _follow(self, file: RemoteFile, status: int, direct: str | None, final: str) -> None:
        """Keep where the file's URL finally redirected (the Hub's CDN), once it answered, so that later
        ranges go there without passing the Hub's ``resolve`` (one request, and one request limit, fewer per
        range); a kept target that stops answering (its signature expired) is forgotten, and the range asked
        for through the file's URL again."""
        if direct is None:
            file.direct = final if status in {200, 206} and final != file.url else None
        elif status in {401, 403, 404, 410}:
            file.direct = None
            raise _RetryableError(f"the redirect target answered HTTP {status}")

    def _check_status(self, file: RemoteFile, status: int, headers: Mapping[str, str]) -> None:
        if status == 429 or status >= 500:
            _wait_as_told(headers)
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

    def _check_version(self, file: RemoteFile, headers: Mapping[str, str]) -> None:
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


def _wait_as_told(headers: Mapping[str, str]) -> None:
    """Sleep as long as a server's ``Retry-After`` (seconds) asks, capped at :data:`BACKOFF_CAP_S`."""
    retry_after = _int(headers.get("Retry-After"))
    if retry_after is not None and retry_after > 0:
        time.sleep(min(BACKOFF_CAP_S, retry_after))


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


_REDIRECT = frozenset({301, 302, 303, 307, 308})


_PORTS = {"http": 80, "https": 443}


def _keeps_headers(first: str, then: str) -> bool:
    """Whether a redirect from ``first`` to ``then`` may carry the Hub's headers (its token): the same origin
    (default ports equal to none), or the same host upgraded from ``http`` to ``https`` — as httpx2, the Hub's
    own client, decides."""
    if first == then:  # every request but a redirect's: no parsing on the way of each range
        return True
    a, b = urlsplit(first), urlsplit(then)
    if (a.hostname or "").lower() != (b.hostname or "").lower():
        return False
    try:
        port_a, port_b = a.port or _PORTS.get(a.scheme), b.port or _PORTS.get(b.scheme)
    except ValueError:  # a port out of range: no headers; the request itself then fails cleanly
        return False
    if a.scheme == b.scheme:
        return port_a == port_b
    return (a.scheme, port_a, b.scheme, port_b) == ("http", 80, "https", 443)


class _Pools:
    """Keep-alive connections for up to ``workers`` requests at once per host — direct, or through the proxy
    the environment names for that URL (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``; credentials in its
    URL sent as ``Proxy-Authorization``) — with TLS verified as huggingface_hub's own client verifies it
    (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else the system's roots: ``httpcore2.default_ssl_context``)."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._managers: dict[tuple[str, str], urllib3.PoolManager] = {}
        self._proxies = urllib.request.getproxies()
        self._lock = threading.Lock()

    def _new(self, scheme: str, proxy: str) -> urllib3.PoolManager:
        # TLS context made only for https (loading the roots costs ~20 ms), once per manager
        tls: dict[str, Any] = {"ssl_context": httpcore2.default_ssl_context()} if scheme == "https" else {}
        common: dict[str, Any] = {"maxsize": self._workers, "block": False, "timeout": TIMEOUT}
        common["retries"] = False
        if not proxy:
            return urllib3.PoolManager(**common, **tls)
        if "://" not in proxy:
            proxy = f"http://{proxy}"
        parsed = parse_url(proxy)
        if parsed.scheme not in {"http", "https"}:
            raise InputError(f"proxy {parsed.scheme}://…: only HTTP(S) proxies can carry the audit's ranges")
        headers = make_headers(proxy_basic_auth=unquote(parsed.auth)) if parsed.auth else None
        bare = parsed._replace(auth=None).url
        return urllib3.ProxyManager(bare, proxy_headers=headers, **common, **tls)

    def get(self, url: str, headers: Mapping[str, str]) -> urllib3.BaseHTTPResponse:
        """Send ``GET url``: redirects not followed, nothing retried, the body not yet read."""
        return self._manager(url).request(
            "GET", url, headers=dict(headers), preload_content=False, decode_content=False, redirect=False
        )

    def close(self) -> None:
        """Close every connection."""
        with self._lock:
            managers = list(self._managers.values())
        for manager in managers:
            manager.clear()

    def _manager(self, url: str) -> urllib3.PoolManager:
        parts = urlsplit(url)
        proxy = self._proxies.get(parts.scheme) or self._proxies.get("all") or ""
        if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
            proxy = ""
        key = (parts.scheme, proxy)
        with self._lock:
            if key not in self._managers:
                self._managers[key] = self._new(parts.scheme, proxy)
            return self._managers[key]
