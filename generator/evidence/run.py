"""Running a configured Hub audit and writing its evidence file (:func:`run_evidence`).

Each spelling of an unconfirmed repository id is tried, and which one resolved is recorded; the audit reads
the candidate and the reference at those commits over HTTP. A file is replaced atomically and only after its
audit finished: a failed audit leaves no partial file. The commits in a file pin it: a later run for the
same commits and engine version leaves it untouched, and a newer commit on the Hub is a new audit — never an
overwrite.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pydantic

from generator import __version__
from generator.audit.configured import AuditSummary, summarise
from generator.errors import InputError
from generator.evidence.files import SCHEMA, evidence_path
from generator.evidence.replication import section
from generator.model import Checkpoint, HubAudit, Round, Statistic

ENGINE = "sovereign-ai-report"
"""The package whose version is recorded as the engine version."""
_SUMMARY = pydantic.TypeAdapter(AuditSummary)


def configured(round_: Round) -> tuple[HubAudit, ...]:
    """Every configured Hub audit of the round, in the data's order."""
    return tuple(a for record in round_.independence.records.values() for a in record.hub_audits)


def reproduce_command(data_dir: Path, audit_id: str, device: str) -> str:
    """The one command that runs this audit again."""
    return f"python -m generator evidence --data {data_dir.as_posix()} --only {audit_id} --device {device}"


# ---- running --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Resolved:
    """A checkpoint resolved on the Hub."""

    repo: str
    """The spelling that resolved."""
    revision: str
    """Its commit SHA."""
    tried: tuple[tuple[str, str], ...]
    """Spellings tried before it, each with why it did not resolve."""


Resolver = Callable[[str, str], str]
"""``(repo, revision) -> commit SHA``; raises :class:`InputError` (not found, gated, network)."""


Auditor = Callable[[str, str, str], Any]
"""``(candidate location, reference location, device) -> AuditReport``."""


Replicator = Callable[[str, str, Any, Sequence[Statistic]], Any]
"""``(candidate location, reference location, AuditReport, statistics) -> Measured``: the published analyses'
statistics (:func:`generator.audit.published.measure`)."""


@dataclass(frozen=True, kw_only=True)
class RunOutcome:
    """What one audit's run did."""

    audit: str
    """The audit's id."""
    status: Literal["written", "unchanged", "newer_revision", "failed"]
    """``written`` (new or changed), ``unchanged`` (same commits, same engine), ``newer_revision`` (the Hub
    moved on: the file keeps the audited commits), ``failed`` (no file written)."""
    detail: str
    """One line a person reads."""


def resolve(checkpoint: Checkpoint, resolver: Resolver) -> Resolved:
    """The first spelling that resolves at the configured revision, and why the ones before did not."""
    tried: list[tuple[str, str]] = []
    for repo in checkpoint.repos:
        try:
            return Resolved(repo=repo, revision=resolver(repo, checkpoint.revision), tried=tuple(tried))
        except InputError as error:
            tried.append((repo, str(error)))
    raise InputError("; ".join(f"{repo}: {error}" for repo, error in tried))


def hub_resolver() -> Resolver:
    """Resolves revisions on the Hub (``HF_ENDPOINT`` and ``HF_TOKEN`` honoured), as the audit's reader does:
    clean errors for a missing or gated repository, an unknown revision, the network."""
    # the audit stack is heavy to import; the reader's own revision look-up, so that errors read the same
    from generator.audit.locate import _hub_revision, hub_endpoint  # noqa: PLC0415
    from generator.audit.remote import Remote  # noqa: PLC0415

    def commit(repo: str, revision: str) -> str:
        endpoint = hub_endpoint()
        with Remote(workers=1) as remote:
            return _hub_revision(remote, f"hf://{repo}@{revision}", endpoint, repo, revision)[0]

    return commit


def engine_auditor(candidate: str, reference: str, device: str) -> Any:
    """The real engine over HTTP: sampled reading, no cache on disk (a hosted runner has 14 GB)."""
    from generator.audit import run_audit  # noqa: PLC0415 — torch is imported only when an audit runs

    return run_audit(candidate, reference, device=device, cache=None)


def engine_replicator(candidate: str, reference: str, report: Any, statistics: Sequence[Statistic]) -> Any:
    """The published analyses' statistics read over HTTP, only the tensors they need."""
    from generator.audit.published import measure  # noqa: PLC0415 — the audit stack is heavy to import

    return measure(candidate, reference, report, statistics)


def run_evidence(
    audit: HubAudit,
    data_dir: Path,
    *,
    device: str,
    resolver: Resolver,
    auditor: Auditor = engine_auditor,
    replicator: Replicator = engine_replicator,
    today: Callable[[], date] = date.today,
    clock: Callable[[], float] = time.monotonic,
) -> RunOutcome:
    """Run one configured audit and write its evidence file, unless the file already holds these commits."""
    path = evidence_path(data_dir, audit.id)
    try:
        started = clock()
        candidate = _resolve("candidate", audit.candidate, resolver)
        reference = _resolve("reference", audit.reference, resolver)
        previous = _previous(path)
        if previous is not None:
            pinned, now = _pinned(previous), (candidate.revision, reference.revision)
            moved = pinned != now and all(pinned)
            if moved and audit.candidate.revision == audit.reference.revision == "main":
                return RunOutcome(
                    audit=audit.id,
                    status="newer_revision",
                    detail=(
                        f"{path}: kept — the Hub has newer commits "
                        f"({candidate.repo}@{candidate.revision[:12]}, "
                        f"{reference.repo}@{reference.revision[:12]}); "
                        "a newer revision is a new audit: "
                        "configure one with a new id and those revisions"
                    ),
                )
            if pinned == now and previous.get("engine", {}).get("version") == __version__:
                return RunOutcome(
                    audit=audit.id, status="unchanged", detail=f"{path}: unchanged (same commits)"
                )
        locations = (f"hf://{r.repo}@{r.revision}" for r in (candidate, reference))
        cand_at, ref_at = locations
        report = auditor(cand_at, ref_at, device)
        statistics = [r.statistic for r in audit.replicates]
        measured = replicator(cand_at, ref_at, report, statistics) if statistics else None
        document = evidence_document(
            audit,
            candidate=candidate,
            reference=reference,
            report=report,
            command=reproduce_command(data_dir, audit.id, device),
            today=today(),
            seconds=clock() - started,
            measured=measured,
        )
    except InputError as error:
        return RunOutcome(audit=audit.id, status="failed", detail=f"{audit.id}: {error}; no file written")
    write_atomically(path, dump(document))
    return RunOutcome(
        audit=audit.id, status="written", detail=f"{path}: {document['verdict']} ({document['summary']})"
    )


def _resolve(role: str, checkpoint: Checkpoint, resolver: Resolver) -> Resolved:
    try:
        return resolve(checkpoint, resolver)
    except InputError as error:
        raise InputError(f"{role} not resolved — {error}") from error


def _previous(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _pinned(document: Mapping[str, Any]) -> tuple[str, str]:
    def sha(role: str) -> str:
        part = document.get(role)
        return str(part.get("revision", "")) if isinstance(part, dict) else ""

    return sha("candidate"), sha("reference")


# ---- the file's content ---------------------------------------------------------------------------


def evidence_document(
    audit: HubAudit,
    *,
    candidate: Resolved,
    reference: Resolved,
    report: Any,
    command: str,
    today: date,
    seconds: float,
    measured: Any = None,
) -> dict[str, Any]:
    """The evidence file's content (plain JSON values; keys in a fixed order)."""
    summary = summarise(report)
    return {
        "schema": SCHEMA,
        "audit": audit.id,
        "team": audit.team,
        "reason": {
            "kind": audit.reason.kind,
            "allegation": audit.reason.allegation,
            "basis": audit.reason.basis,
        },
        "candidate": _resolved(candidate),
        "reference": _resolved(reference),
        "engine": {"package": ENGINE, "version": __version__},
        "command": command,
        "date": today.isoformat(),
        "seconds": round(seconds, 1),
        "transfer": dict(report.transfer or {}),
        "files": {
            "candidate": [_file(f) for f in report.candidate_files],
            "reference": [_file(f) for f in report.reference_files],
        },
        "verdict": report.verdict,
        "summary": report.summary,
        "shared_origin": list(report.shared_origin),
        "result": _SUMMARY.dump_python(summary, mode="json"),
        "expert_matches": [_plain(asdict(m)) for c in report.components for m in c.expert_matches],
        "method": _plain(report.method),
        # configs and tokenizers compared (not evidence of reuse); None when the engine has no such comparison
        "cheap": report.cheap.to_json() if getattr(report, "cheap", None) is not None else None,
        # the published analyses' statistics on the same tensors, each figure beside ours (method page)
        "replication": section(audit.replicates, measured) if audit.replicates and measured else None,
    }


def _resolved(resolved: Resolved) -> dict[str, Any]:
    return {
        "repo": resolved.repo,
        "revision": resolved.revision,
        "tried": [{"repo": repo, "error": error} for repo, error in resolved.tried],
    }


def _file(file: Any) -> dict[str, Any]:
    location = str(file.location)
    name = location.split(f"/resolve/{file.revision}/", 1)[-1] if file.revision else location
    return {"name": name, "size": file.size, "sha256": file.sha256}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dump(document: Mapping[str, Any]) -> bytes:
    """The file's bytes: the same document always gives the same bytes."""
    return (json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file beside it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        Path(temporary).chmod(0o644)  # mkstemp makes it private; evidence is public
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
