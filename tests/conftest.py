"""Shared fixtures: paths to the real round and the fictional demo round, and copies to mutate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROUND_1 = ROOT / "data" / "round-1"
FICTIONAL = ROOT / "tests" / "fixtures" / "fictional-round"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden``: rewrite the golden files of generated pages instead of comparing them."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/render/golden from the output",
    )


@pytest.fixture
def round1_copy(tmp_path: Path) -> Path:
    """A copy of data/round-1 that a test may break."""
    return Path(shutil.copytree(ROUND_1, tmp_path / "round-1"))


@pytest.fixture
def fictional_copy(tmp_path: Path) -> Path:
    """A copy of the fictional full-raw round that a test may break."""
    return Path(shutil.copytree(FICTIONAL, tmp_path / "fictional-round"))
