"""Bounds on undisclosed values: the tightest interval consistent with every published constraint.

Each bound is a pair of linear programmes (minimise, maximise) over all team × node values, solved with
SciPy's HiGHS. The constraints with a non-zero dual value at the optimum are the ones that make that
end tight; each bound lists them by id so a reader can see what it rests on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from generator.model import MeanRelation, RankRelation, Relation, Rubric
from generator.scoring.types import Bound

Key = tuple[str, str]

DUAL_EPSILON = 1e-9


@dataclass(frozen=True, kw_only=True)
class Interval:
    """A value known up to rounding, as a constraint on the programme."""

    low: float
    high: float
    constraint: str


@dataclass(frozen=True, kw_only=True)
class Program:
    """The linear programme shared by every bound of a round."""

    keys: tuple[Key, ...]
    a_ub: sparse.csr_array
    b_ub: np.ndarray
    ub_ids: tuple[str, ...]
    a_eq: sparse.csr_array
    b_eq: np.ndarray
    eq_ids: tuple[str, ...]
    caps: tuple[float, ...]
    cap_ids: tuple[str, ...]


def build_program(
    rubric: Rubric, teams: Sequence[str], fixed: Mapping[Key, Interval], relations: Sequence[Relation]
) -> Program:
    """Variables: every team × node. Constraints: caps, tree sums, known values, means and ranks."""
    keys = tuple((t, n) for t in teams for n in rubric.order())
    index = {key: i for i, key in enumerate(keys)}
    ub_rows: list[tuple[dict[int, float], float, str]] = []
    eq_rows: list[tuple[dict[int, float], float, str]] = []
    for team in teams:
        for node in rubric.nodes.values():
            if node.children:
                row = {index[(team, node.id)]: 1.0}
                for child in node.children:
                    row[index[(team, child)]] = -1.0
                eq_rows.append((row, 0.0, f"tree:{node.id}"))
    for key, interval in fixed.items():
        i = index[key]
        if interval.high - interval.low < 1e-12:
            eq_rows.append(({i: 1.0}, interval.low, interval.constraint))
        else:
            ub_rows.append(({i: 1.0}, interval.high, interval.constraint))
            ub_rows.append(({i: -1.0}, -interval.low, interval.constraint))
    n = float(len(teams))
    for relation in relations:
        if isinstance(relation, MeanRelation):
            row = {index[(t, relation.node)]: 1.0 for t in teams}
            ub_rows.append((row, n * (relation.value + relation.uncertainty), relation.id))
            ub_rows.append(
                (dict.fromkeys(row, -1.0), -n * (relation.value - relation.uncertainty), relation.id)
            )
        elif isinstance(relation, RankRelation):
            sign = 1.0 if relation.kind == "highest" else -1.0
            me = index[(relation.team, relation.node)]
            for other in teams:
                if other != relation.team:
                    ub_rows.append(({index[(other, relation.node)]: sign, me: -sign}, 0.0, relation.id))
    return Program(
        keys=keys,
        a_ub=_dense(ub_rows, len(keys)),
        b_ub=np.array([r[1] for r in ub_rows]),
        ub_ids=tuple(r[2] for r in ub_rows),
        a_eq=_dense(eq_rows, len(keys)),
        b_eq=np.array([r[1] for r in eq_rows]),
        eq_ids=tuple(r[2] for r in eq_rows),
        caps=tuple(rubric.node(n).max for _, n in keys),
        cap_ids=tuple(f"cap:{n}" for _, n in keys),
    )


def _dense(rows: Sequence[tuple[dict[int, float], float, str]], width: int) -> sparse.csr_array:
    """The constraint matrix, sparse: each row touches a handful of the team × node variables."""
    data = [value for coefficients, _, _ in rows for value in coefficients.values()]
    row_index = [r for r, (coefficients, _, _) in enumerate(rows) for _ in coefficients]
    col_index = [c for coefficients, _, _ in rows for c in coefficients]
    return sparse.csr_array((data, (row_index, col_index)), shape=(len(rows), width))


def feasible(program: Program) -> bool:
    """True when some set of scores satisfies every constraint (the published figures agree)."""
    return _solve(program, np.zeros(len(program.keys))) is not None


def bound(program: Program, key: Key) -> Bound:
    """The tightest [low, high] for one team × node value, with the constraints that make each end tight."""
    objective = np.zeros(len(program.keys))
    objective[program.keys.index(key)] = 1.0
    low = _solve(program, objective)
    high = _solve(program, -objective)
    if low is None or high is None:  # pragma: no cover - callers check feasibility first
        raise ValueError("infeasible programme")
    return Bound(low=_clean(low[0]), high=_clean(-high[0]), low_by=low[1], high_by=high[1])


def _clean(value: float) -> float:
    return round(value, 6) + 0.0  # + 0.0 turns -0.0 into 0.0


def _solve(program: Program, objective: np.ndarray) -> tuple[float, tuple[str, ...]] | None:
    # HiGHS takes sparse constraint matrices; scipy-stubs only declare dense ones.
    a_ub: Any = program.a_ub if len(program.b_ub) else None
    a_eq: Any = program.a_eq if len(program.b_eq) else None
    result = linprog(
        objective,
        A_ub=a_ub,
        b_ub=program.b_ub if len(program.b_ub) else None,
        A_eq=a_eq,
        b_eq=program.b_eq if len(program.b_eq) else None,
        bounds=list(zip([0.0] * len(program.caps), program.caps, strict=True)),
        method="highs",
    )
    if result.status != 0:
        return None
    binding: list[str] = []
    if len(program.b_ub):
        binding += [
            i for i, m in zip(program.ub_ids, result.ineqlin.marginals, strict=True) if abs(m) > DUAL_EPSILON
        ]
    if len(program.b_eq):
        binding += [
            i for i, m in zip(program.eq_ids, result.eqlin.marginals, strict=True) if abs(m) > DUAL_EPSILON
        ]
    binding += [
        i for i, m in zip(program.cap_ids, result.upper.marginals, strict=True) if abs(m) > DUAL_EPSILON
    ]
    binding += [
        f"floor:{k[1]}"
        for k, m in zip(program.keys, result.lower.marginals, strict=True)
        if abs(m) > DUAL_EPSILON
    ]
    return float(result.fun or 0.0), tuple(sorted(set(binding)))
