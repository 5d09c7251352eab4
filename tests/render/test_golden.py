"""Golden files: the generated Markdown of round 1, compared exactly.

Refresh with ``UPDATE_GOLDEN=1 pytest tests/render`` (or ``--update-golden``) and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.render import RenderedSite

GOLDEN = Path(__file__).parent / "golden"


def compared(site: RenderedSite) -> dict[str, bytes]:
    return {path: data for path, data in site.files.items() if path.endswith(".md")}


def test_generated_markdown_matches_the_golden_files(round1_site: RenderedSite, update_golden: bool) -> None:
    files = compared(round1_site)
    if update_golden:
        for old in GOLDEN.rglob("*"):
            if old.is_file() and old.relative_to(GOLDEN).as_posix() not in files:
                old.unlink()
        for path, data in files.items():
            target = GOLDEN / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        pytest.skip("golden files rewritten; review them with git diff")
    golden = {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(golden) == sorted(files), "pages added or removed: refresh with UPDATE_GOLDEN=1"
    changed = [path for path in files if files[path] != golden[path]]
    assert not changed, f"output differs from the golden files (refresh with UPDATE_GOLDEN=1): {changed}"
