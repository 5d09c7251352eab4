"""The method demo: real models, the real audit, two seeds; its cache; and the configured-audit resolver."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.audit.configured import (
    AuditSummary,
    ConfiguredAudit,
    NotRun,
    default_runner,
    resolve,
    run_configured,
)
from generator.audit.demo import CASES, EXPECTED, GRAFTED, LANGUAGE, Demo, cache_key, run_demo
from generator.model import EngineAudit, Text
from generator.validate import read_round
from tests.conftest import ROUND_1

SEEDS = (11, 20260115)


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-cache")


@pytest.fixture(scope="session")
def demos(cache: Path) -> dict[int, Demo]:
    """The demo for each seed, computed once (about 10 s each on a busy two-core machine)."""
    return {seed: run_demo(seed, cache_dir=cache) for seed in SEEDS}


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_verdicts_are_what_each_model_is(demos: dict[int, Demo], seed: int) -> None:
    demo = demos[seed]
    assert demo.seed == seed
    assert [c.id for c in demo.cases] == list(CASES)
    for case in demo.cases:
        assert case.audit.verdict == EXPECTED[case.id], case.id
    graft = demo.case("graft").audit
    assert graft.component(GRAFTED).verdict == "identical"
    assert graft.component(GRAFTED).share_identical == pytest.approx(1.0)
    assert graft.component(LANGUAGE).verdict == "independent"
    assert all(c.verdict != "identical" for c in graft.components if c.name != GRAFTED)  # localised


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_raw_gain_cosine_is_high_for_the_independent_model_but_is_no_evidence(
    demos: dict[int, Demo], seed: int
) -> None:
    independent = demos[seed].case("independent").main
    assert len(independent.gains) == 9
    assert min(g.raw_cosine for g in independent.gains) > 0.95  # what an accuser would quote
    centred = [g.centred_cosine for g in independent.gains if g.centred_cosine is not None]
    assert abs(sum(centred) / len(centred)) < 0.15  # near 0 (±1/√64 per vector)
    assert independent.log10_p is not None
    assert independent.log10_p > -2  # not significant, far from the 1e-6 threshold
    assert independent.matrix_centred is not None
    assert abs(independent.matrix_centred) < 0.05
    finetuned = demos[seed].case("finetuned").main
    assert finetuned.log10_p is not None
    assert finetuned.log10_p < -30
    untrained = demos[seed].case("untrained").main
    assert all(g.centred_cosine is None for g in untrained.gains)  # undefined, never shown as 0
    assert min(g.raw_cosine for g in untrained.gains) > 0.95


@pytest.mark.slow
def test_heatmaps_show_a_diagonal_only_for_derived_models(demos: dict[int, Demo]) -> None:
    for demo in demos.values():
        (derived,) = demo.case("finetuned").main.heatmaps
        (independent,) = demo.case("independent").main.heatmaps
        assert min(derived.similarity[i][i] for i in range(4)) > 0.5
        assert max(abs(v) for row in independent.similarity for v in row) < 0.5


@pytest.mark.slow
def test_numbers_change_with_the_seed_and_verdicts_do_not(demos: dict[int, Demo]) -> None:
    first, second = (demos[s] for s in SEEDS)
    assert [c.audit.verdict for c in first.cases] == [c.audit.verdict for c in second.cases]
    for case_id in ("finetuned", "independent"):
        a, b = first.case(case_id).main, second.case(case_id).main
        assert [g.raw_cosine for g in a.gains] != [g.raw_cosine for g in b.gains]
        assert a.log10_p != b.log10_p


@pytest.mark.slow
def test_the_cache_is_hit_when_nothing_changed_and_missed_when_the_key_does(
    demos: dict[int, Demo], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = SEEDS[0]
    events: list[str] = []
    again = run_demo(seed, cache_dir=cache, report=events.append)
    assert events == ["hit"]
    assert again == demos[seed]
    assert (cache / f"demo-{cache_key(seed)}.json").exists()
    assert cache_key(seed) != cache_key(seed + 1)
    # A change to the method (here: the demo's version) changes the key, so the result is recomputed.
    monkeypatch.setattr("generator.audit.demo.DEMO_VERSION", 999)
    assert cache_key(seed) not in {p.stem.removeprefix("demo-") for p in cache.glob("*.json")}
    monkeypatch.setattr("generator.audit.demo.compute_demo", lambda s: demos[seed])
    run_demo(seed, cache_dir=cache, report=events.append)
    assert events == ["hit", "miss"]


def test_a_corrupt_cache_entry_is_recomputed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = object()
    monkeypatch.setattr("generator.audit.demo.compute_demo", lambda s: sentinel)
    monkeypatch.setattr("generator.audit.demo.to_json", lambda d: b"{}")
    (tmp_path / f"demo-{cache_key(5)}.json").write_text("not json")
    events: list[str] = []
    assert run_demo(5, cache_dir=tmp_path, report=events.append) is sentinel
    assert events == ["miss"]


def test_the_key_follows_the_audit_engine_source() -> None:
    from generator.audit import demo  # noqa: PLC0415

    sources = {p.name for p in demo._AUDIT_DIR.glob("*.py")}
    assert {"engine.py", "stats.py", "verdict.py", "demo.py", "configured.py"} <= sources


# ---- configured audits ----------------------------------------------------------------------------


def _audit(candidate: str, reference: str) -> EngineAudit:
    return EngineAudit(
        id="a", component=None, candidate=candidate, reference=reference, label=Text(ko="감사", en="audit")
    )


def _never(candidate: Path | str, reference: Path | str) -> AuditSummary:
    raise AssertionError("must not run")


def test_a_missing_variable_is_named_and_nothing_runs(tmp_path: Path) -> None:
    result = resolve(_audit("${W}/a", "${W}/b"), environ={}, base=tmp_path, runner=_never)
    assert result.result is None
    assert result.not_run == (NotRun(kind="variable_not_set", detail="W"),)


def test_a_missing_file_is_named_as_configured(tmp_path: Path) -> None:
    (tmp_path / "b").write_bytes(b"")
    result = resolve(_audit("${W}/a", "${W}/b"), environ={"W": str(tmp_path)}, base=Path("/"), runner=_never)
    assert result.not_run == (NotRun(kind="file_not_found", detail="${W}/a"),)
    assert str(tmp_path) not in repr(result.not_run)  # no local path reaches a page


def test_a_local_audit_configured_in_a_round_says_what_was_not_run(round1_copy: Path) -> None:
    # Round 1 audits public checkpoints on the Hub (hub_audits); a local engine audit is still a valid setup.
    assert read_round(ROUND_1).round.independence.records["naver-cloud"].engine_audits == ()
    audits_yaml = round1_copy / "audits.yaml"
    text = audits_yaml.read_text(encoding="utf-8")
    local = (
        "  engine_audits:\n"
        "    - id: local-check\n"
        "      candidate: ${SOVEREIGN_WEIGHTS}/candidate\n"
        "      reference: ${SOVEREIGN_WEIGHTS}/reference\n"
        "      label: {ko: 로컬 감사, en: Local audit}\n"
    )
    anchor = "- team: nc-ai\n"
    assert anchor in text
    head, tail = text.split(anchor, 1)
    audits_yaml.write_text(
        head + anchor + tail.replace("  rulings: []\n", "  rulings: []\n" + local, 1), encoding="utf-8"
    )
    round_ = read_round(round1_copy).round
    audits = run_configured(round_, environ={}, base=round1_copy, runner=_never)
    (configured,) = audits["nc-ai"]
    assert configured.not_run == (NotRun(kind="variable_not_set", detail="SOVEREIGN_WEIGHTS"),)
    assert set(audits) == {"nc-ai"}


def test_present_files_run_the_real_audit_on_tiny_saved_models(tmp_path: Path) -> None:
    import torch  # noqa: PLC0415

    from generator.audit import toy  # noqa: PLC0415

    config = toy.ToyConfig(n_layers=2, steps=30)
    reference = toy.train_toy(config, seed=1)
    toy.save_checkpoint(reference, tmp_path / "ref.safetensors")
    toy.save_checkpoint(
        toy.graft({"vision": toy.cast(reference, torch.bfloat16), "lm": toy.train_toy(config, seed=2)}),
        tmp_path / "cand.safetensors",
    )
    result = resolve(
        _audit("${W}/cand.safetensors", "ref.safetensors"),
        environ={"W": str(tmp_path)},
        base=tmp_path,
        runner=default_runner,
    )
    assert isinstance(result, ConfiguredAudit)
    assert result.not_run == ()
    assert result.result is not None
    assert result.result.component("vision").verdict == "identical"
    assert result.result.component("lm").verdict == "independent"
    assert result.result.component("vision").heatmaps


def test_an_unreadable_checkpoint_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "cand.safetensors").write_bytes(b"\x80\x04 not a safetensors file")
    (tmp_path / "ref.safetensors").write_bytes(b"\x80\x04 not a safetensors file")
    result = resolve(
        _audit("${W}/cand.safetensors", "${W}/ref.safetensors"),
        environ={"W": str(tmp_path)},
        base=tmp_path,
        runner=default_runner,
    )
    assert result.result is None
    ((reason),) = result.not_run
    assert reason.kind == "audit_failed"
    assert "${W}/cand.safetensors" in reason.detail
    assert str(tmp_path) not in reason.detail
