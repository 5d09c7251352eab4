"""A remote FP8 checkpoint's block size comes from the ``config.json`` beside it, fetched from the Hub.

The toy model's widths are 64 and 128; stored in 24 × 24 blocks its scale grids (3 and 6 blocks) fit any block
size from 22 to 25, none of which tiles a width — so the shapes alone cannot tell, and only the config can.
Served by the local test Hub (:mod:`tests.audit.hubserver`), the same files audit as they do locally; where
the config is absent the fallback (the shapes) is named with the URL that was looked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from generator.audit import make_fingerprint, quant_decode, run_audit, toy
from generator.audit.fingerprint import fingerprint_checkpoint
from generator.audit.quant import dequantised, stored_label
from generator.audit.read import TensorReader, open_checkpoint
from generator.audit.remote import Remote, RemoteFile
from generator.errors import InputError
from tests.audit.conftest import Zoo, use_hub
from tests.audit.hubserver import HubServer, load, serving

BLOCK_24 = {"quantization_config": {"quant_method": "fp8", "weight_block_size": [24, 24]}}
FROM_CONFIG = "FP8 E4M3, 24×24 block scales — block size from config.json"


@pytest.fixture(scope="module")
def files(zoo: Zoo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("remote_quant")
    odd, values = toy.quantise_fp8_blocks(zoo.weights, block=(24, 24))
    even, _ = toy.quantise_fp8_blocks(zoo.weights, block=(16, 16))
    return {
        "odd": toy.save_checkpoint(odd, root / "odd" / "model.safetensors", config=BLOCK_24),
        "odd_bare": toy.save_checkpoint(odd, root / "odd_bare" / "model.safetensors"),
        "even_bare": toy.save_checkpoint(even, root / "even_bare" / "model.safetensors"),
        # the bf16 conversion with the right block size (toy.dequantise_fp8_blocks would guess it from shapes)
        "converted": toy.save_checkpoint(
            toy.cast(values, torch.bfloat16), root / "converted" / "model.safetensors"
        ),
    }


@pytest.fixture(scope="module")
def hub(zoo: Zoo, files: dict[str, Path]) -> Iterator[HubServer]:
    config = json.dumps(BLOCK_24).encode()
    repos = {f"org/{name}": load({"model.safetensors": files[name]}) for name in ("odd_bare", "even_bare")}
    repos["org/odd"] = {**load({"model.safetensors": files["odd"]}), "config.json": config}
    repos["org/broken"] = {**load({"model.safetensors": files["odd"]}), "config.json": b"{not json"}
    repos["org/reference"] = load({"model.safetensors": zoo.reference})
    with serving(repos) as server:
        yield server


@pytest.fixture(autouse=True)
def endpoint(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    use_hub(hub, monkeypatch)


def _labels(location: Path | str) -> set[str]:
    return {stored_label(t) for t in dequantised(open_checkpoint(location)).tensors} - {""}


def test_the_shapes_alone_cannot_tell_this_block_size(files: dict[str, Path]) -> None:
    with pytest.raises(InputError, match=r"ambiguous \(any of 22…25 .*no config.json beside the checkpoint"):
        dequantised(open_checkpoint(files["odd_bare"]))
    assert _labels(files["odd"]) == {FROM_CONFIG}


def test_remote_block_size_comes_from_the_config_beside_it(hub: HubServer) -> None:
    assert _labels("hf://org/odd") == {FROM_CONFIG}
    commit = hub.commits["org/odd_bare"]
    missing = f"no config.json at {hub.url}/org/odd_bare/resolve/{commit}/config.json"
    with pytest.raises(InputError, match=f"no config gives it \\({missing}\\)"):
        dequantised(open_checkpoint("hf://org/odd_bare"))


def test_remote_fallback_to_the_shapes_is_named(hub: HubServer) -> None:
    commit = hub.commits["org/even_bare"]
    assert _labels("hf://org/even_bare") == {
        "FP8 E4M3, 16×16 block scales — block size from the shapes: "
        f"no config.json at {hub.url}/org/even_bare/resolve/{commit}/config.json"
    }


def test_malformed_remote_config_is_refused(hub: HubServer) -> None:
    with pytest.raises(InputError, match=r"/org/broken/resolve/[0-9a-f]{40}/config.json: is not valid JSON"):
        dequantised(open_checkpoint("hf://org/broken"))


@pytest.mark.parametrize("reference", ["checkpoint", "fingerprint"])
def test_remote_fp8_copy_audits_as_derived(zoo: Zoo, reference: str) -> None:
    against = "hf://org/reference" if reference == "checkpoint" else zoo.fingerprint
    report = run_audit("hf://org/odd", against)
    assert {c.name: c.verdict for c in report.components} == {"model": "derived", "lm_head": "derived"}
    assert all(f"quantised ({FROM_CONFIG})" in c.disguises for c in report.components)


def test_remote_fp8_reference_as_fingerprint_and_checkpoint(
    files: dict[str, Path], tmp_path: Path, hub: HubServer
) -> None:
    """The remote FP8 reference, read directly and through its fingerprint, knows its block size: its bf16
    conversion is its weights, cast."""
    fingerprint = tmp_path / "odd.fingerprint"
    make_fingerprint("hf://org/odd", fingerprint)
    for against in ("hf://org/odd", fingerprint):
        report = run_audit(files["converted"], against)
        assert {c.name: c.verdict for c in report.components} == {
            "model": "identical",
            "lm_head": "identical",
        }
        matrices = [e for c in report.components for e in c.tensors if e.reference_quantisation]
        assert matrices
        assert {e.reference_quantisation for e in matrices} == {FROM_CONFIG}


def test_dequantised_remote_values_equal_local(files: dict[str, Path]) -> None:
    local = dequantised(open_checkpoint(files["odd"]))
    remote = dequantised(open_checkpoint("hf://org/odd"))
    name = "model.layers.0.mlp.down_proj.weight"
    info = {t.name: t for t in local.tensors}[name]
    other = {t.name: t for t in remote.tensors}[name]
    with TensorReader() as reader:
        assert torch.equal(torch.from_numpy(reader.read_all(info)), torch.from_numpy(reader.read_all(other)))


def test_a_rehearsal_decodes_nothing_and_plans_the_same_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rehearsing an FP8 reference (reads recorded, answered with zeros) reads its codes and scales where the
    real pass will, and computes no value from the zeros (a third of a DeepSeek-V3 layer's rehearsal)."""
    decoded: list[int] = []
    plain = quant_decode._code_values

    def counted(raw: Any, dtype: str) -> Any:
        decoded.append(raw.size)
        return plain(raw, dtype)

    monkeypatch.setattr(quant_decode, "_code_values", counted)

    def rehearsal() -> list[list[tuple[int, int]]]:
        with Remote() as remote:
            checkpoint = open_checkpoint("hf://org/odd", remote=remote)
            files = [f for f in checkpoint.files if isinstance(f, RemoteFile)]
            with remote.rehearse(files) as plans:
                fingerprint_checkpoint(checkpoint, keep_stored=True, statistics=False)
            return [list(plans[f]) for f in files]

    skipped = rehearsal()
    assert decoded == []
    with monkeypatch.context() as patch:
        patch.setattr(quant_decode, "_rehearsed", lambda info: False)
        decoding = rehearsal()
    assert decoded  # the codes were decoded this time: the same reads either way
    assert skipped == decoding
    assert sum(n for plan in skipped for _, n in plan) > 0
