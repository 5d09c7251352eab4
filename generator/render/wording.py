"""The words for what scoring hands over as values: each constraint's label and how a computed value was
computed from raw data. Scoring produces the values; these functions word them in both languages."""

from __future__ import annotations

from generator.model import BenchmarkMethod, Round, Text
from generator.render.labels import AGGREGATE, PHRASE, fill
from generator.scoring.export import ScoreWords
from generator.scoring.types import Constraint, RawComputation, ScoredRound


def _same(text: str) -> Text:
    return Text(ko=text, en=text)


def constraint_label(constraint: Constraint, round_: Round) -> Text:
    """What a constraint says: a relation's own statement, else worded from its kind, node, team and value."""
    if constraint.statement is not None:
        return constraint.statement
    assert constraint.node is not None, constraint.id
    node = round_.rubric.node(constraint.node)
    if constraint.kind == "cap":
        return fill(PHRASE["constraint_cap"], node=node.name, max=_same(f"{node.max:g}"))
    if constraint.kind == "floor":
        return fill(PHRASE["constraint_floor"], node=node.name)
    if constraint.kind == "tree":
        children = [round_.rubric.node(c).name for c in node.children]
        joined = Text(ko=" + ".join(c.ko for c in children), en=" + ".join(c.en for c in children))
        return fill(PHRASE["constraint_tree"], node=node.name, children=joined)
    assert constraint.team is not None, constraint.id
    assert constraint.value is not None, constraint.id
    return fill(
        PHRASE["constraint_figure"],
        team=round_.team(constraint.team).name,
        node=node.name,
        value=_same(f"{constraint.value:g}"),
    )


def computation_text(computation: RawComputation) -> Text:
    """How raw data became points, in a sentence."""
    method = computation.method
    maximum = _same(f"{computation.maximum:g}")
    if isinstance(method, BenchmarkMethod):
        return fill(PHRASE["computed_benchmarks"], count=_same(str(len(method.benchmarks))), max=maximum)
    trim = f"{method.trim:.0%}"
    how = AGGREGATE[method.aggregate]
    return fill(
        PHRASE["computed_panel"],
        table=_same(method.table),
        raters=_same(str(computation.raters)),
        scale=_same(f"{method.scale_min:g}–{method.scale_max:g}"),
        how=Text(ko=how.ko.format(trim=trim), en=how.en.format(trim=trim)),
        max=maximum,
    )


def score_words(scored: ScoredRound) -> ScoreWords:
    """The bilingual texts of the scores document (``scores.json``, ``scores --format json``)."""
    return ScoreWords(
        constraints={cid: constraint_label(c, scored.round) for cid, c in scored.constraints.items()},
        computed={
            key: computation_text(q.computed) for key, q in scored.cells.items() if q.computed is not None
        },
    )
