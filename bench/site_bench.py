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

from generator.pipeline import generate  # noqa: E402
from generator.publish import BuildSettings, publish, site_url_of  # noqa: E402

FICTIONAL = ROOT / "tests/fixtures/fictional-round"
TEAMS = 100
WITH_RAW = 60
"""Teams with raw data (computed scores); the rest have none, so their cells are bounded or withheld."""


def synthetic_round(folder: Path, teams: int = TEAMS, seed: int = 7) -> Path:
    """A fictional round of ``teams`` teams, grown from the fictional test round by copying its raw rows."""
    rng = random.Random(seed)
    shutil.copytree(FICTIONAL, folder)
    ids = [f"team-{i:03d}" for i in range(teams)]
    (folder / "teams.yaml").write_text(
        yaml.safe_dump(
            [
                {"id": t, "name": {"ko": f"가상 팀 {i}", "en": f"Fictional team {i}"}}
                for i, t in enumerate(ids)
            ],
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    source = yaml.safe_load((folder / "outcomes.yaml").read_text(encoding="utf-8"))[0]["sources"]
    (folder / "outcomes.yaml").write_text(
        yaml.safe_dump(
            [
                {
                    "team": t,
                    "result": "advanced" if i % 3 else "eliminated_score",
                    "grounds": {"ko": "가상", "en": "fictional"},
                    "sources": source,
                }
                for i, t in enumerate(ids)
            ],
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    with (folder / "figures.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(
            ["team", "node", "status", "value", "rounding", "sources", "withheld_by", "note_ko", "note_en"]
        )
    for table in sorted((folder / "raw").glob("*.csv")):
        with table.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        template = [r for r in rows if r["team"] == rows[0]["team"]]
        scores = [float(r["score"]) for r in rows]
        low, high = min(scores), max(scores)
        with table.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            for team in ids[:WITH_RAW]:
                for row in template:
                    value = min(high, max(low, float(row["score"]) + rng.uniform(-3, 3)))
                    score = round(value) if float(row["score"]).is_integer() else round(value, 1)
                    writer.writerow({**row, "team": team, "score": score})
    return folder


def timed_build(data: Path, out: Path) -> tuple[float, float, int]:
    config = ROOT / "mkdocs.yml"
    start = time.perf_counter()
    rendered, round_, _ = generate(data, site_url=site_url_of(config))
    generated = time.perf_counter()
    settings = BuildSettings(
        config=config,
        site_url=site_url_of(config),
        nav=rendered.nav,
        source_date=round_.info.as_of,
        extra={"fictional": round_.info.fictional},
    )
    published = publish(rendered.files, settings=settings, out_dir=out)
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
