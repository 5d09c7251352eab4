"""The scoring stage: raw data → points, published figures → derived values and bounds.

``score_round`` is pure: a validated :class:`~generator.model.Round` in, a
:class:`~generator.scoring.types.ScoredRound` out, or :class:`~generator.errors.DataError` when the
published figures contradict each other.
"""

from __future__ import annotations

from typing import Literal

from generator.errors import DataError, Problem
from generator.model import Figure, Location, MeanRelation, Round, Text
from generator.scoring.bounds import Interval, Program, bound, build_program, feasible
from generator.scoring.equations import CONSISTENCY_TOLERANCE, Key, Known, derive, equations
from generator.scoring.raw import compute_points
from generator.scoring.types import MEAN, Constraint, Quantity, ScoredRound

__all__ = ["score_round"]

COMPUTED_DECIMALS = 2


def score_round(round_: Round) -> ScoredRound:
    """Resolve every team × rubric-node value of the round, with its status and its evidence."""
    teams = [t.id for t in round_.teams]
    rubric = round_.rubric
    problems: list[Problem] = []
    given: dict[Key, Known] = {}
    computed_how: dict[Key, Text] = {}

    for item in compute_points(rubric, round_.raw, teams):
        key = (item.team, item.node)
        given[key] = Known(
            value=round(item.points, 6),
            uncertainty=0.0,
            decimals=COMPUTED_DECIMALS,
            sources=(),
            origins=(Location(file="raw/", where=f"{item.team} × {item.node}"),),
        )
        computed_how[key] = item.how
    for figure in round_.figures:
        key = (figure.team, figure.node)
        if not figure.disclosed or figure.value is None:
            continue
        published = Known(
            value=figure.value,
            uncertainty=figure.uncertainty,
            decimals=_decimals(figure.uncertainty),
            sources=figure.sources,
            origins=(figure.origin,),
        )
        if key in given:
            computed = given[key]
            if abs(computed.value - figure.value) > max(CONSISTENCY_TOLERANCE, figure.uncertainty) + 1e-9:
                problems.append(
                    Problem(
                        file=figure.origin.file,
                        where=figure.origin.where,
                        message=(
                            f"published {figure.value:g} disagrees with {computed.value:.4g} computed "
                            "from raw data"
                        ),
                    )
                )
            continue  # the raw computation stands; the published figure agreed with it
        given[key] = published
    for relation in round_.relations:
        if isinstance(relation, MeanRelation):
            given[(MEAN, relation.node)] = Known(
                value=relation.value,
                uncertainty=relation.uncertainty,
                decimals=_decimals(relation.uncertainty),
                sources=relation.sources,
                origins=(relation.origin,),
            )

    known, inconsistent = derive(equations(rubric, teams), given)
    problems += inconsistent

    fixed = {
        key: Interval(
            low=k.value - k.uncertainty, high=k.value + k.uncertainty, constraint=f"figure:{key[0]}/{key[1]}"
        )
        for key, k in given.items()
        if key[0] in teams
    }
    program = build_program(rubric, teams, fixed, round_.relations)
    if not problems and not feasible(program):
        problems.append(
            Problem(
                file="relations.yaml",
                message=(
                    "the published figures and relations contradict each other: no set of scores "
                    "satisfies them all (check the means, rankings and maxima)"
                ),
            )
        )
    if problems:
        raise DataError(problems)

    figures = {(f.team, f.node): f for f in round_.figures}
    cells = {
        (team, node): _cell(
            (team, node),
            figure=figures.get((team, node)),
            value=known.get((team, node)),
            computed=computed_how.get((team, node)),
            program=program,
            cap=rubric.node(node).max,
        )
        for team in teams
        for node in rubric.order()
    }
    aggregates = {
        key: _quantity(key, "disclosed" if k.formula is None else "derived", k)
        for key, k in known.items()
        if key[0].startswith("@")
    }
    return ScoredRound(
        round=round_,
        cells=cells,
        aggregates=dict(sorted(aggregates.items())),
        constraints=_constraints(round_),
    )


def _cell(
    key: Key,
    *,
    figure: Figure | None,
    value: Known | None,
    computed: Text | None,
    program: Program,
    cap: float,
) -> Quantity:
    """Classify one team × node value: computed, disclosed, derived, or (when unknown) bounded."""
    withheld_by = figure.withheld_by if figure and not figure.disclosed else None
    if value is not None and computed is not None:
        return _quantity(key, "computed", value, computed=computed)
    if value is not None and value.formula is None:
        return _quantity(key, "disclosed", value, note=figure.note if figure else None)
    if value is not None:
        return _quantity(key, "derived", value, withheld_by=withheld_by)
    span = bound(program, key)
    unbounded = span.low <= 1e-9 and span.high >= cap - 1e-9
    return Quantity(
        entity=key[0],
        node=key[1],
        status="not_disclosed" if unbounded else "bounded",
        value=None,
        uncertainty=0.0,
        decimals=2,
        sources=figure.sources if figure else (),
        formula=None,
        computed=None,
        bound=span,
        withheld_by=withheld_by,
        note=figure.note if figure and not figure.disclosed else None,
    )


def _decimals(uncertainty: float) -> int:
    if uncertainty <= 0:
        return 1
    places = 0
    while 0.5 * 10.0 ** (-places) > uncertainty + 1e-12:
        places += 1
    return places


def _quantity(
    key: Key,
    status: str,
    known: Known,
    *,
    computed: Text | None = None,
    note: Text | None = None,
    withheld_by: str | None = None,
) -> Quantity:
    return Quantity(
        entity=key[0],
        node=key[1],
        status=status,  # type: ignore[arg-type]
        value=known.value,
        uncertainty=known.uncertainty,
        decimals=known.decimals,
        sources=known.sources,
        formula=known.formula,
        computed=computed,
        bound=None,
        withheld_by=withheld_by,
        note=note,
    )


def _constraints(round_: Round) -> dict[str, Constraint]:
    """Every constraint id a bound may cite, with a label in both languages."""
    result: dict[str, Constraint] = {}
    for node in round_.rubric.nodes.values():
        result[f"cap:{node.id}"] = Constraint(
            id=f"cap:{node.id}",
            kind="cap",
            basis="stated",
            sources=node.sources,
            label=Text(
                ko=f"{node.name.ko} 만점 {node.max:g}점", en=f"{node.name.en} maximum of {node.max:g}"
            ),
        )
        result[f"floor:{node.id}"] = Constraint(
            id=f"floor:{node.id}",
            kind="floor",
            basis="definition",
            sources=(),
            label=Text(ko=f"{node.name.ko} 점수는 0점 이상", en=f"{node.name.en} points are never negative"),
        )
        if node.children:
            names_ko = " + ".join(round_.rubric.node(c).name.ko for c in node.children)
            names_en = " + ".join(round_.rubric.node(c).name.en for c in node.children)
            result[f"tree:{node.id}"] = Constraint(
                id=f"tree:{node.id}",
                kind="tree",
                basis="stated",
                sources=node.sources,
                label=Text(ko=f"{node.name.ko} = {names_ko}", en=f"{node.name.en} = {names_en}"),
            )
    for figure in round_.figures:
        if figure.disclosed:
            team_name = round_.team(figure.team).name
            node_name = round_.rubric.node(figure.node).name
            cid = f"figure:{figure.team}/{figure.node}"
            result[cid] = Constraint(
                id=cid,
                kind="figure",
                basis="stated",
                sources=figure.sources,
                label=Text(
                    ko=f"{team_name.ko} {node_name.ko} {figure.value:g}점 (공개)",
                    en=f"{team_name.en} {node_name.en} {figure.value:g} (published)",
                ),
            )
    for relation in round_.relations:
        kind: Literal["mean", "rank"] = "mean" if isinstance(relation, MeanRelation) else "rank"
        result[relation.id] = Constraint(
            id=relation.id,
            kind=kind,
            basis=relation.basis,
            sources=relation.sources,
            label=relation.statement,
        )
    return dict(sorted(result.items()))
