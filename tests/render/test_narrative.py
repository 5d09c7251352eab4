"""The narrative file holds only prose the data files do not: criteria, questions and the scale are data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.errors import DataError
from generator.render import parse_narrative
from tests.conftest import ROUND_1
from tests.data.rounds import fictional, round1

TEXT = (ROUND_1 / "narrative.yaml").read_text(encoding="utf-8")


def test_round_1_narrative_parses() -> None:
    narrative = parse_narrative(TEXT, label="narrative.yaml", round_=round1())
    assert narrative.definition is not None
    assert narrative.from_scratch is not None
    for part in (narrative.allowed, narrative.not_allowed, narrative.findings, narrative.glossary):
        assert part


@pytest.mark.parametrize("key", ["criteria", "questions", "scale"])
def test_data_held_elsewhere_cannot_come_back_into_the_narrative(key: str) -> None:
    raw = yaml.safe_load(TEXT)
    raw[key] = []
    with pytest.raises(DataError) as error:
        parse_narrative(yaml.safe_dump(raw, allow_unicode=True), label="narrative.yaml", round_=round1())
    assert key in str(error.value)


def test_unknown_sources_and_wrong_round_are_all_reported() -> None:
    raw = yaml.safe_load(TEXT)
    raw["allowed"][0]["sources"] = ["no-such-source"]
    raw["glossary"][0]["sources"] = ["another-missing"]
    with pytest.raises(DataError) as error:
        parse_narrative(yaml.safe_dump(raw, allow_unicode=True), label="narrative.yaml", round_=fictional())
    message = str(error.value)
    assert "no-such-source" in message
    assert "another-missing" in message
    assert "round" in message


def test_not_yaml_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        parse_narrative("a: [", label="narrative.yaml", round_=round1())
