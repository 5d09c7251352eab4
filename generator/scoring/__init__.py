"""The scoring stage: raw data → points, published figures → derived values and bounds.

``score_round`` is pure: a validated :class:`~generator.model.Round` in, a
:class:`~generator.scoring.types.ScoredRound` out, or :class:`~generator.errors.DataError` when the
published figures contradict each other.
"""

from __future__ import annotations

from typing import Literal

from generator.errors import DataError, Problem
from generator.model import Basis, Figure, Location, MeanRelation, Round, Text
from generator.scoring.bounds import Interval, Program, bound, build_program, feasible
from generator.scoring.equations import CONSISTENCY_TOLERANCE, Key, Known, derive, equations
from generator.scoring.raw import compute_points
from generator.scoring.types import MEAN, Constraint, ConstraintKind, Quantity, RawComputation, ScoredRound

__all__ = ["score_round"]

COMPUTED_DECIMALS = 2


def score_round(round_: Round) -> ScoredRound:
    """Resolve every team × rubric-node value of the round, with its status and its evidence."""
    teams = [t.id for t in round_.teams]
    rubric = round_.rubric
    problems: list[Problem] = []
    given: dict[Key, Known] = {}
    computed_how: dict[Key, RawComputation] = {}

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
    computed: RawComputation | None,
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
    computed: RawComputation | None = None,
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
    """Every constraint id a bound may cite, as values (render words them; relations keep their statement)."""
    made: list[Constraint] = []
    for node in round_.rubric.nodes.values():
        made.append(_constraint(f"cap:{node.id}", "cap", "stated", node.sources, node=node.id))
        made.append(_constraint(f"floor:{node.id}", "floor", "definition", (), node=node.id))
        if node.children:
            made.append(_constraint(f"tree:{node.id}", "tree", "stated", node.sources, node=node.id))
    for f in round_.figures:
        if f.disclosed:
            cid = f"figure:{f.team}/{f.node}"
            made.append(
                _constraint(cid, "figure", "stated", f.sources, node=f.node, team=f.team, value=f.value)
            )
    for r in round_.relations:
        kind: ConstraintKind = "mean" if isinstance(r, MeanRelation) else "rank"
        made.append(_constraint(r.id, kind, r.basis, r.sources, statement=r.statement))
    return dict(sorted((c.id, c) for c in made))


def _constraint(
    cid: str,
    kind: ConstraintKind,
    basis: Basis | Literal["definition"],
    sources: tuple[str, ...],
    *,
    node: str | None = None,
    team: str | None = None,
    value: float | None = None,
    statement: Text | None = None,
) -> Constraint:
    return Constraint(
        id=cid,
        kind=kind,
        basis=basis,
        sources=sources,
        node=node,
        team=team,
        value=value,
        statement=statement,
    )
