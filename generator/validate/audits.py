"""``audits.yaml``: per team, its components, the allegations against it, its rulings and its audits.

A Hub audit may reproduce published figures of its allegation (``hub_audits[].replicates``): each link names
one of the allegation's figures by id (``allegations[].evidence[].id``) with the statistic of ours that
reproduces it (:data:`COMPATIBLE`); ``evidence`` sets the figure beside ours
(:mod:`generator.evidence.replication`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from generator import schema
from generator.load import YamlDocument
from generator.model import (
    Allegation,
    AuditReason,
    AuditRecord,
    Checkpoint,
    Component,
    EngineAudit,
    Evidence,
    HubAudit,
    PublishedFigure,
    Replication,
    Ruling,
    Statement,
    Statistic,
)
from generator.validate.parse import entry, maybe_text, text
from generator.validate.references import References, closest, duplicates

LABEL = "audits.yaml"
COMPATIBLE: Mapping[str, frozenset[Statistic]] = {
    "raw_cosine": frozenset({"norm_gain_cosine", "tensor_cosine"}),
    "pearson": frozenset({"norm_gain_pearson", "tensor_pearson"}),
    "centred_cosine": frozenset({"norm_gain_pearson", "tensor_pearson"}),
}
"""Which of ours reproduces a published statistic (Pearson is the centred cosine)."""


def resolve_audits(
    items: list[tuple[int, schema.AuditRecordIn]],
    doc: YamlDocument | None,
    refs: References,
    criteria: set[str] | None,
) -> dict[str, AuditRecord]:
    """Each team's record, in team order; ``criteria``: the known criterion ids (``None``: not known)."""
    records: dict[str, AuditRecord] = {}
    for index, item in items:
        where = entry(doc, index, item.team)
        refs.check("team", [item.team], LABEL, where)
        if item.team in records:
            refs.problems.error(LABEL, where, f"team {item.team!r} already has an audit record")
            continue
        _check_record(item, refs, criteria, where)
        records[item.team] = _record(item, refs, where)
    duplicates(
        [(a.id, a.team) for r in records.values() for a in r.hub_audits], f"{LABEL} hub_audits", refs.problems
    )
    return {t: records[t] for t in (refs.teams or []) if t in records}


def _check_record(
    item: schema.AuditRecordIn, refs: References, criteria: set[str] | None, where: str
) -> None:
    cited = [s for c in item.components for s in c.sources] + [s for a in item.allegations for s in a.sources]
    cited += [s for a in item.allegations for e in a.evidence for s in e.sources]
    cited += [s for a in item.allegations for r in a.responses for s in r.sources]
    cited += [s for r in item.rulings for s in r.sources]
    refs.check("source", cited, LABEL, where)
    for criterion in [a.criterion for a in item.allegations] + [r.criterion for r in item.rulings]:
        if criteria is not None and criterion not in criteria:
            refs.problems.error(
                LABEL, where, f"unknown criterion id {criterion!r}{closest(criterion, criteria)}"
            )
    ruled = [r.criterion for r in item.rulings]
    for criterion in sorted({c for c in ruled if ruled.count(c) > 1}):
        refs.problems.error(LABEL, where, f"two rulings on criterion {criterion!r}")
    components = {c.id for c in item.components}
    for audit in item.engine_audits:
        if audit.component is not None and audit.component not in components:
            refs.problems.error(
                LABEL, where, f"engine audit {audit.id!r} names unknown component {audit.component!r}"
            )
    for allegation in item.allegations:
        for evidence in allegation.evidence:
            if not evidence.sources:
                refs.problems.warn(
                    LABEL, where, f"evidence in {allegation.id!r} has no source; the site will say so"
                )


def _record(item: schema.AuditRecordIn, refs: References, where: str) -> AuditRecord:
    return AuditRecord(
        team=item.team,
        components=tuple(
            Component(
                id=c.id,
                name=text(c.name),
                kind=c.kind,
                origin=c.origin,
                reference=maybe_text(c.reference),
                weights=c.weights,
                licence_compliant=c.licence_compliant,
                note=maybe_text(c.note),
                sources=tuple(c.sources),
            )
            for c in item.components
        ),
        allegations=tuple(_allegation(a) for a in item.allegations),
        rulings=tuple(
            Ruling(criterion=r.criterion, finding=r.finding, reason=text(r.reason), sources=tuple(r.sources))
            for r in item.rulings
        ),
        engine_audits=tuple(
            EngineAudit(
                id=e.id,
                component=e.component,
                candidate=e.candidate,
                reference=e.reference,
                label=text(e.label),
            )
            for e in item.engine_audits
        ),
        hub_audits=_hub_audits(item, refs, where),
    )


def _allegation(a: schema.AllegationIn) -> Allegation:
    return Allegation(
        id=a.id,
        criterion=a.criterion,
        against=text(a.against),
        claim=text(a.claim),
        evidence=tuple(
            Evidence(
                statistic=e.statistic,
                value=e.value,
                approximate=e.approximate,
                above=e.above,
                scope=text(e.scope),
                note=maybe_text(e.note),
                sources=tuple(e.sources),
                unsourced=maybe_text(e.unsourced),
                id=e.id,
            )
            for e in a.evidence
        ),
        outcome=a.outcome,
        outcome_detail=maybe_text(a.outcome_detail),
        responses=tuple(
            Statement(by=text(r.by), said=text(r.said), sources=tuple(r.sources)) for r in a.responses
        ),
        sources=tuple(a.sources),
    )


def _hub_audits(item: schema.AuditRecordIn, refs: References, where: str) -> tuple[HubAudit, ...]:
    """A team's configured Hub audits: each allegation one of the team's, each team against two references."""
    allegations = {a.id for a in item.allegations}
    for audit in item.hub_audits:
        refs.check("source", audit.reason.sources, LABEL, f"{where}, hub audit {audit.id!r}")
        if audit.reason.allegation is not None and audit.reason.allegation not in allegations:
            refs.problems.error(
                LABEL,
                where,
                f"hub audit {audit.id!r} names allegation {audit.reason.allegation!r}, "
                f"which is not one of {item.team!r}'s{closest(audit.reason.allegation, allegations)}",
            )
        if set(audit.candidate.repos) & set(audit.reference.repos):
            refs.problems.error(LABEL, where, f"hub audit {audit.id!r} compares a repository with itself")
    references = {a.reference.repos[0] for a in item.hub_audits}
    if item.hub_audits and len(references) < 2:
        refs.problems.error(
            LABEL,
            where,
            f"team {item.team!r} is audited against {len(references)} reference(s); at least two",
        )
    return tuple(
        HubAudit(
            id=a.id,
            team=item.team,
            candidate=_checkpoint(a.candidate),
            reference=_checkpoint(a.reference),
            reason=AuditReason(
                kind=a.reason.kind,
                allegation=a.reason.allegation,
                basis=a.reason.basis,
                sources=tuple(a.reason.sources),
                note=text(a.reason.note),
            ),
            label=text(a.label),
            replicates=_replicates(a, item, refs, where),
        )
        for a in item.hub_audits
    )


def _replicates(
    audit: schema.HubAuditIn, item: schema.AuditRecordIn, refs: References, where: str
) -> tuple[Replication, ...]:
    """The published figures a hub audit reproduces, each a figure of its own allegation."""
    allegation = next((a for a in item.allegations if a.id == audit.reason.allegation), None)
    figures = _allegation(allegation).evidence if allegation is not None else None
    resolved, problems = resolve_replications(audit.replicates, audit.reason.allegation, figures)
    for problem in problems:
        refs.problems.error(LABEL, where, f"hub audit {audit.id!r} {problem}")
    return resolved


def _checkpoint(c: schema.CheckpointIn) -> Checkpoint:
    return Checkpoint(
        repos=tuple(c.repos), revision=c.revision, seen_in=tuple(c.seen_in), confirmed=c.confirmed
    )


def resolve_replications(
    links: Sequence[schema.ReplicationIn], allegation: str | None, figures: Sequence[Evidence] | None
) -> tuple[tuple[Replication, ...], list[str]]:
    """The links resolved against the audit's allegation's figures, and a message per bad link.

    ``allegation`` is the audit's (``None`` for a screen), ``figures`` its published figures (``None`` when
    the allegation is unknown: that is reported elsewhere)."""
    if not links:
        return (), []
    if allegation is None:
        return (), ["a screen reproduces no published analysis: 'replicates' needs an allegation reason"]
    ids = [f.id for f in figures or () if f.id is not None]
    known = {f.id: f for f in figures or () if f.id is not None}
    out: list[Replication] = []
    problems = [
        f"allegation {allegation!r} names two figures {i!r}" for i in sorted(set(ids)) if ids.count(i) > 1
    ]
    for index, link in enumerate(links):
        where = f"replicates[{index}]"
        figure = known.get(link.figure)
        if figure is None:
            names = ", ".join(sorted(known)) or "none has an id"
            problems.append(
                f"{where}: figure {link.figure!r} is not one of allegation {allegation!r}'s ({names})"
            )
            continue
        if link.statistic not in COMPATIBLE.get(figure.statistic, frozenset()):
            allowed = ", ".join(sorted(COMPATIBLE.get(figure.statistic, frozenset()))) or "none"
            problems.append(
                f"{where}: figure {link.figure!r} is a {figure.statistic} figure; "
                f"statistic {link.statistic!r} does not reproduce it (use {allowed})"
            )
            continue
        published = PublishedFigure(
            id=link.figure,
            statistic=figure.statistic,
            value=figure.value,
            above=figure.above,
            approximate=figure.approximate,
            sources=tuple(figure.sources),
        )
        out.append(Replication(figure=published, statistic=link.statistic, over=link.over))
    seen = [r.figure.id for r in out]
    problems += [f"figure {f!r} is linked twice" for f in sorted({f for f in seen if seen.count(f) > 1})]
    return tuple(out), problems
