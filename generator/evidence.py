"""Evidence files: each configured Hub audit of a round, run and pinned to the commits it read.

``python -m generator evidence`` resolves each :class:`~generator.model.HubAudit` (every spelling of an
unconfirmed repository id is tried, and which one resolved is recorded), audits the candidate against the
reference at those commits over HTTP (sampled reading: headers and windows, no download, no disk cache) and
writes ``evidence/<audit-id>.json``: the repositories and commits, every weight file read with its size and
sha256, the engine version, the command, the date, bytes fetched, seconds taken, the verdicts with their
statistics, expert matches, and the cheap evidence (configs and tokenizers compared, each comparison "not
available" with the reason when a file is missing: the weight audit goes on).

A file is replaced atomically and only after its audit finished: a failed audit leaves no partial file.
The commits in a file pin it: a later run for the same commits and engine version leaves it untouched (the
date and time taken stay those of the audit that produced it), and a newer commit on the Hub is a new audit
— configure one with a new id and the new ``revision`` — never an overwrite.

``check`` validates every evidence file (:func:`check_evidence`): its schema, and that it matches the
configuration it claims.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from generator import __version__
from generator.audit.configured import AuditSummary, summarise
from generator.errors import InputError
from generator.load import Problems
from generator.model import Checkpoint, HubAudit, Round
from generator.replication import Statistic
from generator.replication_file import SectionIn, section, section_problems

SCHEMA = "sovereign-ai-report/evidence/2"
"""The evidence file format (bumped when a field changes meaning; 2 added ``replication``)."""
EVIDENCE_DIR = "evidence"
"""Folder of a round's evidence files."""
ENGINE = "sovereign-ai-report"
"""The package whose version is recorded as the engine version."""
_SUMMARY = pydantic.TypeAdapter(AuditSummary)


def configured(round_: Round) -> tuple[HubAudit, ...]:
    """Every configured Hub audit of the round, in the data's order."""
    return tuple(a for record in round_.independence.records.values() for a in record.hub_audits)


def evidence_path(data_dir: Path, audit_id: str) -> Path:
    """Where an audit's evidence file lies."""
    return data_dir / EVIDENCE_DIR / f"{audit_id}.json"


def reproduce_command(data_dir: Path, audit_id: str, device: str) -> str:
    """The one command that runs this audit again."""
    return f"python -m generator evidence --data {data_dir.as_posix()} --only {audit_id} --device {device}"


# ---- the file's format ------------------------------------------------------------------------------


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TriedIn(_Closed):
    repo: str
    error: str


class ResolvedIn(_Closed):
    repo: str
    revision: str = Field(pattern=r"^[0-9a-f]{40}$")
    tried: list[TriedIn]


class FileIn(_Closed):
    name: str
    size: int = Field(ge=0)
    sha256: str | None = Field(pattern=r"^[0-9a-f]{64}$")


class ReasonIn(_Closed):
    kind: Literal["allegation", "screen"]
    allegation: str | None
    basis: Literal["same_family", "other_team"] | None


class EvidenceIn(_Closed):
    """An evidence file as ``check`` reads it."""

    schema_: Literal["sovereign-ai-report/evidence/2"] = Field(alias="schema")
    audit: str
    team: str
    reason: ReasonIn
    candidate: ResolvedIn
    reference: ResolvedIn
    engine: dict[str, str]
    command: str
    date: date
    seconds: float = Field(ge=0)
    transfer: dict[str, int]
    files: dict[Literal["candidate", "reference"], list[FileIn]]
    verdict: Literal["identical", "derived", "independent", "inconclusive"]
    summary: str
    shared_origin: list[str]
    result: AuditSummary
    expert_matches: list[dict[str, Any]]
    method: dict[str, Any]
    cheap: dict[str, Any] | None
    replication: SectionIn | None
    """The published figures the audit reproduces, beside ours (``None``: it links none)."""


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
class Outcome:
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
    from generator.audit.locate import _hub_revision  # noqa: PLC0415
    from generator.audit.remote import Remote  # noqa: PLC0415

    def commit(repo: str, revision: str) -> str:
        endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
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
) -> Outcome:
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
                return Outcome(
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
                return Outcome(audit=audit.id, status="unchanged", detail=f"{path}: unchanged (same commits)")
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
        return Outcome(audit=audit.id, status="failed", detail=f"{audit.id}: {error}; no file written")
    write_atomically(path, dump(document))
    return Outcome(
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


# ---- checking -------------------------------------------------------------------------------------


def check_evidence(data_dir: Path, audits: Sequence[HubAudit], problems: Problems) -> dict[str, EvidenceIn]:
    """Every ``evidence/*.json``: valid, and matching the configured audit it claims to be; the files without
    a problem by audit id (``result`` is the :class:`~generator.audit.configured.AuditSummary` pages show)."""
    folder = data_dir / EVIDENCE_DIR
    if not folder.is_dir():
        return {}
    by_id = {a.id: a for a in audits}
    valid: dict[str, EvidenceIn] = {}
    for path in sorted(folder.glob("*.json")):
        evidence, messages = _read_one(path, by_id)
        for message in messages:
            problems.error(f"{EVIDENCE_DIR}/{path.name}", "", message)
        if evidence is not None and not messages:
            valid[evidence.audit] = evidence
    return valid


def _read_one(path: Path, by_id: Mapping[str, HubAudit]) -> tuple[EvidenceIn | None, list[str]]:
    try:
        evidence = EvidenceIn.model_validate_json(path.read_bytes())
    except pydantic.ValidationError as error:
        return None, [
            f"{'.'.join(str(p) for p in item['loc']) or 'file'}: {item['msg']}" for item in error.errors()[:5]
        ]
    return evidence, list(_problems(path, evidence, by_id))


def _problems(path: Path, evidence: EvidenceIn, by_id: Mapping[str, HubAudit]) -> Iterator[str]:
    audit = by_id.get(evidence.audit)
    if audit is None:
        yield f"audit {evidence.audit!r} is not configured in audits.yaml"
        return
    if path.stem != audit.id:
        yield f"holds audit {audit.id!r}; the file must be named {audit.id}.json"
    if evidence.team != audit.team:
        yield f"team {evidence.team!r}, but audits.yaml configures {audit.id!r} for {audit.team!r}"
    claimed = (evidence.reason.kind, evidence.reason.allegation, evidence.reason.basis)
    if claimed != (audit.reason.kind, audit.reason.allegation, audit.reason.basis):
        yield f"reason {claimed} differs from audits.yaml's"
    roles: tuple[tuple[Literal["candidate", "reference"], ResolvedIn, Checkpoint], ...] = (
        ("candidate", evidence.candidate, audit.candidate),
        ("reference", evidence.reference, audit.reference),
    )
    for role, resolved, checkpoint in roles:
        if resolved.repo not in checkpoint.repos:
            yield f"{role} {resolved.repo!r} is not a configured spelling ({', '.join(checkpoint.repos)})"
        if checkpoint.revision not in {"main", resolved.revision}:
            yield f"{role} commit {resolved.revision} is not the pinned revision {checkpoint.revision}"
        if not evidence.files.get(role):
            yield f"no {role} file is listed"
    if evidence.verdict != evidence.result.verdict:
        yield f"verdict {evidence.verdict!r} differs from the result's {evidence.result.verdict!r}"
    yield from section_problems(evidence.replication, audit.replicates)
