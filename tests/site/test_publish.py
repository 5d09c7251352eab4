"""The publish stage on small real MkDocs builds: atomic swap, strict failures, refused paths."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import date
from pathlib import Path

import pytest

from generator.errors import BuildError
from generator.publish import SITE_MARKER, STALE_STAGE_SECONDS, BuildSettings, publish, site_url_of

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "mkdocs.yml"
NAV = [
    "index.md",
    "about.md",
    "tags.md",
    "round-1/sources.md",
    "round-1/independence.md",
    "round-1/changelog.md",
]


def files(**extra: bytes) -> dict[str, bytes]:
    pages = {
        "index.md": "---\ntitle: 홈\n---\n# 홈\n\n[소개](about.md)\n".encode(),
        "index.en.md": b"---\ntitle: Home\n---\n# Home\n\n[About](about.md)\n",
        # Generated round pages that the hand-written about page links.
        "round-1/sources.md": "# 출처\n".encode(),
        "round-1/independence.md": "# 독자성\n".encode(),
        "round-1/changelog.md": "# 변경과 정정 기록\n".encode(),
    }
    return {**pages, **extra}


def settings(*, fictional: bool = False) -> BuildSettings:
    return BuildSettings(
        config=CONFIG,
        site_url=site_url_of(CONFIG),
        nav=NAV,
        source_date=date(2026, 1, 20),
        extra={"fictional": fictional},
    )


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_builds_both_languages_and_marks_fictional_rounds(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = publish(files(), settings=settings(fictional=True), out_dir=out)
    assert result.pages >= 10
    home, home_en = (out / "index.html").read_text(), (out / "en/index.html").read_text()
    assert '<html lang="ko"' in home
    assert '<html lang="en"' in home_en
    assert "가상의 시연용 데이터" in home
    assert "Fictional demo data" in home_en
    assert (out / "about/index.html").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "the staging folder must be removed"


def test_real_rounds_carry_no_fictional_banner(tmp_path: Path) -> None:
    publish(files(), settings=settings(), out_dir=tmp_path / "site")
    assert "가상의 시연용 데이터" not in (tmp_path / "site/index.html").read_text()


def test_dates_come_from_the_data_not_the_clock(tmp_path: Path) -> None:
    publish(files(), settings=settings(), out_dir=tmp_path / "a")
    publish(files(), settings=settings(), out_dir=tmp_path / "b")
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    assert "<lastmod>2026-01-20</lastmod>" in (tmp_path / "a/sitemap.xml").read_text()


def test_a_failed_build_leaves_the_previous_site_untouched(tmp_path: Path) -> None:
    out = tmp_path / "site"
    publish(files(), settings=settings(), out_dir=out)
    before = tree_digest(out)
    broken = files(**{"index.md": "# 홈\n\n[없는 페이지](missing.md)\n".encode()})
    with pytest.raises(BuildError, match=r"missing\.md") as raised:
        publish(broken, settings=settings(), out_dir=out)
    assert "previous site is unchanged" in str(raised.value)
    assert tree_digest(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_generated_files_may_not_overwrite_hand_written_pages(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"about\.md"):
        publish(files(**{"about.md": b"# x\n"}), settings=settings(), out_dir=tmp_path / "site")
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("path", ["../escape.md", "/etc/escape.md"])
def test_paths_outside_the_docs_folder_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(BuildError, match="outside the docs folder"):
        publish(files(**{path: b"# x\n"}), settings=settings(), out_dir=tmp_path / "site")
    assert not (tmp_path / "escape.md").exists()


def test_a_folder_that_is_not_a_site_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(BuildError, match="not a site built by this generator"):
        publish(files(), settings=settings(), out_dir=out)
    assert (out / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


def test_a_previous_site_is_replaced_and_an_empty_folder_is_used(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    publish(files(), settings=settings(), out_dir=out)
    assert (out / SITE_MARKER).is_file()
    (out / "stale.html").write_text("from an older build")
    publish(files(), settings=settings(), out_dir=out)
    assert not (out / "stale.html").exists()


@pytest.mark.parametrize("where", ["same", "parent"])
def test_the_output_may_not_hold_a_protected_folder(tmp_path: Path, where: str) -> None:
    data = tmp_path / "project/data"
    data.mkdir(parents=True)
    (data / "round.yaml").write_text("id: r\n")
    out = data if where == "same" else data.parent
    with pytest.raises(BuildError, match="refusing to replace a folder that holds"):
        publish(files(), settings=settings(), out_dir=out, protected=(data,))
    assert (data / "round.yaml").read_text() == "id: r\n"


def test_an_output_that_cannot_be_created_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(BuildError, match="cannot create the output folder"):
        publish(files(), settings=settings(), out_dir=tmp_path / "afile/site")


def test_a_stage_left_by_a_killed_build_is_removed_by_the_next(tmp_path: Path) -> None:
    stale, fresh = tmp_path / ".site-build-stale", tmp_path / ".site-build-running"
    for stage in (stale, fresh):
        (stage / "docs").mkdir(parents=True)
    old = time.time() - 2 * STALE_STAGE_SECONDS
    os.utime(stale, (old, old))
    publish(files(), settings=settings(), out_dir=tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-build-running", "site"]


def test_static_pages_are_written_after_mkdocs_and_never_over_a_built_page(tmp_path: Path) -> None:
    out = tmp_path / "site"
    publish(files(), settings=settings(), out_dir=out, static={"old/index.html": b"<p>moved</p>\n"})
    assert (out / "old/index.html").read_bytes() == b"<p>moved</p>\n"
    with pytest.raises(BuildError, match=r"redirect pages would replace built pages: about/index\.html"):
        publish(files(), settings=settings(), out_dir=tmp_path / "other", static={"about/index.html": b"x"})
    assert not (tmp_path / "other").exists()
