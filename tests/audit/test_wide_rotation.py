"""A rotated residual stream wider than the sampled token rows (issue 9 §5, "wide rotations").

The toys of ``test_disguises`` are 64 wide, so 256 sampled token rows determine a rotation. Real models are
4096–7168 wide: there a rotation is fitted from whole embedding rows of both checkpoints
(:mod:`generator.audit.residual_wide`). The toys here are 512 wide (four residual windows), trained for
real on one token stream, so the independent one is the hard control: it shares every token with the
reference.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from generator.audit import (
    AuditReport,
    fingerprint,
    make_fingerprint,
    remote_transport,
    residual,
    residual_matched,
    residual_units,
    residual_wide,
    run_audit,
    toy,
    toy_disguise,
)
from generator.audit.fingerprint import load_fingerprint, write_fingerprint
from generator.audit.plan import check_quarter
from generator.audit.report import ComponentReport
from generator.audit.residual import ROTATION_GATE, USED_TO_FIT
from generator.errors import InputError
from tests.audit.hubserver import HubServer, load, serving

WIDE = toy.ToyConfig(vocab=3072, d_model=512, n_layers=1, n_heads=4, d_ff=1024, steps=40)
"""Four residual windows wide; a vocabulary with room for ``2 × 512 + 512`` fit and check rows."""
EMBED = "model.embed_tokens.weight"
DISGUISED = ("rotated", "pruned_rotated", "rotated_finetuned")


@dataclass(frozen=True, kw_only=True)
class Wide:
    """The wide reference, its fingerprint, and the cases, written once."""

    root: Path
    reference: Path
    fingerprint: Path

    def path(self, case: str) -> Path:
        return self.root / f"{case}.safetensors"


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Wide:
    root = tmp_path_factory.mktemp("wide")
    weights = toy.train_toy(WIDE, seed=1)
    pruned, narrower = toy_disguise.prune(weights, WIDE, keep=0.75, seed=5)
    rotated = toy_disguise.rotate(weights, WIDE, seed=4)
    relabelled = _new_vocabulary(toy.permute_units(rotated, WIDE, seed=9))
    cases = {
        "rotated": toy.cast(rotated, torch.bfloat16),
        "pruned_rotated": toy_disguise.rotate(pruned, narrower, seed=6),
        "rotated_finetuned": toy.train_toy(WIDE, seed=3, task_seed=1, init=rotated, steps=20),
        "independent": toy.train_toy(WIDE, seed=2),
        "rotated_new_vocabulary": _new_vocabulary(rotated),
        # and its neurons and heads permuted too, stored in bf16, FP8 (16 × 16 block scales) and int8
        "relabelled_new_vocabulary": toy.cast(relabelled, torch.bfloat16),
        "relabelled_fp8": toy.quantise_fp8_blocks(relabelled)[0],
        "relabelled_int8": toy.quantise_int8(relabelled)[0],
    }
    for name, params in cases.items():
        toy.save_checkpoint(params, root / f"{name}.safetensors")
    reference = toy.save_checkpoint(weights, root / "reference.safetensors")
    fingerprint = root / "reference.fingerprint"
    make_fingerprint(reference, fingerprint)
    return Wide(root=root, reference=reference, fingerprint=fingerprint)


def _new_vocabulary(params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same model under a wholly new vocabulary: new random rows in the embedding and the output head, so
    no token is left to fit the residual stream on."""
    gen = torch.Generator().manual_seed(11)
    out = dict(params)
    for name in (EMBED, "lm_head.weight"):
        out[name] = torch.randn(params[name].shape, generator=gen) * params[name].std()
    return out


@cache
def _audit(candidate: Path | str, reference: Path | str) -> AuditReport:
    return run_audit(candidate, reference)


def _model(report: AuditReport) -> residual.ResidualAlignment:
    model = next(c for c in report.components if c.name == "model")
    assert model.residual is not None
    return model.residual


def _strongly_derived(report: AuditReport) -> ComponentReport:
    """The model component, once the audit and that component read `derived` at log10 p < −50."""
    assert report.verdict == "derived"
    model = next(c for c in report.components if c.name == "model")
    assert model.verdict == "derived"
    assert model.log10_p is not None
    assert model.log10_p < -50
    return model


@pytest.mark.parametrize("case", DISGUISED)
def test_a_wide_rotated_copy_is_derived_against_the_reference_checkpoint(wide: Wide, case: str) -> None:
    report = _audit(wide.path(case), wide.reference)
    model = _strongly_derived(report)
    alignment = _model(report)
    assert alignment.kind == "rotation"
    assert alignment.tokens == residual_wide.FIT_FACTOR * WIDE.d_model + residual_wide.CHECK_ROWS
    assert alignment.held_out_correlation is not None
    assert alignment.held_out_correlation > 0.95
    kept = 0.75 if case == "pruned_rotated" else 1.0  # pruning kept 3/4 of the reference's dimensions
    assert alignment.positions > (kept - 0.1) * alignment.window
    # the embeddings it was fitted on are listed, never compared
    assert (EMBED, USED_TO_FIT) in {(u.name, u.reason) for u in model.unpaired}
    assert EMBED not in {e.reference for c in report.components for e in c.tensors}


def test_the_sampled_rows_alone_miss_a_wide_rotation(wide: Wide, monkeypatch: pytest.MonkeyPatch) -> None:
    """What this module exists for: without whole rows (and without the FFN neurons' fit, the other way to
    find it against a checkpoint), the rotated copy is read as stored."""
    monkeypatch.setattr(residual, "needs_wide", lambda fit_rows, width: False)
    monkeypatch.setattr(residual, "fit_from_units", lambda *args, **kwargs: None)
    report = run_audit(wide.path("rotated"), wide.reference)
    assert report.verdict == "independent"
    assert _model(report).kind == "none"


def test_the_fit_is_the_same_whatever_the_chunk_size(wide: Wide, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _model(_audit(wide.path("rotated_finetuned"), wide.reference))
    monkeypatch.setattr(residual_wide, "CHUNK_ROWS", 300)  # four uneven chunks of the 1024 fit rows
    chunked = _model(run_audit(wide.path("rotated_finetuned"), wide.reference))
    assert chunked.held_out_correlation == pytest.approx(expected.held_out_correlation, abs=1e-9)
    assert chunked.positions == expected.positions


def test_an_independent_model_on_the_same_tokens_stays_independent(
    wide: Wide, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = _audit(wide.path("independent"), wide.reference)
    assert report.verdict == "independent"
    alignment = _model(report)
    assert alignment.kind == "none"
    assert f"pairwise cosines of {residual_wide.GRAM_ROWS} token rows agree at r = " in alignment.note
    # with the pre-test switched off the fit itself is rejected: the pre-test only saves the reading
    monkeypatch.setattr(residual_wide, "GRAM_GATE", -2.0)
    forced = run_audit(wide.path("independent"), wide.reference)
    assert forced.verdict == "independent"
    note = _model(forced).note
    assert "a rotation fitted on 1024 whole token rows predicts held-out embedding columns" in note
    quality = float(note.split("median correlation ")[-1].split(" ")[0])
    assert quality < ROTATION_GATE / 2


@pytest.mark.slow
def test_independent_models_on_the_same_tokens_stay_below_both_gates(
    wide: Wide, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A small calibration of the wide path: more independent models trained on the reference's token
    stream, each below the pre-test's gate, and — with the pre-test off — each fit far below the held-out
    gate, so the verdict stays independent either way."""
    agreements, qualities = [], []
    for seed in (5, 6, 7):
        path = toy.save_checkpoint(
            toy.train_toy(WIDE, seed=seed), tmp_path / f"independent-{seed}.safetensors"
        )
        with monkeypatch.context() as patch:
            note = _model(run_audit(path, wide.reference)).note
            agreements.append(float(note.split("agree at r = ")[1].split(" ")[0]))
            patch.setattr(residual_wide, "GRAM_GATE", -2.0)
            forced = run_audit(path, wide.reference)
        assert forced.verdict == "independent"
        qualities.append(float(_model(forced).note.split("median correlation ")[-1].split(" ")[0]))
    assert max(agreements) < residual_wide.GRAM_GATE / 2
    assert max(qualities) < ROTATION_GATE / 2


GATE_PROJ = "model.layers.0.mlp.gate_proj.weight"
FFN_GAIN = "model.layers.0.post_attention_layernorm.weight"


def test_with_no_token_left_the_rotation_is_fitted_on_the_ffn_neurons(wide: Wide) -> None:
    report = _audit(wide.path("rotated_new_vocabulary"), wide.reference)
    model = _strongly_derived(report)
    alignment = _model(report)
    assert (alignment.kind, alignment.fitted_on) == ("rotation", (GATE_PROJ, GATE_PROJ))
    assert alignment.held_out_correlation is not None
    assert alignment.held_out_correlation > 0.95
    assert "FFN neurons" in alignment.note
    # the anchor and the gain folded into it are set aside on both sides; the new embeddings are compared
    assert {(u.name, u.reason) for u in model.unpaired} == {(GATE_PROJ, USED_TO_FIT), (FFN_GAIN, USED_TO_FIT)}
    assert {(u.name, u.reason) for u in report.reference_unpaired} >= {(GATE_PROJ, USED_TO_FIT)}
    assert EMBED in {e.candidate for e in model.tensors}
    # and without the neurons (the fit switched off) nothing else finds it
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(residual, "fit_from_units", lambda *args, **kwargs: None)
        assert run_audit(wide.path("rotated_new_vocabulary"), wide.reference).verdict != "derived"


def test_the_gain_folded_in_is_the_norms_weight_not_its_bias(wide: Wide, tmp_path: Path) -> None:
    """A LayerNorm in front of the FFN has a bias beside its weight, stored first (names sort ``bias`` before
    ``weight``): the reference's gain must be the weight, as the candidate's is, or the fit is lost (a bias
    still at its initial zeros scales every row to nothing)."""
    bias = torch.zeros(WIDE.d_model)
    paths = {}
    for name, source in (("reference", wide.reference), ("candidate", wide.path("rotated_new_vocabulary"))):
        weights = {**load_file(source), FFN_GAIN.replace("weight", "bias"): bias}
        paths[name] = toy.save_checkpoint(weights, tmp_path / name / "model.safetensors")
    report = run_audit(paths["candidate"], paths["reference"])
    assert report.verdict == "derived"
    assert _model(report).kind == "rotation"
    assert _model(report).fitted_on == (GATE_PROJ, GATE_PROJ)


def test_both_models_are_read_at_once_for_a_fit(wide: Wide, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over HTTP every read of a fit is a round trip: the candidate's rows and the reference's, and the two
    gains folded in, are asked for together, not one after the other. Each read waits at a barrier that
    only two reads at once pass; reads one after the other would break it (and the audit with it)."""
    calls: list[str] = []

    def paired(name: str, plain: Callable[..., object]) -> Callable[..., object]:
        barrier = threading.Barrier(2, timeout=30)

        def read(*args: object) -> object:
            barrier.wait()
            calls.append(name)
            return plain(*args)

        return read

    monkeypatch.setattr(residual_wide, "rows_in_order", paired("rows", residual_wide.rows_in_order))
    monkeypatch.setattr(residual_units, "_vector", paired("gains", residual_units._vector))
    report = run_audit(wide.path("rotated_new_vocabulary"), wide.reference)
    assert report.verdict == "derived"
    assert _model(report).kind == "rotation"
    assert calls.count("gains") == 2
    assert calls.count("rows") >= 6  # the pre-test, the fit (in chunks) and the check, each for both


def test_the_neurons_of_an_independent_model_fit_nothing(wide: Wide) -> None:
    note = _model(_audit(wide.path("independent"), wide.reference)).note
    agreement = float(note.split(f"FFN neurons of {GATE_PROJ} agree at r = ")[1].split(" ")[0])
    assert abs(agreement) < residual_wide.GRAM_GATE / 2


UP_PROJ = "model.layers.0.mlp.up_proj.weight"


@pytest.mark.parametrize("case", ["relabelled_new_vocabulary", "relabelled_fp8", "relabelled_int8"])
def test_with_neurons_permuted_too_they_are_paired_before_the_fit(
    wide: Wide, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """Rotated, neurons and heads permuted, a new vocabulary: nothing is at its index or token any more.
    The toy's ``gate_proj`` is a tenth of its bytes, so the cost rule is lifted here (tested below)."""
    monkeypatch.setattr(residual_units, "MATCH_SHARE", 1.0)
    report = run_audit(wide.path(case), wide.reference)
    model = _strongly_derived(report)
    alignment = _model(report)
    assert (alignment.kind, alignment.fitted_on) == ("rotation", (GATE_PROJ, GATE_PROJ))
    assert alignment.held_out_correlation is not None
    assert alignment.held_out_correlation > 0.95
    assert "768 of the 768 neurons fitted on paired across a permutation" in alignment.note
    # the anchor, the tensor that checked it, and the gain are set aside; the permuted heads and the
    # down projection's permuted neurons are found by the unit search and are the evidence
    aside = {GATE_PROJ, UP_PROJ, FFN_GAIN}
    assert {(u.name, u.reason) for u in model.unpaired} == {(name, USED_TO_FIT) for name in aside}
    assert {(u.name, u.reason) for u in report.reference_unpaired} >= {
        (GATE_PROJ, USED_TO_FIT),
        (UP_PROJ, USED_TO_FIT),
    }
    evidence = {e.candidate: e for e in model.tensors}
    for name in ("self_attn.q_proj", "self_attn.o_proj", "mlp.down_proj"):
        tensor = evidence[f"model.layers.0.{name}.weight"]
        assert tensor.centred_cosine > 0.95, name


def test_neurons_are_paired_only_when_both_whole_matrices_are_cheap(wide: Wide) -> None:
    report = run_audit(wide.path("relabelled_new_vocabulary"), wide.reference)
    assert report.verdict != "derived"
    # both gate_proj and a quarter of both up_proj, the reference's counted as stored like the candidate's
    # (1.3 MB in bf16, twice): about 8% of the toys
    expected = (
        f"its neurons were not paired across a permutation (both whole matrices and a quarter of {UP_PROJ}"
    )
    assert f"{expected}, 3 MB, cost more than 1.0% of the two checkpoints)" in _model(report).note


@pytest.mark.parametrize("megabytes", [2.0, 3.2])
def test_a_checkpoint_and_its_fingerprint_decide_alike_whether_neurons_are_paired(
    wide: Wide, rich: Path, monkeypatch: pytest.MonkeyPatch, megabytes: float
) -> None:
    """The cost rule counts the reference's part alike whether it is read from its checkpoint or held by its
    fingerprint (it counted it only against the checkpoint: at a share of 3.2 MB the checkpoint refused and
    the fingerprint paired); below the cost (2.6 MB) both refuse, above it both pair."""
    both = wide.path("relabelled_new_vocabulary").stat().st_size + wide.reference.stat().st_size
    monkeypatch.setattr(residual_units, "MATCH_SHARE", megabytes * 1e6 / both)
    light = _alike(
        run_audit(wide.path("relabelled_new_vocabulary"), wide.reference),
        run_audit(wide.path("relabelled_new_vocabulary"), rich),
    )
    assert light["verdict"] == ("derived" if megabytes > 2.6 else "independent")


def test_the_fit_uses_the_layer_a_fingerprint_keeps(
    wide: Wide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reference's first dense FFN layer is the one a fingerprint keeps whole, and the only one the fit
    uses, from its checkpoint too: where the candidate has no counterpart there (here the reference's
    layer 0 is an FFN of another width, the rotated copy's layer is layer 1), neither fits on neurons —
    against the checkpoint a later layer was fitted, against the fingerprint none, and the note blamed a
    cost."""
    shift = {"model.layers.0.": "model.layers.1."}

    def shifted(weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {next((k.replace(a, b) for a, b in shift.items() if a in k), k): v for k, v in weights.items()}

    generator = torch.Generator().manual_seed(3)
    reference = shifted(load_file(wide.reference))
    for name, shape in (("gate_proj", (768, 512)), ("up_proj", (768, 512)), ("down_proj", (512, 768))):
        reference[f"model.layers.0.mlp.{name}.weight"] = 0.05 * torch.randn(shape, generator=generator)
    reference[FFN_GAIN] = torch.ones(WIDE.d_model)
    candidate = shifted(load_file(wide.path("rotated_new_vocabulary")))
    paths = {
        "reference": toy.save_checkpoint(reference, tmp_path / "reference" / "model.safetensors"),
        "candidate": toy.save_checkpoint(candidate, tmp_path / "candidate" / "model.safetensors"),
    }
    held = tmp_path / "reference.fingerprint"
    with monkeypatch.context() as patch:
        patch.setattr(fingerprint, "WIDE_SHARE", 1.0)
        make_fingerprint(paths["reference"], held)
    kept = {p.name for p in load_fingerprint(held).tensors if p.wide is not None}
    assert GATE_PROJ in kept
    light = _alike(run_audit(paths["candidate"], paths["reference"]), run_audit(paths["candidate"], held))
    assert "would cost more than" not in json.dumps(light)


def test_the_neurons_of_an_independent_model_pair_with_nothing(
    wide: Wide, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pairing gives up after two rounds (held-out neurons no closer than chance); made to go on, the
    map it fits is turned down by the check on ``up_proj``."""
    monkeypatch.setattr(residual_units, "MATCH_SHARE", 1.0)
    report = run_audit(wide.path("independent"), wide.reference)
    assert report.verdict == "independent"
    note = _model(report).note
    assert "held-out neurons' closest rows under the map are at median cosine" in note
    found = re.search(r"median cosine (-?[0-9.]+), no closer than (-?[0-9.]+)", note)
    assert found is not None
    cosine, bar = float(found[1]), float(found[2])
    assert cosine < bar
    monkeypatch.setattr(residual_matched, "HOPE_ROUNDS", residual_matched.ROUNDS + 1)
    report = run_audit(wide.path("independent"), wide.reference)
    assert report.verdict == "independent"
    note = _model(report).note
    assert "paired across a permutation" in note
    held = float(
        note.split(f"the map predicts {UP_PROJ} on 256 held-out neurons at median correlation ")[1][:5]
    )
    assert abs(held) < 0.2  # the gate is ROTATION_GATE


def test_a_fingerprint_keeps_whole_rows_only_when_they_are_cheap(wide: Wide) -> None:
    """The toy's embedding is a third of the model, so its whole rows would cost far more than a real
    model's (0.03% of DeepSeek-V3): its default fingerprint keeps none and says what it cannot do."""
    report = _audit(wide.path("rotated"), wide.fingerprint)
    assert report.verdict != "derived"
    assert "whole token rows, which this fingerprint does not keep" in _model(report).note


@pytest.fixture(scope="module")
def rich(wide: Wide, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fingerprint of the wide reference told to keep its whole rows whatever they cost."""
    path = tmp_path_factory.mktemp("rich") / "reference.fingerprint"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fingerprint, "WIDE_SHARE", 1.0)
        make_fingerprint(wide.reference, path)
    return path


@pytest.mark.parametrize("case", DISGUISED)
def test_a_fingerprint_with_whole_rows_fits_a_wide_rotation_like_the_checkpoint(
    wide: Wide, rich: Path, case: str
) -> None:
    kept = {p.name: p.wide.shape for p in load_fingerprint(rich).tensors if p.wide is not None}
    assert kept[EMBED] == (2 * WIDE.d_model + 512, WIDE.d_model)
    light = _alike(_audit(wide.path(case), wide.reference), _audit(wide.path(case), rich))
    assert light["verdict"] == "derived"


def test_a_fingerprint_keeps_the_whole_rows_of_its_first_dense_ffn_layer_when_cheap(
    wide: Wide, rich: Path
) -> None:
    """What a rotation fitted on FFN neurons reads of the reference: all of ``gate_proj``'s rows, the gain in
    front of it, and ``up_proj``'s rows of the check quarter — kept bit-exact, of layer 0 only."""
    kept = {p.name: p.wide for p in load_fingerprint(rich).tensors if p.wide is not None}
    assert set(kept) == {EMBED, GATE_PROJ, UP_PROJ, FFN_GAIN}
    weights = load_file(wide.reference)
    quarter = check_quarter(tuple(weights[GATE_PROJ].shape))
    assert quarter.size == weights[GATE_PROJ].shape[0] // 4
    for name, rows in ((GATE_PROJ, slice(None)), (UP_PROJ, quarter), (FFN_GAIN, slice(None))):
        assert kept[name] is not None
        assert np.array_equal(kept[name], weights[name][rows].numpy()), name
    # the default fingerprint keeps none of them (the toy's layer is a tenth of it) and says so
    default = {p.name for p in load_fingerprint(wide.fingerprint).tensors if p.wide is not None}
    assert default == set()
    note = _model(_audit(wide.path("rotated_new_vocabulary"), wide.fingerprint)).note
    assert f"needs the reference's whole rows of {GATE_PROJ}, which this fingerprint does not keep" in note


def test_whole_rows_of_the_wrong_shape_are_refused(wide: Wide, rich: Path, tmp_path: Path) -> None:
    loaded = load_fingerprint(rich)
    for name in (GATE_PROJ, UP_PROJ, FFN_GAIN, EMBED):
        tensors = tuple(
            replace(p, wide=p.wide[1:]) if p.name == name and p.wide is not None else p
            for p in loaded.tensors
        )
        path = tmp_path / f"{name}.fingerprint"
        write_fingerprint(replace(loaded, tensors=tensors), path)
        with pytest.raises(InputError, match="whole rows of the wrong shape or dtype"):
            load_fingerprint(path)


@pytest.mark.parametrize("case", ["rotated_new_vocabulary", "relabelled_new_vocabulary", "relabelled_fp8"])
def test_a_fingerprint_with_the_ffn_rows_fits_on_neurons_like_the_checkpoint(
    wide: Wide, rich: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """No token left (and the neurons permuted too, in the last cases): the fit on layer 0's FFN neurons
    against the fingerprint gives the report the checkpoint gives, number for number."""
    monkeypatch.setattr(residual_units, "MATCH_SHARE", 1.0)
    _fitted_on_neurons_alike(wide.path(case), wide.reference, rich)


def test_an_fp8_references_fingerprint_keeps_its_ffn_rows_dequantised(
    wide: Wide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DeepSeek-V3's case: the reference stored as FP8 with block scales. Its fingerprint keeps the FFN rows
    dequantised (float32, as the audit reads them from the checkpoint), and the relabelled copy is found
    against it with the numbers the FP8 checkpoint gives."""
    monkeypatch.setattr(residual_units, "MATCH_SHARE", 1.0)
    fp8 = toy.save_checkpoint(
        toy.quantise_fp8_blocks(load_file(wide.reference))[0], tmp_path / "fp8" / "model.safetensors"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fingerprint, "WIDE_SHARE", 1.0)
        make_fingerprint(fp8, tmp_path / "fp8.fingerprint")
    kept = {p.name: p for p in load_fingerprint(tmp_path / "fp8.fingerprint").tensors if p.wide is not None}
    assert {GATE_PROJ, UP_PROJ} <= set(kept)
    assert kept[GATE_PROJ].dtype == "F32"
    assert kept[GATE_PROJ].quantisation.startswith("FP8")
    _fitted_on_neurons_alike(wide.path("relabelled_new_vocabulary"), fp8, tmp_path / "fp8.fingerprint")


def _fitted_on_neurons_alike(candidate: Path, checkpoint: Path, kept: Path) -> None:
    """The candidate is found on the FFN neurons against the fingerprint, with the report the checkpoint
    gives but for where the reference was."""
    light = _alike(run_audit(candidate, checkpoint), run_audit(candidate, kept))
    assert light["verdict"] == "derived"
    model = next(c for c in light["components"] if c["name"] == "model")
    assert model["residual"]["kind"] == "rotation"
    assert "FFN neurons" in model["residual"]["note"]


def _alike(full: AuditReport, light: AuditReport) -> dict[str, Any]:
    """The report against a fingerprint, asserted equal to the one against its checkpoint but for where the
    reference was (returned without those keys)."""
    documents = [full.to_dict(), light.to_dict()]
    for document in documents:
        for key in ("reference", "reference_kind", "reference_files", "cheap"):
            del document[key]
    assert documents[0] == documents[1]
    return documents[1]


def test_an_independent_model_fits_nothing_on_the_neurons_a_fingerprint_keeps(
    wide: Wide, rich: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(residual_units, "MATCH_SHARE", 1.0)
    monkeypatch.setattr(residual_wide, "GRAM_GATE", -2.0)  # the in-place fit tried whatever its pre-test says
    report = run_audit(wide.path("independent"), rich)
    assert report.verdict == "independent"
    assert _model(report).kind != "rotation"


@pytest.fixture(scope="module")
def renamed(wide: Wide, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wide reference with a tokenizer, its rich fingerprint, and a rotated copy under a re-numbered one
    (the strings of the whole rows must travel with the fingerprint, or none of them pair)."""
    root = tmp_path_factory.mktemp("renamed")
    strings = [f"w-{i}" for i in range(WIDE.vocab)]
    weights = load_file(wide.reference)
    toy.save_checkpoint(weights, root / "reference" / "model.safetensors")
    toy.save_tokenizer(strings, root / "reference")
    rotated = toy_disguise.rotate(weights, WIDE, seed=4)
    moved, vocabulary = toy.renumber_vocab(rotated, strings, seed=9, replaced=WIDE.vocab // 8)
    toy.save_checkpoint(moved, root / "candidate" / "model.safetensors")
    toy.save_tokenizer(vocabulary, root / "candidate")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fingerprint, "WIDE_SHARE", 1.0)
        make_fingerprint(root / "reference" / "model.safetensors", root / "reference.fingerprint")
    return {
        "reference": root / "reference" / "model.safetensors",
        "fingerprint": root / "reference.fingerprint",
        "candidate": root / "candidate" / "model.safetensors",
    }


def test_a_wide_rotation_under_a_renumbered_vocabulary_is_fitted_from_a_fingerprint(
    renamed: dict[str, Path],
) -> None:
    kept = load_fingerprint(renamed["fingerprint"]).tokens
    assert len(kept) >= residual_wide.FIT_FACTOR * WIDE.d_model + residual_wide.CHECK_ROWS
    full = _audit(renamed["candidate"], renamed["reference"]).to_dict()
    light = _audit(renamed["candidate"], renamed["fingerprint"]).to_dict()
    for document in (full, light):
        assert document["verdict"] == "derived"
        assert document["method"]["token_rows"].startswith("token rows paired by string")
        model = next(c for c in document["components"] if c["name"] == "model")
        assert model["residual"]["kind"] == "rotation"
        # the method's pairing note counts the strings each side knows: all of them, or those kept
        for key in ("reference", "reference_kind", "reference_files", "cheap", "method"):
            del document[key]
    assert full == light


def test_the_pairwise_cosines_ignore_rotations_and_not_independence() -> None:
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((200, 96)) * rng.uniform(0.2, 3.0, 96)
    q, _ = np.linalg.qr(rng.standard_normal((96, 96)))
    assert residual_wide.gram_agreement(rows, rows @ q) == pytest.approx(1.0, abs=1e-9)
    assert abs(residual_wide.gram_agreement(rows, rng.standard_normal((200, 96)))) < 0.1


@pytest.fixture(scope="module")
def hub(wide: Wide) -> Iterator[HubServer]:
    repos = {"org/wide-reference": load({"model.safetensors": wide.reference})}
    cases = (*DISGUISED, "rotated_new_vocabulary", "relabelled_new_vocabulary", "relabelled_fp8")
    repos.update({f"org/wide-{case}": load({"model.safetensors": wide.path(case)}) for case in cases})
    with serving(repos) as server:
        yield server


@pytest.mark.parametrize(
    "case",
    ["rotated", "pruned_rotated", "rotated_new_vocabulary", "relabelled_new_vocabulary", "relabelled_fp8"],
)
def test_a_wide_rotation_is_fitted_alike_over_http(
    wide: Wide, hub: HubServer, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setattr(remote_transport, "BACKOFF_S", 0.001)
    monkeypatch.setattr(residual_units, "MATCH_SHARE", 1.0)  # the neurons paired first (the last cases)
    _derived_alike_over_http(
        run_audit(wide.path(case), wide.reference),
        run_audit(f"hf://org/wide-{case}", "hf://org/wide-reference"),
    )


def _derived_alike_over_http(local: AuditReport, over: AuditReport) -> None:
    """``derived`` over HTTP with every number of the local report; where a config.json was looked for
    differs (a folder, a URL)."""
    assert over.verdict == "derived"
    documents = [local.to_dict(), over.to_dict()]
    for document in documents:
        for key in ("candidate", "reference", "candidate_files", "reference_files", "transfer", "cheap"):
            document.pop(key, None)
    where = re.compile(r"no config\.json (beside the checkpoint|at \S+?)(?=[)'\"])")
    assert len({where.sub("no config.json", json.dumps(document)) for document in documents}) == 1


@pytest.mark.parametrize("case", ["rotated_new_vocabulary", "relabelled_new_vocabulary"])
def test_a_fingerprint_taken_over_http_fits_on_neurons_alike(
    wide: Wide,
    hub: HubServer,
    rich: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    """The reference fingerprinted in place on the test Hub keeps the same whole FFN rows as from its file,
    and a candidate read over HTTP against it gets the report a local one gets."""
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setattr(remote_transport, "BACKOFF_S", 0.001)
    monkeypatch.setattr(residual_units, "MATCH_SHARE", 1.0)
    taken = rich.with_name(f"remote-{case}.fingerprint")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fingerprint, "WIDE_SHARE", 1.0)
        make_fingerprint("hf://org/wide-reference", taken)

    def kept(path: Path) -> dict[str, bytes]:
        return {p.name: p.wide.tobytes() for p in load_fingerprint(path).tensors if p.wide is not None}

    assert kept(taken) == kept(rich)
    assert GATE_PROJ in kept(taken)
    _derived_alike_over_http(run_audit(wide.path(case), rich), run_audit(f"hf://org/wide-{case}", taken))


@pytest.mark.parametrize("shape", [(96, 96), (128, 80), (80, 128)])
def test_the_polar_factor_is_the_svd_one(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal(shape) @ np.diag(rng.uniform(0.1, 10.0, shape[1]))
    u, _, vt = np.linalg.svd(matrix, full_matrices=False)
    assert np.allclose(residual_wide.polar(matrix), u @ vt, atol=1e-8)
    singular = matrix.copy()
    singular[:, 0] = 0.0  # rank-deficient: the SVD's answer, not an inverse square root of zero
    got = residual_wide.polar(singular)
    assert np.isfinite(got).all()
    u, _, vt = np.linalg.svd(singular, full_matrices=False)
    assert np.allclose(got, u @ vt, atol=1e-8)
