"""Rendered sites shared by the render tests (rendered once per session), and the golden-file switch.

Refresh the golden files with ``UPDATE_GOLDEN=1 pytest tests/render`` (or ``pytest
--update-golden``), then review the diff with ``git diff tests/render/golden``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from generator.audit.configured import run_configured
from generator.audit.demo import Demo, from_json
from generator.criteria import judge_independence
from generator.evidence import EvidenceFileIn, check_evidence, configured
from generator.load import Problems
from generator.model import Narrative
from generator.render import RenderedSite, SiteSettings, render_site
from generator.scoring import score_round
from generator.scoring.types import ScoredRound
from generator.validate import read_round
from tests.conftest import FICTIONAL, ROUND_1

SITE_URL = "https://example.org/report/"
EVIDENCE_FIXTURES = Path(__file__).parent
"""Holds ``evidence/*.json``: two evidence files written by the real ``evidence`` command against the local
Hub's stand-ins (``python -m tests.render.make_evidence``), read as ``check`` reads a round's."""
DEMO_FIXTURE = Path(__file__).parent / "demo.json"
"""A method demo computed once by ``generator.audit.demo.run_demo`` (default seed) and kept, so that the
golden files do not depend on this machine's floating point; tests/demo checks the live computation."""


def fixture_demo() -> Demo:
    """The stored method demo."""
    return from_json(DEMO_FIXTURE.read_bytes())


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the golden files should be rewritten instead of compared."""
    return bool(request.config.getoption("--update-golden", default=False)) or os.environ.get(
        "UPDATE_GOLDEN", ""
    ) not in ("", "0")


def narrative_of(data_dir: Path, scored: ScoredRound) -> Narrative:
    """The narrative that ``read_round`` validated with the round (``scored``: that round, scored)."""
    validated = read_round(data_dir)
    assert validated.round == scored.round
    return validated.narrative


def render(data_dir: Path) -> tuple[ScoredRound, RenderedSite]:
    """A round rendered as the build renders it, with the stored demo and no weights variable set."""
    scored = score_round(read_round(data_dir).round)
    site = render_site(
        scored,
        judgement=judge_independence(scored.round),
        narrative=narrative_of(data_dir, scored),
        settings=SiteSettings(site_url=SITE_URL),
        demo=fixture_demo(),
        audits=run_configured(scored.round, environ={}, base=data_dir),
    )
    return scored, site


def fixture_evidence(scored: ScoredRound) -> dict[str, EvidenceFileIn]:
    """The stored evidence files, validated by ``check`` against round 1's configured audits."""
    problems = Problems()
    valid = check_evidence(EVIDENCE_FIXTURES, configured(scored.round), problems)
    assert not problems.errors, [str(e) for e in problems.errors]
    assert len(valid) == len(list((EVIDENCE_FIXTURES / "evidence").glob("*.json"))) == 2
    return valid


def round_1_with(scored: ScoredRound, **inputs: Any) -> RenderedSite:
    """Round 1 rendered again with other demo, audits or sections (``render_site``'s keyword arguments)."""
    if "judgement" not in inputs:
        inputs["judgement"] = judge_independence(scored.round)
    return render_site(
        scored, narrative=narrative_of(ROUND_1, scored), settings=SiteSettings(site_url=SITE_URL), **inputs
    )


@pytest.fixture(scope="session")
def round1() -> tuple[ScoredRound, RenderedSite]:
    """Round 1, scored and rendered."""
    return render(ROUND_1)


@pytest.fixture(scope="session")
def round1_evidence(round1: tuple[ScoredRound, RenderedSite]) -> tuple[ScoredRound, RenderedSite]:
    """Round 1 rendered as the build renders it, with the stored evidence files."""
    scored, _ = round1
    site = round_1_with(
        scored,
        demo=fixture_demo(),
        audits=run_configured(scored.round, environ={}, base=ROUND_1),
        evidence=fixture_evidence(scored),
    )
    return scored, site


@pytest.fixture(scope="session")
def round1_evidence_site(round1_evidence: tuple[ScoredRound, RenderedSite]) -> RenderedSite:
    return round1_evidence[1]


@pytest.fixture(scope="session")
def round1_site(round1: tuple[ScoredRound, RenderedSite]) -> RenderedSite:
    return round1[1]


@pytest.fixture(scope="session")
def fictional_site() -> RenderedSite:
    """The fictional demo round (no narrative, no independence records), rendered."""
    return render(FICTIONAL)[1]
