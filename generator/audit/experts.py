"""Stage 5b — experts: which reference FFN each candidate expert derives from.

Experts are exchangeable units one level up (their order is arbitrary): after the layer map, each sampled
candidate expert — and the shared expert, and a dense FFN in a MoE audit — is matched on half A with every
FFN unit of the mapped reference layer (routed experts, shared expert, dense FFN; a dense FFN copied into
every expert is sparse upcycling). Matching uses the same half-A profile scores as the layer maps, on the
units' input projections (:data:`OUTPUT_SUFFIX`), so the half-B tests stay exact. At most
:data:`EXPERTS_PER_LAYER` routed experts per layer are matched and tested, chosen by a seed recorded in the
report; the rest are listed as not sampled.

Experts moved (or copied) across layers: a routed expert whose best half-A score in the mapped layer is below
:data:`MOVED_BELOW` is also scored against the routed experts of the reference's other layers — at most
:data:`LAYERS_SEARCHED` layers and :data:`EXPERTS_SEARCHED` experts, drawn by the same recorded seed — and
matched there when that is clearly better (:data:`SWITCH_MARGIN`). The choice still rests on half A alone, and
each chosen pair is tested once, on half B: the p-values stay exact however many experts were searched (the
selection is the multiple comparison, and it never sees half B; ``tests/audit/test_calibration.py`` checks
independent MoE pairs with the search on).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.audit.fingerprint_file import TensorProfile
from generator.audit.names import ParsedName
from generator.audit.pairs import (
    SWITCH_MARGIN,
    Candidate,
    CandidateSource,
    Unmatched,
    profile_score,
)
from generator.audit.plan import seed_for

EXPERTS_PER_LAYER = 8
"""Routed experts of each candidate layer that are matched and tested; the rest are listed as not sampled
(and, in a component whose samples are identical, still compared whole: :mod:`~generator.audit.exact`)."""
LAYERS_SEARCHED = 8
"""Other reference layers an unmatched expert is looked for in (a seeded sample where there are more)."""
EXPERTS_SEARCHED = 64
"""Routed experts of those layers it is scored against, at most (a seeded sample where there are more)."""
MOVED_BELOW = 0.5
"""Half-A score below which an expert has no clear source in its mapped layer, so other layers are searched
(a copied or fine-tuned expert scores near 1; an unrelated one near 0)."""
EXPERT_SEED = 0
"""Default seed of the expert sample (recorded in the report)."""
FFN_FAMILIES = ("mlp.", "expert.", "shared.")
OUTPUT_SUFFIX = "down."
"""An FFN unit's output projection (``down_proj``), left out of the half-A score units are matched on: a
reference read from its checkpoint reads its routed experts' output projections only once matched
(:data:`~generator.audit.fingerprint.DEFERRED_ROLES`), and a fingerprint file gives the same scores. The
input projections (``gate_proj``, ``up_proj``) hold the same units; every matched pair is still tested on
all of its tensors."""


@dataclass(frozen=True, kw_only=True)
class ExpertMatch:
    """Which reference FFN a candidate expert (or shared expert, or dense FFN of a MoE audit) derives from.

    Experts are exchangeable: each sampled candidate expert is matched on half A with the reference's experts,
    shared expert and dense FFN of the mapped layer (a dense FFN copied into every expert is sparse
    upcycling)."""

    component: str
    """Candidate component."""
    candidate_stack: str
    """Candidate stack."""
    candidate_layer: int
    """Candidate layer."""
    candidate: str
    """``expert 7``, ``shared expert`` or ``dense FFN``."""
    candidate_expert: int | None
    """Candidate expert index (``None`` for a shared expert or dense FFN)."""
    reference_layer: int
    """Reference layer it was matched in (from the layer map, or another layer where it was moved)."""
    reference: str
    """``expert 3``, ``shared expert`` or ``dense FFN``."""
    reference_expert: int | None
    """Reference expert index (``None`` for a shared expert or dense FFN)."""
    score: float | None
    """Mean centred profile correlation of the input projections on half A (what the choice was based
    on)."""
    tensors: tuple[str, ...] = ()
    """The candidate expert's tensors."""
    significant: bool | None = None
    """Whether a tested tensor of this expert shows shared origin on its own (set by the verdict stage)."""


def sampled_experts(
    experts: Sequence[int | None], expert_seed: int, stack: str, layer: int
) -> set[int | None]:
    """Which of a candidate layer's routed experts (their indices; ``None`` for a fused tensor left whole) are
    matched and tested: at most :data:`EXPERTS_PER_LAYER`, drawn by the recorded seed — what the audit reads
    of them, and all that a remote candidate's read-ahead fetches."""
    ordered = sorted(set(experts), key=lambda e: -1 if e is None else e)
    if len(ordered) <= EXPERTS_PER_LAYER:
        return set(ordered)
    rng = np.random.default_rng(seed_for(f"experts|{expert_seed}|{stack}|{layer}"))
    return {ordered[int(i)] for i in rng.choice(len(ordered), size=EXPERTS_PER_LAYER, replace=False)}


def layer_key(parsed: ParsedName) -> str:
    """A tensor's key within its layer: the role, and the expert index of a routed expert."""
    return parsed.role if parsed.expert is None else f"{parsed.role}#{parsed.expert}"


@dataclass(frozen=True, kw_only=True)
class ExpertPairs:
    """What :func:`match_ffn` decided for one layer."""

    pairs: tuple[tuple[Candidate, TensorProfile | None], ...]
    """Candidate FFN tensors with their reference counterparts (``None``: none in the matched unit)."""
    unsampled: tuple[Unmatched, ...]
    """Routed experts' tensors left out of the sample."""
    matches: tuple[ExpertMatch, ...]
    """Which reference unit each candidate unit was matched with (MoE audits only)."""


def _groups(keys: Mapping[str, Any]) -> dict[tuple[str, int | None], dict[str, str]]:
    """FFN keys grouped by unit — ``("mlp", None)``, ``("shared", None)``, ``("expert", e)`` — as
    ``{suffix: key}`` with suffixes such as ``up.weight``."""
    groups: dict[tuple[str, int | None], dict[str, str]] = defaultdict(dict)
    for key in keys:
        role, _, index = key.partition("#")
        family, _, suffix = role.partition(".")
        groups[(family, int(index) if index else None)][suffix] = key
    return groups


def _label(group: tuple[str, int | None]) -> str:
    family, index = group
    return f"expert {index}" if family == "expert" else "shared expert" if family == "shared" else "dense FFN"


def match_ffn(
    *,
    ffn: Mapping[str, Candidate],
    ref_layer: Mapping[str, TensorProfile],
    source: CandidateSource,
    where: tuple[str, str, int, int],
    expert_seed: int,
    elsewhere: Mapping[int, Mapping[str, TensorProfile]] | None = None,
) -> ExpertPairs:
    """Pair a layer's FFN tensors (keys by :func:`layer_key`): each sampled candidate expert with its best
    reference FFN unit on half A. ``where``: component, stack, layer, and the reference layer mapped to;
    ``elsewhere``: the reference's other layers of that stack, searched for a moved expert.

    A dense FFN or shared expert keeps its counterpart of the same name unless another is clearly better
    (:data:`SWITCH_MARGIN`); a routed expert keeps its own index only while no other is clearly better.
    """
    component, stack, layer, ref_index = where
    groups = _groups(ffn)
    ref_groups = _groups({k: v for k, v in ref_layer.items() if k.startswith(FFN_FAMILIES)})
    experts = sorted(g for g in groups if g[0] == "expert")
    chosen_ids = sampled_experts([e for _, e in experts], expert_seed, stack, layer)
    sampled = {g for g in experts if g[1] in chosen_ids}
    moe = bool(experts) or any(g[0] != "mlp" for g in ref_groups)
    pairs: list[tuple[Candidate, TensorProfile | None]] = []
    unsampled: list[Unmatched] = []
    matches: list[ExpertMatch] = []
    for group, suffixes in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or -1)):
        members = [ffn[k] for k in suffixes.values()]
        if group not in sampled and group[0] == "expert":
            reason = (
                f"expert not sampled ({EXPERTS_PER_LAYER} of {len(experts)} in this layer, "
                f"expert seed {expert_seed})"
            )
            unsampled.extend(Unmatched(candidate=c, reason=reason, skipped=True) for c in members)
            continue
        scores = {
            ref_group: _group_score(ffn, suffixes, ref_layer, ref_suffixes, source)
            for ref_group, ref_suffixes in ref_groups.items()
        }
        chosen = _choose_group(group, scores)
        found_at, found_in = ref_index, ref_layer
        if group[0] == "expert" and elsewhere:
            scored = [v for v in scores.values() if v is not None]
            if not scored or max(scored) < MOVED_BELOW:
                moved = _search_elsewhere(ffn, suffixes, elsewhere, source, f"{expert_seed}|{stack}|{layer}")
                if moved is not None and moved[2] > max(scored, default=-1.0) + SWITCH_MARGIN:
                    found_at, chosen, score = moved
                    found_in = elsewhere[found_at]
                    scores = {chosen: score}
        if chosen is None:
            pairs.extend((c, None) for c in members)
            continue
        if moe:
            matches.append(
                ExpertMatch(
                    component=component,
                    candidate_stack=stack,
                    candidate_layer=layer,
                    candidate=_label(group),
                    candidate_expert=group[1],
                    reference_layer=found_at,
                    reference=_label(chosen),
                    reference_expert=chosen[1],
                    score=scores[chosen],
                    tensors=tuple(c.info.name for c in members),
                )
            )
        ref_suffixes = _groups({k: v for k, v in found_in.items() if k.startswith(FFN_FAMILIES)})[chosen]
        pairs.extend(
            (ffn[key], found_in[ref_suffixes[suffix]] if suffix in ref_suffixes else None)
            for suffix, key in sorted(suffixes.items())
        )
    return ExpertPairs(pairs=tuple(pairs), unsampled=tuple(unsampled), matches=tuple(matches))


def _search_elsewhere(
    ffn: Mapping[str, Candidate],
    suffixes: Mapping[str, str],
    elsewhere: Mapping[int, Mapping[str, TensorProfile]],
    source: CandidateSource,
    key: str,
) -> tuple[int, tuple[str, int | None], float] | None:
    """The best-scoring routed expert of the other layers on half A, as ``(layer, group, score)``; the
    layers and experts searched are bounded and drawn by a seed from ``key``."""
    rng = np.random.default_rng(seed_for(f"moved|{key}"))
    layers = sorted(elsewhere)
    if len(layers) > LAYERS_SEARCHED:
        layers = sorted(layers[int(i)] for i in rng.choice(len(layers), size=LAYERS_SEARCHED, replace=False))
    options = [
        (index, group, members)
        for index in layers
        for group, members in sorted(
            _groups({k: v for k, v in elsewhere[index].items() if k.startswith("expert.")}).items(),
            key=lambda item: item[0][1] or -1,
        )
    ]
    if len(options) > EXPERTS_SEARCHED:
        options = [options[int(i)] for i in sorted(rng.choice(len(options), EXPERTS_SEARCHED, replace=False))]
    best: tuple[int, tuple[str, int | None], float] | None = None
    for index, group, members in options:
        score = _group_score(ffn, suffixes, elsewhere[index], members, source)
        if score is not None and (best is None or score > best[2]):
            best = (index, group, score)
    return best


def _group_score(
    ffn: Mapping[str, Candidate],
    suffixes: Mapping[str, str],
    ref_layer: Mapping[str, TensorProfile],
    ref_suffixes: Mapping[str, str],
    source: CandidateSource,
) -> float | None:
    scores = []
    for suffix, key in suffixes.items():
        if suffix.startswith(OUTPUT_SUFFIX):
            continue  # matched on the input projections: the reference's output ones are read once matched
        reference = ref_layer[ref_suffixes[suffix]] if suffix in ref_suffixes else None
        if reference is None or reference.constant or reference.layout.kind != "residual":
            continue
        fits = source.orientations(ffn[key], reference)
        if fits:
            score = profile_score(source.profile(ffn[key].info, reference, fits[0]), reference)
            if score is not None:
                scores.append(score)
    return float(np.mean(scores)) if scores else None


def _choose_group(
    group: tuple[str, int | None], scores: Mapping[tuple[str, int | None], float | None]
) -> tuple[str, int | None] | None:
    scored = {g: s for g, s in scores.items() if s is not None}
    if not scored:
        return group if group in scores else None
    best = max(sorted(scored, key=lambda g: (g[0], g[1] or -1)), key=lambda g: scored[g])
    own = scored.get(group)
    if own is not None and scored[best] <= own + SWITCH_MARGIN:
        return group
    return best
