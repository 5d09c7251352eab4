"""The filters that write words: labels and phrases in the page's language, names looked up by id (teams,
rubric nodes, constraints, aggregates, actors), and statuses and outcomes as words and badges.

:class:`TextFilters` is the base of every group of filters; :func:`page_lookup` is how a filter reaches the
page's :class:`~generator.render.lookup.Lookup`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from generator.model import Text
from generator.render import korean
from generator.render.formats import localised_date, md, number, plural
from generator.render.labels import (
    CHANGE_KIND,
    ENTITY,
    HEADING,
    OMITTED,
    PHRASE,
    STATUS,
    STATUS_EXPLAINED,
    UI,
    Lang,
    outcome_label,
)
from generator.render.lookup import Lookup
from generator.scoring.types import MEAN, OTHERS, OTHERS_MEAN


def page_lookup(context: Context) -> Lookup:
    """The page's :class:`~generator.render.lookup.Lookup` (ids → what they print as)."""
    table: Lookup = context["lookup"]
    return table


class TextFilters:
    """The word filters of one language. They hold no round: ids are resolved through the context's lookup."""

    def __init__(self, *, lang: Lang) -> None:
        self.lang: Lang = lang

    def cited_count(self, count: int) -> str:
        """How many items on the site cite a source: ``이 사이트의 자료 3건이 인용`` / ``cited by 1 item``."""
        return self.phrase("cited_count", count=count, items=plural(count, "item"))

    def phrase(self, key: str, **fields: object) -> str:
        """A :data:`generator.render.labels.PHRASE` in this language with its fields filled in."""
        return PHRASE[key].get(self.lang).format(**fields)

    def t(self, key: str) -> str:
        """An interface label (see :data:`generator.render.labels.UI`)."""
        return UI[key].get(self.lang)

    def heading(self, key: str) -> str:
        """A section heading (see :data:`generator.render.labels.HEADING`)."""
        return HEADING[key].get(self.lang)

    def tx(self, text: Text | None) -> str:
        """A bilingual data text in this language, Markdown-escaped; empty for ``None``."""
        return "" if text is None else md(text.get(self.lang))

    def markdown(self, text: Text) -> str:
        """A bilingual text that is already Markdown (a later stage's finished section), unescaped."""
        return text.get(self.lang)

    def date(self, value: date | str) -> str:
        """A localised date."""
        return localised_date(value, self.lang)

    def josa(self, word: str, pair: str) -> str:
        """``word`` followed by the right Korean particle; English gets the word alone."""
        return word + korean.particle(word, pair) if self.lang == "ko" else word

    @pass_context
    def names(self, context: Context, teams: Iterable[Any]) -> str:
        """Team names joined for a sentence."""
        return korean.join([self.team(context, t.id) for t in teams], self.lang)

    @pass_context
    def team(self, context: Context, team_id: str) -> str:
        """A team's name."""
        return md(page_lookup(context).teams[team_id].get(self.lang))

    @pass_context
    def node(self, context: Context, node_id: str) -> str:
        """A rubric node's name."""
        return md(page_lookup(context).nodes[node_id].name.get(self.lang))

    @pass_context
    def maximum(self, context: Context, node_id: str) -> str:
        """A rubric node's maximum points."""
        return number(page_lookup(context).nodes[node_id].max)

    @pass_context
    def constraint_label(self, context: Context, constraint_id: str) -> str:
        """What a constraint says, Markdown-escaped."""
        return md(page_lookup(context).constraint_labels[constraint_id].get(self.lang))

    @pass_context
    def tree_indent(self, context: Context, node_id: str) -> str:
        """Four spaces per level of a rubric node below the root: its list item's indent in the tree."""
        return "    " * page_lookup(context).depths[node_id]

    @pass_context
    def entity(self, context: Context, entity: str) -> str:
        """A team's name, or the name of an aggregate such as the all-team average."""
        if entity == MEAN:
            return ENTITY[MEAN].get(self.lang)
        for prefix in (OTHERS_MEAN, OTHERS):
            if entity.startswith(prefix):
                team = self.team(context, entity.removeprefix(prefix))
                return ENTITY[prefix].get(self.lang).format(team=team)
        return self.team(context, entity)

    @pass_context
    def actor(self, context: Context, actor_id: str | None) -> str:
        """Who withheld a value."""
        if actor_id is None:
            return ""
        name = page_lookup(context).actors.get(actor_id)
        return md(name.get(self.lang)) if name else md(actor_id)

    @pass_context
    def outcome(self, context: Context, result: str) -> str:
        """A team's status label, naming the stage the round's advancing teams go on to."""
        return outcome_label(result, page_lookup(context).advances_to).get(self.lang)  # type: ignore[arg-type]

    def status(self, status: str) -> str:
        """A status as a word."""
        return STATUS[status].get(self.lang)  # type: ignore[index]

    def status_explained(self, status: str) -> str:
        """What a status means, in a sentence."""
        return STATUS_EXPLAINED[status].get(self.lang)  # type: ignore[index]

    def badge(self, status: str) -> str:
        """A status badge: text in a styled span, so the difference never rests on colour alone."""
        return f'<span class="st st-{status.replace("_", "-")}">{self.status(status)}</span>'

    def omitted(self, part: str) -> str:
        """A part of the data the round omits, in words."""
        return OMITTED[part].get(self.lang)

    def change_kind(self, kind: str) -> str:
        """What kind of change a change-record entry is, in words."""
        return CHANGE_KIND[kind].get(self.lang)
