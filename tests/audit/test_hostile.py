"""Malformed and hostile files are refused cleanly via the CLI: one line naming the file, never unpickled.

The CLI runs in-process: an exception escaping its error boundary fails the test (it would be a traceback).
"""

from __future__ import annotations

import json
import os
import pickle
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from generator.audit.fingerprint import write_safetensors
from tests.audit.conftest import Zoo
from tests.cli.run import run_cli


def _header(path: Path, header: object, data: bytes = b"", *, declared: int | None = None) -> Path:
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text) if declared is None else declared) + text + data)
    return path


def _ok_entry(offsets: list[int], dtype: str = "F32", shape: list[int] | None = None) -> dict[str, object]:
    return {"dtype": dtype, "shape": shape or [2], "data_offsets": offsets}


class _Marker:
    """Unpickling this creates a marker file — proof that something unpickled the input."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _truncated(tmp: Path, zoo: Zoo) -> Path:
    data = zoo.reference.read_bytes()
    return _write(tmp / "truncated.safetensors", data[: len(data) // 2])


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _nan(tmp: Path, value: float, role: str = "model.layers.0.mlp.up_proj.weight") -> Path:
    # Shaped like the reference's FFN matrix (or its embeddings, which a residual map is fitted on), so the
    # audit reads it (values are checked where read).
    values = np.linspace(-1, 1, 128 * 64, dtype="<f4")
    values[77] = value
    name = ("nan" if np.isnan(value) else "inf") + ("-embed" if "embed" in role else "")
    write_safetensors(tmp / f"{name}.safetensors", [(role, "F32", (128, 64), values.tobytes())], {})
    return tmp / f"{name}.safetensors"


def _cases(tmp: Path, zoo: Zoo) -> dict[str, Path]:
    marker = tmp / "UNPICKLED"
    shard_dir = tmp / "traversal"
    shard_dir.mkdir()
    _write(
        shard_dir / "model.safetensors.index.json",
        json.dumps({"weight_map": {"w": "../reference.safetensors"}}).encode(),
    )
    descriptors = json.loads(_fingerprint_metadata(zoo)["tensors"])
    descriptors[0]["residual_axis"] = 7
    return {
        "truncated": _truncated(tmp, zoo),
        "offsets_past_end": _header(tmp / "past.safetensors", {"w": _ok_entry([0, 8])}, b"\0" * 4),
        "overlapping": _header(
            tmp / "overlap.safetensors", {"a": _ok_entry([0, 8]), "b": _ok_entry([4, 12])}, b"\0" * 12
        ),
        "huge_header": _header(tmp / "huge.safetensors", {}, b"", declared=2**62),
        "unknown_dtype": _header(tmp / "dtype.safetensors", {"w": _ok_entry([0, 8], dtype="F31")}, b"\0" * 8),
        "size_mismatch": _header(tmp / "size.safetensors", {"w": _ok_entry([0, 8], shape=[3])}, b"\0" * 8),
        "duplicate_key": _write(
            tmp / "dup.safetensors",
            struct.pack("<Q", 2 * 52 + 3) + b'{"w":' + json.dumps(_ok_entry([0, 8])).encode()[:-1] + b"}}",
        ),
        "not_json": _write(tmp / "garbage.safetensors", struct.pack("<Q", 16) + b"\xff\xfe not json at all"),
        "nan_values": _nan(tmp, float("nan")),
        "inf_values": _nan(tmp, float("inf")),
        "nan_embedding": _nan(tmp, float("nan"), "model.embed_tokens.weight"),
        "pickle_renamed": _write(tmp / "evil.safetensors", pickle.dumps(_Marker(marker))),
        "pickle_bin": _write(tmp / "pytorch_model.bin", pickle.dumps(_Marker(marker))),
        "zip_renamed": _write(tmp / "zipped.safetensors", b"PK\x03\x04" + b"\0" * 64),
        "empty": _write(tmp / "empty.safetensors", b""),
        "index_traversal": shard_dir,
        "tampered_fingerprint": _tampered(tmp / "tampered.fingerprint", zoo, tensors=json.dumps(descriptors)),
        "tokens_past_rows": _tampered(tmp / "past-rows.fingerprint", zoo, tokens=json.dumps([[10**30, "x"]])),
        "tokens_not_pairs": _tampered(tmp / "not-pairs.fingerprint", zoo, tokens=json.dumps({"x": 1})),
        "missing": tmp / "does-not-exist.safetensors",
    }


def _fingerprint_metadata(zoo: Zoo) -> dict[str, str]:
    raw = zoo.fingerprint.read_bytes()
    length = int.from_bytes(raw[:8], "little")
    metadata: dict[str, str] = json.loads(raw[8 : 8 + length])["__metadata__"]
    return metadata


def _tampered(path: Path, zoo: Zoo, **changes: str) -> Path:
    """The zoo's fingerprint with metadata entries replaced."""
    raw = zoo.fingerprint.read_bytes()
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + length])
    header["__metadata__"].update(changes)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + length :])
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, zoo: Zoo) -> dict[str, Path]:
    return _cases(tmp_path_factory.mktemp("hostile"), zoo)


CASES = [
    "truncated",
    "offsets_past_end",
    "overlapping",
    "huge_header",
    "unknown_dtype",
    "size_mismatch",
    "duplicate_key",
    "not_json",
    "nan_values",
    "inf_values",
    "nan_embedding",
    "pickle_renamed",
    "pickle_bin",
    "zip_renamed",
    "empty",
    "index_traversal",
    "missing",
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_hostile_candidate_is_refused(hostile: dict[str, Path], zoo: Zoo, case: str) -> None:
    bad = hostile[case]
    result = run_cli("audit", str(bad), str(zoo.fingerprint))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert str(bad) in lines[0]
    assert not (bad.parent / "UNPICKLED").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", ["tampered_fingerprint", "tokens_past_rows", "tokens_not_pairs", "pickle_renamed", "truncated"]
)
def test_hostile_reference_is_refused(hostile: dict[str, Path], zoo: Zoo, case: str) -> None:
    result = run_cli("audit", str(zoo.reference), str(hostile[case]))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"Error: {hostile[case]}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (hostile[case].parent / "UNPICKLED").exists()


def test_pickle_marker_would_work(tmp_path: Path) -> None:
    """The marker payload is real: unpickling it (here, deliberately) does create the file."""
    marker = tmp_path / "UNPICKLED"
    pickle.loads(pickle.dumps(_Marker(marker)))
    assert marker.exists()


def test_header_length_that_looks_like_a_pickle_opcode_is_accepted(tmp_path: Path) -> None:
    """Bytes 0x80 0x05 also spell the header length 1408: a valid header must not be sniffed as pickle."""
    name = "w" * 1000
    arrays = [(name, "F32", (2,), np.zeros(2, dtype="<f4").tobytes())]
    path = tmp_path / "lookalike.safetensors"
    metadata = {"pad": ""}
    for pad in range(500):
        metadata["pad"] = "x" * pad
        write_safetensors(path, arrays, metadata)
        if path.read_bytes()[:2] == b"\x80\x05":
            break
    assert path.read_bytes()[:2] == b"\x80\x05"
    from generator.audit.read import open_checkpoint  # noqa: PLC0415

    assert open_checkpoint(path).tensors[0].name == name
