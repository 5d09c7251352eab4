"""A source no data file cites is a warning; a citation from any file counts (the set of cited sources is
read from the resolved round, so every place that can cite a source is listed here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.validate import read_round
from tests.conftest import FICTIONAL, ROUND_1
from tests.data.test_malformed import append, replace

EXTRA = "extra-0101"
UNUSED = f'sources.yaml: id "{EXTRA}": source is never cited'
NEW_SOURCE = f"""- id: {EXTRA}
  kind: external
  publisher: {{ko: 가상, en: Made up}}
  published: 2026-01-16
  title: "A source only this test cites"
"""


def unused(folder: Path) -> list[str]:
    return [str(w) for w in read_round(folder).warnings if "never cited" in str(w)]


@pytest.mark.parametrize("folder", [ROUND_1, FICTIONAL], ids=["round-1", "fictional"])
def test_every_source_of_the_rounds_is_cited(folder: Path) -> None:
    assert unused(folder) == []


def test_a_source_nothing_cites_is_a_warning(round1_copy: Path) -> None:
    append("sources.yaml", NEW_SOURCE)(round1_copy)
    assert unused(round1_copy) == [UNUSED]


@pytest.mark.parametrize(
    ("name", "old"),
    [
        ("teams.yaml", "sources: ["),
        ("rubric.yaml", "sources: ["),
        ("relations.yaml", "sources: ["),
        ("outcomes.yaml", "sources: ["),
        ("timeline.yaml", "sources: ["),
        ("corrections.yaml", "sources: ["),
        ("criteria.yaml", "sources: ["),
        ("sovereignty.yaml", "sources: ["),
        ("audits.yaml", "\n          sources: ["),  # an allegation's evidence
        ("audits.yaml", "\n      sources: ["),  # an allegation
        ("audits.yaml", "\n        sources: ["),  # a Hub audit's reason
        ("figures.csv", ",yonhap-0115;"),
        ("narrative.yaml", "sources: ["),  # a passage the site shows with its sources
    ],
)
def test_a_citation_from_any_file_counts(round1_copy: Path, name: str, old: str) -> None:
    append("sources.yaml", NEW_SOURCE)(round1_copy)
    new = old.replace("[", f"[{EXTRA}, ") if "[" in old else f",{EXTRA};{old[1:]}"
    replace(name, old, new)(round1_copy)
    assert unused(round1_copy) == []
