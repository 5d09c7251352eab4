"""Audits as the site shows them: a compact summary of an audit report, and the round's configured audits.

:func:`summarise` reduces the engine's :class:`~generator.audit.AuditReport` to what the pages show (per
component: verdict, p-values, the centred statistic, the raw gain cosine that is *not* evidence, layer maps
for heatmaps); the summary round-trips through JSON, so the method demo can cache it.

:func:`run_configured` resolves each :class:`~generator.model.EngineAudit` of a round: ``${VAR}`` from the
given environment, paths relative to the data folder; when both files exist it runs the real audit, and
otherwise records exactly what was not run and why. Paths are reported as configured (``${VAR}``
unexpanded), so no local path reaches a page and a build without the variable is byte-identical run to run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from generator.audit.align import LayerMap
from generator.audit.remote import is_remote
from generator.audit.report import Verdict
from generator.errors import InputError
from generator.model import EngineAudit, Round

if TYPE_CHECKING:
    from generator.audit import AuditReport, ComponentReport

CONSTANT = "constant tensor"
"""How the engine's note on a pair starts when a tensor is constant (its correlation is undefined)."""
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""``${NAME}`` in a configured path."""


@dataclass(frozen=True, kw_only=True)
class GainPair:
    """One normalisation gain vector compared with the reference's."""

    tensor: str
    """Candidate tensor name."""
    raw_cosine: float
    """Raw (uncentred) cosine — not evidence: gains start at 1 in every model."""
    centred_cosine: float | None
    """Pearson correlation of the same two vectors (the centred statistic); ``None`` when either vector is
    constant (an untrained model's gains are all 1), where it is undefined."""
    entries: int
    """Entries compared (the model width)."""


@dataclass(frozen=True, kw_only=True)
class ComponentResult:
    """One component's verdict and the numbers the site shows for it."""

    name: str
    """Component name (the candidate's leading name segment, or the mapping's)."""
    verdict: Verdict
    """The engine's verdict."""
    parameters: int
    """Elements in the component's tensors."""
    share_compared: float
    """Share of parameters tested against a reference tensor."""
    share_identical: float
    """Share of parameters whose whole tensor equals the reference's after a dtype cast."""
    log10_p: float | None
    """log10 of the strongest test's p-value (normal approximation, Bonferroni-corrected); ``None``: none."""
    p_permutation: float | None
    """Monte-Carlo permutation p-value of the same test (uncorrected; floor 1/(R+1))."""
    permutations: int | None
    """R, permutations drawn for that test."""
    matrix_centred: float | None
    """Mean centred cosine over the compared weight matrices (2-D tensors); ``None`` when there are none."""
    tensors: int
    """Tensor pairs compared."""
    disguises: tuple[str, ...]
    """Changes the engine saw between reference and candidate (cast, renamed, …)."""
    summary: str
    """The engine's one-sentence summary (English)."""
    gains: tuple[GainPair, ...]
    """Normalisation gains compared."""
    heatmaps: tuple[LayerMap, ...]
    """Layer maps of the component's stacks (similarity matrices, candidate layers × reference layers)."""


@dataclass(frozen=True, kw_only=True)
class AuditSummary:
    """An audit's verdict and components, as the pages show them."""

    verdict: Verdict
    """The whole candidate: ``identical`` only when it is the reference; ``derived`` when a component shares
    origin with it (see :attr:`generator.audit.AuditReport.verdict`)."""
    parameters: int
    """Elements in the candidate."""
    reference_kind: Literal["checkpoint", "fingerprint"]
    """Whether the reference was a checkpoint or a fingerprint."""
    alpha: float
    """Per-component family-wise threshold on the corrected p-value."""
    components: tuple[ComponentResult, ...]
    """Per component, in the candidate's order."""

    def component(self, name: str) -> ComponentResult:
        """The component called ``name``."""
        return next(c for c in self.components if c.name == name)


def summarise(report: AuditReport) -> AuditSummary:
    """The site's summary of an engine report."""
    return AuditSummary(
        verdict=report.verdict,
        parameters=report.parameters,
        reference_kind=report.reference_kind,
        alpha=float(report.method["alpha"]),
        components=tuple(_component(c) for c in report.components),
    )


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _component(c: ComponentReport) -> ComponentResult:
    strongest = min(
        [j.test for j in c.joint_tests] + [e.test for e in c.tensors if e.test is not None],
        key=lambda t: t.log10_p,
        default=None,
    )
    matrices = [
        e.centred_cosine
        for e in c.tensors
        if _is_matrix(e.role, e.sampled) and not e.note.startswith(CONSTANT)
    ]
    return ComponentResult(
        name=c.name,
        verdict=c.verdict,
        parameters=c.parameters,
        share_compared=c.share_compared,
        share_identical=c.share_identical,
        log10_p=_finite(c.log10_p),
        p_permutation=_finite(c.p_permutation),
        permutations=strongest.permutations if strongest is not None else None,
        matrix_centred=sum(matrices) / len(matrices) if matrices else None,
        tensors=len(c.tensors),
        disguises=c.disguises,
        summary=c.summary,
        gains=tuple(
            GainPair(
                tensor=e.candidate,
                raw_cosine=e.raw_cosine_not_evidence,
                centred_cosine=None if e.note.startswith(CONSTANT) else e.centred_cosine,
                entries=e.parameters,
            )
            for e in c.tensors
            if is_gain(e.role)
        ),
        heatmaps=c.layer_maps,
    )


def is_gain(role: str) -> bool:
    """Whether a role is a normalisation gain (LayerNorm/RMSNorm weight), which starts at 1 in every model."""
    return role.startswith("norm.") and role.endswith(".weight")


def _is_matrix(role: str, sampled: int) -> bool:
    return not role.startswith("norm.") and not role.endswith(".bias") and sampled > 0


# ---- configured audits ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NotRun:
    """Why a configured audit was not run (or did not finish)."""

    kind: Literal["variable_not_set", "file_not_found", "audit_failed"]
    """What stopped it."""
    detail: str
    """The variable's name, the path as configured, or the engine's one-line error (paths as configured)."""


@dataclass(frozen=True, kw_only=True)
class ConfiguredAudit:
    """A configured engine audit of a team: its result, or what was not run and why."""

    audit: EngineAudit
    """The record, paths as configured."""
    result: AuditSummary | None
    """The audit's summary when it ran."""
    not_run: tuple[NotRun, ...]
    """Every reason it did not run (empty when it ran)."""


AuditRunner = Callable[[Path | str, Path | str], AuditSummary]
"""Runs one audit: ``(candidate, reference) -> summary``; each a path, or an ``hf://``/``http(s)://`` URL."""


def expand(path: str, environ: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """``path`` with every ``${VAR}`` replaced from ``environ``, and the variables that are not set."""
    missing = tuple(dict.fromkeys(m for m in VARIABLE.findall(path) if not environ.get(m)))
    return VARIABLE.sub(lambda m: environ.get(m.group(1)) or m.group(0), path), missing


def run_configured(
    round_: Round,
    *,
    environ: Mapping[str, str],
    base: Path,
    runner: AuditRunner | None = None,
) -> dict[str, tuple[ConfiguredAudit, ...]]:
    """Every team's configured audits, run where the files exist (team id → audits, in the data's order)."""
    run = runner or default_runner
    out: dict[str, tuple[ConfiguredAudit, ...]] = {}
    for team, record in round_.independence.records.items():
        if record.engine_audits:
            out[team] = tuple(
                resolve(a, environ=environ, base=base, runner=run) for a in record.engine_audits
            )
    return out


def resolve(
    audit: EngineAudit, *, environ: Mapping[str, str], base: Path, runner: AuditRunner
) -> ConfiguredAudit:
    """Run one configured audit when its files exist; otherwise say exactly why not."""
    paths: list[Path | str] = []
    reasons: list[NotRun] = []
    for configured in (audit.candidate, audit.reference):
        expanded, missing = expand(configured, environ)
        reasons += [NotRun(kind="variable_not_set", detail=name) for name in missing]
        if is_remote(expanded):  # read in place; a missing one is the engine's clean error
            paths.append(expanded)
            continue
        path = base / expanded
        if not missing and not path.exists():
            reasons.append(NotRun(kind="file_not_found", detail=configured))
        paths.append(path)
    reasons = list(dict.fromkeys(reasons))
    if reasons:
        return ConfiguredAudit(audit=audit, result=None, not_run=tuple(reasons))
    try:
        result = runner(paths[0], paths[1])
    except InputError as error:
        message = str(error)
        for given, configured in zip(paths, (audit.candidate, audit.reference), strict=True):
            message = message.replace(str(given), configured)
        return ConfiguredAudit(
            audit=audit, result=None, not_run=(NotRun(kind="audit_failed", detail=message),)
        )
    return ConfiguredAudit(audit=audit, result=result, not_run=())


def default_runner(candidate: Path | str, reference: Path | str) -> AuditSummary:
    """The real engine on the CPU (CUDA when present)."""
    from generator.audit import run_audit  # noqa: PLC0415 — torch is imported only when an audit runs

    return summarise(run_audit(candidate, reference, device="auto"))


def heatmaps_of(summary: AuditSummary) -> Sequence[tuple[ComponentResult, LayerMap]]:
    """Every component's layer maps, in order."""
    return [(c, m) for c in summary.components for m in c.heatmaps]
