"""Stage 1, remote: the reader's settings — how many requests fly at once, which gaps are worth joining, how
long one request may be and how many bytes a run holds.

:class:`Pacing` holds what a run may change (``AUDIT_HTTP_WORKERS``, ``AUDIT_HTTP_BANDWIDTH`` in MB/s,
``AUDIT_HTTP_LATENCY_MS``, read by :func:`pacing_from`); the constants hold what it may not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.errors import InputError

SCHEMES = ("hf://", "http://", "https://")
"""Locations read remotely."""
WORKERS = 32
"""Requests in flight at once, per audit (``AUDIT_HTTP_WORKERS`` overrides it, up to :data:`MAX_WORKERS`). On
the 2-core bench 48 or 64 were no faster: the client's CPU per request (:data:`REQUEST_CPU_S`) bounds it."""
REQUEST_CPU_S = 0.5e-3
"""Client CPU one request costs at the least — urllib3's and ``http.client``'s work and the reader's
bookkeeping, 0.5–1 ms measured on the 2-core bench — however many are in flight: one core does it. With
more workers a request's share of the wait shrinks, not this; without it in :attr:`Pacing.gap`, 64 workers
stopped joining the 8 KiB gaps between a d = 4096 matrix's sampled row windows and sent 4,628 requests
instead of 206 (3 s instead of 0.5 s)."""
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
"""Most bytes one run holds in memory after fetching them ahead of the stage that reads them, by default
(:attr:`Pacing.room`). What a candidate's stages plan beyond it is fetched when asked for, one round trip
each: a toy over a 20 ms link took twice as long with its reads 12 times the room."""
PROBE_BYTES = 64 * 1024
"""First bytes fetched of every file: the 8-byte length and, for most checkpoints, the whole header."""
Progress = Callable[[int, int], None]
"""Called as ``progress(bytes fetched, bytes planned)`` after each request."""


def is_remote(location: object) -> bool:
    """Whether ``location`` is a URL this module reads (``hf://``, ``http://``, ``https://``)."""
    return isinstance(location, str) and location.lower().startswith(SCHEMES)


@dataclass(frozen=True, kw_only=True)
class Pacing:
    """How a :class:`~generator.audit.remote.Remote` spends requests against bytes."""

    workers: int = WORKERS
    """Requests in flight at once."""
    bandwidth: float = BANDWIDTH
    """Bytes per second the link is assumed to deliver to the whole pool."""
    latency_s: float = LATENCY_S
    """Seconds one request is assumed to wait for its answer."""
    room: int | None = None
    """Most bytes fetched ahead held at once, a bound on memory (``None``: :data:`PREFETCH_BYTES`)."""

    @property
    def gap(self) -> int:
        """Ranges closer than this may be joined into one request. With ``workers`` requests in flight one
        request costs about ``latency_s / workers`` of the pool's time, and never less than the client's
        CPU for it (:data:`REQUEST_CPU_S`); ``bandwidth`` delivers this many bytes in that time, and a wider
        gap costs more than the request it saves."""
        return int(self.bandwidth * max(self.latency_s / self.workers, REQUEST_CPU_S))

    def __post_init__(self) -> None:
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ValueError(f"workers must lie in 1…{MAX_WORKERS}, not {self.workers}")


_SETTINGS = {
    "AUDIT_HTTP_WORKERS": ("workers", 1.0, 1.0, float(MAX_WORKERS)),
    "AUDIT_HTTP_BANDWIDTH": ("bandwidth", 1e6, 0.0, float("inf")),
    "AUDIT_HTTP_LATENCY_MS": ("latency_s", 1e-3, 0.0, 60e3),
    "AUDIT_HTTP_ROOM_MB": ("room", 2**20, 1.0, 65536.0),
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
        whole = name not in {"workers", "room"} or number.is_integer()
        if not (least <= number <= most and whole):
            kind = "a whole number" if name in {"workers", "room"} else "a number"
            upper = f" to {most:g}" if most < float("inf") else " or more"
            raise InputError(f"{variable}={text!r}: expected {kind} from {least:g}{upper}")
        values[name] = int(number * unit) if name in {"workers", "room"} else number * unit
    return Pacing(**values)
