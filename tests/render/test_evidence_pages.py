"""The Hub audits' evidence on the pages (issue 10 §4, §5), from two evidence files the real ``evidence``
command wrote against the local Hub's stand-ins (``tests/render/evidence``, validated by ``check``).

On the team page: how strong the evidence is in words, the cheap signals with the sentence that they are not
proof, the commits read as Hub links, the date and bytes, the evidence file (published among the downloads
with its checksum) and what the audit cannot see. On the audits page: every verdict in one grid, "not run
yet" where no evidence exists. On the method page: each published figure beside ours and the verdict.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from pathlib import Path

import pytest

from generator.audit.configured import ComponentResult
from generator.evidence import EvidenceFileIn
from generator.model import HubAudit
from generator.render import RenderedSite
from generator.render.charts import plain
from generator.render.evidence_views import FIGURE_DECIMALS, strength
from generator.render.formats import component_name, number, si_size
from generator.render.labels import CANNOT_SEE, CHEAP, LANGS, Lang
from generator.scoring.types import ScoredRound
from tests.render.conftest import EVIDENCE_FIXTURES, fixture_evidence
from tests.render.test_truth import text

GOLDEN = Path(__file__).parent / "golden-evidence"
GOLDEN_PAGES = (
    "teams/naver-cloud.md",
    "teams/naver-cloud.en.md",
    "teams/upstage.md",
    "teams/upstage.en.md",
    "audits.md",
    "audits.en.md",
    "method.md",
    "method.en.md",
)
NAVER = "naver-hcx-think-32b-vs-qwen2-5-vl-32b"
UPSTAGE = "upstage-solar-open-vs-glm-4-5-air"
NOT_RUN: dict[Lang, str] = {"ko": "아직 실행 안 함", "en": "not run yet"}
SUFFIX: dict[Lang, str] = {"ko": ".md", "en": ".en.md"}


def audits(scored: ScoredRound) -> list[HubAudit]:
    return [a for r in scored.round.independence.records.values() for a in r.hub_audits]


def section(page: str, start: str) -> str:
    """From the heading with anchor ``start`` to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) .*\{{ #{re.escape(start)} \}}$", page, re.M)
    assert match is not None, start
    rest = page[match.end() :]
    end = re.search(rf"^#{{1,{len(match.group(1))}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def test_golden_pages_with_evidence(
    round1_evidence: tuple[ScoredRound, RenderedSite], update_golden: bool
) -> None:
    _, site = round1_evidence
    if update_golden:
        for path in GOLDEN_PAGES:
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_bytes(site.files[path])
        pytest.skip("golden files rewritten; review them with git diff")
    changed = [p for p in GOLDEN_PAGES if (GOLDEN / p).read_bytes() != site.files[p]]
    assert not changed, (
        f"output differs from tests/render/golden-evidence (refresh with UPDATE_GOLDEN=1): {changed}"
    )


# ---- the team page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_team_page_explains_each_audit_with_evidence(
    round1_evidence: tuple[ScoredRound, RenderedSite], lang: Lang
) -> None:
    scored, site = round1_evidence
    stored = fixture_evidence(scored)
    for audit_id, evidence in stored.items():
        page = text(site, f"teams/{evidence.team}{SUFFIX[lang]}")
        detail = section(page, f"hub-audit-{audit_id}")
        for component in evidence.result.components:
            name = component_name(component.name, lang)
            assert re.search(rf"^- {re.escape(name)}: .* — ", detail, re.M), component.name
        assert detail.count("(p)" if lang == "en" else "확률(p)") == sum(
            1
            for c in evidence.result.components
            if strength(c, evidence.result.alpha) not in {"identical", "untested"}
        )
        assert CHEAP["not_evidence"].get(lang) in detail
        for resolved in (evidence.candidate, evidence.reference):
            assert f"(https://huggingface.co/{resolved.repo}/tree/{resolved.revision})" in detail
        fetched = evidence.transfer["fetched"]
        assert (si_size(fetched) or f"{fetched:,}") in detail
        listed = sum(f.size for side in evidence.files.values() for f in side)
        only_parts = "필요한 부분만 읽음" if lang == "ko" else "only the parts needed"
        # the stand-ins are tiny: the audit fetched more than they hold, so the page does not say "parts"
        assert evidence.transfer["fetched"] > listed
        assert only_parts not in detail
        assert str(evidence.date.year) in detail
        assert f"(../downloads/round-1/evidence/{audit_id}.json)" in detail
    upstage = section(text(site, f"teams/upstage{SUFFIX[lang]}"), f"hub-audit-{UPSTAGE}")
    config = stored[UPSTAGE].cheap
    assert config is not None
    assert config["config"]["family_match"] is False
    assert "`solar_open` ↔ `glm4_moe`" in upstage
    assert "`num_hidden_layers` 3 ↔ 4" in upstage
    assert CHEAP["tokenizer_unavailable"].get(lang) in upstage


def test_the_evidence_file_is_published_as_committed_with_its_checksum(
    round1_evidence: tuple[ScoredRound, RenderedSite],
) -> None:
    _, site = round1_evidence
    sums = site.files["downloads/round-1/SHA256SUMS"].decode()
    data = text(site, "data.en.md")
    for path in sorted((EVIDENCE_FIXTURES / "evidence").glob("*.json")):
        published = site.files[f"downloads/round-1/evidence/{path.name}"]
        assert published == path.read_bytes()
        digest = hashlib.sha256(published).hexdigest()
        assert f"{digest}  evidence/{path.name}\n" in sums
        assert digest in data
    package = json.loads(site.files["downloads/round-1/datapackage.json"])
    paths = [r["path"] for r in package["resources"]]
    assert paths[3:] == [
        f"evidence/{p.name}" for p in sorted((EVIDENCE_FIXTURES / "evidence").glob("*.json"))
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_every_team_page_says_what_the_audit_cannot_see(round1_site: RenderedSite, lang: Lang) -> None:
    for path in round1_site.pages:
        if (
            path.startswith("teams/")
            and "index" not in path
            and path.endswith(SUFFIX[lang])
            and (lang == "en" or not path.endswith(".en.md"))
        ):
            audits_part = section(text(round1_site, path), "engine-audits")
            for item in CANNOT_SEE:
                assert f"- {item.get(lang)}" in audits_part, path


def test_strength_bands_follow_the_p_value_and_the_threshold() -> None:
    def component(verdict: str, log10_p: float | None) -> ComponentResult:
        return ComponentResult(
            name="x",
            verdict=verdict,  # type: ignore[arg-type]
            parameters=1,
            share_compared=1.0,
            share_identical=1.0 if verdict == "identical" else 0.0,
            log10_p=log10_p,
            p_permutation=None,
            permutations=None,
            matrix_centred=None,
            tensors=1,
            disguises=(),
            summary="",
            gains=(),
            heatmaps=(),
        )

    alpha = 1e-6
    assert strength(component("identical", -300.0), alpha) == "identical"
    assert strength(component("derived", math.log10(alpha)), alpha) == "strong"
    assert strength(component("derived", -6.5), alpha) == "strong"
    assert strength(component("independent", -5.9), alpha) == "weak"
    assert strength(component("independent", -2.0), alpha) == "weak"
    assert strength(component("independent", -1.99), alpha) == "none"
    assert strength(component("independent", 0.0), alpha) == "none"
    assert strength(component("inconclusive", None), alpha) == "untested"


# ---- no verdict without evidence --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["round1", "round1_evidence"])
def test_no_page_says_a_verdict_for_an_audit_without_evidence(
    which: str, request: pytest.FixtureRequest
) -> None:
    scored, site = request.getfixturevalue(which)
    stored = fixture_evidence(scored) if which == "round1_evidence" else {}
    for lang in LANGS:
        for audit in audits(scored):
            team = text(site, f"teams/{audit.team}{SUFFIX[lang]}")
            row = re.search(rf'<tr id="audit-{audit.id}" markdown>(.*?)</tr>', team)
            assert row is not None
            assert ("verdict-" in row.group(1)) == (audit.id in stored), audit.id
            assert (NOT_RUN[lang] in row.group(1)) == (audit.id not in stored), audit.id
            assert (f"{{ #hub-audit-{audit.id} }}" in team) == (audit.id in stored)
        grid = list(csv.reader(io.StringIO(site.files[f"assets/charts/audits-verdicts-{lang}.csv"].decode())))
        labelled = {a.id: f"{a.label.get(lang)}" for a in audits(scored)}
        for audit in audits(scored):
            cells = [r for r in grid[1:] if r[1] == labelled[audit.id]]
            assert cells, audit.id
            if audit.id in stored:
                components = {c.name: c.verdict for c in stored[audit.id].result.components}
                assert sorted(r[2] for r in cells) == sorted(
                    plain(component_name(c, lang)) for c in components
                )
                assert all(r[3] != NOT_RUN[lang] for r in cells)
            else:
                assert cells == [[cells[0][0], labelled[audit.id], "—", NOT_RUN[lang]]], cells


@pytest.mark.parametrize("lang", LANGS)
def test_the_audits_page_shows_the_verdict_grid(
    round1_evidence: tuple[ScoredRound, RenderedSite], lang: Lang
) -> None:
    scored, site = round1_evidence
    page = text(site, f"audits{SUFFIX[lang]}")
    grid = section(page, "grid")
    assert 'id="spec-audits-verdicts"' in grid
    for ext in ("svg", "png", "csv"):
        assert f"assets/charts/audits-verdicts-{lang}.{ext}" in site.files
    svg = site.files[f"assets/charts/audits-verdicts-{lang}.svg"].decode()
    assert NOT_RUN[lang] in svg, "the not-run cells are labelled in the static chart too"
    rows = re.findall(r"<tr markdown>(.*?)</tr>", grid)
    stored = fixture_evidence(scored)
    expected = sum(len(e.result.components) for e in stored.values()) + len(audits(scored)) - len(stored)
    assert len(rows) == expected == 13


# ---- the published figures beside ours -------------------------------------------------------------------


def replication_rows(page: str, audit_id: str) -> tuple[str, list[list[str]]]:
    part = section(page, f"replication-{audit_id}")
    table = part[part.index('<table class="replication"') : part.index("</table>")]
    found = [
        re.findall(r'markdown="span">(.*?)</td>', r) for r in re.findall(r"<tr markdown>(.*?)</tr>", table)
    ]
    assert found, audit_id
    return part, found


@pytest.mark.parametrize("lang", LANGS)
def test_every_number_on_the_replication_table_has_its_source(
    round1_evidence: tuple[ScoredRound, RenderedSite], lang: Lang
) -> None:
    scored, site = round1_evidence
    page = text(site, f"method{SUFFIX[lang]}")
    stored = fixture_evidence(scored)
    for audit in (a for a in audits(scored) if a.replicates):
        evidence = stored[audit.id]
        assert evidence.replication is not None
        part, rows = replication_rows(page, audit.id)
        assert f"(downloads/round-1/evidence/{audit.id}.json)" in part, "ours: the evidence file"
        for replication, figure, (published, ours, result, verdict) in zip(
            audit.replicates, evidence.replication.figures, rows, strict=True
        ):
            assert replication.figure.value is not None
            assert number(replication.figure.value, 6) in published
            for source in replication.figure.sources:
                assert f"(sources.md#src-{source})" in published
            assert figure.ours is not None
            for value in (figure.ours.value, figure.ours.low, figure.ours.high):
                assert value is not None
                assert number(value, FIGURE_DECIMALS) in ours
            assert str(figure.ours.count) in ours
            assert result.startswith(
                {"reproduces": ("재현됨", "reproduces"), "differs": ("다름", "differs")}.get(
                    figure.comparison.result, ("비교할 수 없음:", "not comparable:")
                )[LANGS.index(lang)]
            )
            assert "verdict-" in verdict
    upstage = section(page, f"replication-{UPSTAGE}")
    gains = stored[UPSTAGE].replication.measured["norm_gains"]  # type: ignore[union-attr]
    assert gains.matching is not None
    assert gains.matching in upstage
    assert gains.layers == {"candidate": 3, "reference": 4}
    assert gains.control is not None
    assert gains.control["pearson"] is not None
    assert number(gains.control["pearson"], FIGURE_DECIMALS) in upstage
    assert ("결코 증거가 아닙니다" if lang == "ko" else "is never evidence on its own") in upstage
    naver = section(page, f"replication-{NAVER}")
    vision = stored[NAVER].replication.measured["vision"]  # type: ignore[union-attr]
    assert (
        "어느 텐서로 계산했는지 밝히지 않았습니다" if lang == "ko" else "does not say which tensors"
    ) in naver
    assert f"{len(vision.pairs)}" in naver


@pytest.mark.parametrize("lang", LANGS)
def test_without_evidence_the_method_page_shows_the_published_figures_and_not_run_yet(
    round1: tuple[ScoredRound, RenderedSite], lang: Lang
) -> None:
    scored, site = round1
    page = text(site, f"method{SUFFIX[lang]}")
    linked = [a for a in audits(scored) if a.replicates]
    assert {a.id for a in linked} == {NAVER, UPSTAGE}
    for audit in linked:
        part, rows = replication_rows(page, audit.id)
        assert "downloads/round-1/evidence/" not in part
        assert len(rows) == len(audit.replicates)
        for replication, (published, ours, result, verdict) in zip(audit.replicates, rows, strict=True):
            assert replication.figure.value is not None
            assert number(replication.figure.value, 6) in published
            assert all(f"(sources.md#src-{s})" in published for s in replication.figure.sources)
            assert ours == (
                "우리 재계산은 아직 실행되지 않았습니다"
                if lang == "ko"
                else "our recomputation has not run yet"
            )
            assert result == verdict == NOT_RUN[lang]


def test_the_stored_evidence_is_the_commands_output_for_the_configured_audits(
    round1: tuple[ScoredRound, RenderedSite],
) -> None:
    scored, _ = round1
    stored = fixture_evidence(scored)
    assert sorted(stored) == sorted([NAVER, UPSTAGE])
    for evidence in stored.values():
        assert isinstance(evidence, EvidenceFileIn)
        assert evidence.command.startswith(
            f"python -m generator evidence --data data/round-1 --only {evidence.audit}"
        )


@pytest.mark.parametrize("lang", LANGS)
def test_a_round_that_links_no_published_figure_has_no_replication_section(
    fictional_site: RenderedSite, round1_site: RenderedSite, lang: Lang
) -> None:
    assert "{ #replication }" not in text(fictional_site, f"method{SUFFIX[lang]}")
    assert "{ #replication }" in text(round1_site, f"method{SUFFIX[lang]}")
