"""Cheap signals: configs and tokenizers compared from real files, locally and over HTTP, exact counts.

The folders are written by hand: a candidate and a reference whose BPE tokenizers share part of their
vocabulary and merges, in both ``tokenizer.json`` merge spellings, and a GPT-2 style ``vocab.json`` +
``merges.txt``. Missing, malformed and oversized files make a comparison "not available", never an error,
and the weight audit still gives its verdict.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.audit import cheap_read, make_fingerprint, run_audit, toy
from generator.audit.cheap import (
    NOT_EVIDENCE,
    CheapEvidence,
    ConfigField,
    compare_cheap,
    compare_configs,
    summary_lines,
)
from generator.commands import audit_command
from tests.audit.conftest import use_hub
from tests.audit.hubserver import HubServer, serving

CANDIDATE_CONFIG = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 64,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "intermediate_size": 172,
    "vocab_size": 9,
    "rope_theta": 10000.0,
    "max_position_embeddings": 128,
    "torch_dtype": "bfloat16",
}
REFERENCE_CONFIG = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 64,
    "num_hidden_layers": 6,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "intermediate_size": 172,
    "vocab_size": 8,
    "rope_parameters": {"rope_type": "default", "rope_theta": 10000},
    "max_position_embeddings": 128,
}


def _tokenizer_json(vocab: list[str], merges: list[Any], added: list[tuple[str, bool]]) -> bytes:
    """A ``tokenizer.json`` as the tokenizers library writes it (only the parts compared matter)."""
    document = {
        "version": "1.0",
        "added_tokens": [
            {"id": len(vocab) + k, "content": content, "special": special, "normalized": False}
            for k, (content, special) in enumerate(added)
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": {token: i for i, token in enumerate(vocab)}, "merges": merges},
    }
    return json.dumps(document).encode()


# Candidate: 7 model tokens + 2 added = 9; merges written "a b" (older tokenizers).
CANDIDATE = {
    "config.json": json.dumps(CANDIDATE_CONFIG).encode(),
    "tokenizer.json": _tokenizer_json(
        ["a", "b", "c", "d", "ab", "cd", "abcd"], ["a b", "c d", "ab cd"], [("<s>", True), ("</s>", True)]
    ),
    "tokenizer_config.json": json.dumps(
        {
            "add_bos_token": True,
            "bos_token": "<s>",
            "eos_token": {"content": "</s>", "lstrip": False},
            "additional_special_tokens": ["<tool>"],
            "model_max_length": 128,
        }
    ).encode(),
}
# Reference: 6 model tokens + 2 added = 8; merges written ["a", "b"] (tokenizers ≥ 0.20).
REFERENCE = {
    "config.json": json.dumps(REFERENCE_CONFIG).encode(),
    "tokenizer.json": _tokenizer_json(
        ["a", "b", "c", "e", "ab", "ce"], [["a", "b"], ["c", "e"]], [("<s>", True), ("<pad>", False)]
    ),
    "special_tokens_map.json": json.dumps({"bos_token": "<s>", "pad_token": "<pad>"}).encode(),
}

BIG_TOKENIZER = _tokenizer_json([f"t{i}" for i in range(20_000)], [], [])
"""Over 200 kB: oversized once the cap is lowered to 100 kB."""


def _write(folder: Path, files: Mapping[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cheap")
    return _write(root / "candidate", CANDIDATE), _write(root / "reference", REFERENCE)


@pytest.fixture(scope="module")
def hub() -> Iterator[HubServer]:
    repos = {
        "org/candidate": {**CANDIDATE, "model.safetensors": b"not read"},
        "org/reference": dict(REFERENCE),
        "org/nested": {f"weights/{name}": data for name, data in REFERENCE.items()},
        "org/big": {**REFERENCE, "tokenizer.json": BIG_TOKENIZER},
    }
    with serving(repos) as server:
        yield server


@pytest.fixture(autouse=True)
def endpoint(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    use_hub(hub, monkeypatch)


def _local(folders: tuple[Path, Path]) -> CheapEvidence:
    return compare_cheap(*folders)


def test_configs_side_by_side(folders: tuple[Path, Path]) -> None:
    evidence = _local(folders)
    assert evidence.config is not None
    assert evidence.config_unavailable is None
    assert (evidence.config.candidate_family, evidence.config.reference_family) == ("llama", "llama")
    assert evidence.config.family_match
    assert [(f.name, f.candidate, f.reference, f.equal) for f in evidence.config.fields] == [
        ("model_type", "llama", "llama", True),
        ("architectures", ["LlamaForCausalLM"], ["LlamaForCausalLM"], True),
        ("hidden_size", 64, 64, True),
        ("num_hidden_layers", 4, 6, False),
        ("num_attention_heads", 4, 4, True),
        ("num_key_value_heads", 2, 4, False),
        ("intermediate_size", 172, 172, True),
        ("vocab_size", 9, 8, False),
        ("rope_theta", 10000.0, 10000, True),  # the newer rope_parameters spelling is read too
        ("max_position_embeddings", 128, 128, True),
    ]


def test_moe_and_multimodal_configs() -> None:
    """Expert counts under each family's key names, and a vision tower's sub-config (NAVER's shape)."""
    deepseek = {"model_type": "deepseek_v3", "n_routed_experts": 256, "num_experts_per_tok": 8}
    deepseek |= {"n_shared_experts": 1, "moe_intermediate_size": 2048}
    mixtral = {"model_type": "mixtral", "num_local_experts": 256, "num_experts_per_tok": 2}
    compared = compare_configs(deepseek, mixtral)
    assert not compared.family_match
    assert compared.fields == (
        ConfigField(name="model_type", candidate="deepseek_v3", reference="mixtral", equal=False),
        ConfigField(name="expert_intermediate_size", candidate=2048, reference=None, equal=False),
        ConfigField(name="routed_experts", candidate=256, reference=256, equal=True),
        ConfigField(name="experts_per_token", candidate=8, reference=2, equal=False),
        ConfigField(name="shared_experts", candidate=1, reference=None, equal=False),
    )
    tower = {"model_type": "qwen2_5_vl", "depth": 32, "hidden_size": 1280, "out_hidden_size": 5120}
    hcx = {
        "architectures": ["HCXVisionV2ForCausalLM"],
        "vision_config": tower,
        "text_config": {"hidden_size": 5120},
    }
    qwen = {"model_type": "qwen2_5_vl", "vision_config": {**tower, "patch_size": 14}}
    compared = compare_configs(hcx, qwen)
    assert (compared.candidate_family, compared.reference_family) == ("HCXVisionV2ForCausalLM", "qwen2_5_vl")
    assert not compared.family_match
    assert {f.name: f.equal for f in compared.fields if f.name.startswith("vision_config.")} == {
        "vision_config.model_type": True,
        "vision_config.hidden_size": True,
        "vision_config.num_hidden_layers": True,  # `depth`
        "vision_config.out_hidden_size": True,
        "vision_config.patch_size": False,  # stated on one side only
    }
    assert [f.name for f in compared.fields if f.name.startswith("text_config.")] == [
        "text_config.hidden_size"
    ]


def test_tokenizers_shared_tokens_merges_and_specials(folders: tuple[Path, Path]) -> None:
    tokenizer = _local(folders).tokenizer
    assert tokenizer is not None
    assert (tokenizer.candidate_source, tokenizer.reference_source) == ("tokenizer.json (BPE)",) * 2
    # a, b, c, ab and <s> are in both
    assert (tokenizer.candidate_tokens, tokenizer.reference_tokens, tokenizer.shared_tokens) == (9, 8, 5)
    assert (tokenizer.candidate_share, tokenizer.reference_share) == (5 / 9, 5 / 8)
    # "a b" and ["a", "b"] are the same merge
    assert (tokenizer.candidate_merges, tokenizer.reference_merges, tokenizer.shared_merges) == (3, 2, 1)
    assert (tokenizer.candidate_merge_share, tokenizer.reference_merge_share) == (1 / 3, 1 / 2)
    assert tokenizer.special_shared == ("<s>",)
    assert tokenizer.special_candidate_only == ("</s>", "<tool>")  # add_bos_token (a flag) is not a token
    assert tokenizer.special_reference_only == ("<pad>",)


def test_vocab_json_and_merges_txt(folders: tuple[Path, Path], tmp_path: Path) -> None:
    """GPT-2's files: the same tokenizer as the candidate's tokenizer.json, so everything is shared."""
    vocab = {t: i for i, t in enumerate(["a", "b", "c", "d", "ab", "cd", "abcd", "<s>", "</s>"])}
    gpt2 = _write(
        tmp_path / "gpt2",
        {
            "vocab.json": json.dumps(vocab).encode(),
            "merges.txt": b"#version: 0.2\na b\nc d\nab cd\n",
            "tokenizer.model": b"\x00binary sentencepiece, never parsed",
        },
    )
    tokenizer = compare_cheap(gpt2, folders[0]).tokenizer
    assert tokenizer is not None
    assert tokenizer.candidate_source == "vocab.json + merges.txt"
    assert (tokenizer.shared_tokens, tokenizer.candidate_share, tokenizer.reference_share) == (9, 1.0, 1.0)
    assert (tokenizer.shared_merges, tokenizer.candidate_merge_share) == (3, 1.0)


def test_missing_files_are_not_available(folders: tuple[Path, Path], tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty", {})
    evidence = compare_cheap(empty, folders[1])
    assert evidence.config is None
    assert evidence.tokenizer is None
    assert evidence.config_unavailable == f"candidate: no config.json in {empty}/"
    assert evidence.tokenizer_unavailable == f"candidate: no tokenizer.json or vocab.json in {empty}/"
    binary = _write(tmp_path / "spm", {"tokenizer.model": b"\x0a\x0bnot parsed"})
    evidence = compare_cheap(folders[0], binary)
    assert evidence.config is None
    assert (
        evidence.tokenizer_unavailable
        == f"reference: only tokenizer.model in {binary}/: not compared (binary)"
    )


@pytest.mark.parametrize(
    ("name", "content", "broken", "message"),
    [
        ("config.json", b'{"model_type": "llama",', "config", "config.json: not valid JSON"),
        ("config.json", b"[1, 2]", "config", "config.json: not a JSON object"),
        ("config.json", b"\xff\xfe", "config", "config.json: not valid JSON"),
        ("tokenizer.json", b"{", "tokenizer", "tokenizer.json: not valid JSON"),
        ("tokenizer.json", b'{"model": {"vocab": "abc"}}', "tokenizer", "neither a token → id map"),
        ("tokenizer.json", b'{"model": {"vocab": {}, "merges": [7]}}', "tokenizer", "a merge is neither"),
        ("tokenizer_config.json", b"{'single': 'quotes'}", "tokenizer", "tokenizer_config.json: not valid"),
    ],
)
def test_malformed_files_make_that_comparison_unavailable(
    folders: tuple[Path, Path], tmp_path: Path, *, name: str, content: bytes, broken: str, message: str
) -> None:
    folder = _write(tmp_path / "broken", {**CANDIDATE, name: content})
    evidence = compare_cheap(folder, folders[1])
    reason = evidence.config_unavailable if broken == "config" else evidence.tokenizer_unavailable
    assert reason is not None
    assert reason.startswith(f"candidate: {folder}/")
    assert message in reason
    intact = evidence.tokenizer if broken == "config" else evidence.config
    assert intact == getattr(_local(folders), "tokenizer" if broken == "config" else "config")


def _weights(folder: Path, files: Mapping[str, bytes]) -> Path:
    params = toy.init_toy(toy.ToyConfig(n_layers=2), seed=8)
    toy.save_checkpoint(params, folder / "model.safetensors")
    _write(folder, files)
    return folder / "model.safetensors"


def test_weight_audit_still_gives_its_verdict(tmp_path: Path) -> None:
    """Nothing beside the candidate, a malformed tokenizer beside the reference: verdict and reasons."""
    candidate = _weights(tmp_path / "candidate", {})
    reference = _weights(tmp_path / "reference", {"config.json": b"{}", "tokenizer.json": b"{oops"})
    report = run_audit(candidate, reference, device="cpu")
    assert report.verdict == "identical"
    assert report.cheap is not None
    assert report.cheap.config is None
    assert report.cheap.config_unavailable == f"candidate: no config.json in {candidate.parent}/"
    assert report.cheap.tokenizer_unavailable is not None
    assert "reference: " in report.cheap.tokenizer_unavailable
    assert "tokenizer.json: not valid JSON" in report.cheap.tokenizer_unavailable
    document = json.loads(json.dumps(report.to_dict()))
    assert document["cheap"]["config"] is None
    assert document["cheap"]["note"] == NOT_EVIDENCE
    against_fingerprint = run_audit(candidate, make_fingerprint_at(reference, tmp_path / "ref.fp"))
    assert against_fingerprint.verdict == "identical"
    assert against_fingerprint.cheap is not None
    assert against_fingerprint.cheap.tokenizer_unavailable == (
        f"candidate: no tokenizer.json or vocab.json in {candidate.parent}/; "
        f"reference: {tmp_path / 'ref.fp'}: is a fingerprint, which holds no config or tokenizer"
    )


def make_fingerprint_at(model: Path, out: Path) -> Path:
    make_fingerprint(model, out)
    return out


def test_cli_prints_the_cheap_block_and_writes_the_section(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    candidate = _weights(tmp_path / "candidate", CANDIDATE)
    reference = _weights(tmp_path / "reference", REFERENCE)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        audit_command, [str(candidate), str(reference.parent), "--json", str(out), "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    block = result.output[result.output.index("Cheap signals") :].splitlines()
    assert block == [
        "Cheap signals (not evidence of weight reuse):",
        "  config: same family (llama vs llama); 7 of 10 fields equal; differ: num_hidden_layers 4 vs 6, "
        "num_key_value_heads 2 vs 4, vocab_size 9 vs 8",
        "  tokenizer: 5 tokens shared — 55.6% of the candidate's 9, 62.5% of the reference's 8",
        "  merges: 1 shared — 33.3% of 3, 50.0% of 2",
        "  special tokens: 1 shared, 2 only in the candidate, 1 only in the reference",
        f"  {NOT_EVIDENCE}",
    ]
    assert result.output.index("Verdict: identical") < result.output.index("Cheap signals")
    section = json.loads(out.read_text(encoding="utf-8"))["cheap"]
    assert section == json.loads(json.dumps(compare_cheap(candidate, reference.parent).to_json()))
    assert section["tokenizer"]["shared_tokens"] == 5


def _same_comparisons(a: CheapEvidence, b: CheapEvidence) -> None:
    assert a.config is not None
    assert a.tokenizer is not None
    assert (a.config, a.tokenizer) == (b.config, b.tokenizer)
    assert (a.config_unavailable, a.tokenizer_unavailable) == (b.config_unavailable, b.tokenizer_unavailable)


def test_hub_and_plain_urls_give_the_local_results(folders: tuple[Path, Path], hub: HubServer) -> None:
    local = _local(folders)
    over_hub = compare_cheap("hf://org/candidate", "hf://org/reference@main")
    _same_comparisons(local, over_hub)
    commit = hub.commits["org/candidate"]
    assert f"{hub.url}/org/candidate/resolve/{commit}/config.json" in over_hub.files
    named_file = compare_cheap("hf://org/candidate/model.safetensors", "hf://org/nested/weights")
    _same_comparisons(local, named_file)
    plain = compare_cheap(
        f"{hub.url}/plain/org/candidate/model.safetensors", f"{hub.url}/plain/org/reference/"
    )
    _same_comparisons(local, plain)
    assert f"{hub.url}/plain/org/reference/special_tokens_map.json" in plain.files


def test_a_server_that_ignores_range_serves_whole_files(folders: tuple[Path, Path], hub: HubServer) -> None:
    with hub.faults.lock:
        hub.faults.ignore_range = True
    before = hub.log.requests
    plain = compare_cheap(f"{hub.url}/plain/org/candidate/x", f"{hub.url}/plain/org/reference/x")
    _same_comparisons(_local(folders), plain)
    _same_comparisons(_local(folders), compare_cheap("hf://org/candidate", "hf://org/reference"))
    assert hub.log.requests > before


def test_the_size_cap_refuses_an_oversized_tokenizer(
    folders: tuple[Path, Path], hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cheap_read, "MAX_TOKENIZER_BYTES", 100_000)
    size = len(BIG_TOKENIZER)
    assert size > 200_000
    sent = hub.log.bytes_sent
    evidence = compare_cheap("hf://org/candidate", "hf://org/big")
    assert hub.log.bytes_sent - sent < 10_000  # the Hub states the size: the big file is never fetched
    assert evidence.tokenizer is None
    commit = hub.commits["org/big"]
    assert evidence.tokenizer_unavailable == (
        f"reference: {hub.url}/org/big/resolve/{commit}/tokenizer.json: {size:,} bytes, "
        "over the 100,000-byte limit for this file"
    )
    assert evidence.config == _local(folders).config  # the other comparison stands
    plain = compare_cheap(folders[0], f"{hub.url}/plain/org/big/")
    assert plain.tokenizer_unavailable is not None
    assert "over the 100,000-byte limit" in plain.tokenizer_unavailable
    local_big = _write(folders[1].parent / "big", {"tokenizer.json": BIG_TOKENIZER})
    assert "over the 100,000-byte limit" in str(compare_cheap(folders[0], local_big).tokenizer_unavailable)


def test_an_unreachable_location_is_a_reason_not_an_error(folders: tuple[Path, Path]) -> None:
    evidence = compare_cheap(folders[0], "hf://org/missing")
    assert evidence.config is None
    assert evidence.tokenizer is None
    assert evidence.config_unavailable is not None
    assert evidence.config_unavailable.startswith("reference: hf://org/missing")
    assert "no such repository" in evidence.config_unavailable
    down = compare_cheap("http://127.0.0.1:9/model.safetensors", folders[1])
    assert "failed after" in str(down.config_unavailable)


def test_summary_of_unavailable_comparisons() -> None:
    evidence = CheapEvidence(
        candidate="c",
        reference="r",
        config=None,
        config_unavailable="candidate: no config.json in c/",
        tokenizer=None,
        tokenizer_unavailable="reference: r/tokenizer.json: not valid JSON (…)",
        files=(),
    )
    assert summary_lines(evidence) == [
        "Cheap signals (not evidence of weight reuse):",
        "  config: not available (candidate: no config.json in c/)",
        "  tokenizer: not available (reference: r/tokenizer.json: not valid JSON (…))",
        f"  {NOT_EVIDENCE}",
    ]
    assert replace(evidence, files=("x",)).to_json()["files"] == ["x"]
