"""The audit pipeline, in order: read → fingerprint the reference → align → compare → verdict.

:func:`run_audit` is the library entry point (the CLI and the site build call it); it passes values from
stage to stage and returns a frozen :class:`~generator.audit.report.AuditReport`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from generator.audit.align import Candidate, CandidateSource, align
from generator.audit.compare import compare
from generator.audit.fingerprint import (
    Fingerprint,
    fingerprint_checkpoint,
    is_fingerprint,
    load_reference,
    write_fingerprint,
)
from generator.audit.names import entries_of
from generator.audit.plan import HIDDEN_UNITS, RESIDUAL_WIDTH, TOKEN_UNITS
from generator.audit.read import Checkpoint, TensorReader, open_checkpoint
from generator.audit.report import AuditReport
from generator.audit.stats import JOINT_PERMUTATIONS, PERMUTATIONS
from generator.audit.verdict import ALPHA, decide, overall
from generator.errors import InputError

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``."""


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when available, else ``cpu``; ``cuda`` without CUDA is an error."""
    import torch  # noqa: PLC0415 — torch is only needed once an audit runs

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: CUDA is not available on this machine (use auto or cpu)")
    if device not in {"cpu", "cuda"}:
        raise InputError(f"--device {device}: expected auto, cpu or cuda")
    return device


def run_audit(
    candidate: Path,
    reference: Path,
    *,
    device: str = "cpu",
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit ``candidate`` (a checkpoint) against ``reference`` (a checkpoint or a fingerprint file)."""
    if is_fingerprint(candidate):
        raise InputError(f"{candidate}: is a fingerprint; the candidate must be a checkpoint")
    open_checkpoint(candidate)  # fail fast on a bad candidate, before reading the reference
    ref_bytes = _reference_bytes(reference)
    resolved = resolve_device(device)
    done = 0

    def on_tensor(_: str, nbytes: int) -> None:
        nonlocal done
        done += nbytes
        if progress is not None:
            progress("fingerprinting the reference", done, ref_bytes)

    fingerprint = load_reference(reference, progress=on_tensor)
    return audit_against(
        checkpoint_path=candidate,
        fingerprint=fingerprint,
        reference=reference,
        device=resolved,
        mapping=mapping,
        progress=progress,
    )


def audit_against(
    *,
    checkpoint_path: Path,
    fingerprint: Fingerprint,
    reference: Path,
    device: str = "cpu",
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit a candidate checkpoint against an already loaded reference fingerprint."""
    checkpoint = open_checkpoint(checkpoint_path)
    candidates = [
        Candidate(info=info, parsed=parsed) for info, parsed in entries_of(checkpoint.tensors, mapping)
    ]
    components = list(dict.fromkeys(c.parsed.component for c in candidates))
    parameters = dict.fromkeys(components, 0)
    for candidate in candidates:
        parameters[candidate.parsed.component] += candidate.info.numel
    with TensorReader() as reader:
        source = CandidateSource(reader)
        aligned = 0

        def on_align(_: str) -> None:
            nonlocal aligned
            aligned += 1
            if progress is not None:
                progress("aligning", aligned, len(candidates))

        alignment = align(candidates, fingerprint, source, progress=on_align)
        compared = []
        for index, match in enumerate(alignment.matches, start=1):
            compared.append(compare(match, source, device=device))
            if progress is not None:
                progress("comparing", index, len(alignment.matches))
    reports = decide(
        components=components,
        compared=compared,
        unmatched=alignment.unmatched,
        layer_maps=alignment.layer_maps,
        parameters=parameters,
        reference_layers=_reference_layers(fingerprint),
    )
    return AuditReport(
        candidate=str(checkpoint_path),
        reference=str(reference),
        reference_kind=fingerprint.kind,
        verdict=overall(reports),
        parameters=sum(parameters.values()),
        components=reports,
        method=_method(device),
    )


def _reference_layers(fingerprint: Fingerprint) -> dict[str, int]:
    layers: dict[str, set[int]] = {}
    for profile in fingerprint.tensors:
        p = profile.parsed
        if p.stack is not None and p.layer is not None and profile.layout.kind != "skip":
            layers.setdefault(p.stack, set()).add(p.layer)
    return {stack: len(ids) for stack, ids in layers.items()}


def _reference_bytes(reference: Path) -> int:
    if is_fingerprint(reference):
        return 0
    return open_checkpoint(reference).nbytes


def _method(device: str) -> dict[str, Any]:
    return {
        "statistic": "mean per-unit Pearson correlation over residual positions; joint over a component",
        "null": "exact permutation of residual dimensions (one permutation for all tensors of a component)",
        "alpha": ALPHA,
        "permutations": PERMUTATIONS,
        "joint_permutations": JOINT_PERMUTATIONS,
        "residual_window": RESIDUAL_WIDTH,
        "hidden_units_sampled": HIDDEN_UNITS,
        "token_rows_sampled": TOKEN_UNITS,
        "device": device,
        "raw_cosine": "reported for display only; never evidence",
    }


def make_fingerprint(model: Path, out: Path, *, progress: Progress | None = None) -> tuple[int, int]:
    """Write the fingerprint of ``model`` to ``out``; return ``(fingerprint bytes, model tensor bytes)``."""
    checkpoint = open_checkpoint(model)
    _check_fingerprint_out(checkpoint, out)
    done = 0

    def on_tensor(_: str, nbytes: int) -> None:
        nonlocal done
        done += nbytes
        if progress is not None:
            progress("fingerprinting", done, checkpoint.nbytes)

    fingerprint = fingerprint_checkpoint(checkpoint, progress=on_tensor)
    return write_fingerprint(fingerprint, out), checkpoint.nbytes


def _check_fingerprint_out(checkpoint: Checkpoint, out: Path) -> None:
    """Refuse an ``--out`` that would overwrite the model, join it as a shard, or replace some other file."""
    target = out.resolve()
    model = checkpoint.path.resolve()
    if target == model or target in {f.resolve() for f in checkpoint.files}:
        raise InputError(f"--out {out}: that is the model itself; choose another path")
    if model.is_dir() and target.parent == model and target.name.endswith(".safetensors"):
        raise InputError(f"--out {out}: a .safetensors file in the model's folder would join the model")
    if target.exists() and not _holds_fingerprint(target):
        raise InputError(f"--out {out}: exists and is not a fingerprint; choose a new path")


def _holds_fingerprint(path: Path) -> bool:
    try:
        return is_fingerprint(path)
    except InputError:
        return False
