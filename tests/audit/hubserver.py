"""A Hugging Face Hub on 127.0.0.1: exactly the endpoints the remote reader uses, with injectable faults.

* ``GET /api/models/{owner}/{name}/revision/{rev}?blobs=True`` — what ``huggingface_hub.HfApi.model_info``
  calls with ``files_metadata=True`` (huggingface_hub 2.4.0): ``id``, ``sha`` and ``siblings`` with
  ``rfilename``, ``size``, ``blobId`` and ``lfs`` (``size``, ``sha256``, ``pointerSize``). A missing
  repository answers 401 with ``X-Error-Code: RepoNotFound``, a gated one 403 with ``GatedRepo`` unless the
  request carries the token, an unknown revision 404 with ``RevisionNotFound`` — the codes
  ``hf_raise_for_status`` turns into its error types.
* ``GET /{owner}/{name}/resolve/{rev}/{path}`` and ``GET /plain/{path}`` (a plain web server): the file, with
  ``Range`` (one range), ``Content-Range``, ``ETag``, or ``200`` with the whole body when told to ignore it.
  With ``redirect`` set, ``resolve`` answers ``302`` to ``GET /cdn/{owner}/{name}/{path}?sig=N`` instead (the
  Hub redirects stored files to its CDN), which serves the file while ``N`` is the current signature.
* ``GET /api/agent-harnesses`` — the registry ``huggingface_hub`` (2.x) reads to name an agent in its user
  agent, once a day (kept in ``HF_HOME``): an empty one. Without it every run would ask again, a round
  trip the real Hub does not cost.

Faults (:class:`Faults`) are consumed in order by the data requests they match: ``429``, ``500``, ``reset``
(the connection closes without an answer), ``truncate`` (half the promised body), ``wrong_range`` (the
bytes and ``Content-Range`` of a range one byte later). ``replace_after`` swaps a file's content (a new
ETag) after that many data requests; ``lie_size`` makes the API misstate a file's size.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mmap
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")
AGENT_HARNESSES = json.dumps({"standardEnvVars": ["AI_AGENT", "AGENT"], "harnesses": {}}).encode()


@dataclass
class Faults:
    """What goes wrong, and when (shared with the server's threads; change it under ``lock``)."""

    latency_s: float = 0.0
    """Added to every request."""
    queue: list[str] = field(default_factory=list)
    """Faults for the next data requests, in order."""
    ignore_range: bool = False
    """Answer every data request with ``200`` and the whole file."""
    replace_after: int | None = None
    """After this many data requests, files listed in ``replacements`` change content."""
    replacements: dict[str, bytes] = field(default_factory=dict)
    """File name → new content."""
    lie_size: dict[str, int] = field(default_factory=dict)
    """File name → size the API reports instead of the truth."""
    api_answer: bytes | None = None
    """When set, the revision API answers ``200`` with this body (a malformed answer)."""
    api_chunked: bool = False
    """The revision API answers with a chunked body (no ``Content-Length``)."""
    api_gzip: bool = False
    """The revision API answers gzip-compressed (``Content-Encoding: gzip``) whatever was asked, as a
    compressing proxy might."""
    api_queue: list[str] = field(default_factory=list)
    """Faults for the next revision look-ups, in order (``429``, ``500``, ``reset``, ``truncate``)."""
    renamed: dict[str, str] = field(default_factory=dict)
    """Old repository id → new: the revision API answers ``307`` to the new name, as the Hub does for a
    renamed repository (to ``cdn_host`` when set: another origin)."""
    gated_token: str | None = None
    """When set, every repository is gated: the API wants ``Authorization: Bearer <token>``."""
    redirect: bool = False
    """Answer ``resolve`` with ``302`` to a signed CDN URL (``/cdn/…?sig=…``), as the Hub does (LFS files)."""
    cdn_host: str = ""
    """Where the redirect points: this server under another host name (``localhost``: another origin), or
    the same ``127.0.0.1`` when empty."""
    signature: int = 0
    """The CDN answers only URLs signed with this (raise it to expire every URL handed out)."""
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Log:
    """What the server answered."""

    requests: int = 0
    """Data requests (``resolve`` and ``plain``)."""
    api_requests: int = 0
    """Revision look-ups."""
    bytes_sent: int = 0
    """Body bytes of data requests."""
    authorizations: list[str] = field(default_factory=list)
    """Every ``Authorization`` header received (to check that a token goes to the Hub only)."""
    redirects: int = 0
    """``resolve`` requests answered with a redirect to the CDN."""
    cdn_authorizations: list[str] = field(default_factory=list)
    """The ``Authorization`` header of every CDN request (never the token, once a client keeps the target)."""
    proxy_authorizations: list[str] = field(default_factory=list)
    """The ``Proxy-Authorization`` header of every request that came as to a proxy (an absolute URL)."""
    in_flight: int = 0
    """Requests being answered now (their added latency included)."""
    most_in_flight: int = 0
    """The most requests ever answered at once (to check a client's bound on its pool)."""


Content = bytes | mmap.mmap
"""A served file: bytes, or a read-only memory map of a large local file (the bench's)."""


class HubServer:
    """Serves ``repos`` (repository id → file name → content) on 127.0.0.1 until closed."""

    def __init__(self, repos: Mapping[str, Mapping[str, Content]]) -> None:
        self.repos: dict[str, dict[str, Content]] = {repo: dict(files) for repo, files in repos.items()}
        self._digests: dict[int, tuple[Content, str]] = {}
        self.faults = Faults()
        self.log = Log()
        self.commits = {
            repo: hashlib.sha1(
                repr(sorted(files)).encode() + repo.encode(), usedforsecurity=False
            ).hexdigest()
            for repo, files in self.repos.items()
        }
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (what ``HF_ENDPOINT`` is set to)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def sha256(self, data: Content) -> str:
        """SHA-256 of served content, computed once per object (large files are hashed once)."""
        key = id(data)
        if key not in self._digests:  # keeps ``data`` alive, so its id is never reused by another object
            self._digests[key] = (data, hashlib.sha256(data).hexdigest())
        return self._digests[key][1]

    def content(self, repo: str, name: str) -> Content:
        """A file's current content (after a replacement, the new one)."""
        with self.faults.lock:
            replaced = self.faults.replace_after is not None and self.log.requests > self.faults.replace_after
            if replaced and name in self.faults.replacements:
                return self.faults.replacements[name]
        return self.repos[repo][name]


@contextmanager
def serving(repos: Mapping[str, Mapping[str, Content]]) -> Iterator[HubServer]:
    """A running :class:`HubServer`, closed afterwards."""
    server = HubServer(repos)
    try:
        yield server
    finally:
        server.close()


def load(paths: Mapping[str, Path]) -> dict[str, bytes]:
    """Repository file name → bytes of a local file (test models are small)."""
    return {name: path.read_bytes() for name, path in paths.items()}


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    """Connections waiting to be accepted. Python's default, 5, drops the rest of a burst of new connections
    (a client starting 32 requests at once): each then waits a whole second for its SYN to be sent again —
    a stall the Hub's servers never impose."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about a client that closed a kept-alive connection (every audit does when it ends)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(hub: HubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: tests read :attr:`HubServer.log` instead."""

        def do_GET(self) -> None:
            with hub.faults.lock:
                hub.log.in_flight += 1
                hub.log.most_in_flight = max(hub.log.most_in_flight, hub.log.in_flight)
            try:
                self._get()
            finally:
                with hub.faults.lock:
                    hub.log.in_flight -= 1

        def _get(self) -> None:
            time.sleep(hub.faults.latency_s)
            path = unquote(urlsplit(self.path).path)
            with hub.faults.lock:
                hub.log.authorizations.append(self.headers.get("Authorization", ""))
                if self.path.startswith("http"):
                    hub.log.proxy_authorizations.append(self.headers.get("Proxy-Authorization", ""))
            if path == "/api/agent-harnesses":
                self._answer(200, AGENT_HARNESSES, {"Content-Type": "application/json"})
                return
            api = re.fullmatch(r"/api/models/([^/]+/[^/]+)/revision/(.+)", path)
            if api:
                self._api(api.group(1), api.group(2))
                return
            resolve = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
            if resolve and resolve.group(1) in hub.repos:
                repo, revision, name = resolve.groups()
                if revision not in {"main", hub.commits[repo]} or name not in hub.repos[repo]:
                    self._answer(404, b"", {"X-Error-Code": "EntryNotFound"})
                    return
                with hub.faults.lock:
                    redirect, signature, host = hub.faults.redirect, hub.faults.signature, hub.faults.cdn_host
                    hub.log.redirects += redirect
                if redirect:
                    base = hub.url.replace("127.0.0.1", host) if host else hub.url
                    location = f"{base}/cdn/{quote(repo)}/{quote(name)}?sig={signature}"
                    self._answer(302, b"", {"Location": location})
                    return
                self._data(repo, name)
                return
            cdn = re.fullmatch(r"/cdn/([^/]+/[^/]+)/(.+)", path)
            if cdn and cdn.group(2) in hub.repos.get(cdn.group(1), {}):
                with hub.faults.lock:
                    hub.log.cdn_authorizations.append(self.headers.get("Authorization", ""))
                    signed = urlsplit(self.path).query == f"sig={hub.faults.signature}"
                if not signed:
                    self._answer(403, b"expired", {})
                    return
                self._data(cdn.group(1), cdn.group(2))
                return
            plain = re.fullmatch(r"/plain/([^/]+/[^/]+)/(.+)", path)
            if plain and plain.group(2) in hub.repos.get(plain.group(1), {}):
                self._data(plain.group(1), plain.group(2))
                return
            self._answer(404, b"not found", {})

        def _api(self, repo: str, revision: str) -> None:
            with hub.faults.lock:
                hub.log.api_requests += 1
                gated, lies, answer = hub.faults.gated_token, dict(hub.faults.lie_size), hub.faults.api_answer
                fault = hub.faults.api_queue.pop(0) if hub.faults.api_queue else ""
                gzipped, chunked = hub.faults.api_gzip, hub.faults.api_chunked
                new_name, host = hub.faults.renamed.get(repo), hub.faults.cdn_host
            if self._failed(fault):
                return
            if new_name is not None:
                base = hub.url.replace("127.0.0.1", host) if host else hub.url
                location = f"{base}/api/models/{new_name}/revision/{revision}?blobs=True"
                self._answer(307, b"", {"Location": location})
                return
            if repo not in hub.repos:
                self._answer(401, b'{"error":"Repository not found"}', {"X-Error-Code": "RepoNotFound"})
                return
            if gated is not None and self.headers.get("Authorization") != f"Bearer {gated}":
                self._answer(403, b'{"error":"gated"}', {"X-Error-Code": "GatedRepo"})
                return
            if revision not in {"main", hub.commits[repo]}:
                self._answer(404, b'{"error":"no revision"}', {"X-Error-Code": "RevisionNotFound"})
                return
            if answer is not None:
                self._answer(200, answer, {"Content-Type": "application/json"})
                return
            siblings = []
            for name, data in sorted(hub.repos[repo].items()):
                size = lies.get(name, len(data))
                lfs = {"size": size, "sha256": hub.sha256(data), "pointerSize": 134}
                siblings.append({"rfilename": name, "size": size, "blobId": "0" * 40, "lfs": lfs})
            body = {"id": repo, "sha": hub.commits[repo], "private": False, "siblings": siblings}
            encoded = json.dumps(body).encode()
            headers = {"Content-Type": "application/json"}
            if gzipped:
                encoded, headers["Content-Encoding"] = gzip.compress(encoded), "gzip"
            if chunked:
                self._chunked(encoded, headers)
                return
            self._answer(200, encoded, headers, truncate=fault == "truncate")

        def _failed(self, fault: str) -> bool:
            """Answer ``429``/``500``, or drop the connection (``reset``), when that is the fault."""
            if fault in {"429", "500"}:
                self._answer(int(fault), b"try later", {"Retry-After": "0"})
                return True
            if fault == "reset":
                self.close_connection = True
                self.connection.close()
                return True
            return False

        def _data(self, repo: str, name: str) -> None:
            with hub.faults.lock:
                hub.log.requests += 1
                fault = hub.faults.queue.pop(0) if hub.faults.queue else ""
                ignore = hub.faults.ignore_range
            data = hub.content(repo, name)
            etag = f'"{hub.sha256(data)[:32]}"'
            if self._failed(fault):
                return
            wanted = _RANGE.match(self.headers.get("Range", ""))
            if wanted is None or ignore:
                self._answer(
                    200, data, {"ETag": etag, "Accept-Ranges": "bytes"}, truncate=fault == "truncate"
                )
                return
            first = int(wanted.group(1)) + (fault == "wrong_range")
            last = min(int(wanted.group(2)) if wanted.group(2) else len(data) - 1, len(data) - 1)
            if first >= len(data):
                self._answer(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                return
            headers = {"ETag": etag, "Content-Range": f"bytes {first}-{last}/{len(data)}"}
            self._answer(206, data[first : last + 1], headers, truncate=fault == "truncate")

        def _chunked(self, body: bytes, headers: Mapping[str, str]) -> None:
            """``200`` with ``body`` sent in two chunks (``Transfer-Encoding: chunked``)."""
            self.send_response(200)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = len(body) // 2
            for chunk in (body[:half], body[half:], b""):
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")

        def _answer(
            self, status: int, body: Content, headers: Mapping[str, str], *, truncate: bool = False
        ) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            sent = body[: len(body) // 2] if truncate else body
            try:
                self.wfile.write(sent)
            except OSError:
                return
            with hub.faults.lock:
                hub.log.bytes_sent += len(sent)
            if truncate:
                self.close_connection = True

    return Handler
