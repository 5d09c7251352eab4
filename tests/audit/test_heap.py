"""The collector is kept off the objects alive before an audit, and given them back after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.audit import heap, run_audit
from generator.audit.engine import make_fingerprint
from tests.audit.conftest import Zoo


class _Tracked:
    """An object the collector tracks."""


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_objects_alive_on_entry_are_frozen_until_the_last_audit_ends() -> None:
    alive = _Tracked()  # alive before the audit
    assert gc.get_freeze_count() == 0
    with heap.frozen():
        assert gc.get_freeze_count() > 0
        assert not any(o is alive for o in gc.get_objects())  # frozen objects are not collected, nor listed
        with heap.frozen():  # nested (or another thread's audit): still frozen when it ends
            pass
        assert gc.get_freeze_count() > 0
        young = _Tracked()
        assert any(o is young for o in gc.get_objects())  # allocated inside: collected as usual
    assert gc.get_freeze_count() == 0
    assert any(o is alive for o in gc.get_objects())


def test_concurrent_audits_unfreeze_when_the_last_one_ends() -> None:
    inside, leave = threading.Barrier(2, timeout=10), threading.Event()

    def audit() -> None:
        with heap.frozen():
            inside.wait()
            leave.wait(10)

    other = threading.Thread(target=audit)
    other.start()
    with heap.frozen():
        inside.wait()
        leave.set()
        other.join()
        assert gc.get_freeze_count() > 0  # the other audit ended; this one still runs
    assert gc.get_freeze_count() == 0


def test_what_the_process_froze_itself_stays_frozen() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with heap.frozen():
        pass
    assert gc.get_freeze_count() == frozen


def test_a_disabled_collector_is_left_alone() -> None:
    gc.disable()
    with heap.frozen():
        assert gc.get_freeze_count() == 0
    assert not gc.isenabled()


def test_an_audit_and_a_fingerprint_run_frozen_and_leave_nothing_frozen(zoo: Zoo, tmp_path: Path) -> None:
    seen: list[int] = []
    report = run_audit(
        zoo.path("finetuned"), zoo.reference, progress=lambda *_: seen.append(gc.get_freeze_count())
    )
    assert report.verdict == "derived"
    make_fingerprint(
        zoo.path("finetuned"), tmp_path / "fp", progress=lambda *_: seen.append(gc.get_freeze_count())
    )
    assert seen
    assert min(seen) > 0
    assert gc.get_freeze_count() == 0
