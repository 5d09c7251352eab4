"""Reading ahead for remote checkpoints: learn every range a stage will read, then fetch them in one batch.

Over HTTP each read costs a round trip, and the audit reads tensor after tensor; left alone, every tensor
would wait for its own. But where the audit reads does not depend on what it reads — the positions come
from roles and shapes (:mod:`~generator.audit.plan`) and the reference's sampled units — so each stage can be
*rehearsed* first on zeros (:meth:`~generator.audit.remote.Remote.rehearse` records the ranges and fetches
nothing), and the ranges it recorded fetched at once, in parallel (:meth:`~generator.audit.remote.Remote.
prefetch`). Reads the rehearsal could not foresee (a unit alignment that needs every unit, a tensor paired
under another name) are still made when asked for. A rehearsal that fails only loses the read-ahead: the
real pass reports the problem.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from generator.audit.experts import EXPERT_SEED, sampled_experts
from generator.audit.fingerprint import Fingerprint, TensorProfile, fingerprint_checkpoint, read_deferred
from generator.audit.header import stored_parts
from generator.audit.names import entries_of
from generator.audit.pairs import (
    Candidate,
    CandidateSource,
    can_switch,
    conventional,
    orientations,
    profile_score,
    storage_conventions,
    worth_reading_transposed,
)
from generator.audit.plan import profile_over_all_units
from generator.audit.read import Checkpoint, TensorInfo, TensorReader
from generator.audit.remote import Plan, Remote, RemoteFile
from generator.errors import InputError

_FAILED_REHEARSAL = (InputError, ArithmeticError, ValueError)
"""What a rehearsal on zeros may raise; it then reads nothing ahead."""


def reference_ahead(
    remote: Remote,
    reference: Checkpoint,
    candidate: Checkpoint | None = None,
    *,
    expert_seed: int = EXPERT_SEED,
) -> bool:
    """Start fetching everything fingerprinting ``reference`` (sampled positions only) will read — and, given
    the ``candidate``, right behind it, what aligning it reads first (:func:`candidate_ahead`'s first batch:
    it depends on the reference's roles, shapes and sampled units, which a rehearsal on zeros already has;
    rehearsed while the reference's bytes travel; beside a large reference's it waits for room). Whether that
    first batch of the candidate's was planned."""
    files = [f for f in reference.files if isinstance(f, RemoteFile)]
    if not files:
        return False
    try:
        with remote.rehearse(files) as plans:
            rehearsed = fingerprint_checkpoint(reference, keep_stored=True, statistics=False)
    except _FAILED_REHEARSAL:
        return False
    # each stored tensor (or slice) is dropped once read (`Remote.release_span`): no request joins two
    starts: dict[RemoteFile, set[int]] = {}
    parts = [p for t in rehearsed.tensors if t.stored is not None for p in stored_parts(t.stored)]
    for info in (*reference.tensors, *parts):
        if isinstance(info.file, RemoteFile):
            starts.setdefault(info.file, set()).add(info.offset)
    remote.prefetch(plans, bounds={file: sorted(offsets) for file, offsets in starts.items()})
    theirs = None
    if candidate is not None and (ours := _candidate_files(candidate)):
        named = _named(rehearsed, candidate, expert_seed)
        theirs = _rehearsed(remote, ours, _first_reads(named), profiles=True)
    if theirs is None:
        return False
    remote.prefetch(theirs)
    return True


def candidate_ahead(
    remote: Remote,
    fingerprint: Fingerprint,
    candidate: Checkpoint,
    *,
    first_fetched: bool = False,
    expert_seed: int = EXPERT_SEED,
) -> None:
    """Fetch what aligning and comparing read first of each candidate tensor named like a reference
    tensor: its profile and sampled block as stored (or in the one orientation that fits; skipped when
    ``first_fetched`` — :func:`reference_ahead` fetched them); then, in a
    second batch, the transposed orientation of those whose stored profile leaves it a chance
    (:func:`~generator.audit.pairs.can_switch` — a copy or fine-tune settles it, and its transposed window,
    often the whole tensor, is never fetched) — its sampled block, and in a third its profile where that is
    worth reading (:func:`~generator.audit.pairs.worth_reading_transposed`)."""
    files = _candidate_files(candidate)
    if not files:
        return
    named = _named(fingerprint, candidate, expert_seed)
    if not first_fetched and not _read_ahead(remote, files, _first_reads(named)):
        return
    later = []
    with TensorReader() as reader:  # reads what was just fetched: no request
        source = CandidateSource(reader)
        for info, profile, fits in named:
            if len(fits) < 2 or profile.constant or profile.deferred:
                continue  # a deferred reference tensor is read once matched: its score waits till then
            try:
                score = profile_score(source.profile(info, profile, fits[0]), profile)
            except _FAILED_REHEARSAL:
                continue  # the real pass reports it
            if can_switch(score, profile, margin=True):
                later += [(info, profile, transposed) for transposed in fits[1:]]
    # the sampled blocks first: where a transposed profile needs every unit, they decide whether it is read
    if not _read_ahead(remote, files, later, profiles=False):
        return
    with TensorReader() as reader:
        source = CandidateSource(reader)
        worth = [read for read in later if _worth(*read, source)]
    _read_ahead(remote, files, worth, blocks=False)  # their sampled blocks came in the batch before


def deferred_ahead(remote: Remote, profiles: Sequence[TensorProfile]) -> None:
    """Fetch in one batch what reading these deferred reference tensors reads
    (:func:`~generator.audit.fingerprint.read_deferred`: the matched experts' output projections)."""
    files = list(
        dict.fromkeys(
            part.file
            for p in profiles
            if p.stored is not None
            for part in stored_parts(p.stored)
            if isinstance(part.file, RemoteFile)
        )
    )
    if not files:
        return
    try:
        with remote.rehearse(files) as plans:
            read_deferred(profiles, statistics=False)
    except _FAILED_REHEARSAL:
        return
    remote.prefetch(plans)


def _candidate_files(candidate: Checkpoint) -> list[RemoteFile]:
    return [f for f in candidate.files if isinstance(f, RemoteFile)]


def _named(
    fingerprint: Fingerprint, candidate: Checkpoint, expert_seed: int
) -> list[tuple[TensorInfo, TensorProfile, list[bool]]]:
    """Each remote candidate tensor named like a residual reference tensor, with the orientations that fit
    (a square matrix only the way its component stores its one-way matrices, where they tell:
    :func:`~generator.audit.pairs.storage_conventions`, as the audit reads it) — but the routed experts the
    audit leaves out of its sample, which it never reads."""
    left_out = _unsampled(candidate, expert_seed)
    ours = {t.name: t for t in candidate.tensors if isinstance(t.file, RemoteFile) and t.name not in left_out}
    named = [
        (info, profile, fits)
        for profile in fingerprint.tensors
        if (info := ours.get(profile.name)) is not None
        and profile.layout.kind == "residual"
        and (fits := orientations(info, profile))
    ]
    ways = storage_conventions(
        (Candidate(info=info, parsed=profile.parsed), profile) for info, profile, _ in named
    )
    return [(info, p, conventional(fits, ways.get(p.parsed.component))) for info, p, fits in named]


def _unsampled(candidate: Checkpoint, expert_seed: int) -> set[str]:
    """The candidate's routed-expert tensors outside the audit's sample
    (:func:`~generator.audit.experts.sampled_experts`)."""
    layers: dict[tuple[str, int], dict[str, int | None]] = defaultdict(dict)
    for info, parsed in entries_of(candidate.tensors):
        if parsed.role.startswith("expert.") and parsed.stack is not None and parsed.layer is not None:
            layers[(parsed.stack, parsed.layer)][info.name] = parsed.expert
    left_out: set[str] = set()
    for (stack, layer), experts in layers.items():
        kept = sampled_experts(list(experts.values()), expert_seed, stack, layer)
        left_out |= {name for name, expert in experts.items() if expert not in kept}
    return left_out


def _first_reads(
    named: list[tuple[TensorInfo, TensorProfile, list[bool]]],
) -> list[tuple[TensorInfo, TensorProfile, bool]]:
    """Each named tensor in the first orientation that fits it (as stored, where that fits)."""
    return [(info, profile, fits[0]) for info, profile, fits in named]


def _worth(info: TensorInfo, profile: TensorProfile, transposed: bool, source: CandidateSource) -> bool:
    try:
        return not transposed or worth_reading_transposed(info, profile, source)
    except _FAILED_REHEARSAL:
        return False  # the real pass reports it


def _read_ahead(
    remote: Remote,
    files: list[RemoteFile],
    reads: list[tuple[TensorInfo, TensorProfile, bool]],
    *,
    profiles: bool = True,
    blocks: bool = True,
) -> bool:
    """Rehearse each candidate tensor's sampled block and profile (or one of them) in one orientation, then
    fetch them all; ``False`` when the rehearsal failed (nothing is then read ahead)."""
    plans = _rehearsed(remote, files, reads, profiles=profiles, blocks=blocks)
    if plans is None:
        return False
    remote.prefetch(plans)
    return True


def _rehearsed(
    remote: Remote,
    files: list[RemoteFile],
    reads: list[tuple[TensorInfo, TensorProfile, bool]],
    *,
    profiles: bool,
    blocks: bool = True,
) -> dict[RemoteFile, Plan] | None:
    """The ranges those reads make, learnt on zeros; ``None`` when the rehearsal failed."""
    if not reads:
        return {}
    try:
        with remote.rehearse(files) as plans, TensorReader() as reader:
            source = CandidateSource(reader)
            for info, profile, transposed in reads:
                if profiles:  # what `source.profile` reads, with no profile computed from the zeros
                    every = profile_over_all_units(profile.layout)
                    source.block(info, profile, transposed=transposed, all_units=every)
                if blocks:
                    source.block(info, profile, transposed=transposed, all_units=False)
    except _FAILED_REHEARSAL:
        return None
    return plans
