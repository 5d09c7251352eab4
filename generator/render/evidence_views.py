"""What the pages show of the Hub audits' evidence files: each audit's verdicts with how strong the evidence
is, the cheap signals, what was read, the verdict grid of every audit, and the published figures beside ours.

Pure functions of the round's configured audits and their validated evidence files
(:class:`~generator.evidence.EvidenceFileIn`); every number shown is one the file holds. The sentences are
finished Markdown in both languages (templates place them with the ``markdown`` filter).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from generator.audit.configured import ComponentResult
from generator.evidence import EvidenceFileIn, ResolvedIn
from generator.evidence.replication import ComparisonIn, MeasuredIn, OursIn
from generator.model import HubAudit, Replication, Text
from generator.render.formats import md, number, p_value, percent, power_of_ten
from generator.render.judged import HubAuditView
from generator.render.labels import (
    CHEAP,
    LANGS,
    PHRASE,
    REPLICATION_RESULT,
    REPLICATION_TEXT,
    STRENGTH,
    UI,
    Lang,
)

Strength = Literal["identical", "strong", "weak", "none", "untested"]
"""How strong a component's evidence is: its tensors equal the reference's, or the band its p-value is in."""
WEAK_BELOW: Final = -2.0
"""log10 of the p-value below which a resemblance reads as "weak" evidence (p < 0.01) when it does not
reach the verdict's threshold (the audit's ``alpha``)."""
FIGURE_DECIMALS: Final = 4
"""Decimals the evidence file keeps for our recomputed statistics (and the page shows)."""
EVIDENCE_DOWNLOADS: Final = "evidence"
"""Folder of the evidence files among a round's downloads."""


def strength(component: ComponentResult, alpha: float) -> Strength:
    """The band of a component's evidence (see :data:`generator.render.labels.STRENGTH`)."""
    if component.verdict == "identical":
        return "identical"
    if component.log10_p is None:
        return "untested"
    if component.log10_p <= math.log10(alpha):
        return "strong"
    return "weak" if component.log10_p <= WEAK_BELOW else "none"


def _text(make: Any) -> Text:
    """A :class:`Text` from a function of the language."""
    return Text(**{lang: make(lang) for lang in LANGS})


@dataclass(frozen=True, kw_only=True)
class ComponentLine:
    """One component of an audit with evidence: its verdict and how strong the evidence behind it is."""

    component: ComponentResult
    strength: Strength
    sentence: Text
    """How strong, and what the statistics say, finished Markdown (the component's name is not in it)."""


def component_line(component: ComponentResult, alpha: float) -> ComponentLine:
    """A component's strength sentence, from the statistics its evidence file holds."""
    band = strength(component, alpha)
    fields = {
        "p": p_value(component.log10_p),
        "alpha": power_of_ten(alpha),
        "share": percent(component.share_identical),
        "tensors": component.tensors,
    }
    return ComponentLine(
        component=component,
        strength=band,
        sentence=_text(lambda lang: STRENGTH[band].get(lang).format(**fields)),
    )


def cheap_lines(cheap: Mapping[str, Any] | None) -> tuple[Text, ...]:
    """What the config and tokenizer comparison showed, a sentence each; "not available" where it was not."""
    if cheap is None:
        return (CHEAP["config_unavailable"], CHEAP["tokenizer_unavailable"])
    lines = []
    config = cheap.get("config")
    if config is None:
        lines.append(CHEAP["config_unavailable"])
    else:
        families = f"`{config['candidate_family'] or '—'}` ↔ `{config['reference_family'] or '—'}`"
        same = [f"`{f['name']}` {f['candidate']}" for f in config["fields"] if f["equal"]]
        differ = [
            f"`{f['name']}` {f['candidate'] if f['candidate'] is not None else '—'} ↔ "
            f"{f['reference'] if f['reference'] is not None else '—'}"
            for f in config["fields"]
            if not f["equal"]
        ]
        key = "config_same_family" if config["family_match"] else "config_other_family"
        lines.append(
            _text(
                lambda lang: (
                    CHEAP[key]
                    .get(lang)
                    .format(
                        families=families,
                        same=", ".join(same) or "—",
                        differ=", ".join(differ) or "—",
                    )
                )
            )
        )
    tokenizer = cheap.get("tokenizer")
    if tokenizer is None:
        lines.append(CHEAP["tokenizer_unavailable"])
    else:
        lines.append(
            _text(
                lambda lang: (
                    CHEAP["tokenizer"]
                    .get(lang)
                    .format(
                        shared=f"{tokenizer['shared_tokens']:,}",
                        candidate=f"{tokenizer['candidate_tokens']:,}",
                        reference=f"{tokenizer['reference_tokens']:,}",
                        candidate_share=percent(tokenizer["candidate_share"]),
                        reference_share=percent(tokenizer["reference_share"]),
                    )
                )
            )
        )
    return (*lines, CHEAP["not_evidence"])


@dataclass(frozen=True, kw_only=True)
class Revision:
    """One side of an audit as it was read: the repository, the commit, and the files."""

    role: Literal["candidate", "reference"]
    repo: str
    revision: str
    """The commit SHA read."""
    files: int
    size: int
    """Bytes in the files listed (the audit reads only parts of them)."""
    tried: tuple[str, ...]
    """Spellings of an unconfirmed id that did not resolve."""

    @property
    def url(self) -> str:
        """The Hub's page of the repository at that commit."""
        return f"https://huggingface.co/{self.repo}/tree/{self.revision}"


@dataclass(frozen=True, kw_only=True)
class EvidenceDetail:
    """An audit with an evidence file, as the team page explains it."""

    view: HubAuditView
    evidence: EvidenceFileIn
    components: tuple[ComponentLine, ...]
    cheap: tuple[Text, ...]
    revisions: tuple[Revision, ...]
    fetched: int
    """Bytes fetched over the network."""

    @property
    def partial(self) -> bool:
        """Whether fewer bytes were fetched than the files listed hold (the audit read only parts of them)."""
        return self.fetched < sum(r.size for r in self.revisions)

    download: str
    """The evidence file among the downloads (path from the docs root)."""


def evidence_download(folder: str, audit_id: str) -> str:
    """Where an audit's evidence file lies among the downloads (``folder``: the round's download folder)."""
    return f"{folder}/{EVIDENCE_DOWNLOADS}/{audit_id}.json"


def evidence_detail(view: HubAuditView, folder: str) -> EvidenceDetail | None:
    """The team page's explanation of one audit; ``None`` until its evidence file exists."""
    evidence = view.evidence
    if evidence is None:
        return None
    sides: tuple[tuple[Literal["candidate", "reference"], ResolvedIn], ...] = (
        ("candidate", evidence.candidate),
        ("reference", evidence.reference),
    )
    revisions = tuple(
        Revision(
            role=role,
            repo=resolved.repo,
            revision=resolved.revision,
            files=len(evidence.files[role]),
            size=sum(f.size for f in evidence.files[role]),
            tried=tuple(t.repo for t in resolved.tried),
        )
        for role, resolved in sides
    )
    alpha = evidence.result.alpha
    return EvidenceDetail(
        view=view,
        evidence=evidence,
        components=tuple(component_line(c, alpha) for c in evidence.result.components),
        cheap=cheap_lines(evidence.cheap),
        revisions=revisions,
        fetched=evidence.transfer.get("fetched", 0),
        download=evidence_download(folder, view.audit.id),
    )


# ---- every audit's verdicts, for the cross-team grid ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GridCell:
    """One cell of the verdict grid: an audit (its label names the team's model and the reference) and a
    component, or "not run yet"."""

    audit: HubAudit
    component: str | None
    """``None``: the audit has not run, so no component is known."""
    verdict: str | None
    """``None``: not run yet (never a verdict)."""


def verdict_grid(views: Sequence[HubAuditView]) -> tuple[GridCell, ...]:
    """Every audit's components with their verdicts, and one "not run yet" cell per audit without evidence."""
    cells = []
    for view in views:
        evidence = view.evidence
        if evidence is None:
            cells.append(GridCell(audit=view.audit, component=None, verdict=None))
            continue
        cells += [
            GridCell(audit=view.audit, component=c.name, verdict=c.verdict)
            for c in evidence.result.components
        ]
    return tuple(cells)


# ---- the published figures beside ours (method page) ----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReplicationRow:
    """A published figure, and ours beside it once the audit ran (each cell finished Markdown)."""

    replication: Replication
    ours: OursIn | None
    comparison: ComparisonIn | None
    """``None``: the audit has not run."""
    published: Text
    """The published statistic and number with its qualifier (the sources are cited beside it)."""
    ours_text: Text
    """Our value, its range with where each end lies, and the count; "—" when there is none."""
    result: Text
    """``reproduces``, ``differs`` or ``not comparable: why``; empty until the audit ran."""


@dataclass(frozen=True, kw_only=True)
class ReplicationView:
    """An audit that recomputes an allegation's published figures: the table, and how ours was measured."""

    view: HubAuditView
    rows: tuple[ReplicationRow, ...]
    notes: tuple[Text, ...]
    """How ours was measured: the layer matching rule and counts with the control, or the tensors compared."""
    verdicts: tuple[ComponentResult, ...]
    """The audit's verdicts on the components the figures were measured on."""
    download: str | None
    """The evidence file our numbers come from (``None``: not run yet)."""


def replication_views(views: Sequence[HubAuditView], folder: str) -> tuple[ReplicationView, ...]:
    """Every audit that links published figures, with ours where its evidence exists (``folder``: the
    round's download folder)."""
    out = []
    for view in views:
        if not view.audit.replicates:
            continue
        evidence = view.evidence
        section = evidence.replication if evidence else None
        if evidence is None or section is None:
            rows = tuple(_row(r, None, None) for r in view.audit.replicates)
            out.append(ReplicationView(view=view, rows=rows, notes=(), verdicts=(), download=None))
            continue
        rows = tuple(
            _row(r, f.ours, f.comparison) for r, f in zip(view.audit.replicates, section.figures, strict=True)
        )
        gains, vision = section.measured.get("norm_gains"), section.measured.get("vision")
        measured_on = set(vision.components or ()) if vision else set()
        if gains is not None and gains.stacks:
            measured_on |= {stack.split(".")[0] for stack in gains.stacks.values()}
        out.append(
            ReplicationView(
                view=view,
                rows=rows,
                notes=(*_gains_notes(gains, rows), *_vision_notes(vision, rows)),
                verdicts=tuple(c for c in evidence.result.components if c.name in measured_on),
                download=evidence_download(folder, view.audit.id),
            )
        )
    return tuple(out)


def _row(replication: Replication, ours: OursIn | None, comparison: ComparisonIn | None) -> ReplicationRow:
    row = ReplicationRow(
        replication=replication,
        ours=ours,
        comparison=comparison,
        published=_text(lambda lang: published_value(replication, lang)),
        ours_text=_text(lambda lang: ours_value(ours, lang)),
        result=Text(ko="", en=""),
    )
    return ReplicationRow(**{**row.__dict__, "result": _text(lambda lang: comparison_text(row, lang))})


def _matched_mean(rows: Sequence[ReplicationRow], statistic: str) -> str:
    """Our mean over matched layers of one statistic, as the file gives it beside a figure ("—": none)."""
    means = [r.ours.mean for r in rows if r.replication.statistic == statistic and r.ours is not None]
    return number(means[0], FIGURE_DECIMALS) if means and means[0] is not None else "—"


def _gains_notes(gains: MeasuredIn | None, rows: Sequence[ReplicationRow]) -> tuple[Text, ...]:
    if gains is None:
        return ()
    if gains.missing:
        return (_text(lambda lang: REPLICATION_TEXT["missing"].get(lang).format(why=md(gains.missing))),)
    stacks, layers, control = gains.stacks or {}, gains.layers or {}, gains.control or {}
    fields = {
        "matching": f"`{gains.matching}`",
        "candidate": layers.get("candidate", 0),
        "candidate_stack": f"`{stacks.get('candidate', '')}`",
        "reference": layers.get("reference", 0),
        "reference_stack": f"`{stacks.get('reference', '')}`",
        "pairs": len(gains.pairs),
        "control_cosine": _num(control.get("cosine")),
        "control_pearson": _num(control.get("pearson")),
        "matched_cosine": _matched_mean(rows, "norm_gain_cosine"),
        "matched_pearson": _matched_mean(rows, "norm_gain_pearson"),
    }
    return tuple(
        _text(lambda lang, key=key: REPLICATION_TEXT[key].get(lang).format(**fields))
        for key in ("matching", "control", "raw_gains")
    )


def _vision_notes(vision: MeasuredIn | None, rows: Sequence[ReplicationRow]) -> tuple[Text, ...]:
    if vision is None:
        return ()
    if vision.missing:
        return (_text(lambda lang: REPLICATION_TEXT["missing"].get(lang).format(why=md(vision.missing))),)
    unsaid = any(
        r.replication.over == "unstated" for r in rows if r.replication.statistic.startswith("tensor")
    )
    fields = {
        "tensors": len(vision.pairs),
        "components": ", ".join(f"`{c}`" for c in vision.components or ()),
    }
    key = "vision_unsaid" if unsaid else "vision"
    return (_text(lambda lang: REPLICATION_TEXT[key].get(lang).format(**fields)),)


def _num(value: float | None) -> str:
    return "—" if value is None else number(value, FIGURE_DECIMALS)


def published_value(replication: Replication, lang: Lang) -> str:
    """The published number with its qualifier: ``0.995 초과`` / ``above 0.995``, ``≈ 0.01``, ``0.989``."""
    figure = replication.figure
    if figure.value is None:
        return "—"
    shown = number(figure.value, 6)
    if figure.above:
        return PHRASE["above"].get(lang).format(value=shown)
    return f"{UI['approx'].get(lang)} {shown}" if figure.approximate else shown


def ours_value(ours: OursIn | None, lang: Lang) -> str:
    """Ours beside the figure: the value, the range low–high with where each end is, and the count."""
    if ours is None or ours.count == 0:
        return "—"
    parts = [f"**{number(ours.value, FIGURE_DECIMALS)}**" if ours.value is not None else "—"]
    if ours.low is not None and ours.high is not None:
        parts.append(
            REPLICATION_TEXT["range"]
            .get(lang)
            .format(
                low=number(ours.low, FIGURE_DECIMALS),
                low_at=f" (`{ours.low_at}`)" if ours.low_at else "",
                high=number(ours.high, FIGURE_DECIMALS),
                high_at=f" (`{ours.high_at}`)" if ours.high_at else "",
            )
        )
    parts.append(REPLICATION_TEXT[f"count_{ours.unit}"].get(lang).format(count=ours.count))
    return "<br>".join(parts)


def comparison_text(row: ReplicationRow, lang: Lang) -> str:
    """The result in words; "not comparable" says why (the file's reason where no sentence of ours fits)."""
    comparison = row.comparison
    if comparison is None:
        return ""
    result = REPLICATION_RESULT[comparison.result].get(lang)
    if comparison.result != "not_comparable":
        return result
    if row.replication.over == "unstated" and row.ours is not None and row.ours.count:
        return f"{result}: {REPLICATION_TEXT[f'unsaid_{row.ours.unit}'].get(lang)}"
    return f"{result}: {md(comparison.reason)}"
