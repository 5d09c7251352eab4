"""The site says what a round does not include (issue 12 §6)."""

from __future__ import annotations

import pytest

from generator.render import RenderedSite
from generator.validate import read_round
from tests.conftest import FICTIONAL
from tests.render.test_truth import text


@pytest.mark.parametrize(("suffix", "words"), [(".md", "포함되지 않은 것"), (".en.md", "does not include")])
def test_the_site_says_what_the_round_does_not_include(
    fictional_site: RenderedSite, round1_site: RenderedSite, suffix: str, words: str
) -> None:
    omitted = read_round(FICTIONAL).round.info.omits
    assert omitted
    page = text(fictional_site, f"data{suffix}")
    line = next(line for line in page.splitlines() if words in line)
    assert line.count(",") == len(omitted) - 1
    assert words not in text(round1_site, f"data{suffix}")
