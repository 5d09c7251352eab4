"""The rendered site as a whole: determinism, both languages, nav, links, the chart markup contract."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import PurePosixPath
from typing import Any

import pytest

from generator.audit.configured import run_configured
from generator.criteria import judge_independence
from generator.render import RenderedSite, SiteSettings, render_site
from generator.render.pages import HAND_WRITTEN
from generator.scoring.types import ScoredRound
from tests.conftest import ROUND_1
from tests.render.conftest import SITE_URL, fixture_demo, narrative_of

LINK = re.compile(r"\]\(([^)\s]+)\)")
CHART = re.compile(r'<div class="chart-live" data-spec="spec-([a-z0-9-]+)"></div>')


def text(site: RenderedSite, path: str) -> str:
    return site.files[path].decode("utf-8")


def front_matter(page: str) -> dict[str, Any]:
    assert page.startswith("---\n")
    import yaml  # noqa: PLC0415 - only these tests read front matter

    loaded: dict[str, Any] = yaml.safe_load(page.split("---\n", 2)[1])
    return loaded


def korean(path: str) -> str:
    return re.sub(r"\.en\.md$", ".md", path)


def test_rendering_twice_gives_identical_bytes(round1: tuple[ScoredRound, RenderedSite]) -> None:
    scored, first = round1
    again = render_site(
        scored,
        judgement=judge_independence(scored.round),
        narrative=narrative_of(ROUND_1, scored),
        settings=SiteSettings(site_url=SITE_URL),
        demo=fixture_demo(),
        audits=run_configured(scored.round, environ={}, base=ROUND_1),
    )
    assert list(again.files) == list(first.files)
    assert [p for p in first.files if again.files[p] != first.files[p]] == []


def test_every_page_exists_in_both_languages(round1_site: RenderedSite, fictional_site: RenderedSite) -> None:
    for site in (round1_site, fictional_site):
        pages = set(site.pages)
        ko = {p for p in pages if not p.endswith(".en.md")}
        assert {p.removesuffix(".md") + ".en.md" for p in ko} == pages - ko


@pytest.mark.parametrize("which", ["round1_site", "fictional_site"])
def test_every_generated_page_is_in_the_nav_and_every_nav_entry_exists(
    which: str, request: pytest.FixtureRequest
) -> None:
    site: RenderedSite = request.getfixturevalue(which)

    def flatten(entries: Any) -> list[str]:
        if isinstance(entries, str):
            return [entries]
        if isinstance(entries, dict):
            return [p for value in entries.values() for p in flatten(value)]
        return [p for entry in entries for p in flatten(entry)]

    in_nav = flatten(site.nav)
    korean_pages = {p for p in site.pages if not p.endswith(".en.md")}
    assert korean_pages <= set(in_nav)
    assert set(in_nav) <= korean_pages | set(HAND_WRITTEN)
    assert len(in_nav) == len(set(in_nav))


def test_the_fictional_round_is_marked_fictional_on_every_page(fictional_site: RenderedSite) -> None:
    for path in fictional_site.pages:
        page = text(fictional_site, path)
        body = page.split("---\n", 2)[2].lstrip("\n")
        title, rest = body.split("\n", 1)
        assert title.startswith("# ")
        warning = "가상 데이터" if not path.endswith(".en.md") else "Fictional data"
        assert rest.lstrip().startswith(f'!!! warning "{warning}"'), path


def test_round_1_is_not_marked_fictional(round1_site: RenderedSite) -> None:
    assert not any("!!! warning" in text(round1_site, p) for p in round1_site.pages)


@pytest.mark.parametrize("which", ["round1_site", "fictional_site"])
def test_every_link_points_at_a_page_or_file_that_exists(which: str, request: pytest.FixtureRequest) -> None:
    site: RenderedSite = request.getfixturevalue(which)
    existing = set(site.files) | {p for h in HAND_WRITTEN for p in (h, h.removesuffix(".md") + ".en.md")}
    broken = []
    checked = 0
    for path in site.pages:
        for target in LINK.findall(text(site, path)):
            if target.startswith(("#", "http://", "https://")):
                continue
            checked += 1
            file = target.split("#", 1)[0]
            resolved = posixpath.normpath(posixpath.join(str(PurePosixPath(path).parent), file))
            if resolved not in existing:
                broken.append(f"{path}: {target}")
    assert broken == []
    assert checked > 100  # the pattern found the links it is meant to check


def test_markdown_links_to_pages_use_md_files(round1_site: RenderedSite) -> None:
    local = 0
    for path in round1_site.pages:
        for target in LINK.findall(text(round1_site, path)):
            file = target.split("#", 1)[0]
            if file and not target.startswith(("http://", "https://")):
                local += 1
                assert file.endswith(
                    (".md", ".svg", ".png", ".csv", ".json", ".txt", ".cff", "SHA256SUMS")
                ), target
    assert local > 100


def test_chart_blocks_keep_the_markup_contract(round1_site: RenderedSite) -> None:
    charted = 0
    for path in round1_site.pages:
        page = text(round1_site, path)
        ids = CHART.findall(page)
        assert bool(front_matter(page).get("charts")) == bool(ids), path
        lang = "en" if path.endswith(".en.md") else "ko"
        for chart_id in ids:
            charted += 1
            block = page[page.index(f'data-spec="spec-{chart_id}"') :]
            image = re.search(r"!\[([^\]]+)\]\(([^)]+)\)\{ \.chart-fallback \}", block)
            assert image is not None
            alt, src = image.groups()
            assert len(alt) > 40  # written from the data, not a placeholder
            svg_path = posixpath.normpath(posixpath.join(str(PurePosixPath(path).parent), src))
            assert svg_path == f"assets/charts/{chart_id}-{lang}.svg"
            assert round1_site.files[svg_path].lstrip().startswith(b"<svg")
            assert block.index("<figcaption>") < block.index("</figure>")
            assert 'class="sortable chart-data"' in block.split("</figure>", 1)[1].split("<script", 1)[0]
            script = re.search(rf'<script type="application/json" id="spec-{chart_id}">(.*?)</script>', page)
            assert script is not None
            assert "</" not in script.group(1)
            spec = json.loads(script.group(1).replace("<\\/", "</"))
            assert spec["description"]
            assert spec["width"] == "container"
    assert charted == 22  # home (1) + results (4) + method (5) + audits (1), in both languages


def test_chart_specs_are_valid_vega_lite(round1_site: RenderedSite) -> None:
    """The renderer skips Altair's schema check for speed; check each spec once here."""
    import altair as alt  # noqa: PLC0415

    validated = 0
    for path in ("index.md", "results.en.md", "method.md"):
        scripts = re.findall(
            r'<script type="application/json" id="spec-[^"]+">(.*?)</script>', text(round1_site, path)
        )
        assert scripts, path
        for script in scripts:
            spec = json.loads(script.replace("<\\/", "</"))
            chart = (alt.LayerChart if "layer" in spec else alt.Chart).from_dict(spec, validate=True)
            assert chart.to_dict(validate=False)["description"] == spec["description"]
            validated += 1
    assert validated == 10  # 1 + 4 + 5 charts


def test_vega_bundle_is_served_from_the_site(round1_site: RenderedSite) -> None:
    bundle = round1_site.files["assets/javascripts/vega-bundle.js"]
    assert b"vegaEmbed" in bundle
    assert b"cdn.jsdelivr" not in bundle[:2000]


def test_downloads_listed_with_size_and_checksum(round1_site: RenderedSite) -> None:
    import hashlib  # noqa: PLC0415

    page = text(round1_site, "data.md")
    for name in (
        "figures.csv",
        "sources.csv",
        "scores.json",
        "datapackage.json",
        "LICENSE.txt",
        "CITATION.cff",
    ):
        data = round1_site.files[f"downloads/round-1/{name}"]
        assert hashlib.sha256(data).hexdigest() in page
        assert f'data-sort="{len(data)}"' in page
    assert round1_site.files["downloads/round-1/figures.csv"].startswith("\ufeff".encode())
    assert SITE_URL.rstrip("/") + "/data/" in page
