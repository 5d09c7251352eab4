"""An evidence file: where it lies, its format, and ``check``'s reading of it (:func:`check_evidence`).

``check`` validates every ``evidence/*.json``: its schema, and that it matches the configuration it claims
(the audit, its team and reason, the configured repositories and revisions, the ``replication`` section).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import Field

from generator.audit.configured import AuditSummary
from generator.evidence.replication import SectionIn, section_problems
from generator.load import Problems
from generator.model import Checkpoint, HubAudit
from generator.schema.fields import Strict

SCHEMA = "sovereign-ai-report/evidence/2"
"""The evidence file format (bumped when a field changes meaning; 2 added ``replication``)."""
EVIDENCE_DIR = "evidence"
"""Folder of a round's evidence files."""


def evidence_path(data_dir: Path, audit_id: str) -> Path:
    """Where an audit's evidence file lies."""
    return data_dir / EVIDENCE_DIR / f"{audit_id}.json"


# ---- the format -------------------------------------------------------------------------------------


class TriedIn(Strict):
    repo: str
    error: str


class ResolvedIn(Strict):
    repo: str
    revision: str = Field(pattern=r"^[0-9a-f]{40}$")
    tried: list[TriedIn]


class FileIn(Strict):
    name: str
    size: int = Field(ge=0)
    sha256: str | None = Field(pattern=r"^[0-9a-f]{64}$")


class ReasonIn(Strict):
    kind: Literal["allegation", "screen"]
    allegation: str | None
    basis: Literal["same_family", "other_team"] | None


class EvidenceFileIn(Strict):
    """An evidence file as ``check`` reads it (not :class:`generator.schema.EvidenceIn`, an allegation's
    published figure)."""

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


# ---- checking -------------------------------------------------------------------------------------


def check_evidence(
    data_dir: Path, audits: Sequence[HubAudit], problems: Problems
) -> dict[str, EvidenceFileIn]:
    """Every ``evidence/*.json``: valid, and matching the configured audit it claims to be; the files without
    a problem by audit id (``result`` is the :class:`~generator.audit.configured.AuditSummary` pages show)."""
    folder = data_dir / EVIDENCE_DIR
    if not folder.is_dir():
        return {}
    by_id = {a.id: a for a in audits}
    valid: dict[str, EvidenceFileIn] = {}
    for path in sorted(folder.glob("*.json")):
        evidence, messages = _read_one(path, by_id)
        for message in messages:
            problems.error(f"{EVIDENCE_DIR}/{path.name}", "", message)
        if evidence is not None and not messages:
            valid[evidence.audit] = evidence
    return valid


def _read_one(path: Path, by_id: Mapping[str, HubAudit]) -> tuple[EvidenceFileIn | None, list[str]]:
    try:
        evidence = EvidenceFileIn.model_validate_json(path.read_bytes())
    except pydantic.ValidationError as error:
        return None, [
            f"{'.'.join(str(p) for p in item['loc']) or 'file'}: {item['msg']}" for item in error.errors()[:5]
        ]
    return evidence, list(_problems(path, evidence, by_id))


def _problems(path: Path, evidence: EvidenceFileIn, by_id: Mapping[str, HubAudit]) -> Iterator[str]:
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
