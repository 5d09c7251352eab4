"""``evidence`` end to end, offline: the local Hub serves stand-ins under the configured repository ids.

It writes one file per configured audit, ``check`` validates them, a re-run for the same commits changes
nothing, a newer commit is reported and never overwrites, and a missing, gated or broken repository fails
cleanly with no file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator.audit import remote_transport
from generator.commands import check_command, evidence_command
from generator.errors import DataError
from generator.evidence import check_evidence, configured
from generator.load import Problems
from generator.validate import read_round
from tests.audit.hubserver import HubServer
from tests.evidence.conftest import VAETKI_MISSING, VAETKI_SERVED

DATA = Path("data/round-1")
EVIDENCE = DATA / "evidence"
NAVER = "naver-hcx-think-32b-vs-qwen2-5-vl-32b"
SKT = "skt-ax-k1-vs-deepseek-v3"
NC = "nc-vaetki-vs-solar-open"
UPSTAGE = "upstage-solar-open-vs-glm-4-5-air"

pytestmark = pytest.mark.slow


def _evidence(*args: str) -> Result:
    return CliRunner().invoke(evidence_command, ["--data", str(DATA), "--device", "cpu", *args])


def _read(audit: str) -> dict[str, Any]:
    value = json.loads((EVIDENCE / f"{audit}.json").read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value


def test_every_configured_audit_writes_a_file_that_check_accepts(hub: HubServer, workdir: Path) -> None:
    listed = json.loads(_evidence("--list").output)
    result = _evidence()
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in EVIDENCE.glob("*.json")) == sorted(listed)
    assert len(listed) == 10
    assert not list(EVIDENCE.glob(".*")), "no temporary file is left behind"

    naver = _read(NAVER)
    assert naver["verdict"] == "derived"
    components = {c["name"]: c["verdict"] for c in naver["result"]["components"]}
    assert components["vision_tower"] in {"identical", "derived"}
    assert components["language_model"] == "independent"
    assert naver["reason"] == {"kind": "allegation", "allegation": "naver-qwen-encoder", "basis": None}
    assert naver["candidate"]["revision"] == hub.commits["naver-hyperclovax/HyperCLOVAX-SEED-Think-32B"]
    served = hub.repos["naver-hyperclovax/HyperCLOVAX-SEED-Think-32B"]["model.safetensors"]
    assert naver["files"]["candidate"] == [
        {"name": "model.safetensors", "size": len(served), "sha256": hub.sha256(served)}
    ]
    assert naver["command"] == f"python -m generator evidence --data data/round-1 --only {NAVER} --device cpu"
    assert naver["engine"]["package"] == "sovereign-ai-report"
    assert naver["transfer"]["fetched"] > 0
    assert naver["transfer"]["requests"] > 0
    # no config.json or tokenizer beside NAVER's stand-in: "not available", and the weight audit went on
    assert naver["cheap"]["config"] is None
    assert naver["cheap"]["config_unavailable"]
    assert naver["cheap"]["tokenizer"] is None
    assert naver["cheap"]["tokenizer_unavailable"]
    upstage = _read("upstage-solar-open-vs-glm-4-5-air")
    assert upstage["cheap"]["config"] is not None, upstage["cheap"]
    assert upstage["cheap"]["tokenizer"] is None
    assert upstage["verdict"] == "independent"

    skt = _read(SKT)  # an independent MoE against the FP8 block-scaled reference
    assert skt["verdict"] == "independent", skt["summary"]
    assert skt["expert_matches"], "the MoE audit records which expert each sampled one matched"
    assert {f["name"] for f in skt["files"]["reference"]} == {"model.safetensors"}

    nc = _read(NC)  # the unconfirmed id: the first spelling does not resolve, the second does
    assert nc["candidate"]["repo"] == VAETKI_SERVED
    assert [t["repo"] for t in nc["candidate"]["tried"]] == [VAETKI_MISSING]
    assert "no such repository" in nc["candidate"]["tried"][0]["error"]

    checked = CliRunner().invoke(check_command, ["--data", str(DATA)])
    assert checked.exit_code == 0, checked.output
    problems = Problems()
    valid = check_evidence(DATA, configured(read_round(DATA).round), problems)
    assert not problems.errors
    assert sorted(valid) == sorted(listed)
    summary = valid[NAVER].result  # what the pages show, read back from the file
    assert summary.component("vision_tower").verdict == components["vision_tower"]
    assert summary.component("vision_tower").share_identical > 0.9


def test_a_rerun_for_the_same_commits_changes_nothing_and_fetches_nothing(
    hub: HubServer, workdir: Path
) -> None:
    assert _evidence("--only", NAVER).exit_code == 0
    before = (EVIDENCE / f"{NAVER}.json").read_bytes()
    requests = hub.log.requests
    again = _evidence("--only", NAVER)
    assert again.exit_code == 0, again.output
    assert "unchanged" in again.output
    assert (EVIDENCE / f"{NAVER}.json").read_bytes() == before
    assert hub.log.requests == requests, "no weight byte is read again"

    older = json.loads(before)
    older["engine"]["version"] = "0.0.1"  # the same commits audited by another engine version: run again
    (EVIDENCE / f"{NAVER}.json").write_text(json.dumps(older), encoding="utf-8")
    assert _evidence("--only", NAVER).exit_code == 0
    assert hub.log.requests > requests
    assert _read(NAVER)["engine"]["version"] != "0.0.1"


def test_the_same_inputs_give_the_same_file_apart_from_date_and_time(
    hub: HubServer, workdir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert _evidence("--only", SKT).exit_code == 0
    first = _read(SKT)
    (EVIDENCE / f"{SKT}.json").unlink()
    assert _evidence("--only", SKT).exit_code == 0
    second = _read(SKT)
    for document in (first, second):
        del document["date"], document["seconds"]
    assert first == second


def test_a_newer_commit_is_a_new_audit_not_an_overwrite(hub: HubServer, workdir: Path) -> None:
    assert _evidence("--only", NAVER).exit_code == 0
    before = (EVIDENCE / f"{NAVER}.json").read_bytes()
    hub.commits["Qwen/Qwen2.5-VL-32B-Instruct"] = "f" * 40  # the reference's main moved on
    result = _evidence("--only", NAVER)
    assert result.exit_code == 0, result.output
    assert "newer commits" in result.output
    assert "new audit" in result.output
    assert (EVIDENCE / f"{NAVER}.json").read_bytes() == before


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("missing", "no such repository"),
        ("gated", "gated"),
        ("broken", "model.safetensors"),
        ("network", "Connection refused"),
    ],
)
def test_a_failed_audit_leaves_no_file_and_says_why(
    hub: HubServer, workdir: Path, monkeypatch: pytest.MonkeyPatch, fault: str, message: str
) -> None:
    repo = "naver-hyperclovax/HyperCLOVAX-SEED-Think-32B"
    if fault == "missing":
        del hub.repos[repo]
    elif fault == "gated":
        hub.faults.gated_token = "hf_secret"
    elif fault == "broken":
        hub.repos[repo] = {"model.safetensors": b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header}"}
    else:
        monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there: tried, then given up
        monkeypatch.setattr(remote_transport, "BACKOFF_S", 0.001)
    result = _evidence("--only", NAVER)
    assert result.exit_code == 2
    assert message in result.output
    assert "no file written" in result.output
    assert "Traceback" not in result.output
    assert not EVIDENCE.exists() or not list(EVIDENCE.iterdir())


def _check_problems(workdir: Path) -> list[str]:
    with pytest.raises(DataError) as raised:
        read_round(workdir / DATA)
    return [p.message for p in raised.value.problems]


def test_check_rejects_evidence_that_does_not_match_its_configuration(hub: HubServer, workdir: Path) -> None:
    assert _evidence("--only", NAVER).exit_code == 0
    path = EVIDENCE / f"{NAVER}.json"
    good = path.read_text(encoding="utf-8")
    document = json.loads(good)
    document["candidate"]["repo"] = "someone/Else"
    document["reason"]["kind"] = "screen"
    path.write_text(json.dumps(document), encoding="utf-8")
    problems = _check_problems(workdir)
    assert any("'someone/Else' is not a configured spelling" in p for p in problems), problems
    assert any(p.startswith("reason ") for p in problems), problems

    shutil.move(path, EVIDENCE / "no-such-audit.json")
    document["audit"] = "no-such-audit"
    (EVIDENCE / "no-such-audit.json").write_text(json.dumps(document), encoding="utf-8")
    assert any("'no-such-audit' is not configured" in p for p in _check_problems(workdir))

    (EVIDENCE / "no-such-audit.json").write_text(
        '{"schema": "sovereign-ai-report/evidence/2"}', encoding="utf-8"
    )
    assert any("Field required" in p for p in _check_problems(workdir))


AUDIT = """
    - id: {id}
      candidate: {{repos: [{candidate}], seen_in: [a card]{confirmed}}}
      reference: {{repos: [{reference}], seen_in: [a card]}}
      reason: {reason}
      label: {{ko: 시험, en: test}}
"""
ALLEGATION_NOPE = "{kind: allegation, allegation: nope, sources: [yonhap-0106], note: {ko: 가, en: a}}"
SCREEN = "{kind: screen, basis: other_team, note: {ko: 선별, en: screen}}"


def _configure(workdir: Path, team: str, *audits: str) -> None:
    path = workdir / DATA / "audits.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"- team: {team}\n")
    end = text.find("\n- team: ", start + 1)
    end = len(text) if end < 0 else end + 1
    block = text[start:end]
    block = block[: block.index("  hub_audits:")] if "  hub_audits:" in block else block
    path.write_text(
        text[:start] + block.rstrip("\n") + "\n  hub_audits:" + "".join(audits) + text[end:], encoding="utf-8"
    )


def _audit(
    id_: str, reference: str, *, reason: str = SCREEN, candidate: str = "a/b", confirmed: str = ""
) -> str:
    return AUDIT.format(id=id_, candidate=candidate, reference=reference, reason=reason, confirmed=confirmed)


@pytest.mark.parametrize(
    ("audits", "expected"),
    [
        ((_audit("x-1", "c/d"),), "audited against 1 reference(s); at least two"),
        (
            (
                _audit(
                    "x-1",
                    "c/d",
                    reason=ALLEGATION_NOPE,
                ),
                _audit("x-2", "e/f"),
            ),
            "names allegation 'nope'",
        ),
        (
            (_audit("x-1", "c/d", reason="{kind: allegation, note: {ko: 가, en: a}}"), _audit("x-2", "e/f")),
            "an allegation reason",
        ),
        ((_audit("x-1", "c/d", candidate="a/b, a/c"), _audit("x-2", "e/f")), "confirmed: false"),
        ((_audit("x-1", "a/b"), _audit("x-2", "e/f")), "compares a repository with itself"),
        ((_audit("x-1", "c/d"), _audit("x-1", "e/f")), "duplicate id 'x-1'"),
    ],
)
def test_a_configured_audit_carries_its_reason_and_two_references(
    workdir: Path, audits: tuple[str, ...], expected: str
) -> None:
    _configure(workdir, "nc-ai", *audits)
    assert any(expected in p for p in _check_problems(workdir)), _check_problems(workdir)


# ---- the published analyses, recomputed beside ours (issue 10 §5) ------------------------------------------


def _figures(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["figure"]: f for f in document["replication"]["figures"]}


def test_the_published_figures_are_recomputed_on_the_same_tensors(hub: HubServer, workdir: Path) -> None:
    result = _evidence("--only", NAVER, "--only", UPSTAGE)
    assert result.exit_code == 0, result.output

    naver = _read(NAVER)  # a copied vision tower: every tensor clears the published lower bounds
    figures = _figures(naver)
    assert list(figures) == ["koreatimes-vision-cosine", "koreatimes-vision-pearson"]
    cosine, pearson = figures["koreatimes-vision-cosine"], figures["koreatimes-vision-pearson"]
    assert cosine["published"] == {
        "statistic": "raw_cosine",
        "value": 0.995,
        "qualifier": "above",
        "sources": ["koreatimes-0107"],
    }
    assert cosine["statistic"] == "tensor_cosine"
    assert pearson["published"]["value"] == 0.989
    for figure in (cosine, pearson):
        assert figure["ours"]["low"] >= figure["published"]["value"], figure
        assert figure["ours"]["value"] == figure["ours"]["mean"]
        assert figure["comparison"]["result"] == "reproduces", figure
        assert "every tensor of ours" in figure["comparison"]["reason"]
    vision = naver["replication"]["measured"]["vision"]
    assert vision["components"] == ["vision_tower"]
    vision_tensors = next(c for c in naver["result"]["components"] if c["name"] == "vision_tower")["tensors"]
    assert len(vision["pairs"]) == vision_tensors, "every pair the audit matched in the vision encoder"
    assert all(p["candidate"].startswith("vision_tower.") for p in vision["pairs"])
    assert {p["role"] for p in vision["pairs"]} >= {"norm.attn.weight", "attn.q.weight", "mlp.up.weight"}
    defined = [p for p in vision["pairs"] if p["pearson"] is not None]
    assert min(p["pearson"] for p in defined) > 0.99  # gain vectors included: they spread around 1
    undefined = [p for p in vision["pairs"] if p["pearson"] is None]  # constant tensors: the zero biases
    assert all(p["role"].endswith(".bias") for p in undefined), undefined
    assert pearson["ours"]["count"] == len(defined)
    assert pearson["ours"]["low_at"] in {p["candidate"] for p in defined}, "where the smallest is"
    assert "norm_gains" not in naver["replication"]["measured"], "only what the linked figures need"

    upstage = _read(UPSTAGE)  # independent gains near 1: the accuser's cosine, the rebuttal's Pearson
    gains = upstage["replication"]["measured"]["norm_gains"]
    assert gains["stacks"] == {"candidate": "model.layers", "reference": "model.layers"}
    assert gains["layers"] == {"candidate": 3, "reference": 4}
    assert "relative depth" in gains["matching"]
    assert sorted({tuple(p["layers"]) for p in gains["pairs"]}) == [(0, 0), (1, 2), (2, 3)]
    assert {p["role"] for p in gains["pairs"]} == {"norm.attn.weight", "norm.mlp.weight"}
    figures = _figures(upstage)
    raw = figures["sionic-layernorm-cosine"]["ours"]
    assert raw["low"] > 0.98, raw  # high for independent gains...
    assert figures["sionic-layernorm-cosine"]["comparison"]["result"] == "not_comparable"
    assert "does not say which layers" in figures["sionic-layernorm-cosine"]["comparison"]["reason"]
    centred = figures["cho-matched-layer-pearson-mean"]["ours"]
    assert abs(centred["mean"]) < 0.25, centred  # ...while the Pearson correlation is near 0
    assert abs(gains["control"]["pearson"]) < 0.25, gains["control"]
    assert gains["control"]["cosine"] > 0.98
    assert upstage["verdict"] == "independent"

    checked = CliRunner().invoke(check_command, ["--data", str(DATA)])
    assert checked.exit_code == 0, checked.output


def test_check_rejects_a_replication_that_does_not_follow_from_its_numbers(
    hub: HubServer, workdir: Path
) -> None:
    assert _evidence("--only", NAVER).exit_code == 0
    path = EVIDENCE / f"{NAVER}.json"
    good = json.loads(path.read_text(encoding="utf-8"))

    tampered = json.loads(json.dumps(good))
    tampered["replication"]["figures"][0]["comparison"]["result"] = "differs"
    tampered["replication"]["figures"][1]["published"]["value"] = 0.999
    path.write_text(json.dumps(tampered), encoding="utf-8")
    problems = _check_problems(workdir)
    assert any("'koreatimes-vision-cosine': comparison 'differs' does not follow" in p for p in problems)
    assert any(
        "'koreatimes-vision-pearson': published figure differs from audits.yaml" in p for p in problems
    )

    tampered = json.loads(json.dumps(good))
    tampered["replication"] = None
    path.write_text(json.dumps(tampered), encoding="utf-8")
    assert any("replication: missing" in p for p in _check_problems(workdir))
    assert any("delete it and run evidence again" in p for p in _check_problems(workdir))
    path.unlink()
    assert _evidence("--only", NAVER).exit_code == 0
    assert _read(NAVER)["replication"] == good["replication"], "the same inputs give the same section"


BAD_LINK = """
      replicates:
        - {figure: koreatimes-vision-cosine, statistic: tensor_cosine, over: unstated}
        - {figure: no-such-figure, statistic: tensor_cosine, over: mean}
        - {figure: koreatimes-vision-pearson, statistic: norm_gain_cosine, over: unstated}
"""


def test_a_link_to_an_unknown_figure_or_the_wrong_statistic_is_a_located_problem(workdir: Path) -> None:
    path = workdir / DATA / "audits.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"    - id: {NAVER}\n")
    block = text.index("      replicates:\n", start)
    end = text.index("\n    - id: ", block)
    path.write_text(text[:block] + BAD_LINK.lstrip("\n").rstrip("\n") + text[end:], encoding="utf-8")
    with pytest.raises(DataError) as raised:
        read_round(workdir / DATA)
    problems = [p for p in raised.value.problems if "replicates" in p.message]
    assert [p.file for p in problems] == ["audits.yaml", "audits.yaml"], raised.value.problems
    assert all("naver-cloud" in p.where for p in problems), problems
    messages = [p.message for p in problems]
    assert any(
        "replicates[1]: figure 'no-such-figure' is not one of allegation 'naver-qwen-encoder'" in m
        for m in messages
    )
    assert any("replicates[2]: figure 'koreatimes-vision-pearson' is a pearson figure" in m for m in messages)

    path.write_text(
        text.replace("statistic: tensor_cosine, over: unstated", "statistic: spearman, over: unstated")
    )
    with pytest.raises(DataError) as raised:
        read_round(workdir / DATA)
    assert any("statistic" in str(p) and "audits.yaml" in str(p) for p in raised.value.problems), (
        raised.value.problems
    )
