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

from generator.audit.fingerprint import Fingerprint, fingerprint_checkpoint
from generator.audit.pairs import CandidateSource, orientations
from generator.audit.read import Checkpoint, TensorReader
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
    tensor: its profile in every orientation that fits, and its sampled block."""
    files = [f for f in candidate.files if isinstance(f, RemoteFile)]
    ours = {t.name: t for t in candidate.tensors if isinstance(t.file, RemoteFile)}
    if not files or not ours:
        return
    try:
        with remote.rehearse(files) as plans, TensorReader() as reader:
            source = CandidateSource(reader)
            for profile in fingerprint.tensors:
                info = ours.get(profile.name)
                if info is None or profile.layout.kind != "residual":
                    continue
                for transposed in orientations(info, profile):
                    source.profile(info, profile, transposed)
                    source.block(info, profile, transposed=transposed, all_units=False)
    except _FAILED_REHEARSAL:
        return
    remote.prefetch(plans)
