"""The files of a round: those it always has, and those it has unless ``round.yaml`` omits them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator.load import Problems

FILES = {
    "round": "round.yaml",
    "sources": "sources.yaml",
    "teams": "teams.yaml",
    "rubric": "rubric.yaml",
    "figures": "figures.csv",
    "relations": "relations.yaml",
    "outcomes": "outcomes.yaml",
    "timeline": "timeline.yaml",
}
"""Files every round has."""

DECLARABLE_FILES = {
    "criteria": "criteria.yaml",
    "sovereignty": "sovereignty.yaml",
    "audits": "audits.yaml",
    "narrative": "narrative.yaml",
    "corrections": "corrections.yaml",
}
"""Files a round includes unless ``round.yaml`` lists them under ``omits``."""


def check_declared_parts(data_dir: Path, omits: Sequence[str], problems: Problems) -> None:
    """A missing file is one problem naming it, unless the round declares that it omits it."""
    for key, name in DECLARABLE_FILES.items():
        present = (data_dir / name).exists()
        if not present and key not in omits:
            problems.error(
                name, "", f"file missing: a round includes it, or lists {key!r} under omits in round.yaml"
            )
        elif present and key in omits:
            problems.warn(FILES["round"], "omits", f"lists {key!r}, but {name} is present (it is read)")
