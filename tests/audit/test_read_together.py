"""Reads run at once (``read_together``), and one reader shared between threads."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.audit import engine, read, run_audit
from generator.audit.header import read_header
from generator.audit.read import TensorReader, read_together
from generator.audit.toy import ToyConfig, save_checkpoint, train_toy
from generator.errors import InputError
from tests.audit.conftest import Zoo


def test_results_come_in_the_order_asked_and_the_reads_overlap() -> None:
    barrier = threading.Barrier(3, timeout=30)  # passed only by three reads at once

    def read(value: int) -> int:
        barrier.wait()
        return value

    assert read_together(lambda: read(1), lambda: read(2), lambda: read(3)) == [1, 2, 3]
    assert read_together(lambda: 7) == [7]
    assert read_together() == []


def test_an_error_is_raised_once_every_read_has_ended() -> None:
    ended = threading.Event()

    def slow() -> int:
        ended.wait(timeout=30)
        return 1

    def failing() -> int:
        ended.set()
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        read_together(slow, failing)
    with pytest.raises(ValueError, match="broken"):
        read_together(failing, slow)
    assert ended.is_set()


def test_a_reader_shared_between_threads_opens_each_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ToyConfig(vocab=64, d_model=16, n_layers=1, n_heads=2, d_ff=32, steps=1)
    path = save_checkpoint(train_toy(config, seed=1), tmp_path / "toy.safetensors")
    infos = read_header(path)[1]
    opened: list[str] = []
    plain_open = os.open

    def slow_open(name: str, flags: int) -> int:  # every thread inside the first open at once
        opened.append(str(name))
        time.sleep(0.05)
        return plain_open(name, flags)

    monkeypatch.setattr(os, "open", slow_open)
    barrier = threading.Barrier(8, timeout=30)
    with TensorReader() as reader:

        def read(k: int) -> np.ndarray:
            barrier.wait()  # every thread asks for its first bytes at once
            return reader.read_all(infos[k % len(infos)])

        got = read_together(*[lambda k=k: read(k) for k in range(8)])
        assert opened == [str(path)]
        monkeypatch.undo()
        with TensorReader() as alone:
            for k, block in enumerate(got):
                assert np.array_equal(block, alone.read_all(infos[k % len(infos)]))
    assert reader._fds == {}


def test_a_candidate_that_cannot_be_read_is_reported_while_the_reference_is_still_opening(
    zoo: Zoo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reference's header is read beside the candidate's; a broken candidate is reported at once, not
    after the reference was opened (over HTTP, an index and a header per shard). The reference's open here
    waits until the test has its error: were the error held back for it, the open would finish first."""
    broken = tmp_path / "broken"
    broken.mkdir()  # a folder with no checkpoint in it
    release, finished = threading.Event(), threading.Event()
    plain = read.open_checkpoint

    def slow(location: Path | str, **kwargs: Any) -> object:
        if str(location) == str(zoo.reference):
            release.wait(timeout=30)
            finished.set()
        return plain(location, **kwargs)

    monkeypatch.setattr(engine, "open_checkpoint", slow)  # as the engine calls it
    try:
        with pytest.raises(InputError, match=r"broken: no \.safetensors files"):
            run_audit(broken, zoo.reference)
        assert not finished.is_set()
    finally:
        release.set()
