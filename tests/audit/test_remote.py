"""Checkpoints read where they are: ``hf://`` and ``http://`` over real HTTP on 127.0.0.1, faults included.

The server (:mod:`tests.audit.hubserver`) serves the trained toy models of the zoo. Every read over HTTP
must give exactly what the local files give — the same fingerprint bit for bit, the same verdicts — or a
clean :class:`InputError` naming the URL (never a traceback, never the token).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from huggingface_hub.utils import close_session  # type: ignore[attr-defined]  # lazily exported

from generator.audit import (
    engine,
    make_fingerprint,
    remote_ranges,
    remote_transport,
    run_audit,
    toy,
    toy_disguise,
)
from generator.audit import remote as remote_module
from generator.audit.ahead import candidate_ahead
from generator.audit.configured import default_runner, resolve
from generator.audit.engine import audit_against
from generator.audit.fingerprint import Fingerprint, fingerprint_checkpoint, load_fingerprint
from generator.audit.locate import hub_endpoint, parse_hub
from generator.audit.read import open_checkpoint
from generator.audit.remote import Pacing, Remote, RemoteFile, coalesce, pacing_from
from generator.commands.weights import audit_command
from generator.errors import InputError
from generator.model import EngineAudit, Text
from tests.audit.conftest import CONFIG, Zoo
from tests.audit.hubserver import HubServer, load, serving
from tests.cli.run import run_process

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "hf_test_secret_token_0123456789"


@pytest.fixture(scope="module")
def sharded(zoo: Zoo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The reference split into two shards with an index (as ``save_pretrained`` writes them)."""
    root = tmp_path_factory.mktemp("sharded")
    names = sorted(zoo.weights)
    halves = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    files: dict[str, bytes] = {}
    for shard, members in halves.items():
        path = toy.save_checkpoint({n: zoo.weights[n] for n in members}, root / shard)
        files[shard] = path.read_bytes()
    weight_map = {n: shard for shard, members in halves.items() for n in members}
    files["model.safetensors.index.json"] = json.dumps({"metadata": {}, "weight_map": weight_map}).encode()
    return files


@pytest.fixture(scope="module")
def disguised(zoo: Zoo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A relabelled copy, a pruned-and-rotated one and a grown one (the residual stream recovered from the
    embeddings)."""
    root = tmp_path_factory.mktemp("disguised")
    pruned, narrower = toy_disguise.prune(zoo.weights, CONFIG, keep=0.75, seed=5)
    cases = {
        "relabelled": toy_disguise.relabel(zoo.weights, CONFIG, seed=3),
        "pruned_rotated": toy_disguise.rotate(pruned, narrower, seed=6),
        "grown": toy_disguise.grow(zoo.weights, CONFIG, extra=32, seed=7),
    }
    return {name: toy.save_checkpoint(params, root / f"{name}.safetensors") for name, params in cases.items()}


@pytest.fixture(scope="module")
def hub(zoo: Zoo, sharded: dict[str, bytes], disguised: dict[str, Path]) -> Iterator[HubServer]:
    repos = {
        f"org/{case}": load({"model.safetensors": zoo.path(case)})
        for case in ("finetuned", "independent_trained", "graft", "noise")
    }
    repos.update({f"org/{case}": load({"model.safetensors": path}) for case, path in disguised.items()})
    repos["org/reference"] = load({"model.safetensors": zoo.reference, "README.md": zoo.fingerprint})
    repos["org/sharded"] = {f"weights/{name}": data for name, data in sharded.items()}
    with serving(repos) as server:
        yield server


@pytest.fixture(autouse=True)
def endpoint(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr(remote_transport, "BACKOFF_S", 0.001)
    with hub.faults.lock:
        hub.faults.queue.clear()
        hub.faults.latency_s, hub.faults.ignore_range, hub.faults.replace_after = 0.0, False, None
        hub.faults.replacements.clear()
        hub.faults.lie_size.clear()
        hub.faults.gated_token, hub.faults.api_answer = None, None
        hub.faults.api_queue.clear()
        hub.faults.renamed.clear()
        hub.faults.api_gzip = hub.faults.api_chunked = False
        hub.faults.redirect, hub.faults.cdn_host = False, ""


def _fingerprint(location: Path | str, remote: Remote | None = None) -> Fingerprint:
    return fingerprint_checkpoint(open_checkpoint(location, remote=remote), keep_stored=True)


def _same(a: Fingerprint, b: Fingerprint) -> None:
    assert [p.name for p in a.tensors] == [p.name for p in b.tensors]
    assert sum(p.layout.kind == "residual" for p in a.tensors) > 10  # the comparison below checks real blocks
    for x, y in zip(a.tensors, b.tensors, strict=True):
        assert (x.layout, x.units, x.dtype, x.shape) == (y.layout, y.units, y.dtype, y.shape)
        assert np.array_equal(x.block, y.block)
        assert x.block.dtype == y.block.dtype
        assert np.array_equal(x.profile, y.profile)


def test_locations_parse() -> None:
    assert parse_hub("hf://org/model") == ("org/model", "main", "")
    assert parse_hub("hf://org/model@v1.0/sub/dir") == ("org/model", "v1.0", "sub/dir")
    assert parse_hub("hf://org/model@refs%2Fpr%2F3") == ("org/model", "refs/pr/3", "")
    for bad in ("hf://org", "hf://org/", "hf://o rg/model", "hf://org/model/../x"):
        with pytest.raises(InputError, match="hf://"):
            parse_hub(bad)


@pytest.mark.parametrize(
    ("value", "endpoint"),
    [
        (None, "https://huggingface.co"),
        ("", "https://huggingface.co"),  # a CI variable that is not set expands to this
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("https://hf-mirror.example/", "https://hf-mirror.example"),
    ],
)
def test_the_hub_endpoint_comes_from_hf_endpoint(
    monkeypatch: pytest.MonkeyPatch, value: str | None, endpoint: str
) -> None:
    if value is None:
        monkeypatch.delenv("HF_ENDPOINT", raising=False)
    else:
        monkeypatch.setenv("HF_ENDPOINT", value)
    assert hub_endpoint() == endpoint


@pytest.mark.parametrize("value", ["huggingface.co", "ftp://mirror.example", "http://"])
def test_an_hf_endpoint_that_is_not_a_url_is_named_before_any_request(
    monkeypatch: pytest.MonkeyPatch, zoo: Zoo, value: str
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", value)
    with pytest.raises(InputError, match=rf"^HF_ENDPOINT='{value}': not an http\(s\) URL"):
        run_audit("hf://org/model", zoo.reference)


def test_coalesce_joins_near_ranges_and_splits_long_ones() -> None:
    assert coalesce([(100, 200), (0, 50), (60, 70)], gap=9) == [(0, 50), (60, 70), (100, 200)]
    assert coalesce([(100, 200), (0, 50), (60, 70)], gap=30) == [(0, 200)]
    limit = remote_module.MAX_REQUEST
    assert coalesce([(0, 2 * limit + 5)], gap=0) == [
        (0, limit),
        (limit, 2 * limit),
        (2 * limit, 2 * limit + 5),
    ]
    assert coalesce([(0, 10), (10, 20), (5, 8)], gap=0) == [(0, 20)]  # touching or overlapping: one request
    assert coalesce([(0, limit - 10), (limit, limit + 1)], gap=100) == [(0, limit - 10), (limit, limit + 1)]
    # where one tensor ends and the next begins, near ranges are not joined; overlapping ones still are
    assert coalesce([(0, 50), (60, 70), (100, 200)], gap=30, bounds=[0, 55, 300]) == [(0, 50), (60, 200)]
    assert coalesce([(0, 60), (50, 70)], gap=0, bounds=[55]) == [(0, 70)]


def test_the_gap_worth_joining_is_what_the_link_delivers_in_a_request_s_share_of_the_pool() -> None:
    assert Pacing(workers=16, bandwidth=100e6, latency_s=0.02).gap == 125_000
    assert Pacing(workers=1, bandwidth=100e6, latency_s=0.02).gap == 2_000_000  # one at a time: 2 MB
    # however many are in flight, a request costs the client's CPU for it: 0.5 ms, 50 kB at 100 MB/s
    assert Pacing(workers=64, bandwidth=100e6, latency_s=0.02).gap == 50_000
    assert Pacing(workers=256, bandwidth=100e6, latency_s=0.02).gap == 50_000
    assert Pacing(bandwidth=0).gap == 0
    assert pacing_from({}) == Pacing()
    assert pacing_from(
        {"AUDIT_HTTP_WORKERS": "8", "AUDIT_HTTP_BANDWIDTH": "25", "AUDIT_HTTP_LATENCY_MS": "40"}
    ) == Pacing(workers=8, bandwidth=25e6, latency_s=0.04)
    assert pacing_from({"AUDIT_HTTP_ROOM_MB": "2048"}) == Pacing(room=2048 * 2**20)
    with pytest.raises(ValueError, match="workers"):
        Pacing(workers=0)


@pytest.mark.parametrize("workers", [8, 32, 64, 256])
def test_more_workers_never_split_a_matrix_s_row_windows_into_a_request_each(workers: int) -> None:
    """A bf16 matrix d = 4096 wide read 128 columns of each of 512 rows: windows 256 bytes long, 7,936 bytes
    apart. At the default bandwidth and latency every worker count joins them into a few requests; 64
    workers once sent one per row (the gap shrank with the pool, below a row)."""
    row, window = 4096 * 2, 128 * 2
    spans = [(r * row + 1000, r * row + 1000 + window) for r in range(512)]
    groups = coalesce(spans, gap=Pacing(workers=workers).gap)
    assert len(groups) <= 1 + 512 * row // remote_module.MAX_REQUEST


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("AUDIT_HTTP_WORKERS", "0", "a whole number from 1 to 256"),
        ("AUDIT_HTTP_WORKERS", "2.5", "a whole number"),
        ("AUDIT_HTTP_WORKERS", "many", "a whole number"),
        ("AUDIT_HTTP_BANDWIDTH", "-1", "a number from 0 or more"),
        ("AUDIT_HTTP_LATENCY_MS", "nan", "a number from 0 to 60000"),
        ("AUDIT_HTTP_ROOM_MB", "0", "a whole number from 1 to 65536"),
        ("AUDIT_HTTP_ROOM_MB", "0.5", "a whole number"),
    ],
)
def test_a_bad_pacing_variable_is_a_clean_error_naming_it(variable: str, value: str, expected: str) -> None:
    with pytest.raises(InputError, match=rf"^{variable}='{value}': expected {expected}"):
        pacing_from({variable: value})


def _scattered(file: RemoteFile, count: int, apart: int) -> list[tuple[int, int]]:
    start = file.probed + 1
    spans = [(start + k * apart, 16) for k in range(count)]
    assert spans[-1][0] + 16 <= file.size  # every span lies inside the file
    return spans


@pytest.mark.parametrize("workers", [3, 8])
def test_the_pool_never_has_more_requests_in_flight_than_its_bound(
    zoo: Zoo, hub: HubServer, workers: int
) -> None:
    local = zoo.reference.read_bytes()
    with Remote(pacing=Pacing(workers=workers, bandwidth=0)) as remote:
        (file,) = open_checkpoint("hf://org/reference", remote=remote).files
        assert isinstance(file, RemoteFile)
        spans = _scattered(file, 4 * workers, (file.size - file.probed) // (4 * workers + 1))
        with hub.faults.lock:
            hub.faults.latency_s, hub.log.most_in_flight = 0.02, 0
        got = file.read_many(spans)
        with hub.faults.lock:
            most = hub.log.most_in_flight
    assert got == [local[o : o + n] for o, n in spans]
    assert remote.transfer.requests == 1 + 4 * workers  # the probe, then one request per span
    assert workers // 2 < most <= workers  # concurrent, and never past the bound


PACING_VARIABLES = (
    "AUDIT_HTTP_WORKERS",
    "AUDIT_HTTP_BANDWIDTH",
    "AUDIT_HTTP_LATENCY_MS",
    "AUDIT_HTTP_ROOM_MB",
)


@pytest.mark.parametrize("variable", PACING_VARIABLES)
def test_the_command_line_sets_how_the_reader_paces_itself(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    """``--http-workers 2`` bounds the requests in flight of a real audit; the variables say the same, and an
    option given wins over its variable."""
    for each in PACING_VARIABLES:  # the options write the variables: each recorded, so as to be restored
        monkeypatch.setenv(each, "")
        monkeypatch.delenv(each)
    monkeypatch.setenv(variable, "7")
    args = ["hf://org/finetuned", "hf://org/reference", "--device", "cpu", "--json", str(tmp_path / "r.json")]
    with hub.faults.lock:
        hub.faults.latency_s, hub.log.most_in_flight = 0.005, 0
    pacing = ["--http-workers", "2", "--http-bandwidth", "1", "--http-latency-ms", "1", "--http-room-mb", "3"]
    result = CliRunner().invoke(audit_command, [*args, *pacing])
    assert result.exit_code == 0, result.output
    with hub.faults.lock:
        most = hub.log.most_in_flight
    assert 1 <= most <= 2  # 32 by default: the audit asks for hundreds of ranges at once
    assert pacing_from(os.environ) == Pacing(workers=2, bandwidth=1e6, latency_s=0.001, room=3 * 2**20)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["verdict"] == "derived"


def test_a_pacing_option_out_of_range_is_a_usage_error() -> None:
    result = CliRunner().invoke(audit_command, ["a", "b", "--http-workers", "300"])
    assert result.exit_code == 2
    assert "--http-workers" in result.output
    assert "1<=x<=256" in result.output


def test_near_ranges_share_a_request_and_far_ones_do_not(zoo: Zoo, hub: HubServer) -> None:
    local = zoo.reference.read_bytes()
    for pacing, requests in (
        (Pacing(bandwidth=0), 8),
        (Pacing(workers=1, bandwidth=1e6, latency_s=0.001), 1),
    ):
        with Remote(pacing=pacing) as remote:
            (file,) = open_checkpoint("hf://org/reference", remote=remote).files
            assert isinstance(file, RemoteFile)
            spans = _scattered(file, 8, 600)  # 584-byte gaps: under a 1,000-byte gap, over a 0-byte one
            assert pacing.gap in {0, 1000}
            before = remote.transfer
            assert file.read_many(spans) == [local[o : o + n] for o, n in spans]
            after = remote.transfer
        assert after.requests - before.requests == requests
        assert after.fetched - before.fetched == (16 * 8 if requests == 8 else 7 * 600 + 16)


def test_hub_and_plain_urls_read_exactly_what_local_files_hold(zoo: Zoo, hub: HubServer) -> None:
    local = _fingerprint(zoo.reference)
    with Remote() as remote:
        over_hub = _fingerprint("hf://org/reference", remote)
        plain = _fingerprint(f"{hub.url}/plain/org/reference/model.safetensors", remote)
        fetched = remote.transfer
    _same(local, over_hub)
    _same(local, plain)
    assert 0 < fetched.fetched <= 2 * zoo.reference.stat().st_size  # two reads of one file, nothing more
    assert fetched.retries == 0


def test_sharded_index_over_hub_and_url(zoo: Zoo, hub: HubServer) -> None:
    local = _fingerprint(zoo.reference)
    _same(local, _fingerprint("hf://org/sharded/weights"))
    _same(local, _fingerprint(f"{hub.url}/plain/org/sharded/weights/model.safetensors.index.json"))
    checkpoint = open_checkpoint("hf://org/sharded@main/weights")
    assert [Path(str(f)).name for f in checkpoint.files] == [
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
    ]


def test_more_shards_than_workers_are_probed_without_waiting_on_the_pool(zoo: Zoo) -> None:
    with Remote(workers=1) as remote:  # each probe runs in the pool; it once queued its request behind itself
        checkpoint = open_checkpoint("hf://org/sharded/weights", remote=remote)
        assert len(checkpoint.files) == 2
        _same(_fingerprint(zoo.reference), fingerprint_checkpoint(checkpoint, keep_stored=True))


def test_rehearsal_learns_every_read_of_the_reference(zoo: Zoo) -> None:
    with Remote() as remote:
        checkpoint = open_checkpoint("hf://org/reference", remote=remote)
        files = [f for f in checkpoint.files if isinstance(f, RemoteFile)]
        with remote.rehearse(files) as plans:
            rehearsed = fingerprint_checkpoint(checkpoint, keep_stored=True)
        with remote.rehearse(files) as positions_only:  # what the audit rehearses: nothing computed
            planned = fingerprint_checkpoint(checkpoint, keep_stored=True, statistics=False)
        assert positions_only == plans
        assert [(p.name, p.layout, p.units) for p in planned.tensors] == [
            (p.name, p.layout, p.units) for p in rehearsed.tensors
        ]
        assert all(p.profile.size == 0 for p in planned.tensors)  # no profile computed
        assert sum(len(spans) for spans in plans.values()) > 10
        assert remote.transfer.requests == 1  # the probe: a rehearsal fetches nothing
        remote.prefetch(plans)
        remote.settle()
        fetched = remote.transfer.requests
        real = fingerprint_checkpoint(checkpoint, keep_stored=True)
        assert remote.transfer.requests == fetched  # every read was foreseen and is served from memory
    assert not any(p.block.any() for p in rehearsed.tensors)  # the rehearsal saw zeros only
    _same(_fingerprint(zoo.reference), real)


def test_candidate_reads_against_a_fingerprint_are_foreseen(
    zoo: Zoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Pacing, "gap", -1)  # not even touching rows joined: one request per row, as at scale
    fingerprint = load_fingerprint(zoo.fingerprint)
    local = audit_against(
        checkpoint=open_checkpoint(zoo.path("finetuned")), fingerprint=fingerprint, reference="fp"
    )
    with Remote() as remote:
        checkpoint = open_checkpoint("hf://org/finetuned", remote=remote)
        candidate_ahead(remote, fingerprint, checkpoint)
        remote.settle()
        ahead = remote.transfer
        over = audit_against(checkpoint=checkpoint, fingerprint=fingerprint, reference="fp")
        after = remote.transfer
    assert ahead.requests > 10
    assert after.requests - ahead.requests <= ahead.requests // 10  # nearly every read was fetched ahead
    assert over.verdict == local.verdict == "derived"
    assert [(c.name, c.log10_p) for c in over.components] == [(c.name, c.log10_p) for c in local.components]


@pytest.mark.slow
def test_verdicts_over_http_equal_local_ones(zoo: Zoo, hub: HubServer) -> None:
    with hub.faults.lock:
        hub.faults.latency_s = 0.002
    for case, expected in (("finetuned", "derived"), ("independent_trained", "independent"), ("graft", None)):
        local = run_audit(zoo.path(case), zoo.reference, device="cpu")
        over = run_audit(
            f"hf://org/{case}@main", f"{hub.url}/plain/org/reference/model.safetensors", device="cpu"
        )
        assert over.verdict == local.verdict
        if expected is not None:
            assert local.verdict == expected
        assert [(c.name, c.verdict, c.log10_p) for c in over.components] == [
            (c.name, c.verdict, c.log10_p) for c in local.components
        ]
        (candidate_file,) = over.candidate_files
        assert candidate_file.revision == hub.commits[f"org/{case}"]
        assert candidate_file.sha256 == hashlib.sha256(zoo.path(case).read_bytes()).hexdigest()
        assert candidate_file.location.endswith(
            f"/org/{case}/resolve/{hub.commits[f'org/{case}']}/model.safetensors"
        )
        assert over.transfer is not None
        assert over.transfer["requests"] > 0
        assert json.dumps(over.to_dict()).count(hub.commits[f"org/{case}"]) >= 1


def test_relabelled_copies_over_http_equal_local_ones(
    zoo: Zoo, hub: HubServer, disguised: dict[str, Path]
) -> None:
    for case, path in sorted(disguised.items()):
        local = run_audit(path, zoo.fingerprint).to_dict()
        over = run_audit(f"hf://org/{case}", zoo.fingerprint).to_dict()
        assert local["verdict"] == "derived"
        kind = {"relabelled": "permutation", "pruned_rotated": "rotation", "grown": "grown"}[case]
        assert [c["residual"]["kind"] for c in local["components"]] == [kind] * 2
        for document in (local, over):
            del document["candidate"], document["candidate_files"], document["transfer"], document["cheap"]
        assert over == local


def test_fingerprint_of_a_url_equals_the_local_one(zoo: Zoo, hub: HubServer, tmp_path: Path) -> None:
    size, model_bytes = make_fingerprint("hf://org/reference", tmp_path / "remote.fp")
    assert size > 0
    assert model_bytes == open_checkpoint(zoo.reference).nbytes
    remote, local = load_fingerprint(tmp_path / "remote.fp"), load_fingerprint(zoo.fingerprint)
    _same(local, remote)
    hashed = [p for p in local.tensors if p.hashes]
    assert hashed  # the whole tensors were fetched and hashed alike
    assert [dict(p.hashes) for p in hashed] == [dict(q.hashes) for q in remote.tensors if q.hashes]


@pytest.mark.parametrize("fault", ["429", "500", "reset", "truncate", "wrong_range"])
def test_transient_faults_are_retried_to_the_same_bytes(zoo: Zoo, hub: HubServer, fault: str) -> None:
    local = _fingerprint(zoo.reference)
    with hub.faults.lock:
        hub.faults.queue[:] = ["", "", fault, "", fault, fault]  # after the probe, mid-run, twice in a row
        hub.faults.latency_s = 0.001
    with Remote() as remote:
        _same(local, _fingerprint("hf://org/reference", remote))
        assert remote.transfer.retries >= 3
    assert not hub.faults.queue


def test_ranges_go_to_the_cdn_the_hub_redirected_to_until_its_url_expires(zoo: Zoo, hub: HubServer) -> None:
    with hub.faults.lock:
        hub.faults.redirect, hub.log.redirects = True, 0
        hub.log.cdn_authorizations.clear()
    with Remote() as remote:
        checkpoint = open_checkpoint("hf://org/reference", remote=remote)
        first = fingerprint_checkpoint(checkpoint, keep_stored=True)
        with hub.faults.lock:
            redirected, cdn = hub.log.redirects, len(hub.log.cdn_authorizations)
            hub.faults.signature += 1  # every CDN URL handed out so far expires
        again = fingerprint_checkpoint(checkpoint, keep_stored=True)
        transfer = remote.transfer
    local = _fingerprint(zoo.reference)
    _same(local, first)
    _same(local, again)
    assert redirected == 1  # the probe asked the Hub; every later range went to the CDN directly
    assert cdn > 3
    assert hub.log.redirects > redirected  # the expired URL was asked for again through the Hub
    assert transfer.retries >= 1
    # only a redirect the client followed carried the token (to the same host here; never to another)
    assert sum(a == f"Bearer {TOKEN}" for a in hub.log.cdn_authorizations) == hub.log.redirects


def test_the_token_never_follows_a_redirect_to_another_host(zoo: Zoo, hub: HubServer) -> None:
    """The Hub's CDN is another host: the ranges it answers must arrive without the Hub's token."""
    with hub.faults.lock:
        hub.faults.redirect, hub.faults.cdn_host, hub.log.redirects = True, "localhost", 0
        hub.log.cdn_authorizations.clear()
    with Remote() as remote:
        _same(_fingerprint(zoo.reference), _fingerprint("hf://org/reference", remote))
    assert hub.log.redirects >= 1
    assert len(hub.log.cdn_authorizations) > 3
    assert set(hub.log.cdn_authorizations) == {""}
    assert f"Bearer {TOKEN}" in hub.log.authorizations  # the Hub itself got it


def test_the_proxy_the_environment_names_carries_every_request(
    zoo: Zoo, hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``HTTP_PROXY`` is honoured (the test Hub answers proxied requests for itself): the ranges go through it
    to a host this machine cannot resolve, and ``NO_PROXY`` sends them around it (and then they fail)."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", hub.url.replace("http://", "http://user:pass%20word@"))
    monkeypatch.setenv("HF_ENDPOINT", "http://hub.invalid")
    close_session()  # huggingface_hub keeps one client per process, its proxies read when it was made
    with hub.faults.lock:
        hub.log.proxy_authorizations.clear()
    try:
        with Remote() as remote:
            _same(_fingerprint(zoo.reference), _fingerprint("hf://org/reference", remote))
            assert remote.transfer.requests > 3
        credentials = "Basic " + base64.b64encode(b"user:pass word").decode()
        assert len(hub.log.proxy_authorizations) > 3
        assert set(hub.log.proxy_authorizations) == {credentials}  # the URL's credentials, on every request
        monkeypatch.setenv("NO_PROXY", "hub.invalid")
        close_session()
        with Remote() as remote, pytest.raises(InputError, match=r"hub\.invalid"):
            _fingerprint("hf://org/reference", remote)
    finally:
        close_session()  # not to leave later tests a client that goes through this proxy


def test_a_server_that_ignores_range_is_streamed_through(zoo: Zoo, hub: HubServer) -> None:
    local = _fingerprint(zoo.reference)
    with hub.faults.lock:
        hub.faults.ignore_range = True
    before = hub.log.requests
    with Remote() as remote:
        checkpoint = open_checkpoint(f"{hub.url}/plain/org/reference/model.safetensors", remote=remote)
        _same(local, fingerprint_checkpoint(checkpoint, keep_stored=True))
        (file,) = checkpoint.files
        assert getattr(file, "ignores_range", False)
    assert hub.log.requests - before >= 2


def test_ranges_read_ahead_from_a_server_that_ignores_range_are_right_in_any_reading_order(
    zoo: Zoo, hub: HubServer
) -> None:
    """A stream passes through the file once, so the ranges it keeps go in the order they lie, whatever
    order the stage reads them in; then every read is answered from what was kept."""
    data = zoo.reference.read_bytes()
    with hub.faults.lock:
        hub.faults.ignore_range = True
    with Remote() as remote:
        checkpoint = open_checkpoint(f"{hub.url}/plain/org/reference/model.safetensors", remote=remote)
        (file,) = [f for f in checkpoint.files if isinstance(f, RemoteFile)]
        late, early = (len(data) - 5_000, 3_000), (len(data) // 2, 40_000)  # read late first, then early
        opened = remote.transfer
        remote.prefetch({file: [late, early]})
        remote.settle()
        before = remote.transfer
        assert file.read_many([late, early]) == [data[late[0] : sum(late)], data[early[0] : sum(early)]]
        assert remote.transfer == before  # both were kept: nothing streamed again
    assert before.requests - opened.requests == 1  # one pass through the file
    assert before.fetched - opened.fetched <= len(data)


def test_overlapping_ranges_longer_than_a_request_are_cut_right() -> None:
    limit = remote_module.MAX_REQUEST
    wanted = [(0, 2 * limit + 100), (2 * limit - 100, 2 * limit + 300)]
    groups = coalesce(wanted, gap=0)
    assert all(a[1] <= b[0] for a, b in pairwise(groups))  # disjoint
    assert groups[0][0] == 0
    assert groups[-1][1] == 2 * limit + 300
    data = bytes(range(256)) * ((2 * limit + 300) // 256 + 1)
    blobs = [data[start:end] for start, end in groups]
    tagged = [(start, end, k) for k, (start, end) in enumerate(wanted)]
    assert remote_ranges.cut(tagged, groups, blobs) == [data[start:end] for start, end in wanted]


def test_a_file_replaced_mid_run_is_an_error_not_a_verdict(zoo: Zoo, hub: HubServer) -> None:
    other = zoo.path("noise").read_bytes()
    assert len(other) == zoo.reference.stat().st_size  # same size: only the ETag can tell
    with hub.faults.lock:
        hub.faults.replace_after = hub.log.requests + 3
        hub.faults.replacements["model.safetensors"] = other
    url = f"{hub.url}/plain/org/reference/model.safetensors"
    with pytest.raises(InputError, match=r"changed during the run") as error:
        _fingerprint(url)
    assert url in str(error.value)


def test_a_size_the_api_misstates_is_an_error(zoo: Zoo, hub: HubServer) -> None:
    with hub.faults.lock:
        hub.faults.lie_size["model.safetensors"] = zoo.reference.stat().st_size + 4096
    with pytest.raises(
        InputError, match=r"/org/reference/resolve/[0-9a-f]{40}/model.safetensors: the server"
    ):
        open_checkpoint("hf://org/reference")


def test_a_lying_safetensors_header_is_refused_naming_the_url(zoo: Zoo, hub: HubServer) -> None:
    data = bytearray(zoo.reference.read_bytes())
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    name = next(n for n in header if n != "__metadata__")
    header[name]["data_offsets"][1] += 1 << 20  # claims a megabyte more than the file holds
    text = json.dumps(header).encode()
    hub.repos["org/reference"]["liar.safetensors"] = (
        len(text).to_bytes(8, "little") + text + bytes(data[8 + length :])
    )
    try:
        with pytest.raises(InputError, match=r"liar.safetensors: .*outside the") as error:
            open_checkpoint("hf://org/reference/liar.safetensors")
        assert "resolve" in str(error.value)
    finally:
        del hub.repos["org/reference"]["liar.safetensors"]


def test_persistent_failure_is_a_clean_error(hub: HubServer) -> None:
    with hub.faults.lock:
        hub.faults.queue[:] = ["500"] * remote_module.ATTEMPTS
    url = f"{hub.url}/plain/org/reference/model.safetensors"
    with pytest.raises(InputError, match=rf"{url}: failed after {remote_module.ATTEMPTS} tries \(HTTP 500\)"):
        open_checkpoint(url)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("hf://org/missing", "no such repository"),
        ("hf://org/reference@v9", "no revision 'v9'"),
        ("hf://org/reference/nothing-here", "no .safetensors files"),
        ("http://127.0.0.1:9/model.safetensors", "failed after"),
        ("http://127.0.0.1:99999/model.safetensors", "failed after"),  # no port: never a traceback
    ],
)
def test_bad_locations_are_clean_errors(location: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        open_checkpoint(location)
    assert str(error.value).startswith(location.split("@", maxsplit=1)[0].split("/nothing", maxsplit=1)[0])
    assert message in str(error.value)
    assert TOKEN not in str(error.value)


@pytest.mark.parametrize(
    "answer",
    [
        b"<html>a login page</html>",
        b'{"id": "org/reference", "siblings": []}',  # no commit
        b'{"id": "org/reference", "sha": "", "siblings": []}',
        b'{"id": "org/reference", "sha": "abc"}',  # no file list
        b'{"id": "org/reference", "sha": "abc", "siblings": [{"size": 3}]}',  # a file with no name
        b'{"id": "org/reference", "sha": "abc", "siblings": [{"rfilename": "a", "size": "many"}]}',
    ],
)
def test_a_malformed_revision_answer_is_a_clean_error(hub: HubServer, answer: bytes) -> None:
    with hub.faults.lock:
        hub.faults.api_answer = answer
    with pytest.raises(InputError, match="the Hub's answer has no commit SHA or file list") as error:
        open_checkpoint("hf://org/reference")
    assert str(error.value).startswith("hf://org/reference (")
    assert "/api/models/org/reference/revision/main" in str(error.value)


@pytest.mark.parametrize("fault", ["429", "500", "reset", "truncate"])
def test_the_revision_look_up_is_retried(zoo: Zoo, hub: HubServer, fault: str) -> None:
    with hub.faults.lock:
        hub.faults.api_queue[:] = [fault, fault]
        before = hub.log.api_requests
    with Remote() as remote:
        _same(_fingerprint(zoo.reference), _fingerprint("hf://org/reference", remote))
        assert remote.transfer.retries == 0  # the look-up is not the weights' transfer
    assert hub.log.api_requests - before == 3


def test_a_revision_api_that_keeps_failing_is_a_clean_error(hub: HubServer) -> None:
    with hub.faults.lock:
        hub.faults.api_queue[:] = ["500"] * remote_module.ATTEMPTS
    with pytest.raises(InputError) as error:
        open_checkpoint("hf://org/reference")
    message = str(error.value)
    assert message.startswith("hf://org/reference (")
    assert "/api/models/org/reference/revision/main" in message
    assert f"failed after {remote_module.ATTEMPTS} tries (HTTP 500)" in message
    assert TOKEN not in message


def test_a_token_that_cannot_be_sent_is_a_clean_error(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_ab€")  # not latin-1: no HTTP header can carry it
    with pytest.raises(InputError) as error:
        open_checkpoint("hf://org/reference")
    assert str(error.value).startswith("hf://org/reference (")
    assert "cannot be read (UnicodeEncodeError)" in str(error.value)
    assert "hf_ab" not in str(error.value)


def test_a_compressed_revision_answer_is_read(zoo: Zoo, hub: HubServer) -> None:
    """Asked for unencoded, yet compressed on the way (a proxy): decoded, not taken for a malformed answer."""
    with hub.faults.lock:
        hub.faults.api_gzip = True
    _same(_fingerprint(zoo.reference), _fingerprint("hf://org/reference"))


@pytest.mark.parametrize("chunked", [False, True])
def test_the_revision_answer_s_connection_carries_the_probe(zoo: Zoo, hub: HubServer, chunked: bool) -> None:
    """The look-up and the header's probe share one connection (over HTTPS, one handshake), whether the API
    answers with a length or in chunks."""
    with hub.faults.lock:
        hub.faults.api_chunked = chunked
    with Remote() as remote:
        _same(_fingerprint(zoo.reference), _fingerprint("hf://org/reference", remote))
        managers: Any = remote._transport._pools._managers.values()
        pools = [manager.pools[key] for manager in managers for key in manager.pools.keys()]  # noqa: SIM118
        assert sum(pool.num_connections for pool in pools) == 1


def test_nothing_is_tried_again_once_the_connection_is_closed(hub: HubServer) -> None:
    """A read-ahead still being tried when an audit ends (nothing waits for it) stops at its next try."""
    with hub.faults.lock:
        hub.faults.queue[:] = ["500", "500"]
        before = hub.log.requests
    remote = Remote()
    file = RemoteFile(remote, url=f"{hub.url}/plain/org/reference/model.safetensors")
    remote.close()
    with pytest.raises(InputError, match=r"not tried again, the connection was closed \(HTTP 500\)"):
        remote._transport.get(file, 0, 16, probe=True)
    assert hub.log.requests - before == 1


def test_offline_mode_asks_nothing(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants  # noqa: PLC0415

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    before = hub.log.api_requests
    with pytest.raises(InputError, match=r"^hf://org/reference \(.*HF_HUB_OFFLINE is set"):
        open_checkpoint("hf://org/reference")
    assert hub.log.api_requests == before


@pytest.mark.parametrize("other_origin", [False, True])
def test_a_renamed_repository_is_read_under_its_new_name(
    zoo: Zoo, hub: HubServer, other_origin: bool
) -> None:
    """The API redirects an old name (the token follows on the Hub's own origin only); the files are then
    read under the name the API answered, with no redirect per range."""
    with hub.faults.lock:
        hub.faults.renamed["org/old-name"] = "org/reference"
        hub.faults.cdn_host = "localhost" if other_origin else ""
        hub.log.authorizations.clear()
        before, redirects = hub.log.api_requests, hub.log.redirects
    with Remote() as remote:
        _same(_fingerprint(zoo.reference), _fingerprint("hf://org/old-name", remote))
        files = open_checkpoint("hf://org/old-name", remote=remote).files
    urls = [f.url for f in files if isinstance(f, RemoteFile)]
    assert hub.log.api_requests - before == 2
    assert urls
    assert all("/org/reference/resolve/" in url for url in urls)
    assert hub.log.redirects == redirects
    api_old, api_new, *data = hub.log.authorizations
    assert api_old == f"Bearer {TOKEN}"
    assert api_new == ("" if other_origin else f"Bearer {TOKEN}")
    assert data
    assert all(a == f"Bearer {TOKEN}" for a in data)


def test_gated_repository_needs_the_token(zoo: Zoo, hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with hub.faults.lock:
        hub.faults.gated_token = TOKEN
    _same(_fingerprint(zoo.reference), _fingerprint("hf://org/reference"))
    monkeypatch.setenv("HF_TOKEN", "hf_wrong")
    with pytest.raises(InputError, match="gated") as error:
        open_checkpoint("hf://org/reference")
    assert "hf_wrong" not in str(error.value)


def test_token_goes_to_the_hub_only(hub: HubServer) -> None:
    hub.log.authorizations.clear()
    open_checkpoint("hf://org/reference")
    assert hub.log.authorizations
    assert all(a == f"Bearer {TOKEN}" for a in hub.log.authorizations)
    hub.log.authorizations.clear()
    open_checkpoint(f"{hub.url}/plain/org/reference/model.safetensors")
    assert hub.log.authorizations
    assert not any(hub.log.authorizations)


def test_cache_serves_a_second_run_without_requests(zoo: Zoo, hub: HubServer, tmp_path: Path) -> None:
    with Remote(cache=tmp_path) as remote:
        first = _fingerprint("hf://org/reference", remote)
    sha = hashlib.sha256(zoo.reference.read_bytes()).hexdigest()
    assert [p.name for p in tmp_path.iterdir()] == [sha]
    before = hub.log.requests
    with Remote(cache=tmp_path) as remote:
        _same(first, _fingerprint("hf://org/reference", remote))
        assert remote.transfer.requests == 0
    assert hub.log.requests == before


def test_an_unwritable_cache_is_a_clean_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    with Remote(cache=blocked) as remote, pytest.raises(InputError, match=r"--cache .*cannot be written"):
        open_checkpoint("hf://org/reference", remote=remote)


@pytest.mark.slow
def test_cli_audits_urls_and_never_prints_the_token(zoo: Zoo, hub: HubServer, tmp_path: Path) -> None:
    assert os.environ["HF_ENDPOINT"] == hub.url  # set by the `endpoint` fixture, inherited by the CLI
    out = tmp_path / "report.json"
    done = run_process("audit", "hf://org/finetuned", "hf://org/reference", "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "Verdict: derived" in done.stdout
    assert hub.commits["org/finetuned"] in done.stdout
    document = out.read_text(encoding="utf-8")
    assert TOKEN not in done.stdout + done.stderr + document
    files = json.loads(document)["reference_files"]
    assert files[0]["sha256"] == hashlib.sha256(zoo.reference.read_bytes()).hexdigest()
    failed = run_process("audit", "hf://org/missing", "hf://org/reference")
    assert failed.returncode != 0
    assert failed.stderr.startswith("Error: hf://org/missing")
    assert "Traceback" not in failed.stderr
    assert TOKEN not in failed.stderr


def test_torch_stays_out_of_the_remote_reader() -> None:
    code = "import sys, generator.audit.remote, generator.audit.read; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    assert torch is not None


def test_the_shared_reader_closes_its_connections_when_the_process_exits(hub: HubServer) -> None:
    # open_checkpoint without a Remote uses the process's shared one; at exit its sockets were left open
    code = (
        "import sys; from generator.audit.read import open_checkpoint; "
        "print(len(open_checkpoint(sys.argv[1]).tensors))"
    )
    command = [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", code, "hf://org/reference"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert int(done.stdout) > 0
    assert "ResourceWarning" not in done.stderr, done.stderr


@pytest.mark.slow
def test_round_configuration_accepts_urls(hub: HubServer, tmp_path: Path) -> None:
    audit = EngineAudit(
        id="remote",
        component=None,
        candidate="hf://org/finetuned@main",
        reference="${REFERENCE_URL}/plain/org/reference/model.safetensors",
        label=Text(ko="원격", en="remote"),
    )
    configured = resolve(audit, environ={"REFERENCE_URL": hub.url}, base=tmp_path, runner=default_runner)
    assert configured.not_run == ()
    assert configured.result is not None
    assert configured.result.verdict == "derived"
    missing = resolve(
        replace(audit, candidate="hf://org/missing"),
        environ={"REFERENCE_URL": hub.url},
        base=tmp_path,
        runner=default_runner,
    )
    assert missing.result is None
    assert [r.kind for r in missing.not_run] == ["audit_failed"]
    assert missing.not_run[0].detail.startswith("hf://org/missing")


def _wide_ffn(path: Path) -> Path:
    """One FFN layer of width 512 with 4,096 neurons (bf16): sampled neurons a 1 KiB row each, 32 rows
    apart on average — far beyond the gap worth joining, as the rows of a real model are."""
    rng = torch.Generator().manual_seed(0)
    params = {
        "model.layers.0.post_attention_layernorm.weight": torch.ones(512),
        "model.layers.0.mlp.up_proj.weight": torch.randn(4096, 512, generator=rng).to(torch.bfloat16),
    }
    return toy.save_checkpoint(params, path)


@pytest.mark.parametrize("run", [16, 1])
def test_sampled_neurons_are_read_a_run_at_a_time(
    run: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.audit import plan  # noqa: PLC0415

    monkeypatch.setattr(plan, "HIDDEN_RUN", run)  # 1: scattered neurons, as before runs
    with serving({"org/ffn": load({"model.safetensors": _wide_ffn(tmp_path / "ffn.safetensors")})}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        with Remote(pacing=Pacing()) as remote:  # the default gap: 15.6 KiB
            fingerprint = _fingerprint("hf://org/ffn", remote)
            requests = remote.transfer.requests
    (up,) = [p for p in fingerprint.tensors if p.name.endswith("up_proj.weight")]
    assert len(up.units) == plan.HIDDEN_UNITS == len(set(up.units))
    chunks = [up.units[k : k + run] for k in range(0, len(up.units), run)]
    assert all(c == tuple(range(c[0], c[0] + run)) for c in chunks)  # runs of `run` consecutive neurons
    if run > 1:  # the probe, the gain and one request per run (or fewer, where two runs touch)
        assert requests <= 2 + len(chunks)
    else:  # scattered neurons: about one request each
        assert requests >= plan.HIDDEN_UNITS // 2


def test_an_audit_looks_each_repository_s_revision_up_once(zoo: Zoo, hub: HubServer) -> None:
    before = hub.log.api_requests
    report = run_audit("hf://org/finetuned", "hf://org/reference", device="cpu")
    assert report.verdict == "derived"
    # configs, tokenizers and weights are all read at the commit of that one answer
    assert hub.log.api_requests - before == 2


def test_the_candidate_s_first_reads_travel_with_the_reference_s(
    zoo: Zoo, hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the candidate is first read depends on the reference's roles, shapes and sampled units only,
    which the rehearsal of its fingerprint already has: both are on their way before the reference's
    fingerprint waits for its first bytes, not one after the other."""
    events: list[str | set[str]] = []
    prefetch = Remote.prefetch

    def recorded(self: Remote, plans: Any, **kwargs: Any) -> None:
        events.append(
            {file.url.split("/resolve/")[0].rsplit("/", 1)[-1] for file, spans in plans.items() if spans}
        )
        prefetch(self, plans, **kwargs)

    def fingerprinted(*args: Any, **kwargs: Any) -> Fingerprint:
        events.append("fingerprint")
        return fingerprint_checkpoint(*args, **kwargs)

    monkeypatch.setattr(Remote, "prefetch", recorded)
    monkeypatch.setattr(engine, "fingerprint_checkpoint", fingerprinted)
    together = run_audit("hf://org/finetuned", "hf://org/reference", device="cpu")
    assert events[:3] == [{"reference"}, {"finetuned"}, "fingerprint"]
    local = run_audit(zoo.path("finetuned"), zoo.reference, device="cpu")
    assert [(c.name, c.verdict, c.log10_p) for c in together.components] == [
        (c.name, c.verdict, c.log10_p) for c in local.components
    ]


@pytest.mark.parametrize("reference", ["hf://org/reference", "hf://org/sharded/weights"])
def test_what_is_read_ahead_passes_through_a_bounded_room(
    zoo: Zoo, reference: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sampled positions of a reference of hundreds of GB are tens of GB: they are fetched ahead through
    a room of :data:`PREFETCH_BYTES`, each tensor's bytes dropped once it is read, and the candidate's after
    them (as far as the room goes: the candidate's are not dropped, the rest are read when asked for) —
    with the room cut to a quarter of the reference's reads, the reference's reads still come from what was
    fetched ahead (not one round trip each), the bytes held stay within the room, and the numbers are the
    same."""
    planned: list[int] = []
    asked: list[bool] = []  # reads fetched when asked for (not ahead), probes included: of the reference?
    held: list[int] = []
    prefetch, fetch, start = Remote.prefetch, Remote.fetch, Remote._start

    def planning(self: Remote, plans: Any, **kwargs: Any) -> None:
        before = self.transfer.planned
        prefetch(self, plans, **kwargs)
        planned.append(self.transfer.planned - before)

    def direct(self: Remote, file: RemoteFile, *args: Any, **kwargs: Any) -> list[bytes]:
        asked.append("/org/finetuned/" not in file.url)
        return fetch(self, file, *args, **kwargs)

    def starting(self: Remote, job: Any) -> None:
        start(self, job)
        held.append(self._held - job.nbytes)  # before it: the first always starts, however large

    monkeypatch.setattr(Pacing, "gap", -1)  # one request per row, as at scale: many jobs
    monkeypatch.setattr(Remote, "prefetch", planning)
    monkeypatch.setattr(Remote, "fetch", direct)
    monkeypatch.setattr(Remote, "_start", starting)
    roomy = run_audit("hf://org/finetuned", reference, device="cpu")
    room, roomy_asked = planned[0] // 4, sum(asked)
    asked.clear()
    held.clear()
    monkeypatch.setattr(remote_module, "PREFETCH_BYTES", room)
    tight = run_audit("hf://org/finetuned", reference, device="cpu")
    assert sum(asked) == roomy_asked  # the reference's reads: all from what came ahead (its probe aside)
    assert 0 < max(held) <= room  # several at once, never more than the room
    assert [(c.name, c.verdict, c.log10_p) for c in tight.components] == [
        (c.name, c.verdict, c.log10_p) for c in roomy.components
    ]


def test_the_room_read_ahead_is_a_setting(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Pacing.room`` (``--http-room-mb``) bounds the bytes fetched ahead and held: with room for two of
    ten planned ranges, at most two are held at once; the others are fetched when read, every byte right."""
    held: list[int] = []
    start = Remote._start

    def starting(self: Remote, job: Any) -> None:
        start(self, job)
        held.append(self._held)

    monkeypatch.setattr(Remote, "_start", starting)
    with Remote(pacing=Pacing(bandwidth=0, room=2 * 4096)) as remote:
        (file,) = open_checkpoint("hf://org/reference", remote=remote).files
        assert isinstance(file, RemoteFile)
        spans = _scattered(file, 10, 8192)
        spans = [(offset, 4096) for offset, _ in spans]
        remote.prefetch({file: spans})
        got = [file.read(offset, length) for offset, length in spans]
    data = hub.content("org/reference", "model.safetensors")
    assert got == [bytes(data[o : o + n]) for o, n in spans]
    assert held
    assert max(held) <= 2 * 4096
    assert remote.transfer.requests == 1 + 10  # the probe, then each range once: ahead or when read


def test_reads_ahead_go_out_in_the_order_asked_across_shards(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint's tensors are read in name order, back and forth between its shards: the requests go
    out in that order, not shard after shard."""
    monkeypatch.setattr(Pacing, "gap", -1)
    started: list[str] = []
    start = Remote._start

    def starting(self: Remote, job: Any) -> None:
        started.append(job.file.name)
        start(self, job)

    monkeypatch.setattr(Remote, "_start", starting)
    with Remote() as remote:
        checkpoint = open_checkpoint("hf://org/sharded/weights", remote=remote)
        first, second = (f for f in checkpoint.files if isinstance(f, RemoteFile))
        with remote.rehearse([first, second]) as plans:
            for file, offset in ((second, 70_000), (first, 70_000), (second, 90_000), (first, 90_000)):
                file.read_many([(offset, 100)])
        remote.prefetch(plans)
        remote.settle()
    assert started == [second.name, first.name, second.name, first.name]


def test_a_read_after_the_connection_is_closed_does_not_wait_for_ever(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote_module, "PREFETCH_BYTES", 1)  # one job at a time: the rest wait for room
    remote = Remote()
    checkpoint = open_checkpoint("hf://org/reference", remote=remote)
    (file,) = [f for f in checkpoint.files if isinstance(f, RemoteFile)]
    remote.prefetch({file: [(100_000 + k * 20_000, 100) for k in range(20)]})
    remote.close()
    with ThreadPoolExecutor(1) as pool:
        read = pool.submit(file.read, 100_000 + 19 * 20_000, 10)
        with pytest.raises(CancelledError):  # not fetched, and never to be: it says so
            read.result(timeout=10)


def test_a_stored_tensor_is_let_go_once_every_tensor_read_from_it_is_read(zoo: Zoo, tmp_path: Path) -> None:
    """The slices of a fused, quantised q/k/v share its codes and scales: those are let go (their bytes
    fetched ahead dropped) after the third slice is read, not after the first; every stored part once."""
    stored, _ = toy.quantise_int8(toy.fuse_qkv(zoo.weights))
    path = toy.save_checkpoint(stored, tmp_path / "fused.safetensors")
    events: list[tuple[str, str]] = []
    fingerprint_checkpoint(
        open_checkpoint(path),
        keep_stored=True,
        progress=lambda name, _: events.append(("read", name)),
        done=lambda part: events.append(("done", part.name)),
    )
    done = [name for kind, name in events if kind == "done"]
    assert len(done) == len(set(done))
    fused = next(name for name in done if "qkv_proj" in name and name.endswith(".weight"))
    layer = fused.split(".qkv_proj")[0]
    slices = [i for i, (kind, name) in enumerate(events) if kind == "read" and name.startswith(layer)]
    slices = [i for i in slices if any(p in events[i][1] for p in ("q_proj", "k_proj", "v_proj"))]
    assert len(slices) == 3
    assert events.index(("done", fused)) > max(slices)


def test_revisions_are_looked_up_once_per_repository_and_at_once_across_repositories() -> None:
    """Two repositories' look-ups overlap (each waits for the other to start before answering, so one lock
    around both would never return); a third caller of the same repository waits for its answer; a failed
    look-up is not kept."""
    both = threading.Barrier(2, timeout=10)
    calls: list[str] = []

    def look_up(repo: str) -> str:
        calls.append(repo)
        both.wait()
        return f"commit-of-{repo}"

    with Remote() as remote, ThreadPoolExecutor(3) as pool:
        first = pool.submit(remote.revision, ("hub", "a"), lambda: look_up("a"))
        second = pool.submit(remote.revision, ("hub", "b"), lambda: look_up("b"))
        again = pool.submit(remote.revision, ("hub", "a"), lambda: look_up("a"))
        answers = [first.result(), second.result(), again.result()]
        assert answers == ["commit-of-a", "commit-of-b", "commit-of-a"]
        assert sorted(calls) == ["a", "b"]

        def failing() -> str:
            raise InputError("the Hub is down")

        with pytest.raises(InputError, match="the Hub is down"):
            remote.revision(("hub", "c"), failing)
        assert remote.revision(("hub", "c"), lambda: "commit-of-c") == "commit-of-c"


class _Served:
    """A :class:`~generator.audit.remote_file.Fetcher` answering from bytes in memory, noting each range."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.asked: list[tuple[int, int]] = []

    def fetch(
        self, file: RemoteFile, wanted: Sequence[tuple[int, int, int]], *, probe: bool = False
    ) -> list[bytes]:
        self.asked += [(start, end) for start, end, _ in wanted]
        return [self.data[start:end] for start, end, _ in wanted]


def test_bytes_held_are_not_fetched_again_only_the_ends_around_them() -> None:
    """Whole rows read after a window of each (a run fetched ahead from the first window to the last): only
    the first row's start and the last row's end are fetched; a held range too short to be worth a request
    more is fetched again with its neighbours."""
    data = bytes(range(256)) * 4096  # 1 MiB
    served = _Served(data)
    file = RemoteFile(served, url="http://example.invalid/model.safetensors", size=len(data))
    file.keep([(100_000, data[100_000:600_000]), (700_000, data[700_000:701_000])])
    assert file.read_many([(90_000, 520_000), (650_000, 100_000)]) == [
        data[90_000:610_000],
        data[650_000:750_000],
    ]
    assert served.asked == [(90_000, 100_000), (600_000, 610_000), (650_000, 750_000)]
    served.asked.clear()
    assert file.read_many([(200_000, 1_000)]) == [data[200_000:201_000]]
    assert served.asked == []  # inside what is held
    file.keep([(len(data) - 100_000, data[-100_000:])])
    assert file.read_many([(len(data) - 50_000, 80_000)]) == [data[-50_000:]]  # short: the reader says so
    assert served.asked == []  # nothing asked past the end


def test_a_read_of_bytes_on_their_way_waits_for_them_and_asks_for_nothing() -> None:
    """What a prefetch started is awaited, not fetched a second time; a read elsewhere does not wait."""
    data = bytes(range(256)) * 4096
    served = _Served(data)
    file = RemoteFile(served, url="http://example.invalid/model.safetensors", size=len(data))
    coming: Future[None] = Future()
    file.expect_many([(100_000, 300_000, coming, None)])
    assert file.read_many([(400_000, 10)]) == [data[400_000:400_010]]  # elsewhere: at once
    with ThreadPoolExecutor(1) as pool:
        read = pool.submit(file.read_many, [(150_000, 100_000)])
        with pytest.raises(TimeoutError):
            read.result(timeout=0.2)  # waits for the range on its way
        file.keep([(100_000, data[100_000:300_000])])
        coming.set_result(None)
        assert read.result(timeout=10) == [data[150_000:250_000]]
    assert served.asked == [(400_000, 400_010)]


def test_ranges_fetched_ahead_go_out_in_the_order_they_will_be_read() -> None:
    """A tensor stored last but read first is asked for first; a range split in two keeps its place."""
    wanted = [(9_000, 9_100), (0, 100), (5_000, 5_100), (120, 200)]  # as the rehearsal read them
    groups = coalesce(wanted, gap=50)
    assert groups == [(0, 200), (5_000, 5_100), (9_000, 9_100)]
    assert remote_module._first_asked(wanted, groups) == [1, 2, 0]
    long = [
        (0, remote_module.MAX_REQUEST + 10),
        (remote_module.MAX_REQUEST + 100, remote_module.MAX_REQUEST + 200),
    ]
    split = coalesce(long[::-1], gap=0)
    assert len(split) == 3
    assert remote_module._first_asked(long[::-1], split) == [1, 1, 0]


def test_a_failed_fetch_ahead_is_raised_by_the_read_that_needed_it(zoo: Zoo, hub: HubServer) -> None:
    url = f"{hub.url}/plain/org/reference/model.safetensors"
    zoo_bytes = zoo.reference.read_bytes()
    with Remote() as remote:
        checkpoint = open_checkpoint(url, remote=remote)
        (file,) = [f for f in checkpoint.files if isinstance(f, RemoteFile)]
        with hub.faults.lock:
            hub.faults.queue[:] = ["500"] * remote_module.ATTEMPTS
        remote.prefetch({file: [(file.size - 1000, 1000)]})  # returns at once: the error is not lost
        failed = rf"{url}: failed after {remote_module.ATTEMPTS} tries"
        with pytest.raises(InputError, match=failed):
            file.read(file.size - 500, 100)
        remote.prefetch({file: [(file.size - 3000, 1000)]})  # a later batch does not drop the failure
        with pytest.raises(InputError, match=failed):
            remote.settle()
        with pytest.raises(InputError, match=failed):  # nor does a read after it: not fetched again quietly
            file.read(file.size - 900, 100)
        assert file.read(file.size - 2500, 100) == zoo_bytes[-2500:-2400]


def test_a_proxy_that_cannot_carry_ranges_is_named(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "NO_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "socks5://127.0.0.1:1")
    with Remote() as remote, pytest.raises(InputError, match=r"socks5://…: only HTTP\(S\) proxies"):
        open_checkpoint(f"{hub.url}/plain/org/reference/model.safetensors", remote=remote)


@pytest.mark.parametrize(
    ("first", "then", "keeps"),
    [
        ("https://huggingface.co/a", "https://huggingface.co/b", True),
        ("https://huggingface.co/a", "https://huggingface.co:443/b", True),  # the default port, spelt out
        ("http://hub.example/a", "https://hub.example/b", True),  # upgraded to https on the same host
        ("https://hub.example/a", "http://hub.example/b", False),  # downgraded
        ("https://huggingface.co/a", "https://cas-bridge.xethub.hf.co/b", False),  # the CDN
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/b", False),
        ("http://127.0.0.1:8000/a", "http://localhost:8000/b", False),
    ],
)
def test_the_hubs_headers_follow_a_redirect_only_to_its_origin(first: str, then: str, keeps: bool) -> None:
    assert remote_transport._keeps_headers(first, then) is keeps


def test_tls_is_verified_against_the_roots_the_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As huggingface_hub's own client: ``SSL_CERT_FILE`` names the roots (a corporate CA, a mirror's)."""
    import certifi  # noqa: PLC0415

    bundle = Path(certifi.where()).read_text()
    end = "-----END CERTIFICATE-----"
    one = tmp_path / "one-root.pem"
    one.write_text(bundle[bundle.index("-----BEGIN CERTIFICATE-----") : bundle.index(end) + len(end)] + "\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(one))
    manager = remote_transport._Pools(4)._manager("https://huggingface.co/x")
    assert len(manager.connection_pool_kw["ssl_context"].get_ca_certs()) == 1
