"""Shared fixtures: paths to the real round and the fictional demo round, and copies to mutate."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Set before anything imports huggingface_hub (it reads them once): the tests never read or write the
# developer's Hugging Face cache or token, and never ask the real Hub for anything (its user agent's registry
# of AI agents, fetched once a day unless telemetry is off).
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="hf-home-")
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
atexit.register(shutil.rmtree, os.environ["HF_HOME"], ignore_errors=True)

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
