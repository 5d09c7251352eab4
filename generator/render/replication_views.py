"""The January analyses beside ours, for the method page: each published figure an audit links, with its
qualifier and sources, our recomputation on the same tensors from the audit's evidence file (value, range
low–high with where each end lies, count), the comparison, and the audit's verdict on the same part.

Pure functions of the configured audits (:attr:`generator.model.HubAudit.replicates`) and the ``replication``
section of their evidence files (:mod:`generator.evidence.replication`); without a file, the published
figures alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.audit.configured import ComponentResult
from generator.evidence.replication import ComparisonIn, MeasuredIn, OursIn
from generator.model import Replication, Text
from generator.render.evidence_views import FIGURE_DECIMALS, evidence_download, in_both
from generator.render.formats import md, number
from generator.render.judged import HubAuditView
from generator.render.labels import PHRASE, REPLICATION_RESULT, REPLICATION_TEXT, UI, Lang, fill


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
        published=in_both(lambda lang: published_value(replication, lang)),
        ours_text=in_both(lambda lang: ours_value(ours, lang)),
        result=Text(ko="", en=""),
    )
    return ReplicationRow(**{**row.__dict__, "result": in_both(lambda lang: comparisonin_both(row, lang))})


def _matched_mean(rows: Sequence[ReplicationRow], statistic: str) -> str:
    """Our mean over matched layers of one statistic, as the file gives it beside a figure ("—": none)."""
    means = [r.ours.mean for r in rows if r.replication.statistic == statistic and r.ours is not None]
    return number(means[0], FIGURE_DECIMALS) if means and means[0] is not None else "—"


def _gains_notes(gains: MeasuredIn | None, rows: Sequence[ReplicationRow]) -> tuple[Text, ...]:
    if gains is None:
        return ()
    if gains.missing:
        return (in_both(lambda lang: REPLICATION_TEXT["missing"].get(lang).format(why=md(gains.missing))),)
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
        fill(REPLICATION_TEXT[key], **{k: Text(ko=str(v), en=str(v)) for k, v in fields.items()})
        for key in ("matching", "control", "raw_gains")
    )


def _vision_notes(vision: MeasuredIn | None, rows: Sequence[ReplicationRow]) -> tuple[Text, ...]:
    if vision is None:
        return ()
    if vision.missing:
        return (in_both(lambda lang: REPLICATION_TEXT["missing"].get(lang).format(why=md(vision.missing))),)
    unsaid = any(
        r.replication.over == "unstated" for r in rows if r.replication.statistic.startswith("tensor")
    )
    fields = {
        "tensors": len(vision.pairs),
        "components": ", ".join(f"`{c}`" for c in vision.components or ()),
    }
    key = "vision_unsaid" if unsaid else "vision"
    return (in_both(lambda lang: REPLICATION_TEXT[key].get(lang).format(**fields)),)


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


def comparisonin_both(row: ReplicationRow, lang: Lang) -> str:
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
