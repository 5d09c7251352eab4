"""Reads run at once (``read_together``), and one reader shared between threads."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from generator.audit.header import read_header
from generator.audit.read import TensorReader, read_together
from generator.audit.toy import ToyConfig, save_checkpoint, train_toy


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
