"""Hand-written, sourced prose about a round (``narrative.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.text import Text


@dataclass(frozen=True, kw_only=True)
class Passage:
    """A sentence or two with the sources that state it."""

    text: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Term:
    """A glossary entry; Korean terms are written with spaces so that search finds them."""

    term: Text
    definition: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Narrative:
    """Everything hand-written about a round that its data files do not hold; empty when the round omits it.

    The definition of an independent model, what "from scratch" means, what was allowed and what was not,
    the findings, a note on the proposed sovereignty scale and the glossary. The criteria, the allegations,
    the rulings and the scale's levels are data (:attr:`Round.independence`), never repeated here.
    """

    definition: Passage | None = None
    from_scratch: Passage | None = None
    allowed: tuple[Passage, ...] = ()
    not_allowed: tuple[Passage, ...] = ()
    findings: tuple[Passage, ...] = ()
    """What the official finding rested on, beyond the rulings recorded in ``audits.yaml``."""
    withheld_reason: Passage | None = None
    """Why the other teams' scores were not published, in the words of whoever withheld them."""
    open_questions: tuple[Passage, ...] = ()
    """What is not known yet, each with the source that shows the gap."""
    scale_about: Passage | None = None
    """What the proposed sovereignty scale grades, and that it is a proposal (its levels are data)."""
    glossary: tuple[Term, ...] = ()

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage, for source checks."""
        single = (self.definition, self.from_scratch, self.withheld_reason, self.scale_about)
        return (
            *(p for p in single if p is not None),
            *self.allowed,
            *self.not_allowed,
            *self.findings,
            *self.open_questions,
        )
