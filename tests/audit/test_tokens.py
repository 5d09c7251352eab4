"""A re-numbered vocabulary (issue 9 §5, "where the vocabulary changed too"): token rows paired by string.

Each checkpoint sits in its own folder with a ``tokenizer.json`` (a WordLevel vocabulary), as on the Hub. The
candidates keep the reference's model under a new tokenizer: every token at another id, a quarter of them
replaced by new strings. Paired by id, their token rows are unrelated rows; paired by string, they are the
reference's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch

from generator.audit import AuditReport, make_fingerprint, remote_transport, run_audit, toy, toy_disguise
from generator.audit.cheap_read import TokenizerFacts, read_side
from generator.audit.fingerprint import load_fingerprint
from generator.audit.report import ComponentReport
from generator.audit.tokens import BY_ID, is_token_rows, pair_tokens
from tests.audit.conftest import CONFIG, Zoo
from tests.audit.hubserver import HubServer, load, serving

STRINGS = [f"tok-{i}" for i in range(CONFIG.vocab)]
EMBED = "model.embed_tokens.weight"
REPLACED = CONFIG.vocab // 4


@dataclass(frozen=True, kw_only=True)
class Folders:
    """One folder per checkpoint, each with its tokenizer (or without, where named)."""

    root: Path

    def model(self, case: str) -> Path:
        return self.root / case / "model.safetensors"


def _save(root: Path, case: str, params: dict[str, torch.Tensor], strings: list[str] | None) -> None:
    toy.save_checkpoint(params, root / case / "model.safetensors")
    if strings is not None:
        toy.save_tokenizer(strings, root / case)


@pytest.fixture(scope="module")
def folders(zoo: Zoo, tmp_path_factory: pytest.TempPathFactory) -> Folders:
    root = tmp_path_factory.mktemp("tokens")
    weights = zoo.weights
    _save(root, "reference", weights, STRINGS)
    renumbered, vocabulary = toy.renumber_vocab(weights, STRINGS, seed=3, replaced=REPLACED)
    _save(root, "renumbered", renumbered, vocabulary)
    relabelled = toy_disguise.relabel(weights, CONFIG, seed=4)
    moved, moved_vocabulary = toy.renumber_vocab(relabelled, STRINGS, seed=5, replaced=REPLACED)
    _save(root, "renumbered_relabelled", moved, moved_vocabulary)
    _save(root, "renumbered_relabelled_no_tokenizer", moved, None)
    rotated = toy.cast(toy_disguise.rotate(weights, CONFIG, seed=6), torch.bfloat16)
    # none replaced: a rotation of 64 dimensions needs more than 64 shared rows to fit on (half of them)
    turned, turned_vocabulary = toy.renumber_vocab(rotated, STRINGS, seed=7)
    _save(root, "renumbered_rotated", turned, turned_vocabulary)
    noisy, noisy_vocabulary = toy.renumber_vocab(toy.add_noise(weights, 0.9, seed=6), STRINGS, seed=10)
    _save(root, "renumbered_noisy", noisy, noisy_vocabulary)
    # an independent model trained on the same tokens, under a re-numbered tokenizer with the same strings
    independent = toy.train_toy(CONFIG, seed=2)
    other, other_vocabulary = toy.renumber_vocab(independent, STRINGS, seed=8, replaced=REPLACED)
    _save(root, "independent_renumbered", other, other_vocabulary)
    make_fingerprint(root / "reference" / "model.safetensors", root / "reference.fingerprint")
    _save(root, "reference_no_tokenizer", weights, None)
    make_fingerprint(root / "reference_no_tokenizer" / "model.safetensors", root / "bare.fingerprint")
    return Folders(root=root)


@cache
def _audit(candidate: Path | str, reference: Path | str) -> AuditReport:
    return run_audit(candidate, reference)


def _model(report: AuditReport) -> ComponentReport:
    return next(c for c in report.components if c.name == "model")


def test_a_renumbered_vocabulary_is_paired_by_string(folders: Folders) -> None:
    report = _audit(folders.model("renumbered"), folders.model("reference"))
    assert report.method["token_rows"].startswith("token rows paired by string: 96 strings shared")
    assert report.verdict == "derived"
    model = _model(report)
    assert model.residual is not None
    assert model.residual.kind == "none"  # the stream was not relabelled: no map
    embedding = next(e for e in model.tensors if e.candidate == EMBED)
    assert embedding.centred_cosine > 0.99  # its rows are the reference's, found by string


def test_a_noisy_copy_under_a_new_tokenizer_keeps_its_embedding_evidence(folders: Folders) -> None:
    """Rows not all clear on their own index are searched among every row; the row of the same string is
    still each one's own, so the evidence is as strong as with the ids kept."""
    report = _audit(folders.model("renumbered_noisy"), folders.model("reference"))
    embedding = next(e for e in _model(report).tensors if e.candidate == EMBED)
    assert embedding.centred_cosine > 0.5
    assert embedding.units is not None
    assert embedding.units.hits is not None
    assert embedding.units.hits > 0.5 * embedding.units.sampled


@pytest.mark.parametrize(
    ("case", "kind"), [("renumbered_relabelled", "permutation"), ("renumbered_rotated", "rotation")]
)
def test_a_relabelled_model_under_a_new_tokenizer_is_derived(folders: Folders, case: str, kind: str) -> None:
    report = _audit(folders.model(case), folders.model("reference"))
    assert report.verdict == "derived"
    model = _model(report)
    assert model.verdict == "derived"
    assert model.log10_p is not None
    assert model.log10_p < -50
    assert model.residual is not None
    assert model.residual.kind == kind
    shared = CONFIG.vocab - (REPLACED if kind == "permutation" else 0)
    assert model.residual.tokens == shared  # the shared strings, not the ids
    assert model.residual.held_out_correlation is not None
    assert model.residual.held_out_correlation > 0.9


def test_without_a_tokenizer_the_relabelled_model_is_missed(folders: Folders) -> None:
    """What pairing by string is for: a side without its tokenizer is paired by id."""
    for candidate, against in (
        ("renumbered_relabelled_no_tokenizer", folders.model("reference")),
        ("renumbered_relabelled", folders.root / "bare.fingerprint"),
    ):
        report = _audit(folders.model(candidate), against)
        assert report.method["token_rows"] == BY_ID
        assert report.verdict != "derived"


def test_a_fingerprint_keeps_the_strings_of_its_sampled_token_rows(folders: Folders) -> None:
    fingerprint = load_fingerprint(folders.root / "reference.fingerprint")
    sampled = {int(u) for p in fingerprint.tensors if is_token_rows(p) for u in p.units}
    assert fingerprint.tokens == {i: STRINGS[i] for i in sorted(sampled)}
    assert load_fingerprint(folders.root / "bare.fingerprint").tokens == {}
    # and with them it pairs a re-numbered vocabulary as the checkpoint does
    full = _audit(folders.model("renumbered_relabelled"), folders.model("reference")).to_dict()
    light = _audit(folders.model("renumbered_relabelled"), folders.root / "reference.fingerprint").to_dict()
    assert light["verdict"] == "derived"
    assert light["method"]["token_rows"].startswith("token rows paired by string")
    for document in (full, light):
        for key in ("reference", "reference_kind", "reference_files", "cheap", "method"):
            del document[key]
    assert full == light


def test_an_independent_model_under_a_renumbered_tokenizer_stays_independent(folders: Folders) -> None:
    report = _audit(folders.model("independent_renumbered"), folders.model("reference"))
    assert report.method["token_rows"].startswith("token rows paired by string")
    assert report.verdict == "independent"
    model = _model(report)
    assert model.residual is not None
    assert model.residual.kind == "none"
    assert model.residual.held_out_correlation is not None
    assert abs(model.residual.held_out_correlation) < 0.2


def _facts(ids: dict[str, int]) -> TokenizerFacts:
    return TokenizerFacts(source="test", tokens=frozenset(ids), merges=None, special=frozenset(), ids=ids)


def test_pairing_by_id_stays_when_ids_agree_or_a_tokenizer_is_missing() -> None:
    reference = {f"t{i}": i for i in range(100)}
    grown = reference | {f"new{i}": 100 + i for i in range(50)}  # appended: every shared id kept
    assert pair_tokens(_facts(grown), _facts(reference), reference_rows=100)[0] is None
    missing = pair_tokens("no tokenizer.json", _facts(reference), reference_rows=100)
    assert missing == (None, pair_tokens(_facts(grown), "x", reference_rows=100)[1])
    shuffled = {t: (i * 37) % 100 for t, i in reference.items()}
    mapping, pairing = pair_tokens(_facts(shuffled), _facts(reference), reference_rows=100)
    assert mapping is not None
    assert pairing.by == "string"
    assert (pairing.shared, pairing.same_id) == (100, 4)  # 37 i = i (mod 100) for i = 0, 25, 50, 75
    assert mapping.rows(np.array([0, 1, 99])).tolist() == [0, 37, 63]


def test_the_tokenizer_ids_are_read_as_written(folders: Folders) -> None:
    side = read_side(folders.model("renumbered"), None)
    assert isinstance(side.tokenizer, TokenizerFacts)
    assert len(side.tokenizer.ids) == CONFIG.vocab
    assert sorted(side.tokenizer.ids.values()) == list(range(CONFIG.vocab))


@pytest.fixture(scope="module")
def hub(folders: Folders) -> Iterator[HubServer]:
    repos = {
        f"org/{case}": load(
            {
                "model.safetensors": folders.model(case),
                "tokenizer.json": folders.root / case / "tokenizer.json",
            }
        )
        for case in ("reference", "renumbered_relabelled")
    }
    with serving(repos) as server:
        yield server


def test_a_renumbered_vocabulary_is_paired_alike_over_http(
    folders: Folders, hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setattr(remote_transport, "BACKOFF_S", 0.001)
    local = _audit(folders.model("renumbered_relabelled"), folders.model("reference")).to_dict()
    over = run_audit("hf://org/renumbered_relabelled", "hf://org/reference").to_dict()
    assert over["verdict"] == "derived"
    for document in (local, over):
        for key in ("candidate", "reference", "candidate_files", "reference_files", "transfer", "cheap"):
            document.pop(key, None)
    assert over == local
