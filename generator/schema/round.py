"""``round.yaml``: the round itself, and the parts it does not include."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from generator.schema.fields import Id, Strict, TextIn


class RoundIn(Strict):
    id: Id
    title: TextIn
    programme: TextIn
    announced: date
    as_of: date
    advances_to: TextIn
    """The stage the round's advancing teams go on to, as the badges write it: Korean before 진출, 단계 and
    에 (``2차``), English after "advanced to" (``phase 2``). Required: no default could be true of every
    round."""
    fictional: bool = False
    results: Literal["published", "pending"] = "published"
    """``pending``: the round's results are not announced yet (teams and rubric only; no figures)."""
    actors: dict[Id, TextIn] = Field(default_factory=dict)
    omits: list[Literal["criteria", "sovereignty", "audits", "narrative", "corrections"]] = Field(
        default_factory=list
    )
    """The parts this round does not include; any other missing file is an error."""
