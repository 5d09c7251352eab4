"""One site of several rounds (issue 12 §7): each round under its frozen prefix, the latest round's home at
the site root, a round switcher where there are several, cross-round team pages, and round 1's first
addresses kept working by redirect pages. Rendered with the stored demo, as the golden files are."""

from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath

import pytest

from generator.audit.configured import run_configured
from generator.criteria import judge_independence
from generator.render import SiteSettings, render_site
from generator.render.site import RenderedRound, Site, compose, placements, redirect_page
from generator.rounds import Rounds, read_rounds
from generator.scoring import score_round
from tests.conftest import FICTIONAL, ROOT, ROUND_1
from tests.render.conftest import SITE_URL, fixture_demo

GOLDEN = ROOT / "tests" / "render" / "golden"
PROJECT_DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^()\s]+)\)")


def site_of(rounds: Rounds) -> Site:
    """Every round rendered under its prefix (stored demo, no weights variable) and put together."""
    where = placements([r.round.info for r in rounds.rounds], rounds.latest.round.info.id)
    rendered = []
    for read in rounds.rounds:
        scored = score_round(read.round)
        site = render_site(
            scored,
            judgement=judge_independence(read.round),
            narrative=read.validated.narrative,
            settings=SiteSettings(site_url=SITE_URL),
            demo=fixture_demo(),
            audits=run_configured(read.round, environ={}, base=read.folder),
            placement=where[read.round.info.id],
        )
        info = read.round.info
        rendered.append(
            RenderedRound(info=info, teams=read.round.teams, outcomes=read.round.outcomes, rendered=site)
        )
    return compose(rendered)


@pytest.fixture(scope="module")
def real() -> Site:
    """The real data folder: round 1 only."""
    return site_of(read_rounds(ROOT / "data"))


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Round 1 and the fictional round as a second round (tests only)."""
    data = tmp_path_factory.mktemp("two")
    shutil.copytree(ROUND_1, data / "round-1")
    shutil.copytree(FICTIONAL, data / "fictional-round")
    return site_of(read_rounds(data, allow_fictional=True))


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Round 1 and a later round with the same teams (a copy of round 1 under another id, whose advancing
    teams go on to phase 3)."""
    data = tmp_path_factory.mktemp("shared")
    shutil.copytree(ROUND_1, data / "round-1")
    later = Path(shutil.copytree(ROUND_1, data / "round-1b"))
    for name, old, new in (
        ("round.yaml", "id: round-1\n", "id: round-1b\n"),
        ("round.yaml", "announced: 2026-01-15\n", "announced: 2026-08-10\n"),
        ("narrative.yaml", "round: round-1\n", "round: round-1b\n"),
        ("round.yaml", "  ko: 2차\n  en: phase 2\n", "  ko: 3차\n  en: phase 3\n"),
    ):
        path = later / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    return site_of(read_rounds(data))


def unresolved_links(site: Site) -> list[str]:
    """Relative Markdown links of generated pages that point at nothing in the site or the project docs."""
    present = set(site.files)
    present |= {p.relative_to(PROJECT_DOCS / "pages").as_posix() for p in (PROJECT_DOCS / "pages").rglob("*")}
    present |= {p.relative_to(PROJECT_DOCS).as_posix() for p in (PROJECT_DOCS / "assets").rglob("*")}
    broken = []
    checked = 0
    for path, data in site.files.items():
        if not path.endswith(".md"):
            continue
        folder = PurePosixPath(path).parent
        for target in LINK.findall(data.decode("utf-8")):
            if "://" in target or target.startswith(("#", "mailto:")):
                continue
            resolved = _normalise(folder / target.split("#", 1)[0])
            checked += 1
            if resolved not in present:
                broken.append(f"{path}: {target}")
    assert checked > 1000, checked  # the pattern matched the pages' links
    return broken


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            assert parts, f"link above the docs root: {path}"
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def test_round_1_lives_under_its_prefix_with_its_markdown_unchanged_but_for_paths(real: Site) -> None:
    golden = {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8") for p in GOLDEN.rglob("*.md")}
    assert len(golden) > 30
    for path, text in golden.items():
        moved = real.files[f"round-1/{path}"].decode("utf-8")
        # Downloads and the hand-written pages stay at the site level: one folder further up from round-1/.
        moved = re.sub(r"\]\(((?:\.\./)*)\.\./(downloads/|about\.md|tags\.md)", r"](\1\2", moved)
        moved = moved.replace("card: assets/social/round-1-", "card: assets/social/")
        moved = moved.replace(f"{SITE_URL}round-1/", SITE_URL).replace(
            f"{SITE_URL}en/round-1/", f"{SITE_URL}en/"
        )
        assert moved == text, path
    assert any(p.startswith("downloads/round-1/") for p in real.files)
    assert not any(p.startswith("round-1/downloads/") for p in real.files)


def test_the_site_root_is_the_latest_rounds_home_linking_into_its_folder(real: Site) -> None:
    home = real.files["index.md"].decode("utf-8")
    assert "](round-1/teams/naver-cloud.md)" in home
    assert "](teams/" not in home
    assert "평가 차수" not in home  # one round: no switcher
    assert real.nav[0] == "index.md"
    title = "독자 AI 파운데이션 모델 프로젝트 1차 단계평가"
    assert list(real.nav[1]) == [title]
    assert real.nav[1][title][0] == "round-1/index.md"
    assert real.nav_titles == {title: "Sovereign AI Foundation Model project — phase-1 evaluation"}


@pytest.mark.parametrize("site_name", ["real", "two", "shared"])
def test_every_link_of_the_generated_pages_resolves(site_name: str, request: pytest.FixtureRequest) -> None:
    site: Site = request.getfixturevalue(site_name)
    assert unresolved_links(site) == []


def test_round_1_addresses_of_before_redirect_to_their_round_1_pages(real: Site) -> None:
    expected = {
        "results/": "round-1/results/",
        "teams/": "round-1/teams/",
        "teams/naver-cloud/": "round-1/teams/naver-cloud/",
        "en/results/": "en/round-1/results/",
        "en/teams/naver-cloud/": "en/round-1/teams/naver-cloud/",
        "changelog/": "round-1/changelog/",
    }
    assert {old: real.redirects[old] for old in expected} == expected
    # Every page of the round that was at the root before is either the home or redirected.
    old_urls = {_folder_url(p.relative_to(GOLDEN).as_posix()) for p in GOLDEN.rglob("*.md")}
    assert old_urls - set(real.redirects) == {"", "en/"}
    assert all(real.redirects[old] == _prefixed(old) for old in real.redirects)
    # Chart files offered for download keep their first address as well.
    assert (
        real.files["assets/charts/home-total-ko.png"] == real.files["round-1/assets/charts/home-total-ko.png"]
    )


def _folder_url(path: str) -> str:
    lang, stem = ("en/", path.removesuffix(".en.md")) if path.endswith(".en.md") else ("", path[:-3])
    stem = "" if stem == "index" else stem.removesuffix("/index") + "/"
    return lang + stem


def _prefixed(old: str) -> str:
    return f"en/round-1/{old.removeprefix('en/')}" if old.startswith("en/") else f"round-1/{old}"


def test_a_redirect_page_refreshes_to_the_new_address_and_names_it_canonical() -> None:
    page = redirect_page("en/teams/naver-cloud/", "en/round-1/teams/naver-cloud/", site_url=SITE_URL).decode()
    assert '<html lang="en">' in page
    assert '<meta http-equiv="refresh" content="0; url=../../../en/round-1/teams/naver-cloud/">' in page
    assert f'<link rel="canonical" href="{SITE_URL}en/round-1/teams/naver-cloud/">' in page


def test_two_rounds_each_under_its_prefix_with_a_switcher(two: Site) -> None:
    assert "demo-round/teams/aurora.md" in two.files
    assert "round-1/teams/naver-cloud.md" in two.files
    round_1 = two.files["round-1/teams/naver-cloud.md"].decode("utf-8")
    switcher = next(line for line in round_1.splitlines() if line.startswith("평가 차수: "))
    assert switcher == (
        "평가 차수: **독자 AI 파운데이션 모델 프로젝트 1차 단계평가** · "
        "[가상 라운드 (시험용 가상 데이터)](../../demo-round/index.md)"
    )
    english = two.files["demo-round/results.en.md"].decode("utf-8")
    assert (
        "Rounds: [Sovereign AI Foundation Model project — phase-1 evaluation](../round-1/index.md) · "
        in english
    )
    # The home is the latest round with published figures (the fictional one is dated 2030).
    assert "](demo-round/teams/aurora.md)" in two.files["index.md"].decode("utf-8")
    assert [next(iter(entry)) for entry in two.nav[1:3]] == [
        "가상 라운드 (시험용 가상 데이터)",
        "독자 AI 파운데이션 모델 프로젝트 1차 단계평가",
    ]
    # The fictional round's own pages still say so.
    assert '!!! warning "가상 데이터"' in two.files["demo-round/index.md"].decode("utf-8")
    assert "!!! warning" not in round_1.split("## ", 1)[0]


def test_a_team_in_several_rounds_gets_one_page_linking_each(shared: Site) -> None:
    page = shared.files["teams/naver-cloud.md"].decode("utf-8")
    rows = [line for line in page.splitlines() if line.startswith("- ")]
    title = "독자 AI 파운데이션 모델 프로젝트 1차 단계평가"
    assert rows == [
        f"- [{title}](../round-1/teams/naver-cloud.md): 탈락 (독자성 요건)",
        f"- [{title}](../round-1b/teams/naver-cloud.md): 탈락 (독자성 요건)",
    ]
    assert "teams/naver-cloud.en.md" in shared.files
    assert "teams/naver-cloud/" not in shared.redirects  # the page itself answers there
    assert shared.redirects["results/"] == "round-1/results/"
    assert {"팀": [f"teams/{t.removesuffix('.md')}.md" for t in _team_files(shared)]} in shared.nav


def test_each_round_names_the_stage_its_own_advancing_teams_go_on_to(shared: Site) -> None:
    """Round 1's teams advanced to phase 2, the later round's to phase 3: badges, tags, findings and the
    home say so per round, and the cross-round team page gives each round its own words."""
    for prefix, ko, en in (("round-1", "2차", "phase 2"), ("round-1b", "3차", "phase 3")):
        other = "3차" if ko == "2차" else "2차"
        korean = shared.files[f"{prefix}/teams/lg-ai-research.md"].decode("utf-8")
        english = shared.files[f"{prefix}/teams/lg-ai-research.en.md"].decode("utf-8")
        assert f"tags:\n- {ko} 진출\n" in korean
        assert f"tags:\n- Advanced to {en}\n" in english
        assert f'<span class="outcome outcome-advanced">{ko} 진출</span>' in korean
        assert f'<span class="outcome outcome-advanced">Advanced to {en}</span>' in english
        assert f'finding-no-finding">지적 없음 ({ko} 진출)</span>' in korean
        assert f'finding-no-finding">no finding reported (advanced to {en})</span>' in english
        assert f"팀은 {ko} 단계에 진출했고" in korean
        for page in (korean, shared.files[f"{prefix}/teams/index.md"].decode("utf-8")):
            assert f"{other} 진출" not in page
            assert f"{other}에 진출한 팀" not in page
        home = shared.files[f"{prefix}/index.md"].decode("utf-8")
        assert f"- **{ko} 진출 — LG AI연구원, 업스테이지, SK텔레콤.**" in home
        assert f"advanced to {en}; NAVER Cloud" in shared.files[f"{prefix}/index.en.md"].decode("utf-8")
    title = "독자 AI 파운데이션 모델 프로젝트 1차 단계평가"
    for lang, suffix, first, later in (
        ("ko", ".md", "2차 진출", "3차 진출"),
        ("en", ".en.md", "Advanced to phase 2", "Advanced to phase 3"),
    ):
        page = shared.files[f"teams/lg-ai-research{suffix}"].decode("utf-8")
        rows = [line.split("): ", 1)[1] for line in page.splitlines() if line.startswith("- [")]
        assert rows == [first, later], (lang, rows)
    assert f"- [{title}](../round-1b/teams/lg-ai-research.md): 3차 진출" in shared.files[
        "teams/lg-ai-research.md"
    ].decode("utf-8")


def _team_files(site: Site) -> list[str]:
    return sorted(PurePosixPath(p).name for p in site.files if re.fullmatch(r"teams/[a-z-]+\.md", p))


PENDING = ROOT / "tests" / "fixtures" / "pending-round"


@pytest.fixture(scope="module")
def pending(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Round 1 and a later round whose results are not announced (teams and rubric only; tests only)."""
    data = tmp_path_factory.mktemp("pending")
    shutil.copytree(ROUND_1, data / "round-1")
    shutil.copytree(PENDING, data / "pending-round")
    return site_of(read_rounds(data, allow_fictional=True))


def test_a_round_without_results_says_not_yet_announced_and_guesses_nothing(pending: Site) -> None:
    pages = sorted(p for p in pending.files if p.startswith("pending-round/") and p.endswith(".md"))
    assert pages == sorted(
        f"pending-round/{stem}{suffix}"
        for stem in ("index", "teams/index", "teams/aurora", "teams/etesian", "timeline", "sources")
        for suffix in (".md", ".en.md")
    )
    for path in pages:
        text = pending.files[path].decode("utf-8")
        english = path.endswith(".en.md")
        assert ('!!! info "Results not announced yet"' if english else '!!! info "결과 발표 전"') in text, (
            path
        )
        for word in (
            ("비공개", "진출", "탈락", "not disclosed", "Advanced", "Out (")
            if english
            else ("비공개", "진출", "탈락")
        ):
            assert word not in text, (path, word)
    home = pending.files["pending-round/index.md"].decode("utf-8")
    assert "- 총점: 100점\n    - 벤치마크 평가: 60점\n    - 전문가 평가: 40점\n" in home
    assert "- [에테시안 (가상)](teams/etesian.md)" in home
    assert not any(p.startswith("downloads/pending-round/") for p in pending.files)
    # The site's home stays the latest round with published figures.
    assert "](round-1/teams/naver-cloud.md)" in pending.files["index.md"].decode("utf-8")
    assert unresolved_links(pending) == []
