"""The filters format values; what an id prints as comes from the page's lookup, never from a round held by
the environment (issue 12 §2), so a literal in a template cannot carry one round's data into the next."""

from __future__ import annotations

import dataclasses

from generator.model import Text
from generator.render import RenderedSite
from generator.render.filters import Filters
from generator.render.formats import count, p_sortkey, percent, spread
from generator.render.lookup import Lookup, lookup
from generator.render.pages import environment
from generator.render.spreads import spread_of
from generator.scoring import score_round
from generator.scoring.types import ScoredRound
from generator.validate import read_round
from tests.conftest import FICTIONAL


def test_a_language_environment_holds_no_round() -> None:
    assert vars(Filters(lang="ko")) == {"lang": "ko"}
    assert environment("en") is environment("en")


def test_a_filter_on_a_literal_reads_the_lookup_of_each_render(
    round1: tuple[ScoredRound, RenderedSite],
) -> None:
    scored, _ = round1
    first = lookup(scored)
    renamed = dataclasses.replace(first, teams={**first.teams, "upstage": Text(ko="가", en="Renamed")})
    template = environment("en").from_string('{{ "upstage"|team }} / {{ "total"|node }}')
    assert template.render(lookup=first) == "Upstage / Total"
    assert template.render(lookup=renamed) == "Renamed / Total"


def test_two_rounds_rendered_in_one_process_keep_their_own_names(
    round1: tuple[ScoredRound, RenderedSite],
) -> None:
    fictional = score_round(read_round(FICTIONAL).round)
    assert {t.name.en for t in fictional.round.teams} != {t.name.en for t in round1[0].round.teams}
    template = environment("en").from_string("{% for t in ids %}{{ t|team }};{% endfor %}")
    for scored in (round1[0], fictional, round1[0]):
        table: Lookup = lookup(scored)
        ids = [t.id for t in scored.round.teams]
        assert template.render(lookup=table, ids=ids) == "".join(f"{table.teams[t].en};" for t in ids)


def test_the_pure_formatters() -> None:
    assert count(1234567) == "1,234,567"
    assert percent(0.125) == "12.5%"
    assert percent(1.0) == "100%"
    assert p_sortkey(None) == ""
    assert p_sortkey(-175.4) == "175.4"
    assert spread(spread_of([0.1, -0.2, 0.4]), 3) == "0.100 (−0.200 … 0.400)"
    assert spread(spread_of([]), 3) == "—"
