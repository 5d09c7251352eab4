"""The round's linear equations, and derivation of every value they pin down exactly.

Quantities are (entity, node) pairs; entities are teams, the all-team mean and "every team but X".
Equations: a parent is the sum of its children (for every entity); the mean times the number of teams
is the sum over teams; X plus "every team but X" is the number of teams times the mean. Whenever an
equation has one unknown left, it is solved, and the result keeps its formula, its sources and the
rounding uncertainty of its inputs. An equation with nothing unknown is a consistency check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from generator.errors import Problem
from generator.model import Location, Rubric
from generator.scoring.types import MEAN, OTHERS, OTHERS_MEAN, Formula, Term

Key = tuple[str, str]

CONSISTENCY_TOLERANCE = 0.1
"""Published parts and their published whole may differ by rounding; the ministry rounds to 0.1."""


@dataclass(frozen=True, kw_only=True)
class Equation:
    """``Σ coefficient × quantity = 0``."""

    id: str
    terms: tuple[tuple[float, Key], ...]


@dataclass(frozen=True, kw_only=True)
class Known:
    """A value known so far, with what it rests on."""

    value: float
    uncertainty: float
    decimals: int
    sources: tuple[str, ...]
    origins: tuple[Location, ...]
    """Where the given inputs behind it are written in the data (for consistency errors)."""
    formula: Formula | None = None


def equations(rubric: Rubric, teams: Sequence[str]) -> tuple[Equation, ...]:
    """Every equation of the round, in a fixed order."""
    n = float(len(teams))
    entities = [*teams, MEAN, *(OTHERS + t for t in teams), *(OTHERS_MEAN + t for t in teams)]
    result: list[Equation] = []
    for entity in entities:
        for node in rubric.nodes.values():
            if node.children:
                result.append(
                    Equation(
                        id=f"tree:{entity}:{node.id}",
                        terms=(
                            (1.0, (entity, node.id)),
                            *((-1.0, (entity, child)) for child in node.children),
                        ),
                    )
                )
    for node_id in rubric.order():
        result.append(
            Equation(
                id=f"mean:{node_id}",
                terms=((n, (MEAN, node_id)), *((-1.0, (t, node_id)) for t in teams)),
            )
        )
        for team in teams:
            result.append(
                Equation(
                    id=f"others:{team}:{node_id}",
                    terms=((1.0, (OTHERS + team, node_id)), (1.0, (team, node_id)), (-n, (MEAN, node_id))),
                )
            )
            if len(teams) > 1:
                result.append(
                    Equation(
                        id=f"others-mean:{team}:{node_id}",
                        terms=((n - 1.0, (OTHERS_MEAN + team, node_id)), (-1.0, (OTHERS + team, node_id))),
                    )
                )
    return tuple(result)


def derive(system: Sequence[Equation], given: Mapping[Key, Known]) -> tuple[dict[Key, Known], list[Problem]]:
    """Solve every equation with a single unknown until nothing changes; check the fully known ones.

    Returns all known quantities (given and derived) and the inconsistencies found.
    """
    known = dict(given)
    problems: list[Problem] = []
    checked: set[str] = set()
    progress = True
    while progress:
        progress = False
        for equation in system:
            unknown = [key for _, key in equation.terms if key not in known]
            if len(unknown) == 1:
                known[unknown[0]] = _solve(equation, unknown[0], known)
                progress = True
            elif not unknown and equation.id not in checked:
                checked.add(equation.id)
                problem = _check(equation, known)
                if problem:
                    problems.append(problem)
    return known, problems


def _solve(equation: Equation, target: Key, known: Mapping[Key, Known]) -> Known:
    own = next(c for c, key in equation.terms if key == target)
    terms = tuple(
        sorted(  # positive terms first: 5 × 79.7 − 90.2 reads better than −90.2 + 5 × 79.7
            (
                Term(coefficient=-c / own, entity=key[0], node=key[1])
                for c, key in equation.terms
                if key != target
            ),
            key=lambda term: term.coefficient < 0,
        )
    )
    inputs = [known[(t.entity, t.node)] for t in terms]
    value = sum(t.coefficient * i.value for t, i in zip(terms, inputs, strict=True))
    # Shown at the precision of its inputs (0.25 × 308.3 is 77.1, not 77.075); the value itself stays exact
    # for later steps, and the page widens the rounding error by what showing it rounded moves it.
    decimals = max((i.decimals for i in inputs), default=0)
    return Known(
        value=round(value, 10),
        uncertainty=sum(abs(t.coefficient) * i.uncertainty for t, i in zip(terms, inputs, strict=True)),
        decimals=min(decimals, 4),
        sources=_union(i.sources for i in inputs),
        origins=tuple(o for i in inputs for o in i.origins),
        formula=Formula(terms=terms, equation=equation.id),
    )


def _check(equation: Equation, known: Mapping[Key, Known]) -> Problem | None:
    inputs = [(c, known[key]) for c, key in equation.terms]
    if all(k.formula is not None for _, k in inputs):
        return None  # nothing given directly takes part: derived values agree by construction
    residual = sum(c * k.value for c, k in inputs)
    rounding = sum(abs(c) * k.uncertainty for c, k in inputs)
    if abs(residual) <= max(CONSISTENCY_TOLERANCE, rounding) + 1e-9:
        return None
    origins = tuple(dict.fromkeys(o for _, k in inputs for o in k.origins))
    described = "; ".join(f"{o.file} {o.where}".strip() for o in origins)
    first = origins[0] if origins else Location(file="figures.csv")
    return Problem(
        file=first.file,
        where=first.where,
        message=f"values do not add up ({_describe(equation)} is off by {abs(residual):.4g}, more than "
        f"rounding allows); involved: {described}",
    )


def _describe(equation: Equation) -> str:
    kind = equation.id.split(":", 1)[0]
    if kind == "tree":
        _, entity, node = equation.id.split(":", 2)
        return f"{node} = sum of its parts for {entity}"
    if kind == "mean":
        return f"the mean of {equation.id.split(':', 1)[1]} over all teams"
    return equation.id


def _union(groups: Iterator[tuple[str, ...]] | Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for group in groups for s in group))
