"""Stage 1, remote: checkpoints read where they are — ``hf://`` repositories and ``http(s)://`` files.

Only the bytes the audit asks for travel: each file's header (one probe), the shard index, and the sampled
windows. :mod:`~generator.audit.read` validates them exactly as it validates a local file; these modules only
move bytes. A :class:`Remote` is one audit's connection: a batch of ranges is sorted and nearby ranges
coalesced into one request (:mod:`~generator.audit.remote_ranges`), the requests run in a bounded pool, each
answered from the optional on-disk cache keyed by sha256 (:mod:`~generator.audit.remote_cache`) or over HTTP
with retries, kept redirect targets and ``ETag``/size checks (:mod:`~generator.audit.remote_transport`). One
file's bytes are a :class:`~generator.audit.remote_file.RemoteFile`. Stages whose read positions do not
depend on values can be rehearsed and read ahead in one parallel batch (:meth:`Remote.rehearse`,
:meth:`Remote.prefetch`; see :mod:`~generator.audit.ahead`). How many requests are in flight and which gaps
are worth joining are settings (:class:`Pacing`, from the ``AUDIT_HTTP_*`` environment variables:
:mod:`~generator.audit.remote_settings`).

Every public name of those modules can be imported from here.
"""

from __future__ import annotations

import atexit
import copy
import itertools
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar

from generator.audit.remote_cache import RangeCache
from generator.audit.remote_file import Coming, Plan, RemoteFile, succeeded
from generator.audit.remote_ranges import coalesce, cut
from generator.audit.remote_settings import (
    BANDWIDTH,
    LATENCY_S,
    MAX_REQUEST,
    MAX_WORKERS,
    PREFETCH_BYTES,
    PROBE_BYTES,
    SCHEMES,
    WORKERS,
    Pacing,
    Progress,
    is_remote,
    pacing_from,
)
from generator.audit.remote_transport import (
    ATTEMPTS,
    BACKOFF_CAP_S,
    BACKOFF_S,
    TIMEOUT,
    Answer,
    Tally,
    Transfer,
    Transport,
)

__all__ = [
    "ATTEMPTS",
    "BACKOFF_CAP_S",
    "BACKOFF_S",
    "BANDWIDTH",
    "LATENCY_S",
    "MAX_REQUEST",
    "MAX_WORKERS",
    "PREFETCH_BYTES",
    "PROBE_BYTES",
    "SCHEMES",
    "TIMEOUT",
    "WORKERS",
    "Answer",
    "Pacing",
    "Plan",
    "Progress",
    "Remote",
    "RemoteFile",
    "Transfer",
    "coalesce",
    "default_remote",
    "describe",
    "is_remote",
    "pacing_from",
]


T = TypeVar("T")
PRESTART_S = 5.0
"""Longest wait for the fetching threads to start (a pool that could not start them all starts the rest on
demand)."""


class Remote:
    """One audit's connection to remote files: a bounded pool, retries, counters, an optional cache."""

    def __init__(
        self,
        *,
        pacing: Pacing | None = None,
        workers: int | None = None,
        cache: Path | None = None,
        progress: Progress | None = None,
        one_commit: bool = True,
    ) -> None:
        pacing = pacing if pacing is not None else pacing_from(os.environ)
        self.pacing = pacing if workers is None else replace(pacing, workers=workers)
        """Requests in flight and how ranges are joined (by default from the ``AUDIT_HTTP_*`` variables)."""
        workers = self.pacing.workers
        self._room = self.pacing.room if self.pacing.room is not None else PREFETCH_BYTES
        """Most bytes fetched ahead held at once."""
        self._pool = _started_pool(workers)
        self._tally = Tally(progress)
        self._transport = Transport(workers=workers, tally=self._tally)
        self._cache = RangeCache(cache) if cache is not None else None
        self._held = 0
        """Bytes of the jobs started and not yet released."""
        self._waiting: deque[_Job] = deque()
        self._running: set[_Job] = set()
        self._releasable: deque[tuple[RemoteFile, int, int | None]] = deque()
        """Bytes let go of (:meth:`release_span`), dropped oldest first when room is needed."""
        self._jobs_lock = threading.RLock()
        self._coming: list[Future[None]] = []
        self._revisions: dict[tuple[str, ...], Future[Any]] = {}
        self._revisions_lock = threading.Lock()
        self._one_commit = one_commit
        self._owner = True

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the pool and close connections (a :meth:`counted_apart` view leaves them to its owner)."""
        if self._owner:
            # what nothing waited for is not fetched; the threads end on their own (joining them one by one
            # cost a remote audit 10–25 ms), and a request still running returns its connection to a closed
            # pool, which closes it
            self._pool.shutdown(wait=False, cancel_futures=True)
            with self._jobs_lock:
                for job in [*self._waiting, *self._running]:  # never to be fetched: a read of it says so
                    job.coming.cancel()
            self._transport.close()

    def counted_apart(self) -> Remote:
        """This connection — its pool, HTTP client, cache and revisions — with requests and bytes counted
        apart (what is read beside the weights, while the weights are read); closed with this one."""
        twin = copy.copy(self)
        twin._tally = Tally()
        twin._transport = self._transport.counting(twin._tally)
        twin._owner = False
        twin._coming, twin._waiting, twin._running, twin._releasable = [], deque(), set(), deque()
        return twin

    def revision(self, key: tuple[str, ...], look_up: Callable[[], T]) -> T:
        """What ``look_up`` answers for ``key`` (a Hub revision), asked once per connection: every file of
        one repository is then read at one commit, even if its branch moves during the run (unless the
        connection outlives runs — :func:`default_remote` — and asks every time)."""
        if not self._one_commit:
            return look_up()
        # One look-up per key; different repositories are looked up at once (their round trips overlap).
        with self._revisions_lock:
            pending = self._revisions.get(key)
            mine = pending is None
            if pending is None:
                pending = self._revisions[key] = Future()
        if mine:
            try:
                pending.set_result(look_up())
            except BaseException as error:
                with self._revisions_lock:  # not kept: a later call asks again
                    del self._revisions[key]
                pending.set_exception(error)
        answer: T = pending.result()
        return answer

    @property
    def hub_headers(self) -> dict[str, str]:
        """Headers for the Hub's host: user agent, and the token when one is set (see ``locate``)."""
        return self._transport.hub_headers

    @hub_headers.setter
    def hub_headers(self, headers: dict[str, str]) -> None:
        self._transport.hub_headers = headers  # shared with every counted_apart view

    def api_get(self, url: str, headers: Mapping[str, str]) -> Answer:
        """``GET url`` of an API on this connection (see :meth:`Transport.api_get`)."""
        return self._transport.api_get(url, headers)

    @property
    def transfer(self) -> Transfer:
        """Requests and bytes so far."""
        return self._tally.transfer

    def probe_all(self, files: Sequence[RemoteFile]) -> None:
        """Probe ``files`` in parallel (see :meth:`RemoteFile.probe`)."""
        for future in [self._pool.submit(f.probe) for f in files]:
            future.result()

    # ---- reading ahead ------------------------------------------------------------------------------------

    @contextmanager
    def rehearse(self, files: Sequence[RemoteFile]) -> Iterator[dict[RemoteFile, Plan]]:
        """While inside, reads of ``files`` fetch nothing: they are recorded (and answered with zeros).

        A stage whose reads do not depend on the values read (the reference's fingerprint: positions come
        from roles and shapes) is run once like this to learn every range it will read, so that all of them
        can be fetched at once, in parallel, by :meth:`prefetch`.
        """
        clock = itertools.count()  # one order across the files: reads go back and forth between shards
        plans = {file: Plan(clock) for file in files}
        for file, plan in plans.items():
            file.rehearsal = plan
        try:
            yield plans
        finally:
            for file in files:
                file.rehearsal = None

    def prefetch(
        self,
        plans: Mapping[RemoteFile, Sequence[tuple[int, int]]],
        *,
        bounds: Mapping[RemoteFile, Sequence[int]] | None = None,
    ) -> None:
        """Fetch every planned ``(offset, length)`` span of every file ahead of the stage that reads them,
        holding at most :attr:`Pacing.room` at a time (:data:`PREFETCH_BYTES` by default): what does not fit
        yet waits for room, which :meth:`release` and :meth:`release_span` make as the stage is done with what
        it read.

        Returns at once: the stage that planned the reads starts on the first bytes while the rest are on
        their way (a read of a span still coming waits for it — starting it at once if it still waits for
        room — and raises its fetch's error, if any: :meth:`RemoteFile.expect_many`). Requests go out file
        after file, each file's in the order the spans were asked for (``plans`` keeps the rehearsal's order),
        which is not always the order they are stored in; a server that ignores ``Range`` gets one streamed
        pass per file (up to the room there is: what is past it is read when asked for). ``bounds``: where
        each file's tensors begin, sorted, for a stage that releases each tensor once read
        (:meth:`release_span`): no request then joins two tensors, so none is dropped half-read."""
        ranked: list[tuple[int, int, _Job]] = []  # (when first asked, file's place, job)
        for place, (file, spans) in enumerate(plans.items()):
            held = file.probed  # the probe's bytes are at hand already
            ticks = spans.ticks if isinstance(spans, Plan) else range(len(spans))
            asked = [
                (max(o, held), min(o + n, file.size), t)
                for (o, n), t in zip(spans, ticks, strict=True)
                if o + n > held
            ]
            wanted = [(a, b) for a, b, _ in asked]
            groups = self._coalesce(wanted, bounds=(bounds or {}).get(file, ()))
            if not file.ignores_range:  # in the order the stage reads them (not always the order stored)
                firsts = _first_asked(wanted, groups)
                ranked += [
                    (asked[k][2], place, _Job(file=file, groups=[group]))
                    for k, group in zip(firsts, groups, strict=True)
                ]
                continue
            room = self._room - self._held - sum(job.nbytes for _, _, job in ranked)
            streamed: list[tuple[int, int]] = []
            for start, end in groups:  # one pass through the file: its ranges in the order they lie
                if end - start > room:
                    break
                room -= end - start
                streamed.append((start, end))
            if streamed:
                ranked.append((asked[0][2], place, _Job(file=file, groups=streamed)))
        jobs = [job for _, _, job in sorted(ranked, key=lambda r: r[:2])]
        self._tally.add(planned=sum(job.nbytes for job in jobs))
        with self._jobs_lock:
            self._coming = [f for f in self._coming if not succeeded(f)]
            expected: dict[RemoteFile, list[Coming]] = {}
            for job in jobs:
                self._coming.append(job.coming)
                hasten = partial(self._hasten, job)
                expected.setdefault(job.file, []).extend((a, b, job.coming, hasten) for a, b in job.groups)
            for file, entries in expected.items():
                file.expect_many(entries)
            self._waiting.extend(jobs)
            self._start_waiting()

    def release(self, files: Sequence[RemoteFile]) -> None:
        """Let go of the bytes held of ``files`` (a stage that read them is done), as :meth:`release_span`
        does, making room for what waits: against a reference of hundreds of GB its read-ahead fills the room,
        and the candidate's reads come after it. Their reads planned and not started are not fetched."""
        dropping = set(files)
        with self._jobs_lock:
            for job in self._waiting:  # planned, never read: not fetched (a read of it fetches when asked)
                if job.file in dropping and not job.started:
                    self._give_up(job)
            running = [job.coming for job in self._running if job.file in dropping]
        for coming in running:  # kept once done: let go of below
            with suppress(Exception):  # a failed fetch holds nothing
                coming.result()
        with self._jobs_lock:
            self._releasable.extend((file, 0, None) for file in files)
            self._start_waiting()

    def release_span(self, file: RemoteFile, start: int, end: int) -> None:
        """Let go of the bytes held of ``file`` in ranges that start in ``start : end`` (a tensor the stage is
        done with): they are dropped, oldest first, when what waits needs their room — and kept while it
        does not (a later stage may read some of them again)."""
        with self._jobs_lock:
            self._releasable.append((file, start, end))
            self._start_waiting()

    def settle(self) -> None:
        """Fetch everything planned, room or not, and wait until it is held (raising the first fetch's
        error)."""
        with self._jobs_lock:
            while self._waiting:
                job = self._waiting.popleft()
                if not job.started:
                    self._start(job)
            coming, self._coming = self._coming, []
        for future in coming:
            future.result()

    def _freed(self, nbytes: int) -> None:
        with self._jobs_lock:
            self._held = max(0, self._held - nbytes)
            self._start_waiting()

    def _hasten(self, job: _Job) -> None:
        """A read waits for ``job``, which still waits for room: start it if it fits now; else give it up,
        and the read fetches its bytes itself (not held: the room is a bound on memory)."""
        with self._jobs_lock:
            if job.started:
                return
            if self._room_for(job):
                self._start(job)  # left in the queue, skipped there
            else:
                self._give_up(job)

    def _give_up(self, job: _Job) -> None:
        """Never fetch ``job`` ahead: reads of its bytes fetch them when asked (and count them then)."""
        job.started = True
        self._tally.add(planned=-job.nbytes)
        job.coming.set_result(None)

    def _start_waiting(self) -> None:
        """Start waiting jobs in order while they fit (the first always: a job larger than the room)."""
        while self._waiting:
            job = self._waiting[0]
            if not job.started:
                if not self._room_for(job):
                    return
                self._start(job)
            self._waiting.popleft()

    def _room_for(self, job: _Job) -> bool:
        """Whether ``job`` fits (the first always: a job larger than the room), dropping bytes let go of,
        oldest first, until it does."""
        room = self._room
        while self._held > 0 and self._held + job.nbytes > room and self._releasable:
            file, start, end = self._releasable.popleft()
            self._held = max(0, self._held - file.forget(start, end))
        return self._held == 0 or self._held + job.nbytes <= room

    def _start(self, job: _Job) -> None:
        job.started = True
        self._held += job.nbytes
        self._running.add(job)
        self._pool.submit(self._run, job)

    def _run(self, job: _Job) -> None:
        try:
            self._kept(job.file, job.groups)
        except BaseException as error:
            job.coming.set_exception(error)  # its reads raise it
            self._freed(job.nbytes)  # nothing held
        else:
            job.coming.set_result(None)
        finally:
            with self._jobs_lock:
                self._running.discard(job)

    def _kept(self, file: RemoteFile, groups: Sequence[tuple[int, int]]) -> None:
        file.keep([(start, blob) for (start, _), blob in zip(groups, self._batch(file, groups), strict=True)])

    # ---- fetching -----------------------------------------------------------------------------------------

    def _coalesce(
        self, spans: Sequence[tuple[int, int]], bounds: Sequence[int] = ()
    ) -> list[tuple[int, int]]:
        return coalesce(spans, gap=self.pacing.gap, bounds=bounds)

    def _batch(self, file: RemoteFile, groups: Sequence[tuple[int, int]]) -> list[bytes]:
        if len(groups) > 1:
            return self._transport.stream(file, groups)
        return [self._cached_get(file, groups[0][0], groups[0][1], False)]

    def fetch(
        self, file: RemoteFile, wanted: Sequence[tuple[int, int, int]], *, probe: bool = False
    ) -> list[bytes]:
        """Bytes of each ``(start, end, tag)`` range of ``file``: coalesced, cached, fetched in the pool."""
        groups = self._coalesce([(s, e) for s, e, _ in wanted])
        self._tally.add(planned=sum(e - s for s, e in groups))
        if file.ignores_range and len(groups) > 1:
            blobs = self._transport.stream(file, groups)
        elif len(groups) == 1:  # in this thread: probes run inside the pool, and must not wait on it
            blobs = [self._cached_get(file, groups[0][0], groups[0][1], probe)]
        else:
            futures = [self._pool.submit(self._cached_get, file, s, e, probe) for s, e in groups]
            blobs = [f.result() for f in futures]
        return cut(wanted, groups, blobs)

    def _cached_get(self, file: RemoteFile, start: int, end: int, probe: bool) -> bytes:
        if self._cache is None:
            return self._transport.get(file, start, end, probe=probe)
        kept = self._cache.load(file.sha256, start, end)
        if kept is not None:
            return kept
        data = self._transport.get(file, start, end, probe=probe)
        self._cache.store(file.sha256, start, end, data)
        return data


@dataclass(eq=False, kw_only=True)
class _Job:
    """One request (or one streamed pass) fetched ahead, started when there is room or a read waits for it."""

    file: RemoteFile
    groups: list[tuple[int, int]]
    coming: Future[None] = field(default_factory=Future)
    """Done once its bytes are kept; what reads of them wait for."""
    started: bool = False

    @property
    def nbytes(self) -> int:
        return sum(end - start for start, end in self.groups)


def _first_asked(wanted: Sequence[tuple[int, int]], groups: Sequence[tuple[int, int]]) -> list[int]:
    """For each of the sorted ``groups`` joined from ``wanted`` (ranges in the order they will be read), the
    position in ``wanted`` of the first range read from it (a group split from a longer one: its first's)."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i][0])
    ranks: list[int] = []
    k = 0
    for _, end in groups:
        first = ranks[-1] if ranks else 0
        if k < len(order) and wanted[order[k]][0] < end:
            first = len(wanted)
            while k < len(order) and wanted[order[k]][0] < end:
                first = min(first, order[k])
                k += 1
        ranks.append(first)
    return ranks


def _started_pool(workers: int) -> ThreadPoolExecutor:
    """A pool whose ``workers`` threads are all started now, while nothing else runs: started on demand,
    each new thread waited for the interpreter lock held by the ones already fetching (3 ms a thread, 0.17 s
    of a 0.8 s remote audit on the bench)."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
    ready = threading.Barrier(workers + 1)
    for _ in range(workers):  # each waits until all are running, so each submit starts a new thread
        pool.submit(ready.wait, PRESTART_S)
    with suppress(threading.BrokenBarrierError):
        ready.wait(PRESTART_S)
    return pool


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
    """The process's shared :class:`Remote` for callers that pass none (no cache, no progress); it lives as
    long as the process and is closed when the process exits, so its connections are not left open."""
    remote = Remote(one_commit=False)
    atexit.register(remote.close)
    return remote
