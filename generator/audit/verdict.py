"""Stage 7 — verdict: per component, combine the pairs' evidence into ``identical``, ``derived``,
``independent`` or ``inconclusive``; overall, what the whole candidate is.

A component shows shared origin when a test, corrected (Bonferroni) for the number of tests in the
component, has a normal-approximation p-value below :data:`ALPHA` *and* its exact Monte-Carlo permutation
p-value agrees (no permutation reached the observed statistic). The primary test is the joint one — every
tested tensor of the component summed under one residual permutation, so correlated layers are not counted
as independent evidence. ``identical`` additionally needs every compared tensor's whole content to equal the
reference's (after a dtype cast; compared directly, or by SHA-256 against a fingerprint), nothing left
unpaired, distinct reference tensors, and complete one-to-one layer maps; otherwise shared origin is
``derived``.

Overall, ``identical`` means the whole candidate is the reference: every component identical and every
reference tensor compared. A candidate with a component of shared origin is otherwise ``derived`` — the
report names the component and its own verdict ("visual: identical") — and one with none is ``independent``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from generator.audit.align import LayerMap
from generator.audit.compare import Compared, PairEvidence
from generator.audit.experts import ExpertMatch
from generator.audit.pairs import Unmatched
from generator.audit.parts import fused_whole, is_fused_part
from generator.audit.plan import seed_for
from generator.audit.report import ComponentReport, JointTest, Unpaired, Verdict
from generator.audit.residual import ResidualAlignment
from generator.audit.stats import JOINT_PERMUTATIONS, PermutationTest, bonferroni

ALPHA = 1e-6
"""Family-wise false-positive rate per component (normal approximation, after Bonferroni)."""


def decide(
    *,
    components: Sequence[str],
    compared: Sequence[Compared],
    unmatched: Sequence[Unmatched],
    layer_maps: Sequence[LayerMap],
    parameters: dict[str, int],
    reference_layers: dict[str, int],
    expert_matches: Sequence[ExpertMatch] = (),
    residual: Sequence[ResidualAlignment] = (),
) -> tuple[ComponentReport, ...]:
    """One report per candidate component (in the order given)."""
    by_component: dict[str, list[Compared]] = defaultdict(list)
    for item in compared:
        by_component[item.evidence.component].append(item)
    left: dict[str, list[Unmatched]] = defaultdict(list)
    for unpaired in unmatched:
        left[unpaired.candidate.parsed.component].append(unpaired)
    return tuple(
        _component(
            name=name,
            compared=by_component[name],
            unmatched=left[name],
            layer_maps=[m for m in layer_maps if m.component == name],
            parameters=parameters[name],
            reference_layers=reference_layers,
            expert_matches=[m for m in expert_matches if m.component == name],
            residual=next((a for a in residual if name in (a.component, *a.applied_to)), None),
        )
        for name in components
    )


@dataclass(frozen=True, kw_only=True)
class Overall:
    """The verdict on the whole candidate."""

    verdict: Verdict
    """See :attr:`~generator.audit.report.AuditReport.verdict`."""
    shared_origin: tuple[str, ...]
    """``name: verdict`` of each component of shared origin."""
    summary: str
    """One sentence."""


def overall(reports: Sequence[ComponentReport], *, reference_complete: bool) -> Overall:
    """What the whole candidate is (``reference_complete``: every reference tensor was compared)."""
    shared = tuple(f"{r.name}: {r.verdict}" for r in reports if r.verdict in ("identical", "derived"))
    verdict: Verdict
    if reports and reference_complete and all(r.verdict == "identical" for r in reports):
        verdict = "identical"
        summary = "The whole candidate is the reference: every component identical, every tensor compared."
    elif shared:
        verdict = "derived"
        summary = f"Shares origin with the reference in: {'; '.join(shared)}."
        if len(shared) == len(reports) and all(r.verdict == "identical" for r in reports):
            summary += " Some of the reference's tensors are not in the candidate."
    elif any(r.verdict == "independent" for r in reports):
        verdict = "independent"
        summary = "No component shows shared origin with the reference."
    else:
        verdict = "inconclusive"
        summary = "No tensor could be compared with the reference."
    return Overall(verdict=verdict, shared_origin=shared, summary=summary)


def _component(
    *,
    name: str,
    compared: list[Compared],
    unmatched: list[Unmatched],
    layer_maps: list[LayerMap],
    parameters: int,
    reference_layers: dict[str, int],
    expert_matches: list[ExpertMatch],
    residual: ResidualAlignment | None,
) -> ComponentReport:
    evidence = [c.evidence for c in compared]
    joints = _joint_tests(name, compared)
    tensor_tests = [e.test for e in evidence if e.test is not None]
    count = max(1, len(joints) + len(tensor_tests))
    joint_reports = tuple(
        JointTest(width=w, tensors=n, test=t, significant=_significant(t, count)) for w, n, t in joints
    )
    tests = [t for _, _, t in joints] + tensor_tests
    shared = any(_significant(t, count) for t in tests)
    strongest = min(tests, key=lambda t: t.log10_p, default=None)
    identical = shared and _identical(evidence, unmatched, layer_maps, reference_layers)
    verdict: Verdict
    if not tests:
        verdict = "inconclusive"
    elif identical:
        verdict = "identical"
    else:
        verdict = "derived" if shared else "independent"
    total = max(1, parameters)
    significant = [e for e in evidence if e.test is not None and _significant(e.test, count)]
    disguises = _disguises(significant, layer_maps, reference_layers) if shared else ()
    if shared and residual is not None and residual.kind != "none":
        disguises = (RELABELLED[residual.kind], *disguises)
    return ComponentReport(
        name=name,
        verdict=verdict,
        parameters=parameters,
        share_compared=sum(e.parameters for e in evidence if e.test is not None or e.how == "whole") / total,
        share_identical=sum(e.parameters for e in evidence if e.whole_tensor_identical) / total,
        share_significant=sum(e.parameters for e in significant) / total,
        log10_p=bonferroni(strongest.log10_p, count) if strongest else None,
        p_permutation=strongest.p_permutation if strongest else None,
        joint_tests=joint_reports,
        disguises=disguises,
        summary=_summary(verdict, evidence, joint_reports, disguises, unmatched),
        tensors=tuple(evidence),
        unpaired=tuple(
            Unpaired(name=u.candidate.info.name, parameters=u.candidate.info.numel, reason=u.reason)
            for u in unmatched
        ),
        layer_maps=tuple(layer_maps),
        expert_matches=_expert_significance(expert_matches, {e.candidate for e in significant}),
        residual=residual,
    )


RELABELLED = {
    "permutation": "residual stream permuted",
    "subset": "residual width pruned (a subset of dimensions kept)",
    "grown": "residual width grown (the reference's dimensions kept among new ones)",
    "rotation": "residual stream rotated",
}
"""The change a fitted residual alignment names, per kind (a site label exists for each)."""


def _expert_significance(matches: list[ExpertMatch], significant: set[str]) -> tuple[ExpertMatch, ...]:
    return tuple(dataclasses.replace(m, significant=bool(significant & set(m.tensors))) for m in matches)


def _joint_tests(name: str, compared: list[Compared]) -> list[tuple[int, int, PermutationTest]]:
    sums: dict[int, npt.NDArray[np.float64]] = {}
    counts: dict[int, int] = defaultdict(int)
    for item in compared:
        width = item.evidence.residual_width
        if item.joint is None or width is None:
            continue
        sums[width] = sums[width] + item.joint if width in sums else item.joint.copy()
        counts[width] += 1
    out = []
    for width in sorted(sums):
        test = _linear(sums[width], seed_for(f"joint|{name}|{width}"))
        if test is not None:
            out.append((width, counts[width], test))
    return out


def _linear(matrix: npt.NDArray[np.float64], seed: int) -> PermutationTest | None:
    from generator.audit.stats import linear_permutation_test  # noqa: PLC0415 — keeps the import list short

    return linear_permutation_test(matrix, seed=seed, permutations=JOINT_PERMUTATIONS)


def _significant(test: PermutationTest, count: int) -> bool:
    """Corrected normal-approximation p below ALPHA, and no permutation reached the observed statistic.

    The Monte-Carlo p-value cannot go below 1/(R+1), so it confirms the approximation rather than being
    corrected itself: corrected, it could never be significant once a component holds more than a few tests.
    """
    if bonferroni(test.log10_p, count) > math.log10(ALPHA):
        return False
    return test.p_permutation <= 1.0 / (test.permutations + 1)


def _identical(
    evidence: list[PairEvidence],
    unmatched: list[Unmatched],
    layer_maps: list[LayerMap],
    reference_layers: dict[str, int],
) -> bool:
    if not evidence or any(not u.skipped for u in unmatched):
        return False
    if not all(e.whole_tensor_identical for e in evidence):
        return False
    if len({e.reference for e in evidence}) != len(evidence):
        return False
    return all(_complete(m, reference_layers) for m in layer_maps)


def _complete(layer_map: LayerMap, reference_layers: dict[str, int]) -> bool:
    targets = [j for _, j in layer_map.mapping]
    return len(set(targets)) == len(targets) == reference_layers.get(layer_map.reference_stack, -1)


def _disguises(
    evidence: list[PairEvidence], layer_maps: list[LayerMap], reference_layers: dict[str, int]
) -> tuple[str, ...]:
    """Changes between reference and candidate, read from the pairs that show shared origin only.

    A pair that is not significant may be paired wrongly (nothing to pair it by), so its orientation,
    name or layer says nothing about the candidate.
    """
    found: list[str] = []
    casts = sorted({e.cast_dtype for e in evidence if e.bit_identical is None and e.cast_dtype})
    if casts:
        found.append(
            f"cast to {casts[0]}" if len(casts) == 1 else f"dtype cast (compared in {', '.join(casts)})"
        )
    # Quantisation rounds every value (GPTQ also corrects weights with calibration data): named, and never
    # mistaken for a cast — the dequantised values are what was compared.
    quantised = {
        e.candidate_quantisation for e in evidence if e.candidate_quantisation != e.reference_quantisation
    }
    found.extend(f"quantised ({label})" for label in sorted(quantised - {""}))
    dequantised = {e.reference_quantisation for e in evidence if not e.candidate_quantisation}
    found.extend(f"dequantised from {label}" for label in sorted(dequantised - {""}))
    if any(_stem(e.candidate) != _stem(e.reference) for e in evidence):
        found.append("renamed")
    if any(e.transposed for e in evidence):
        found.append("transposed")
    if any(is_fused_part(e.candidate) != is_fused_part(e.reference) for e in evidence):
        found.append("q, k, v projections fused or split")
    if any(e.units is not None and e.units.moved > 0 for e in evidence):
        found.append("units re-ordered")
    if any(e.units is not None and e.units.flipped > 0 for e in evidence):
        found.append("unit signs flipped")
    counts_differ = any(len(m.mapping) != reference_layers.get(m.reference_stack, -1) for m in layer_maps)
    if counts_differ or any(_layer_moved(e) for e in evidence):
        found.append("layers dropped, duplicated or re-ordered")
    if any(not e.same_shape for e in evidence):
        found.append("rows or units added or removed")
    if any(e.cast_identical is not None and e.cast_identical < 1.0 for e in evidence):
        found.append("values changed")
    return tuple(found)


def _layer_moved(evidence: PairEvidence) -> bool:
    """Whether a pair joins tensors of different layer numbers (names without one never count)."""
    numbers = [
        m.group(1) if (m := re.search(r"\.([0-9]+)\.", name)) else None
        for name in (evidence.candidate, evidence.reference)
    ]
    return None not in numbers and numbers[0] != numbers[1]


def _stem(name: str) -> str:
    """A name without layer numbers or fused-part suffix (a layer map renumbers; that is not a rename)."""
    return re.sub(r"\.[0-9]+\.", ".#.", fused_whole(name))


def _summary(
    verdict: Verdict,
    evidence: list[PairEvidence],
    joints: tuple[JointTest, ...],
    disguises: tuple[str, ...],
    unmatched: list[Unmatched],
) -> str:
    tested = sum(1 for e in evidence if e.test is not None)
    if verdict == "inconclusive":
        reasons = sorted({u.reason for u in unmatched if not u.skipped})
        why = f" (not compared: {'; '.join(reasons)})" if reasons and not evidence else ""
        return f"No tensor could be compared with the reference{why}."
    joint = max(joints, key=lambda j: abs(j.test.z), default=None)
    strength = (
        f"joint z = {joint.test.z:.1f} over {joint.tensors} tensors" if joint else f"{tested} tensors tested"
    )
    if verdict == "independent":
        return f"No evidence of shared origin ({strength}; centred statistics consistent with independence)."
    changes = f"; changes seen: {', '.join(disguises)}" if disguises else ""
    if verdict == "identical":
        return f"Reused as-is: every tensor equals the reference's ({strength}){changes}."
    return f"Started from the reference, then changed ({strength}){changes}."
