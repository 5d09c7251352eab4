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

from generator.audit.fingerprint import Fingerprint, TensorProfile, fingerprint_checkpoint
from generator.audit.pairs import (
    CandidateSource,
    can_switch,
    orientations,
    profile_score,
    worth_reading_transposed,
)
from generator.audit.read import Checkpoint, TensorInfo, TensorReader
from generator.audit.remote import Remote, RemoteFile
from generator.errors import InputError

_FAILED_REHEARSAL = (InputError, ArithmeticError, ValueError)
"""What a rehearsal on zeros may raise; it then reads nothing ahead."""


def reference_ahead(remote: Remote, reference: Checkpoint) -> None:
    """Fetch everything fingerprinting ``reference`` (sampled positions only) will read."""
    files = [f for f in reference.files if isinstance(f, RemoteFile)]
    if not files:
        return
    try:
        with remote.rehearse(files) as plans:
            fingerprint_checkpoint(reference, keep_stored=True)
    except _FAILED_REHEARSAL:
        return
    remote.prefetch(plans)


def candidate_ahead(remote: Remote, fingerprint: Fingerprint, candidate: Checkpoint) -> None:
    """Fetch what aligning and comparing read first of each candidate tensor named like a reference
    tensor: its profile and sampled block as stored (or in the one orientation that fits); then, in a
    second batch, the transposed orientation of those whose stored profile leaves it a chance
    (:func:`~generator.audit.pairs.can_switch` — a copy or fine-tune settles it, and its transposed window,
    often the whole tensor, is never fetched) — its sampled block, and in a third its profile where that is
    worth reading (:func:`~generator.audit.pairs.worth_reading_transposed`)."""
    files = [f for f in candidate.files if isinstance(f, RemoteFile)]
    ours = {t.name: t for t in candidate.tensors if isinstance(t.file, RemoteFile)}
    if not files or not ours:
        return
    named = [
        (info, profile, fits)
        for profile in fingerprint.tensors
        if (info := ours.get(profile.name)) is not None
        and profile.layout.kind == "residual"
        and (fits := orientations(info, profile))
    ]
    first = [(info, profile, fits[0]) for info, profile, fits in named]
    if not _read_ahead(remote, files, first):
        return
    later = []
    with TensorReader() as reader:  # reads what was just fetched: no request
        source = CandidateSource(reader)
        for info, profile, fits in named:
            if len(fits) < 2 or profile.constant:
                continue
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
    _read_ahead(remote, files, worth)


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
) -> bool:
    """Rehearse each candidate tensor's sampled block (and its profile) in one orientation, then fetch them
    all; ``False`` when the rehearsal failed (nothing is then read ahead)."""
    if not reads:
        return True
    try:
        with remote.rehearse(files) as plans, TensorReader() as reader:
            source = CandidateSource(reader)
            for info, profile, transposed in reads:
                if profiles:
                    source.profile(info, profile, transposed)
                source.block(info, profile, transposed=transposed, all_units=False)
    except _FAILED_REHEARSAL:
        return False
    remote.prefetch(plans)
    return True
