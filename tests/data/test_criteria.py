"""The independence criteria engine: every rule's pass / fail / not-assessed paths, and the real records."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands import check_command
from generator.criteria import CriterionResult, evaluate, evaluate_team
from generator.model import Allegation, AuditRecord, Component, OutcomeKind, Ruling, Text
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


def result(rec: AuditRecord, criterion: str, outcome: OutcomeKind | None = None) -> CriterionResult:
    evaluated = evaluate_team(round1().independence, rec, "t", outcome=outcome)
    return next(r for r in evaluated.results if r.criterion == criterion)


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
    outcome = result(record(component(origin="external", weights=weights)), criterion)
    assert outcome.rule == expected
    assert outcome.official is None
    # Without a ruling the page never shows a verdict: the rule is our reading, not a finding.
    assert outcome.finding == "not_assessed"


def test_a_failing_rule_without_a_ruling_names_its_component_and_no_ruling() -> None:
    outcome = result(record(component(origin="external", weights="frozen")), "technical")
    assert outcome.rule == "fail"
    assert (outcome.official, outcome.components) == (None, ("c",))  # the page words it: tests/render


def test_own_weights_pass_even_when_fine_tuned() -> None:
    outcome = result(record(component(origin="own", weights="fine_tuned")), "technical")
    assert outcome.rule == "pass"


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [("advanced", "no_finding"), ("eliminated_score", "not_assessed"), (None, "not_assessed")],
)
def test_no_ruling_says_only_what_is_on_record(outcome: OutcomeKind | None, expected: str) -> None:
    shown = result(record(), "technical", outcome=outcome)
    assert shown.finding == expected
    assert shown.official is None


def test_an_allegation_without_a_ruling_reads_alleged_even_for_a_team_that_advanced() -> None:
    allegation = Allegation(
        id="a",
        criterion="technical",
        against=T,
        claim=T,
        evidence=(),
        outcome="open",
        outcome_detail=None,
        responses=(),
        sources=("yonhap-0115",),
    )
    rec = dataclasses.replace(record(), allegations=(allegation,))
    assert result(rec, "technical", outcome="advanced").finding == "alleged"
    assert result(rec, "policy", outcome="advanced").finding == "no_finding"


@pytest.mark.parametrize(("compliant", "expected"), [(False, "fail"), (True, "pass"), (None, "not_assessed")])
def test_ethical_rule_reads_licence_compliance(compliant: bool | None, expected: str) -> None:
    outcome = result(
        record(
            component(origin="external", weights="not_applicable", kind="code", licence_compliant=compliant)
        ),
        "ethical",
    )
    assert outcome.rule == expected


def test_official_ruling_is_shown_and_disagreement_flagged() -> None:
    ruling = Ruling(criterion="technical", finding="pass", reason=T, sources=("yonhap-0115",))
    outcome = result(record(component(origin="external", weights="frozen"), rulings=(ruling,)), "technical")
    assert outcome.rule == "fail"
    assert outcome.finding == "pass"
    assert outcome.agrees is False


def test_real_round_naver_fails_technical_with_its_sources() -> None:
    results = evaluate(round1())
    naver = {r.criterion: r for r in results["naver-cloud"].results}
    assert naver["technical"].finding == "fail"
    assert naver["technical"].rule == "fail"
    assert naver["technical"].agrees is True
    assert set(naver["technical"].components) == {"vision-encoder", "audio-video-encoders"}
    assert "newspim-0115" in naver["technical"].sources


def test_real_round_says_pass_nowhere_without_a_published_ruling() -> None:
    """No body published a per-criterion ruling for the teams that advanced (issue 11)."""
    round_ = round1()
    results = evaluate(round_)
    assert set(results) == {"lg-ai-research", "upstage", "sk-telecom", "naver-cloud", "nc-ai"}
    for team, evaluated in results.items():
        assert [r.criterion for r in evaluated.results] == ["technical", "policy", "ethical"]
        for r in evaluated.results:
            if r.finding in {"pass", "fail", "noted"}:
                assert r.official is not None, (team, r.criterion)
                assert r.official.finding == r.finding
                assert r.official.sources
    upstage = {r.criterion: r for r in results["upstage"].results}
    assert upstage["technical"].finding == "alleged"
    assert upstage["technical"].allegations == ("upstage-glm-layernorm",)
    assert upstage["policy"].finding == "no_finding"
    assert upstage["ethical"].finding == "noted"
    assert all(r.finding == "no_finding" for r in results["lg-ai-research"].results)
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
