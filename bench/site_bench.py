"""Generate + build time of the site for round 1 and for a synthetic fictional round of 100 teams.

Prints seconds per stage and the ratio of the 100-team round to round 1 (how the build scales with teams).
Run: `make bench` or `.venv/bin/python bench/site_bench.py`.
"""

from __future__ import annotations

import csv
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.pipeline import generate_site, site_settings  # noqa: E402
from generator.publish import publish, site_url_of  # noqa: E402
from generator.rounds import read_rounds  # noqa: E402
from generator.validate import read_round  # noqa: E402

FICTIONAL = ROOT / "tests/fixtures/fictional-round"
TEAMS = 100
DISCLOSED = 40
"""Teams whose every figure is published; the rest are withheld, so their cells are bounded by the LP."""


def synthetic_round(folder: Path, teams: int = TEAMS, seed: int = 7) -> Path:
    """A fictional round of ``teams`` teams on the fictional test round's rubric, sources and actors.

    The first :data:`DISCLOSED` teams publish every figure; the others publish none. The all-team average
    total and the top team are published as relations, so every withheld cell gets a linear-programme bound.
    """
    rng = random.Random(seed)
    shutil.copytree(FICTIONAL, folder, ignore=shutil.ignore_patterns("raw"))
    rubric = read_round(FICTIONAL).round.rubric
    source = read_round(FICTIONAL).round.events[0].sources[0]
    ids = [f"team-{i:03d}" for i in range(teams)]
    values: dict[tuple[str, str], float] = {}
    for team in ids:
        for node_id in reversed(rubric.order()):
            node = rubric.node(node_id)
            values[(team, node_id)] = (
                round(sum(values[(team, c)] for c in node.children), 1)
                if node.children
                else round(rng.uniform(0.5, 1.0) * node.max, 1)
            )
    # The hand-written about page links round 1's pages, so the round that stands alone in this site is
    # "round-1" (still fictional, and the only round of the bench's site).
    round_file = folder / "round.yaml"
    round_file.write_text(
        round_file.read_text(encoding="utf-8").replace("\nid: demo-round\n", "\nid: round-1\n"),
        encoding="utf-8",
    )
    _write_yaml(
        folder / "teams.yaml",
        [{"id": t, "name": {"ko": f"가상 팀 {i}", "en": f"Fictional team {i}"}} for i, t in enumerate(ids)],
    )
    _write_yaml(
        folder / "outcomes.yaml",
        [
            {
                "team": t,
                "result": "advanced" if i % 3 else "eliminated_score",
                "grounds": {"ko": "가상", "en": "fictional"},
                "sources": [source],
            }
            for i, t in enumerate(ids)
        ],
    )
    root = rubric.root
    best = max(ids, key=lambda t: values[(t, root)])
    mean = sum(values[(t, root)] for t in ids) / teams
    _write_yaml(
        folder / "relations.yaml",
        [
            {
                "id": "mean-total",
                "kind": "mean",
                "node": root,
                "value": round(mean, 2),
                "basis": "stated",
                "sources": [source],
                "statement": {"ko": "가상 평균", "en": "fictional average"},
            },
            {
                "id": "best-total",
                "kind": "highest",
                "node": root,
                "team": best,
                "basis": "stated",
                "sources": [source],
                "statement": {"ko": "가상 1위", "en": "fictional first place"},
            },
        ],
    )
    with (folder / "figures.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["team", "node", "status", "value", "rounding", "sources", "withheld_by", "note_ko", "note_en"]
        )
        for index, team in enumerate(ids):
            for node_id in rubric.order():
                if index < DISCLOSED:
                    row = ["disclosed", f"{values[(team, node_id)]:.1f}", "", source, ""]
                else:
                    row = ["not_disclosed", "", "", source, "panel"]
                writer.writerow([team, node_id, *row, "", ""])
    return folder


def _write_yaml(path: Path, value: object) -> None:
    path.write_text(yaml.safe_dump(value, allow_unicode=True, sort_keys=False), encoding="utf-8")


def timed_build(data: Path, out: Path) -> tuple[float, float, int]:
    """The build command's two steps, timed apart: generating the pages, then MkDocs (``build_site``)."""
    config = ROOT / "mkdocs.yml"
    site_url = site_url_of(config)
    start = time.perf_counter()
    rounds = read_rounds(data)
    site, static, _ = generate_site(rounds, site_url=site_url)
    generated = time.perf_counter()
    settings = site_settings(rounds, site, config=config, site_url=site_url)
    published = publish(site.files, settings=settings, out_dir=out, static=static)
    return generated - start, time.perf_counter() - generated, published.pages


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {}
        for label, data in (
            ("round-1", ROOT / "data/round-1"),
            (f"synthetic-{TEAMS}", synthetic_round(folder / "data")),
        ):
            gen, build, pages = timed_build(data, folder / f"site-{label}")
            results[label] = gen + build
            print(
                f"{label:>14}: generate {gen:6.2f} s, mkdocs build {build:6.2f} s, "
                f"total {gen + build:6.2f} s, {pages} HTML pages"
            )
        ratio = results[f"synthetic-{TEAMS}"] / results["round-1"]
        print(f"ratio synthetic-{TEAMS} / round-1 total time: {ratio:.2f} (teams ×{TEAMS / 5:.0f})")


if __name__ == "__main__":
    main()
