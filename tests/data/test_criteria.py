"""The independence criteria engine: every rule's pass / fail / not-assessed paths, and the real records."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands import check_command
from generator.criteria import evaluate, evaluate_team
from generator.model import AuditRecord, Component, Ruling, Text
from tests.data.rounds import round1
from tests.data.test_malformed import replace

T = Text(ko="-", en="-")


def component(**changes: object) -> Component:
    base = Component(
        id="c",
        name=T,
        kind="weights",
        origin="own",
        reference=None,
        weights="trained_from_scratch",
        licence_compliant=None,
        note=None,
        sources=("yonhap-0115",),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def record(*components: Component, rulings: tuple[Ruling, ...] = ()) -> AuditRecord:
    return AuditRecord(team="t", components=components, allegations=(), rulings=rulings, engine_audits=())


def result(rec: AuditRecord, criterion: str):  # type: ignore[no-untyped-def]
    outcome = evaluate_team(round1().independence, rec, "t")
    return next(r for r in outcome.results if r.criterion == criterion), outcome.sovereignty


@pytest.mark.parametrize("criterion", ["technical", "policy"])
@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ("frozen", "fail"),
        ("fine_tuned", "fail"),
        ("trained_from_scratch", "pass"),
        ("unknown", "not_assessed"),
    ],
)
def test_weight_rules_on_external_components(criterion: str, weights: str, expected: str) -> None:
    outcome, _ = result(record(component(origin="external", weights=weights)), criterion)
    assert outcome.rule == expected
    assert outcome.finding == expected  # no official ruling: the rule decides what is shown
    assert outcome.official is None


def test_own_weights_pass_even_when_fine_tuned() -> None:
    outcome, _ = result(record(component(origin="own", weights="fine_tuned")), "technical")
    assert outcome.rule == "pass"


def test_no_components_and_no_ruling_is_not_assessed() -> None:
    outcome, sovereignty = result(record(), "technical")
    assert outcome.finding == "not_assessed"
    assert outcome.reasons
    assert sovereignty.low is None
    assert sovereignty.high is None


@pytest.mark.parametrize(("compliant", "expected"), [(False, "fail"), (True, "pass"), (None, "not_assessed")])
def test_ethical_rule_reads_licence_compliance(compliant: bool | None, expected: str) -> None:
    outcome, _ = result(
        record(
            component(origin="external", weights="not_applicable", kind="code", licence_compliant=compliant)
        ),
        "ethical",
    )
    assert outcome.rule == expected


def test_official_ruling_is_shown_and_disagreement_flagged() -> None:
    ruling = Ruling(criterion="technical", finding="pass", reason=T, sources=("yonhap-0115",))
    outcome, _ = result(
        record(component(origin="external", weights="frozen"), rulings=(ruling,)), "technical"
    )
    assert outcome.rule == "fail"
    assert outcome.finding == "pass"
    assert outcome.agrees is False


def test_sovereignty_below_four_when_external_weights_are_reused() -> None:
    _, sovereignty = result(record(component(origin="external", weights="frozen")), "technical")
    assert (sovereignty.low, sovereignty.high) == (1, 3)


def test_real_round_naver_fails_technical_with_its_sources() -> None:
    results = evaluate(round1())
    naver = {r.criterion: r for r in results["naver-cloud"].results}
    assert naver["technical"].finding == "fail"
    assert naver["technical"].rule == "fail"
    assert naver["technical"].agrees is True
    assert set(naver["technical"].components) == {"vision-encoder", "audio-video-encoders"}
    assert "newspim-0115" in naver["technical"].sources
    assert results["naver-cloud"].sovereignty.high == 3


def test_real_round_every_team_has_every_criterion() -> None:
    results = evaluate(round1())
    assert set(results) == {"lg-ai-research", "upstage", "sk-telecom", "naver-cloud", "nc-ai"}
    for team in results.values():
        assert [r.criterion for r in team.results] == ["technical", "policy", "ethical"]
    upstage = {r.criterion: r for r in results["upstage"].results}
    assert upstage["technical"].finding == "pass"
    assert upstage["technical"].allegations == ("upstage-glm-layernorm",)
    assert upstage["ethical"].finding == "noted"
    assert all(r.finding == "not_assessed" for r in results["nc-ai"].results)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "criterion: technical\n      finding: fail",
            "criterion: technicall\n      finding: fail",
            "unknown criterion id 'technicall'",
        ),
        ("weights: frozen", "weights: half-frozen", "weights"),
        ("- team: nc-ai\n  components: []", "- team: nc-aii\n  components: []", "unknown team id 'nc-aii'"),
        (
            "          sources: [koreatimes-0107]\n      outcome",
            "          sources: [nowhere-0101]\n      outcome",
            "unknown source id 'nowhere-0101'",
        ),
    ],
)
def test_malformed_audit_records(round1_copy: Path, old: str, new: str, says: str) -> None:
    replace("audits.yaml", old, new)(round1_copy)
    outcome = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert outcome.exit_code == 2
    assert "audits.yaml" in outcome.output
    assert says in outcome.output
