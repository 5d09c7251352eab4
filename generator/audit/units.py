"""Stage 6a — units: which candidate unit stands for each sampled reference unit (on half A).

Unit *i* with unit *i* when the index alignment is already clear; else each reference unit's best-matching
candidate unit — permuted neurons and heads are found this way; where no sampled unit agrees with its own
index, a wide tensor's units are searched first in one seeded run of them, and all of them are read only when
the run shows clear matches. Every choice is made on half A, so the tests on half B stay exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from generator.audit.fingerprint_file import TensorProfile
from generator.audit.names import ParsedName
from generator.audit.pairs import CandidateSource, Match
from generator.audit.plan import search_run
from generator.audit.stats import best_matches, identity_hits_log10_p, row_correlations, standardise
from generator.audit.tokens import is_token_rows
from generator.audit.values import to_float


@dataclass(frozen=True, kw_only=True)
class UnitAlignment:
    """How hidden units were aligned (on half A)."""

    method: Literal["index", "matched", "mixed"]
    """``index``: unit i with unit i; ``matched``: each reference unit with its best-matching candidate unit;
    ``mixed``: some of each (e.g. whole attention heads moved, others left in place)."""
    sampled: int
    """Reference units sampled."""
    index_z: float | None
    """z-score of the index alignment on half A (``None`` when the unit counts differ)."""
    hits: int | None
    """Reference units whose best match is their own index."""
    log10_p_hits: float | None
    """log10 of a bound on the chance of that many hits under independence."""
    mean_best_correlation: float
    """Mean correlation of each reference unit with its best match on half A."""
    moved: int
    """Reference units aligned with a candidate unit other than their own index."""
    flipped: int = 0
    """Aligned units whose sign was flipped (clearly negative correlation on half A); flipping a unit's
    incoming and outgoing weights leaves an odd-symmetric or linear path's function unchanged."""
    searched: int | None = None
    """Candidate units among which best matches were sought: all of them, or — where no sampled unit agreed
    with its own index and none matched clearly inside a seeded run of units (:func:`~generator.audit.plan.
    search_run`) — that run only (``hits`` is then ``None``), or none (``0``) where the tensor sharing these
    units and read over all of them (``o_proj`` for ``q/k/v``, ``down_proj`` for ``gate/up``) showed no
    relation either; ``None`` when no search was needed."""


WRITERS = {"o": ("q", "k", "v", "qkv"), "down": ("gate", "up", "gate_up")}
"""Tensors whose units are columns read over every unit (keys) and those sharing their units as rows: a
function-preserving re-ordering of heads or neurons moves both alike."""


def unit_group(reference: TensorProfile, match: Match) -> tuple[Any, ...] | None:
    """The group of tensors sharing this tensor's hidden units — same component, layer and expert, the
    FFN's or the attention's — or ``None`` outside one."""
    candidate = match.candidate.parsed
    family, kind = _family_and_kind(reference)
    if family not in {"attn", "mlp", "expert", "shared"} or not any(
        kind == writer or kind in readers for writer, readers in WRITERS.items()
    ):
        return None
    return (
        candidate.component,
        candidate.stack,
        candidate.layer,
        candidate.expert,
        family,
        _module(candidate),
    )


def _family_and_kind(reference: TensorProfile) -> tuple[str, str]:
    """``("attn", "o")`` for a role ``attn.o.weight``."""
    family, _, rest = reference.parsed.role.partition(".")
    return family, rest.partition(".")[0]


def _module(parsed: ParsedName) -> str:
    """The module a tensor belongs to (``model.layers.3.self_attn``): a decoder's self- and cross-attention
    share a layer and a role family, not their units."""
    # a fused tensor's per-expert view is named ``…experts.gate_up_proj[3.gate]``
    parts = parsed.name.split("[")[0].split(".")
    if len(parts) > 1 and parts[-1] in {"weight", "bias"}:
        parts = parts[:-1]
    return ".".join(parts[:-1])


def writes_units(reference: TensorProfile) -> bool:
    """Whether this tensor is the one of its group read over every unit (compared first)."""
    return _family_and_kind(reference)[1] in WRITERS


def unflip(
    aligned: npt.NDArray[np.float64], ref_values: npt.NDArray[np.float64], half: int
) -> tuple[npt.NDArray[np.float64], int]:
    """Aligned units with a clearly negative correlation on half A, sign-flipped; and how many.

    Decided on half A only, so the tests on half B stay exact.
    """
    flip = _half_a_correlations(aligned, ref_values, half) <= -_threshold(aligned.shape[0], half)
    if not flip.any():
        return aligned, 0
    return np.where(flip[:, None], -aligned, aligned), int(np.count_nonzero(flip))


def _half_a_correlations(
    cand: npt.NDArray[np.float64], ref: npt.NDArray[np.float64], half: int
) -> npt.NDArray[np.float64]:
    """Per row, the correlation of candidate and reference units on half A of the window."""
    return row_correlations(cand[:, :half], ref[:, :half])


def _threshold(units: int, half: int) -> float:
    """A best match above this is beyond what the maximum over ``units`` candidate units reaches by chance."""
    return min(0.9, (math.sqrt(2 * math.log(max(2, units))) + 2) / math.sqrt(max(1, half)))


def hidden_units(
    match: Match, source: CandidateSource, ref_values: npt.NDArray[np.float64], half: int, device: Any
) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64], UnitAlignment]:
    """Candidate rows aligned with the reference's sampled units, reading all units only when needed.

    First only the sampled units are read; when every one of them agrees clearly with its own index on
    half A, that is the alignment (a copy or a fine-tune). Otherwise all units are read and matched — after
    a search of one run of them (:func:`_search`) unless the tensor sharing these units (``o_proj`` for
    ``q/k/v``, ``down_proj`` for ``gate/up``: :func:`unit_group`) already told: no relation (not searched)
    or a relation (searched whole: heads moved as blocks can all miss a run). That tensor, compared first,
    is itself searched whole, its block over every unit being read anyway. Half A only throughout.
    """
    info, reference = match.candidate.info, match.reference
    own = np.asarray(reference.units, dtype=np.int64)
    count = source.unit_count(info, reference, match.transposed)
    group = unit_group(reference, match)
    writer = group is not None and writes_units(reference) and not match.transposed
    clear = np.zeros(0, dtype=bool)
    if count == _unit_count(reference):
        sampled = source.block(info, reference, transposed=match.transposed, all_units=False)
        values = to_float(sampled, info.dtype)
        own_corr = _half_a_correlations(values, ref_values, half)
        clear = np.abs(own_corr) >= _threshold(count, half)
        known = None if group is None or writer else source.units_related.get(group)
        searched = None
        if not clear.any() and known is False:
            searched = _by_index(own_corr, half, searched=0)
        elif not clear.any() and known is None and not writer:
            searched = _search(match, source, ref_values, own_corr, values, half=half, device=device)
        if searched is not None:
            return sampled, np.arange(own.size), searched
        if own.size and bool(np.all(clear)):
            if writer and group is not None:
                source.units_related[group] = True
            return sampled, np.arange(own.size), _by_index(own_corr, half, searched=None)
    everything = source.block(info, reference, transposed=match.transposed, all_units=True)
    chosen, alignment = _align_units(to_float(everything, info.dtype), ref_values, reference, half, device)
    if writer and group is not None and count == _unit_count(reference):
        source.units_related[group] = bool(clear.any()) or alignment.moved > 0
    return everything, chosen, alignment


def token_units(
    match: Match, source: CandidateSource, ref_values: npt.NDArray[np.float64], half: int, device: Any
) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64], UnitAlignment | None, npt.NDArray[np.bool_]]:
    """Candidate token rows for the reference's sampled ones, and which sampled rows are kept.

    By index when every sampled row the candidate has agrees clearly with its own index on half A (the
    vocabulary unchanged, grown, or cut at its end); otherwise every candidate row is read and each sampled
    reference row is matched on half A (rows removed from the middle, or re-ordered) — after a search of the
    candidate's sampled rows and one run of others (:func:`_search`), and not at all where no ``o_proj`` or
    ``down_proj`` of the component showed a relation (:func:`component_related`; they are compared first):
    a re-numbered vocabulary is looked for in a model whose other weights are related, or through the
    tokenizers beside both (pairing rows by string, no search).
    """
    info, reference = match.candidate.info, match.reference
    keep = np.isin(np.asarray(reference.units), source.present_units(info, reference, match.transposed))
    sampled = source.block(info, reference, transposed=match.transposed, all_units=False)
    count = source.unit_count(info, reference, match.transposed)
    if keep.any():
        values = to_float(sampled, info.dtype)
        own_corr = _half_a_correlations(values, ref_values[keep], half)
        clear = np.abs(own_corr) >= _threshold(count, half)
        if bool(np.all(clear)):
            return sampled, np.arange(sampled.shape[0]), None, keep
        if count == _unit_count(reference) and not clear.any():
            if component_related(source, match.candidate.parsed.component) is False:
                searched: UnitAlignment | None = _by_index(own_corr, half, searched=0)
            else:
                searched = _search(match, source, ref_values, own_corr, values, half=half, device=device)
            if searched is not None:
                return sampled, np.arange(sampled.shape[0]), searched, keep
    everything = source.block(info, reference, transposed=match.transposed, all_units=True)
    units = np.asarray(reference.units, dtype=np.int64)
    own = source.candidate_units(reference, units)  # by string when the vocabulary was re-numbered
    chosen, alignment = _align_units(
        to_float(everything, info.dtype),
        ref_values,
        reference,
        half,
        device,
        own=own,
        paired=source.tokens is not None and is_token_rows(reference),
    )
    return everything, chosen, alignment, np.ones(keep.shape, dtype=bool)


def component_related(source: CandidateSource, component: str) -> bool | None:
    """Whether any ``o_proj``/``down_proj`` of ``component`` — or, where it has none (a separate output head),
    of any component — (compared first: :func:`unit_group`) showed its units related to the reference's on
    half A; ``None`` when none was compared."""
    groups = source.units_related
    seen = [related for group, related in groups.items() if group[0] == component] or list(groups.values())
    return any(seen) if seen else None


def _search(
    match: Match,
    source: CandidateSource,
    ref_values: npt.NDArray[np.float64],
    own_corr: npt.NDArray[np.float64],
    sampled: npt.NDArray[np.float64],
    *,
    half: int,
    device: Any,
) -> UnitAlignment | None:
    """The index alignment, when no sampled unit agrees with its own index and none matches clearly among
    the candidate's own sampled units (``sampled``, already read) or inside a seeded run of its other units;
    ``None`` (search them all) otherwise, or for a small tensor.

    Decided on half A only, so the test on half B stays exact; an independent candidate then reads one run
    of units instead of all of them — shorter by the partners its sampled units are expected to hold —,
    while a re-ordered copy still shows clear matches there.
    """
    info, reference = match.candidate.info, match.reference
    count = source.unit_count(info, reference, match.transposed)
    run = search_run(reference.parsed.seed_role, reference.shape, count, own_corr.size, seen=sampled.shape[0])
    if run is None or own_corr.size == 0:
        return None
    ref_a, threshold = standardise(ref_values[:, :half]), _threshold(count, half)
    blocks = [sampled[:, :half]]
    if len(run):
        raw = source.run_block(info, reference, transposed=match.transposed, run=run)
        blocks.append(to_float(raw, info.dtype)[:, :half])
    best = []
    for block in blocks:
        _, best_corr = best_matches(ref_a, standardise(block), device=device)
        if bool(np.any(np.abs(best_corr) >= threshold)):
            return None
        best.append(best_corr)
    stacked = np.stack(best)  # each reference unit's best match among the units searched
    strongest = stacked[np.argmax(np.abs(stacked), axis=0), np.arange(stacked.shape[1])]
    return _by_index(own_corr, half, searched=len(run) + sampled.shape[0], best=float(strongest.mean()))


def _by_index(
    own_corr: npt.NDArray[np.float64], half: int, *, searched: int | None, best: float | None = None
) -> UnitAlignment:
    """The index alignment of units whose own half-A correlations are ``own_corr``: every one clear
    (``searched=None``), none clear and nothing clearer in a searched run (its length, with the mean
    ``best`` match there), or none clear and not searched (``0``: the tensor sharing these units showed no
    relation)."""
    return UnitAlignment(
        method="index",
        sampled=int(own_corr.size),
        index_z=float(own_corr.mean() * math.sqrt(own_corr.size * half)) if own_corr.size else 0.0,
        hits=None,
        log10_p_hits=None,
        mean_best_correlation=float(own_corr.mean()) if best is None else best,
        moved=0,
        searched=searched,
    )


def _align_units(
    cand: npt.NDArray[np.float64],
    ref: npt.NDArray[np.float64],
    reference: TensorProfile,
    half: int,
    device: Any,
    *,
    own: npt.NDArray[np.int64] | None = None,
    paired: bool = False,
) -> tuple[npt.NDArray[np.int64], UnitAlignment]:
    """Per reference unit: its own candidate unit, unless another matches clearly better on half A.

    ``own``: each reference unit's own candidate unit (``-1``: none) — its index, or for token rows paired
    by string (``paired``) the row of the same token; a unit without one takes its best match.
    """
    own = np.asarray(reference.units, dtype=np.int64) if own is None else own
    cand_a, ref_a = standardise(cand[:, :half]), standardise(ref[:, :half])
    best, best_corr = best_matches(ref_a, cand_a, device=device)
    threshold = _threshold(cand.shape[0], half)
    index_z, hits, log10_hits = None, None, None
    chosen = best.copy()
    valid = (own >= 0) & (own < cand.shape[0])
    if valid.any() and (paired or _unit_count(reference) == cand.shape[0]):
        own_corr = np.where(valid, (ref_a * cand_a[np.where(valid, own, 0)]).sum(axis=1), 0.0)
        index_z = float(own_corr[valid].mean() * math.sqrt(int(valid.sum()) * half))
        hits = int(np.count_nonzero((best == own) & valid))
        log10_hits = identity_hits_log10_p(hits, int(valid.sum()), cand.shape[0])
        moved = ~valid | ((np.abs(best_corr) >= threshold) & (np.abs(best_corr) > np.abs(own_corr) + 0.1))
        chosen = np.where(moved, best, own)
    method: Literal["index", "matched", "mixed"] = (
        "index" if np.array_equal(chosen, own) else "matched" if np.array_equal(chosen, best) else "mixed"
    )
    alignment = UnitAlignment(
        method=method,
        searched=int(cand.shape[0]),
        sampled=int(own.size),
        index_z=index_z,
        hits=hits,
        log10_p_hits=log10_hits,
        mean_best_correlation=float(best_corr.mean()) if best_corr.size else 0.0,
        moved=int(np.count_nonzero(chosen != own)) if chosen.shape == own.shape else int(own.size),
    )
    return chosen, alignment


def _unit_count(reference: TensorProfile) -> int:
    rows = reference.shape[0] if len(reference.shape) >= 2 else 1
    cols = math.prod(reference.shape[1:]) if len(reference.shape) >= 2 else reference.shape[0]
    return cols if reference.layout.residual_axis == 0 else rows
