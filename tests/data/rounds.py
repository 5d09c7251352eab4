"""Build rounds in memory for property tests: the round-1 rubric with random teams and values."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Literal

from generator.model import Figure, Location, MeanRelation, Outcome, RankRelation, Relation, Round, Team, Text
from generator.validate import read_round
from tests.conftest import FICTIONAL, ROUND_1

SOURCE = "yonhap-0115"


@cache
def round1() -> Round:
    return read_round(ROUND_1).round


@cache
def fictional() -> Round:
    return read_round(FICTIONAL).round


def complete_values(
    leaves: Mapping[tuple[str, str], float], teams: Sequence[str]
) -> dict[tuple[str, str], float]:
    """Fill parents as sums of children for the round-1 rubric."""
    rubric = round1().rubric
    values = dict(leaves)
    for team in teams:
        for node_id in reversed(rubric.order()):
            node = rubric.node(node_id)
            if node.children:
                values[(team, node_id)] = sum(values[(team, c)] for c in node.children)
    return values


def make_round(
    values: Mapping[tuple[str, str], float],
    teams: Sequence[str],
    hidden: set[tuple[str, str]],
    relations: Sequence[Relation] = (),
) -> Round:
    """A round whose figures disclose ``values`` exactly except the ``hidden`` cells."""
    base = round1()
    figures = tuple(
        Figure(
            team=t,
            node=n,
            disclosed=(t, n) not in hidden,
            value=None if (t, n) in hidden else values[(t, n)],
            uncertainty=0.0,
            sources=(SOURCE,),
            withheld_by="ministry" if (t, n) in hidden else None,
            note=None,
            origin=Location(file="figures.csv", where=f"{t}/{n}"),
        )
        for t in teams
        for n in base.rubric.order()
    )
    return dataclasses.replace(
        base,
        teams=tuple(Team(id=t, name=Text(ko=t, en=t), models=()) for t in teams),
        figures=figures,
        relations=tuple(relations),
        outcomes={
            t: Outcome(
                team=t,
                result="advanced",
                grounds=Text(ko="-", en="-"),
                sources=(SOURCE,),
                summary=Text(ko="-", en="-"),
                summary_sources=(SOURCE,),
            )
            for t in teams
        },
    )


def mean_relation(node: str, value: float) -> MeanRelation:
    return MeanRelation(
        id=f"mean-{node}",
        node=node,
        value=value,
        uncertainty=1e-9,
        basis="stated",
        sources=(SOURCE,),
        statement=Text(ko="평균", en="mean"),
        origin=Location(file="relations.yaml"),
    )


def rank_relation(kind: Literal["highest", "lowest"], team: str, node: str) -> RankRelation:
    return RankRelation(
        kind=kind,
        id=f"{kind}-{team}-{node}",
        node=node,
        team=team,
        basis="stated",
        sources=(SOURCE,),
        statement=Text(ko="순위", en="rank"),
        origin=Location(file="relations.yaml"),
    )
