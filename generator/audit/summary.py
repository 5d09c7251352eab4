"""An audit report as the readable lines the ``audit`` command prints after the verdict."""

from __future__ import annotations

from generator.audit import cheap
from generator.audit.report import AuditReport, ComponentReport


def summary_lines(report: AuditReport) -> list[str]:
    """The readable summary printed after an audit."""
    lines = [f"Verdict: {report.verdict}  ({report.candidate} vs {report.reference_kind} {report.reference})"]
    if report.summary:
        lines.append(f"  {report.summary}")
    for component in report.components:
        evidence = f"log10 p = {component.log10_p:.1f}" if component.log10_p is not None else "no test"
        lines.append(
            f"  {component.name}: {component.verdict} — {component.parameters:,} parameters, "
            f"{component.share_compared:.0%} compared, {component.share_identical:.0%} identical, {evidence}"
        )
        lines.append(f"    {component.summary}")
        lines.extend(f"    {line}" for line in _residual_lines(component))
        lines.extend(f"    {line}" for line in _expert_lines(component))
    if any(c.expert_matches for c in report.components):
        lines.append(f"  Routed experts sampled per layer with expert seed {report.expert_seed}.")
    if report.reference_unpaired:
        lines.append(
            f"  Reference tensors not compared with any candidate tensor: {len(report.reference_unpaired):,}."
        )
    for role, files in (("candidate", report.candidate_files), ("reference", report.reference_files)):
        for file in files:
            if file.revision is not None or file.etag is not None or file.sha256 is not None:
                lines.append(
                    f"  {role} file {file.location}: {file.size:,} bytes, commit {file.revision or 'n/a'}, "
                    f"sha256 {file.sha256 or 'not published'}"
                )
    if report.transfer is not None:
        remote = sum(
            f.size for f in (*report.candidate_files, *report.reference_files) if f.etag or f.revision
        )
        lines.append(
            f"  fetched {report.transfer['fetched']:,} bytes in {report.transfer['requests']:,} requests "
            f"({report.transfer['fetched'] / max(1, remote):.2%} of the remote files' {remote:,} bytes)"
        )
    if report.cheap is not None:
        lines.extend(cheap.summary_lines(report.cheap))
    return lines


def _residual_lines(component: ComponentReport) -> list[str]:
    """The residual alignment the component was read through, when one was fitted."""
    fit = component.residual
    if fit is None or fit.kind == "none" or fit.held_out_correlation is None:
        return []
    return [
        f"residual stream read through a fitted {fit.kind} ({fit.candidate_width} → {fit.reference_width} "
        f"dimensions; {fit.positions} of {fit.window} window positions found; held-out correlation "
        f"{fit.held_out_correlation:.2f}); fitted on {', '.join(dict.fromkeys(fit.fitted_on))}: not evidence"
    ]


def _expert_lines(component: ComponentReport) -> list[str]:
    """One line per candidate layer: which reference FFN each sampled expert was matched with."""
    by_layer: dict[int, list[str]] = {}
    for match in component.expert_matches:
        mark = " *" if match.significant else ""
        by_layer.setdefault(match.candidate_layer, []).append(
            f"{match.candidate} → {match.reference_layer}:{match.reference}{mark}"
        )
    lines = [f"layer {layer} experts: {', '.join(pairs)}" for layer, pairs in sorted(by_layer.items())]
    return [*lines, "(* shows shared origin on its own)"] if lines else []
