"""Stage 5 — align: pair each candidate tensor with the reference tensor it would be a copy of.

Choices here use only half A of each residual window (see :mod:`generator.audit.plan`), so the tests on
half B stay exact however the pairs were chosen. In order:

1. **Layer maps.** For each repeated stack of the candidate (``model.layers``, ``vision.blocks`` …) and each
   reference stack sharing roles with it, a similarity matrix *candidate layers × reference layers*: the mean
   over roles of the centred correlation of the tensors' *profiles* (per residual position, the sum of
   squares over all units — unchanged by permuted neurons or heads). A monotone (non-decreasing) map
   maximising total similarity handles dropped layers (every other layer kept) and duplicated ones.
   Within a mapped layer, FFN units (dense FFN, shared expert, routed experts) are matched as units:
   :mod:`~generator.audit.experts`.
2. **Roles** for named tensors outside stacks (embeddings, heads, final norms), and unrecognised names at
   the same place in their component (a tower grafted under another prefix).
3. **Content** for everything else — anonymous names (``onnx::MatMul_470``), unknown roles, roles the
   reference lacks: the best-correlated reference tensor of a compatible shape, stored as-is or transposed.

No tensor is dropped: a second tensor with the same key in one layer is paired on its own, and every tensor
ends up in a pair or in :attr:`Alignment.unmatched` with the reason.

A reference read from its checkpoint leaves its routed experts' output projections unread
(:data:`~generator.audit.fingerprint.DEFERRED_ROLES`); each is read when a candidate tensor is first paired
with it or could be (one batch per stack, before the pairs are scored), so every number is the one a
fingerprint file gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from generator.audit.experts import EXPERT_SEED, FFN_FAMILIES, ExpertMatch, layer_key, match_ffn
from generator.audit.fingerprint import read_deferred
from generator.audit.fingerprint_file import Fingerprint, TensorProfile
from generator.audit.header import AUDITED_DTYPES, TensorInfo
from generator.audit.names import is_buffer
from generator.audit.pairs import (
    SWITCH_MARGIN,
    Candidate,
    CandidateSource,
    Match,
    Unmatched,
    best_match,
    profile_score,
    storage_conventions,
)
from generator.audit.residual import NO_COUNTERPART


@dataclass(frozen=True, kw_only=True)
class LayerMap:
    """How one candidate stack's layers map onto a reference stack."""

    component: str
    """Candidate component."""
    candidate_stack: str
    """Candidate stack, e.g. ``language_model.model.layers``."""
    reference_stack: str
    """Reference stack."""
    candidate_layers: tuple[int, ...]
    """Candidate layer indices (rows of ``similarity``)."""
    reference_layers: tuple[int, ...]
    """Reference layer indices (columns of ``similarity``)."""
    mapping: tuple[tuple[int, int], ...]
    """``(candidate layer, reference layer)`` pairs chosen."""
    similarity: tuple[tuple[float, ...], ...]
    """Mean centred profile correlation on half A, candidate layers × reference layers."""


@dataclass(frozen=True, kw_only=True)
class Alignment:
    """Every candidate tensor, paired or not."""

    matches: tuple[Match, ...]
    """Pairs to compare."""
    unmatched: tuple[Unmatched, ...]
    """Tensors not compared, with the reason."""
    layer_maps: tuple[LayerMap, ...]
    """Layer maps of the candidate's stacks."""
    expert_matches: tuple[ExpertMatch, ...] = ()
    """Candidate experts matched with reference experts (or dense FFNs)."""


def align(
    candidates: Sequence[Candidate],
    reference: Fingerprint,
    source: CandidateSource,
    *,
    progress: Callable[[str], None] | None = None,
    expert_seed: int = EXPERT_SEED,
    read_ahead: Callable[[Sequence[TensorProfile]], None] | None = None,
) -> Alignment:
    """Pair every candidate tensor with a reference tensor (see the module docstring). ``read_ahead`` fetches
    what reading deferred reference tensors will read, in one batch (a remote reference)."""
    usable = [p for p in reference.tensors if p.layout.kind != "skip"]
    deferred = _Deferred(read_ahead=read_ahead)
    by_name = {p.name: p for p in usable}
    # square matrices are read the way the component stores its one-way matrices (`storage_conventions`)
    source.conventions = storage_conventions(
        (c, by_name[c.info.name]) for c in candidates if c.info.name in by_name
    )
    skipped_roles = _skipped_roles(reference)
    matches: list[Match] = []
    unmatched: list[Unmatched] = []
    pending: list[Candidate] = []
    for candidate in candidates:
        reason = _skip_reason(candidate.info) or skipped_roles.get(candidate.parsed.role, "")
        if reason:
            unmatched.append(Unmatched(candidate=candidate, reason=reason, skipped=True))
        else:
            pending.append(candidate)
    mapped = _map_layers(pending, usable, source, expert_seed, deferred)
    matches.extend(mapped.matches)
    unmatched.extend(mapped.unsampled)
    rest = mapped.rest
    for candidate in rest:
        if progress is not None:
            progress(candidate.info.name)
        match = _by_role(candidate, usable, source, deferred) or _by_content(
            candidate, usable, source, deferred
        )
        if match is None:
            unmatched.append(Unmatched(candidate=candidate, reason=NO_COUNTERPART, skipped=False))
        else:
            matches.append(match)
    return Alignment(
        matches=tuple(matches),
        unmatched=tuple(unmatched),
        layer_maps=tuple(mapped.maps),
        expert_matches=tuple(mapped.experts),
    )


def _skipped_roles(reference: Fingerprint) -> dict[str, str]:
    """Known roles whose every reference tensor is skipped, with the reason (e.g. rotary q/k biases).

    A candidate tensor of such a role is skipped for the same reason, rather than paired by content with
    some unrelated tensor of a compatible shape.
    """
    skipped = {p.parsed.role: p.layout.reason for p in reference.tensors if p.layout.kind == "skip"}
    kept = {p.parsed.role for p in reference.tensors if p.layout.kind != "skip"}
    return {
        role: f"as in the reference: {reason}"
        for role, reason in skipped.items()
        if role not in kept and reason
    }


def _skip_reason(info: TensorInfo) -> str:
    if info.dtype not in AUDITED_DTYPES:
        return f"{info.dtype} tensors are not weights"
    if is_buffer(info.name):
        return "deterministic buffer"
    if info.numel < 2:
        return "scalar"
    return ""


def _by_role(
    candidate: Candidate, usable: Sequence[TensorProfile], source: CandidateSource, deferred: _Deferred
) -> Match | None:
    parsed = candidate.parsed
    options = [
        p
        for p in usable
        if p.parsed.role == parsed.role and (p.parsed.layer is None) == (parsed.layer is None)
    ]
    if not parsed.known:
        # An unrecognised role pairs by its text only with a tensor at the same place in the same layer.
        options = [p for p in options if p.parsed.layer == parsed.layer and p.shape == candidate.info.shape]
    return best_match(candidate, deferred.read(options), source, "role")


def _by_content(
    candidate: Candidate, usable: Sequence[TensorProfile], source: CandidateSource, deferred: _Deferred
) -> Match | None:
    # only a deferred tensor's shape is checked here (best_match checks every one): one that cannot fit is
    # never read
    fitting = [p for p in usable if not p.deferred or source.orientations(candidate, p)]
    return best_match(candidate, deferred.read(fitting), source, "content")


@dataclass(frozen=True, kw_only=True)
class _Deferred:
    """Deferred reference tensors, each read once, when first needed."""

    read_ahead: Callable[[Sequence[TensorProfile]], None] | None
    done: dict[str, TensorProfile] = field(default_factory=dict)

    def read(self, profiles: Sequence[TensorProfile]) -> list[TensorProfile]:
        """``profiles``, each deferred one read (those not read before, in one batch)."""
        waiting = list({p.name: p for p in profiles if p.deferred and p.name not in self.done}.values())
        if waiting:
            if self.read_ahead is not None:
                self.read_ahead(waiting)
            self.done.update(read_deferred(waiting))
        return [self.done.get(p.name, p) if p.deferred else p for p in profiles]


@dataclass(frozen=True, kw_only=True)
class _Mapped:
    maps: list[LayerMap]
    matches: list[Match]
    rest: list[Candidate]
    unsampled: list[Unmatched]
    experts: list[ExpertMatch]


def _by_layer(
    candidates: Sequence[Candidate], rest: list[Candidate]
) -> dict[tuple[str, str], dict[int, dict[str, Candidate]]]:
    """Candidates in stacks, by component and stack, layer and key; the others appended to ``rest``."""
    stacks: dict[tuple[str, str], dict[int, dict[str, Candidate]]] = defaultdict(lambda: defaultdict(dict))
    for candidate in candidates:
        p = candidate.parsed
        if (
            p.layer is None
            or p.stack is None
            or not p.known
            or layer_key(p) in stacks[(p.component, p.stack)][p.layer]
        ):
            rest.append(candidate)  # a second tensor of one key is paired on its own, never dropped
        else:
            stacks[(p.component, p.stack)][p.layer][layer_key(p)] = candidate
    return stacks


def _map_layers(
    candidates: Sequence[Candidate],
    usable: Sequence[TensorProfile],
    source: CandidateSource,
    expert_seed: int,
    deferred: _Deferred,
) -> _Mapped:
    out = _Mapped(maps=[], matches=[], rest=[], unsampled=[], experts=[])
    stacks = _by_layer(candidates, out.rest)
    references: dict[str, dict[int, dict[str, TensorProfile]]] = defaultdict(lambda: defaultdict(dict))
    for profile in usable:
        if profile.parsed.layer is not None and profile.parsed.stack is not None:
            references[profile.parsed.stack][profile.parsed.layer].setdefault(
                layer_key(profile.parsed), profile
            )
    for (component, stack), layers in sorted(stacks.items()):
        best: tuple[float, LayerMap, npt.NDArray[np.float64]] | None = None
        for ref_stack, ref_layers in sorted(references.items()):
            found = _stack_map(
                component=component,
                stack=stack,
                layers=layers,
                ref_stack=ref_stack,
                ref_layers=ref_layers,
                source=source,
            )
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        if best is None:
            out.rest.extend(c for layer in layers.values() for c in layer.values())
            continue
        layer_map = best[1]
        out.maps.append(layer_map)
        target = dict(layer_map.mapping)
        ref_layers = references[layer_map.reference_stack]
        paired: list[tuple[Candidate, TensorProfile | None]] = []
        for layer, keys in sorted(layers.items()):
            ref_layer = ref_layers[target[layer]]
            pairs = [(c, ref_layer.get(k)) for k, c in sorted(keys.items()) if not k.startswith(FFN_FAMILIES)]
            ffn = {k: c for k, c in keys.items() if k.startswith(FFN_FAMILIES)}
            where = (component, stack, layer, target[layer])
            elsewhere = {i: other for i, other in ref_layers.items() if i != target[layer]}
            matched = match_ffn(
                ffn=ffn,
                ref_layer=ref_layer,
                source=source,
                where=where,
                expert_seed=expert_seed,
                elsewhere=elsewhere,
            )
            pairs.extend(matched.pairs)
            out.unsampled.extend(matched.unsampled)
            out.experts.extend(matched.matches)
            paired.extend(pairs)
        read = iter(deferred.read([r for _, r in paired if r is not None]))  # the matched experts' outputs
        for candidate, reference in paired:
            match = (
                best_match(candidate, [next(read)], source, "layer map") if reference is not None else None
            )
            if match is None:
                out.rest.append(candidate)
            else:
                out.matches.append(match)
    return out


def _stack_map(
    *,
    component: str,
    stack: str,
    layers: dict[int, dict[str, Candidate]],
    ref_stack: str,
    ref_layers: dict[int, dict[str, TensorProfile]],
    source: CandidateSource,
) -> tuple[float, LayerMap, npt.NDArray[np.float64]] | None:
    cand_ids, ref_ids = sorted(layers), sorted(ref_layers)
    # Routed experts are matched after the layer map (their order is arbitrary); not part of it.
    shared = {r for roles in layers.values() for r in roles if "#" not in r} & {
        r for roles in ref_layers.values() for r in roles if "#" not in r
    }
    if not shared:
        return None
    similarity = np.zeros((len(cand_ids), len(ref_ids)))
    counted = 0
    for i, layer in enumerate(cand_ids):
        for j, ref_layer in enumerate(ref_ids):
            scores = []
            for role in sorted(shared):
                candidate, reference = layers[layer].get(role), ref_layers[ref_layer].get(role)
                if (
                    candidate is None
                    or reference is None
                    or reference.constant
                    or reference.layout.kind != "residual"
                ):
                    continue
                fits = source.orientations(candidate, reference)
                if fits:
                    score = profile_score(source.profile(candidate.info, reference, fits[0]), reference)
                    if score is not None:
                        scores.append(score)
            similarity[i, j] = float(np.mean(scores)) if scores else 0.0
            counted += len(scores)
    if counted == 0:
        return None
    total, path = monotone_map(similarity)
    if cand_ids == ref_ids:
        # The layers as named, unless another map is clearly better (see SWITCH_MARGIN).
        as_named = float(np.trace(similarity))
        if total - as_named <= SWITCH_MARGIN * len(cand_ids):
            total, path = as_named, list(range(len(cand_ids)))
    layer_map = LayerMap(
        component=component,
        candidate_stack=stack,
        reference_stack=ref_stack,
        candidate_layers=tuple(cand_ids),
        reference_layers=tuple(ref_ids),
        mapping=tuple((cand_ids[i], ref_ids[j]) for i, j in enumerate(path)),
        similarity=tuple(tuple(round(float(v), 6) for v in row) for row in similarity),
    )
    return total / len(cand_ids), layer_map, similarity


def monotone_map(similarity: npt.NDArray[np.float64]) -> tuple[float, list[int]]:
    """The non-decreasing map rows → columns maximising the summed similarity (dynamic programming)."""
    rows, cols = similarity.shape
    score = np.zeros((rows, cols))
    back = np.zeros((rows, cols), dtype=np.int64)
    score[0] = similarity[0]
    for i in range(1, rows):
        running = np.maximum.accumulate(score[i - 1])
        argmax = np.zeros(cols, dtype=np.int64)
        for j in range(1, cols):
            argmax[j] = j if score[i - 1, j] >= running[j - 1] else argmax[j - 1]
        score[i] = similarity[i] + running
        back[i] = argmax
    path = [int(np.argmax(score[-1]))]
    for i in range(rows - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return float(score[-1].max()), path[::-1]
