"""Stage 5 — align: pair each candidate tensor with the reference tensor it would be a copy of.

Choices here use only half A of each residual window (see :mod:`generator.audit.plan`), so the tests on
half B stay exact however the pairs were chosen. In order:

1. **Layer maps.** For each repeated stack of the candidate (``model.layers``, ``vision.blocks`` …) and each
   reference stack sharing roles with it, a similarity matrix *candidate layers × reference layers*: the mean
   over roles of the centred correlation of the tensors' *profiles* (per residual position, the sum of
   squares over all units — unchanged by permuted neurons or heads). A monotone (non-decreasing) map
   maximising total similarity handles dropped layers (every other layer kept) and duplicated ones.
2. **Roles** for named tensors outside stacks (embeddings, heads, final norms).
3. **Content** for everything else — anonymous names (``onnx::MatMul_470``), unknown roles, roles the
   reference lacks: the best-correlated reference tensor of a compatible shape, stored as-is or transposed.
"""

from __future__ import annotations

import math
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from generator.audit.fingerprint import Fingerprint, TensorProfile
from generator.audit.names import ParsedName, is_buffer
from generator.audit.plan import profile_over_all_units, seed_for, view_shape, window_for
from generator.audit.read import (
    AUDITED_DTYPES,
    TensorInfo,
    TensorReader,
    raw_finite_or_fail,
    read_block,
)
from generator.audit.stats import profile_of

How = Literal["layer map", "role", "content"]

EXPERTS_PER_LAYER = 8
"""Routed experts of each candidate layer that are matched and tested; the rest are listed as not sampled
(and, in a component whose samples are identical, still compared whole: :mod:`~generator.audit.exact`)."""
EXPERT_SEED = 0
"""Default seed of the expert sample (recorded in the report)."""
_FFN_FAMILIES = ("mlp.", "expert.", "shared.")

SWITCH_MARGIN = 0.2
"""How much better (in mean half-A profile correlation) a re-ordered layer map must score per layer than
the layers as named, and a transposed reading at least, before the audit believes it."""


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """One candidate tensor (or one part of a fused ``qkv``) with its parsed name."""

    info: TensorInfo
    """Where its data lives."""
    parsed: ParsedName
    """Component, stack, layer and role."""


@dataclass(frozen=True, kw_only=True)
class Match:
    """A candidate tensor paired with a reference tensor."""

    candidate: Candidate
    """The candidate side."""
    reference: TensorProfile
    """The reference side."""
    transposed: bool
    """Whether the candidate stores the reference's layout transposed."""
    how: How
    """How the pair was found."""
    score: float | None
    """Centred correlation of the two profiles on half A (what the choice was based on)."""


@dataclass(frozen=True, kw_only=True)
class Unmatched:
    """A candidate tensor with no reference counterpart, or one that is never evidence."""

    candidate: Candidate
    """The tensor."""
    reason: str
    """Why it is not compared."""
    skipped: bool
    """Whether it is excluded by kind (buffer, integer, scalar) rather than unmatched."""


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
    """Reference layer it was matched in (from the layer map)."""
    reference: str
    """``expert 3``, ``shared expert`` or ``dense FFN``."""
    reference_expert: int | None
    """Reference expert index (``None`` for a shared expert or dense FFN)."""
    score: float | None
    """Mean centred profile correlation on half A (what the choice was based on)."""
    tensors: tuple[str, ...] = ()
    """The candidate expert's tensors."""
    significant: bool | None = None
    """Whether a tested tensor of this expert shows shared origin on its own (set by the verdict stage)."""


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


class CandidateSource:
    """Reads candidate blocks at a reference's positions, keeping what a later stage will ask for again.

    Sampled-unit blocks (small: units × window) are kept up to a byte budget, so the comparison stage reuses
    the reads the layer maps made; an all-units block (large) is kept only while it is the latest, and the
    sampled rows it contains are stored as the sampled block, so they are never read twice.
    """

    def __init__(self, reader: TensorReader, *, budget: int = 64 << 20, large: int = 2) -> None:
        self._reader = reader
        self._sampled: OrderedDict[tuple[Any, ...], npt.NDArray[Any]] = OrderedDict()
        self._sampled_bytes = 0
        self._budget = budget
        self._large: OrderedDict[tuple[Any, ...], npt.NDArray[Any]] = OrderedDict()
        self._large_count = large
        self._profiles: dict[tuple[Any, ...], npt.NDArray[np.float64]] = {}

    @property
    def reader(self) -> TensorReader:
        """The underlying reader."""
        return self._reader

    def block(
        self, info: TensorInfo, reference: TensorProfile, *, transposed: bool, all_units: bool
    ) -> npt.NDArray[Any]:
        """Raw candidate elements, units × window; all units, or the reference's sampled ones that exist."""
        layout = reference.layout
        assert layout.residual_axis is not None
        units = self.present_units(info, reference, transposed)
        where = (info.name, transposed, layout.residual_axis, layout.width)
        key: tuple[Any, ...]
        if all_units:
            key = where
            if key in self._large:
                self._large.move_to_end(key)
                return self._large[key]
        else:
            key = (*where, units.tobytes())
            if key in self._sampled:
                self._sampled.move_to_end(key)
                return self._sampled[key]
        raw = read_block(
            self._reader,
            info,
            residual_axis=layout.residual_axis,
            transposed=transposed,
            window=window_for(layout.width).positions(),
            units=None if all_units else units,
        )
        raw_finite_or_fail(raw, info.dtype, info)
        if all_units:
            self._large[key] = raw
            if len(self._large) > self._large_count:
                self._large.popitem(last=False)
            self._keep_sampled((*where, units.tobytes()), np.ascontiguousarray(raw[units]))
        else:
            self._keep_sampled(key, raw)
        return raw

    def _keep_sampled(self, key: tuple[Any, ...], raw: npt.NDArray[Any]) -> None:
        if key in self._sampled:
            return
        self._sampled[key] = raw
        self._sampled_bytes += raw.nbytes
        while self._sampled_bytes > self._budget and len(self._sampled) > 1:
            _, dropped = self._sampled.popitem(last=False)
            self._sampled_bytes -= dropped.nbytes

    def present_units(
        self, info: TensorInfo, reference: TensorProfile, transposed: bool
    ) -> npt.NDArray[np.int64]:
        """The reference's sampled units that exist in the candidate (a shrunk vocabulary lacks some)."""
        units = np.asarray(reference.units, dtype=np.int64)
        return units[units < self.unit_count(info, reference, transposed)]

    @staticmethod
    def unit_count(info: TensorInfo, reference: TensorProfile, transposed: bool) -> int:
        """How many units (rows of the reference's layout) the candidate tensor has."""
        assert reference.layout.residual_axis is not None
        rows, cols = view_shape(info.shape)
        return rows if reference.layout.residual_axis ^ int(transposed) == 1 else cols

    def profile(
        self, info: TensorInfo, reference: TensorProfile, transposed: bool
    ) -> npt.NDArray[np.float64]:
        """The candidate's profile at the reference's window (sums of squares over units, or values)."""
        layout = reference.layout
        assert layout.residual_axis is not None
        key = (
            info.name,
            layout.residual_axis ^ int(transposed),
            layout.width,
            reference.shape,
            reference.units,
        )
        if key not in self._profiles:
            every = profile_over_all_units(layout)
            raw = self.block(info, reference, transposed=transposed, all_units=every)
            self._profiles[key] = profile_of(raw, info.dtype, single=layout.units == "single")
        return self._profiles[key]


def orientations(info: TensorInfo, reference: TensorProfile) -> list[bool]:
    """Ways (``False``: as stored; ``True``: transposed) the candidate's shape fits the reference's layout."""
    layout, shape, ref_shape = reference.layout, info.shape, reference.shape
    transposable = len(shape) == 2 and len(ref_shape) == 2
    if layout.kind == "plain":
        out = [False] if shape == ref_shape else []
        return out + ([True] if transposable and shape[::-1] == ref_shape and shape != ref_shape else [])
    if layout.kind != "residual" or info.dtype not in AUDITED_DTYPES:
        return []
    if layout.units == "single":
        return [False] if shape == ref_shape else []
    assert layout.residual_axis is not None
    axis, out = layout.residual_axis, []
    same_rank = len(shape) == len(ref_shape) and view_shape(shape)[axis] == layout.width
    if same_rank and (len(shape) <= 2 or shape[1:] == ref_shape[1:] or axis == 0):
        out.append(False)
    if transposable and shape[1 - axis] == layout.width:
        out.append(True)
    return out


def profile_score(candidate: npt.NDArray[np.float64], reference: TensorProfile) -> float | None:
    """Centred correlation of two profiles on half A; ``None`` when either is constant there."""
    half = window_for(reference.layout.width).half if reference.layout.kind == "residual" else 0
    if half < 2:
        return None
    x, y = (
        candidate[:half] - candidate[:half].mean(),
        reference.profile[:half] - reference.profile[:half].mean(),
    )
    norm = float(np.sqrt((x @ x) * (y @ y)))
    return float(x @ y) / norm if norm > 0 else None


def align(
    candidates: Sequence[Candidate],
    reference: Fingerprint,
    source: CandidateSource,
    *,
    progress: Callable[[str], None] | None = None,
    expert_seed: int = EXPERT_SEED,
) -> Alignment:
    """Pair every candidate tensor with a reference tensor (see the module docstring)."""
    usable = [p for p in reference.tensors if p.layout.kind != "skip"]
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
    mapped = _map_layers(pending, usable, source, expert_seed)
    matches.extend(mapped.matches)
    unmatched.extend(mapped.unsampled)
    rest = mapped.rest
    for candidate in rest:
        if progress is not None:
            progress(candidate.info.name)
        match = _by_role(candidate, usable, source) or _by_content(candidate, usable, source)
        if match is None:
            unmatched.append(
                Unmatched(
                    candidate=candidate, reason="no reference tensor of a compatible shape", skipped=False
                )
            )
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


def _best(
    candidate: Candidate, options: Sequence[TensorProfile], source: CandidateSource, how: How
) -> Match | None:
    best: Match | None = None
    for reference in options:
        match = None
        for transposed in orientations(candidate.info, reference):
            score = (
                profile_score(source.profile(candidate.info, reference, transposed), reference)
                if reference.layout.kind == "residual" and not reference.constant
                else None
            )
            read = Match(
                candidate=candidate, reference=reference, transposed=transposed, how=how, score=score
            )
            if match is None or _clearly_better(read, match, margin=how != "content"):
                match = read
        if match is not None and (best is None or _rank(match) > _rank(best)):
            best = match
    return best


def _clearly_better(transposed: Match, stored: Match, *, margin: bool) -> bool:
    """Whether the transposed reading of a tensor beats the stored one (clearly, with ``margin``).

    A tensor paired by its name is read as stored unless the transposed reading wins by
    :func:`_switch_margin`: on weakly related weights (a long fine-tune) profile scores are noisy, and noise
    must not invent a disguise. A tensor paired by content alone (anonymous names) has no such prior.
    """
    if transposed.score is None or stored.score is None:
        return stored.score is None and transposed.score is not None
    return transposed.score > stored.score + (_switch_margin(stored.reference) if margin else 0.0)


def _rank(match: Match) -> tuple[float, int]:
    # Between references: prefer a higher score; between unscored options, the stored orientation.
    return (match.score if match.score is not None else -2.0, 0 if match.transposed else 1)


def _switch_margin(reference: TensorProfile) -> float:
    """SWITCH_MARGIN, or three standard deviations of the difference of two half-A profile correlations."""
    half = window_for(reference.layout.width).half if reference.layout.kind == "residual" else 0
    return max(SWITCH_MARGIN, 3.0 * math.sqrt(2.0 / half)) if half > 0 else SWITCH_MARGIN


def _by_role(candidate: Candidate, usable: Sequence[TensorProfile], source: CandidateSource) -> Match | None:
    parsed = candidate.parsed
    options = [
        p
        for p in usable
        if p.parsed.role == parsed.role and (p.parsed.layer is None) == (parsed.layer is None)
    ]
    if not parsed.known:
        # An unrecognised role pairs by its text only with a tensor at the same place in the same layer.
        options = [p for p in options if p.parsed.layer == parsed.layer and p.shape == candidate.info.shape]
    return _best(candidate, options, source, "role")


def _by_content(
    candidate: Candidate, usable: Sequence[TensorProfile], source: CandidateSource
) -> Match | None:
    return _best(candidate, usable, source, "content")


@dataclass(frozen=True, kw_only=True)
class _Mapped:
    maps: list[LayerMap]
    matches: list[Match]
    rest: list[Candidate]
    unsampled: list[Unmatched]
    experts: list[ExpertMatch]


def _key(parsed: ParsedName) -> str:
    """A tensor's key within its layer: the role, and the expert index of a routed expert."""
    return parsed.role if parsed.expert is None else f"{parsed.role}#{parsed.expert}"


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
            or _key(p) in stacks[(p.component, p.stack)][p.layer]
        ):
            rest.append(candidate)  # a second tensor of one key is paired on its own, never dropped
        else:
            stacks[(p.component, p.stack)][p.layer][_key(p)] = candidate
    return stacks


def _map_layers(
    candidates: Sequence[Candidate],
    usable: Sequence[TensorProfile],
    source: CandidateSource,
    expert_seed: int,
) -> _Mapped:
    out = _Mapped(maps=[], matches=[], rest=[], unsampled=[], experts=[])
    stacks = _by_layer(candidates, out.rest)
    references: dict[str, dict[int, dict[str, TensorProfile]]] = defaultdict(lambda: defaultdict(dict))
    for profile in usable:
        if profile.parsed.layer is not None and profile.parsed.stack is not None:
            references[profile.parsed.stack][profile.parsed.layer].setdefault(_key(profile.parsed), profile)
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
        for layer, keys in sorted(layers.items()):
            ref_layer = ref_layers[target[layer]]
            pairs = [
                (c, ref_layer.get(k)) for k, c in sorted(keys.items()) if not k.startswith(_FFN_FAMILIES)
            ]
            ffn = {k: c for k, c in keys.items() if k.startswith(_FFN_FAMILIES)}
            where = (component, stack, layer, target[layer])
            pairs.extend(
                _match_ffn(
                    ffn=ffn, ref_layer=ref_layer, source=source, out=out, where=where, expert_seed=expert_seed
                )
            )
            for candidate, reference in pairs:
                match = _best(candidate, [reference], source, "layer map") if reference is not None else None
                if match is None:
                    out.rest.append(candidate)
                else:
                    out.matches.append(match)
    return out


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


def _match_ffn(
    *,
    ffn: Mapping[str, Candidate],
    ref_layer: Mapping[str, TensorProfile],
    source: CandidateSource,
    out: _Mapped,
    where: tuple[str, str, int, int],
    expert_seed: int,
) -> list[tuple[Candidate, TensorProfile | None]]:
    """Pair a layer's FFN tensors: each sampled candidate expert with its best reference FFN unit on half A.

    A dense FFN or shared expert keeps its counterpart of the same name unless another is clearly better
    (:data:`SWITCH_MARGIN`); a routed expert keeps its own index only while no other is clearly better.
    """
    component, stack, layer, ref_index = where
    groups = _groups(ffn)
    ref_groups = _groups({k: v for k, v in ref_layer.items() if k.startswith(_FFN_FAMILIES)})
    experts = sorted(g for g in groups if g[0] == "expert")
    sampled = set(experts)
    if len(experts) > EXPERTS_PER_LAYER:
        rng = np.random.default_rng(seed_for(f"experts|{expert_seed}|{stack}|{layer}"))
        picked = rng.choice(len(experts), size=EXPERTS_PER_LAYER, replace=False)
        sampled = {experts[int(i)] for i in picked}
    moe = bool(experts) or any(g[0] != "mlp" for g in ref_groups)
    pairs: list[tuple[Candidate, TensorProfile | None]] = []
    for group, suffixes in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or -1)):
        members = [ffn[k] for k in suffixes.values()]
        if group not in sampled and group[0] == "expert":
            reason = (
                f"expert not sampled ({EXPERTS_PER_LAYER} of {len(experts)} in this layer, "
                f"expert seed {expert_seed})"
            )
            out.unsampled.extend(Unmatched(candidate=c, reason=reason, skipped=True) for c in members)
            continue
        scores = {
            ref_group: _group_score(ffn, suffixes, ref_layer, ref_suffixes, source)
            for ref_group, ref_suffixes in ref_groups.items()
        }
        chosen = _choose_group(group, scores)
        if chosen is None:
            pairs.extend((c, None) for c in members)
            continue
        if moe:
            out.experts.append(
                ExpertMatch(
                    component=component,
                    candidate_stack=stack,
                    candidate_layer=layer,
                    candidate=_label(group),
                    candidate_expert=group[1],
                    reference_layer=ref_index,
                    reference=_label(chosen),
                    reference_expert=chosen[1],
                    score=scores[chosen],
                    tensors=tuple(c.info.name for c in members),
                )
            )
        ref_suffixes = ref_groups[chosen]
        pairs.extend(
            (ffn[key], ref_layer[ref_suffixes[suffix]] if suffix in ref_suffixes else None)
            for suffix, key in sorted(suffixes.items())
        )
    return pairs


def _group_score(
    ffn: Mapping[str, Candidate],
    suffixes: Mapping[str, str],
    ref_layer: Mapping[str, TensorProfile],
    ref_suffixes: Mapping[str, str],
    source: CandidateSource,
) -> float | None:
    scores = []
    for suffix, key in suffixes.items():
        reference = ref_layer[ref_suffixes[suffix]] if suffix in ref_suffixes else None
        if reference is None or reference.constant or reference.layout.kind != "residual":
            continue
        fits = orientations(ffn[key].info, reference)
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
                fits = orientations(candidate.info, reference)
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
