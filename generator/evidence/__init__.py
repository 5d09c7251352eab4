"""Evidence files: each configured Hub audit of a round, run and pinned to the commits it read.

``python -m generator evidence`` resolves each :class:`~generator.model.HubAudit` (every spelling of an
unconfirmed repository id is tried, and which one resolved is recorded), audits the candidate against the
reference at those commits over HTTP (sampled reading: headers and windows, no download, no disk cache) and
writes ``evidence/<audit-id>.json``: the repositories and commits, every weight file read with its size and
sha256, the engine version, the command, the date, bytes fetched, seconds taken, the verdicts with their
statistics, expert matches, the cheap evidence (configs and tokenizers compared, each comparison "not
available" with the reason when a file is missing: the weight audit goes on), and the published figures
the audit reproduces beside ours.

A file is replaced atomically and only after its audit finished: a failed audit leaves no partial file.
The commits in a file pin it: a later run for the same commits and engine version leaves it untouched (the
date and time taken stay those of the audit that produced it), and a newer commit on the Hub is a new audit
— configure one with a new id and the new ``revision`` — never an overwrite.

``check`` validates every evidence file (:func:`check_evidence`): its schema, and that it matches the
configuration it claims.

* :mod:`.run`: running an audit and writing its file;
* :mod:`.files`: where a file lies, its format, and checking it;
* :mod:`.replication`: the published figures beside ours — the comparison rules and the file's
  ``replication`` section.

The names of :mod:`.run` and :mod:`.files` are re-exported here.
"""

from __future__ import annotations

from generator.evidence.files import (
    EVIDENCE_DIR,
    SCHEMA,
    EvidenceFileIn,
    FileIn,
    ReasonIn,
    ResolvedIn,
    TriedIn,
    check_evidence,
    evidence_path,
)
from generator.evidence.run import (
    ENGINE,
    Auditor,
    Replicator,
    Resolved,
    Resolver,
    RunOutcome,
    configured,
    dump,
    engine_auditor,
    engine_replicator,
    evidence_document,
    hub_resolver,
    reproduce_command,
    resolve,
    run_evidence,
    write_atomically,
)

__all__ = [
    "ENGINE",
    "EVIDENCE_DIR",
    "SCHEMA",
    "Auditor",
    "EvidenceFileIn",
    "FileIn",
    "ReasonIn",
    "Replicator",
    "Resolved",
    "ResolvedIn",
    "Resolver",
    "RunOutcome",
    "TriedIn",
    "check_evidence",
    "configured",
    "dump",
    "engine_auditor",
    "engine_replicator",
    "evidence_document",
    "evidence_path",
    "hub_resolver",
    "reproduce_command",
    "resolve",
    "run_evidence",
    "write_atomically",
]
