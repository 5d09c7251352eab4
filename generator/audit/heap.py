"""Keeping the garbage collector off the objects that were alive before an audit began.

An audit allocates many small objects (ranges, tuples, what ``huggingface_hub`` builds for an ``hf://``
location), enough to start a full collection — and a full collection walks every object in the
process, ~200,000 after ``torch`` and ``scipy`` are imported: 85 ms of a 0.6 s remote audit on the bench,
for nothing, since the audit leaves no cycles among them. :func:`frozen` moves the objects alive when it
starts out of the collector's way (:func:`gc.freeze`) and gives them back when the last audit running ends
(:func:`gc.unfreeze`); what the audit itself allocates is collected as usual.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


class _Freezer:
    """Counts the audits running; the first freezes, the last out unfreezes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._froze = False

    @contextmanager
    def frozen(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._froze = gc.isenabled() and gc.get_freeze_count() == 0
                if self._froze:
                    gc.freeze()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._froze:
                    gc.unfreeze()
                    self._froze = False


_FREEZER = _Freezer()


def frozen() -> AbstractContextManager[None]:
    """While inside, collections skip every object alive on entry (nested and concurrent uses: the first
    freezes, the last out unfreezes). Objects the process froze before stay frozen (nothing is done then);
    a freeze made while an audit runs is undone with the audit's; with the collector disabled, nothing is
    done."""
    return _FREEZER.frozen()
