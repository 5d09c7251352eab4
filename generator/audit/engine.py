"""The audit pipeline, in order: read → fingerprint the reference → align → compare → verdict.

:func:`run_audit` is the library entry point (the CLI and the site build call it); it passes values from
stage to stage and returns a frozen :class:`~generator.audit.report.AuditReport`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from generator.audit import heap
from generator.audit.ahead import candidate_ahead, deferred_ahead, reference_ahead
from generator.audit.align import align
from generator.audit.beside import model_config
from generator.audit.cheap import compare_sides, read_sides
from generator.audit.cheap_read import TokenizerFacts, read_side
from generator.audit.compare import Compared, compare
from generator.audit.exact import complete, reference_unpaired
from generator.audit.experts import EXPERT_SEED, EXPERTS_PER_LAYER
from generator.audit.fingerprint import fingerprint_checkpoint
from generator.audit.fingerprint_file import (
    Fingerprint,
    TensorProfile,
    is_fingerprint,
    load_fingerprint,
    write_fingerprint,
)
from generator.audit.gate_up import fused_by_columns, layout_of
from generator.audit.names import entries_of
from generator.audit.pairs import Candidate, CandidateSource, Unmatched
from generator.audit.plan import (
    EXPERT_UNITS,
    HIDDEN_RUN,
    HIDDEN_UNITS,
    RESIDUAL_WIDTH,
    TOKEN_RUN,
    TOKEN_UNITS,
)
from generator.audit.quant import dequantised
from generator.audit.read import Checkpoint, TensorInfo, TensorReader, open_checkpoint
from generator.audit.remote import Remote, RemoteFile, describe, is_remote
from generator.audit.report import AuditReport, SourceFile
from generator.audit.residual import PERMUTATION_GATE, ROTATION_GATE, fit_residual
from generator.audit.stats import JOINT_PERMUTATIONS, PERMUTATIONS
from generator.audit.tokens import (
    BY_ID,
    TokenMap,
    TokenPairing,
    is_token_rows,
    pair_tokens,
    sampled_strings,
)
from generator.audit.units import writes_units
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


Location = Path | str
"""A local path, or an ``hf://OWNER/NAME[@REVISION][/SUBFOLDER]`` or ``http(s)://`` URL."""


def run_audit(
    candidate: Location,
    reference: Location,
    *,
    device: str = "cpu",
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    cache: Path | None = None,
    expert_seed: int = EXPERT_SEED,
) -> AuditReport:
    """Audit ``candidate`` (a checkpoint) against ``reference`` (a checkpoint or a fingerprint file).

    ``expert_seed`` chooses which routed experts of each layer are tested (recorded in the report).

    Remote locations are read in place (only headers and sampled windows travel); ``cache`` keeps fetched
    ranges on disk, keyed by each file's sha256. The configs and tokenizers beside both are compared too
    (:func:`~generator.audit.cheap.compare_cheap`; not evidence, and never a reason to stop).
    """
    if _is_fingerprint(candidate):
        raise InputError(f"{candidate}: is a fingerprint; the candidate must be a checkpoint")
    with (
        heap.frozen(),
        _aside() as aside,  # left last: the remote reads are closed first, then nothing is waited for
        _remote(progress, cache, candidate, reference) as remote,
    ):
        # Configs and tokenizers are read while the weights are, through the same connection (one revision
        # look-up per repository: all read at one commit), counted apart: `transfer` is the weights' bytes.
        beside_read = aside.submit(
            read_sides, candidate, reference, remote=remote.counted_apart() if remote is not None else None
        )
        # the reference's header is read while the candidate's is (over HTTP: two round trips, not four)
        opening = None
        if not _is_fingerprint(reference):
            opening = aside.submit(open_checkpoint, reference, remote=remote)
        # fail fast (unreadable, or quantised in a format not understood), before the reference is read
        stored = open_checkpoint(candidate, remote=remote)
        checkpoint = dequantised(stored)
        resolved = resolve_device(device)
        first_fetched = False
        if opening is None:
            fingerprint = load_fingerprint(Path(reference))
            reference_files: tuple[SourceFile, ...] = (_source_file(Path(reference)),)
        else:
            opened = opening.result()
            first_fetched = remote is not None and reference_ahead(
                remote, opened, checkpoint, expert_seed=expert_seed
            )
            fingerprint = fingerprint_checkpoint(
                opened,
                progress=_bytes_progress(progress, opened.nbytes),
                keep_stored=True,
                done=_releasing(remote),
            )
            if remote is not None:  # its sampled bytes are in the fingerprint now: room for the candidate's
                remote.release([f for f in opened.files if isinstance(f, RemoteFile)])
            reference_files = tuple(_source_file(f) for f in opened.files)
        if remote is not None:
            candidate_ahead(
                remote, fingerprint, checkpoint, first_fetched=first_fetched, expert_seed=expert_seed
            )
        beside = beside_read.result()
        theirs = beside[1].tokenizer if fingerprint.kind == "checkpoint" else _kept_strings(fingerprint)
        rows = max((p.shape[0] for p in fingerprint.tensors if is_token_rows(p)), default=0)
        tokens, pairing = pair_tokens(beside[0].tokenizer, theirs, reference_rows=rows)

        def audit(checkpoint: Checkpoint) -> AuditReport:
            return audit_against(
                checkpoint=checkpoint,
                fingerprint=fingerprint,
                reference=str(reference),
                device=resolved,
                mapping=mapping,
                progress=progress,
                expert_seed=expert_seed,
                tokens=tokens,
                token_pairing=pairing,
                read_ahead=partial(deferred_ahead, remote) if remote is not None else None,
            )

        report = _with_gate_up_layout(audit(checkpoint), stored, audit)
        transfer = remote.transfer if remote is not None else None
    return replace(
        report,
        candidate_files=tuple(_source_file(f) for f in checkpoint.files),
        reference_files=reference_files,
        transfer=None if transfer is None else dataclasses.asdict(transfer),
        cheap=compare_sides(candidate, reference, *beside),
    )


def _kept_strings(fingerprint: Fingerprint) -> TokenizerFacts | str:
    """The token strings a fingerprint kept, as a (partial) vocabulary, or why there are none."""
    if not fingerprint.tokens:
        return "the fingerprint keeps no token strings (no tokenizer beside the model it was made from)"
    ids = {token: i for i, token in fingerprint.tokens.items()}
    return TokenizerFacts(
        source="fingerprint", tokens=frozenset(ids), merges=None, special=frozenset(), ids=ids
    )


def _with_gate_up_layout(
    report: AuditReport, stored: Checkpoint, audit: Callable[[Checkpoint], AuditReport]
) -> AuditReport:
    """``report`` with the layout of a fused ``[E, d, 2f]`` ``gate_up_proj`` named in its method. Where
    ``config.json`` names none, the candidate is audited both ways and the layout whose experts score higher
    on half A is kept: the choice never sees half B, so its tests stay exact."""
    if not fused_by_columns(stored.tensors):
        return report
    named = layout_of(model_config(stored).values)
    if named is not None:
        return _noted(report, f"{named}: named by config.json (model_type)")
    other = audit(dequantised(stored, gate_up="interleaved"))
    concatenated, interleaved = _fused_expert_score(report), _fused_expert_score(other)
    kept, chosen = (other, "interleaved") if interleaved > concatenated else (report, "concatenated")
    return _noted(
        kept,
        f"{chosen}: config.json names no layout, so both were tried against the reference and the one whose "
        f"experts score higher on half A kept (mean {concatenated:.2f} concatenated, {interleaved:.2f} "
        "interleaved)",
    )


def _fused_expert_score(report: AuditReport) -> float:
    """Mean half-A score of the expert matches that rest on fused gate/up views (-1 without any)."""
    scores = [
        m.score
        for c in report.components
        for m in c.expert_matches
        if m.score is not None and any("gate_up_proj[" in t for t in m.tensors)
    ]
    return float(np.mean(scores)) if scores else -1.0


def _noted(report: AuditReport, layout: str) -> AuditReport:
    return replace(report, method={**report.method, "gate_up_layout": layout})


def _is_fingerprint(location: Location) -> bool:
    return not is_remote(location) and is_fingerprint(Path(location))


@contextmanager
def _aside() -> Iterator[ThreadPoolExecutor]:
    """Two threads for what is read beside the candidate's header (the reference's, configs, tokenizers).
    Left without waiting: on success everything was taken from them; on an error (a candidate that cannot
    be read, say) the user is told at once, not after the reference was opened — a remote one's reads are
    closed first and end at their next request."""
    pool = ThreadPoolExecutor(2, thread_name_prefix="aside")
    try:
        yield pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _remote(
    progress: Progress | None, cache: Path | None, *locations: Location
) -> AbstractContextManager[Remote | None]:
    """A :class:`Remote` for this run when any location is remote (else a null context)."""
    if not any(is_remote(location) for location in locations):
        return nullcontext(None)

    def fetched(done: int, planned: int) -> None:
        if progress is not None:
            progress("fetching (bytes fetched / planned)", done, planned)

    return Remote(cache=cache, progress=fetched)


def _releasing(remote: Remote | None) -> Callable[[TensorInfo], None] | None:
    """Drops what was fetched ahead of a stored tensor once it is read, making room for the next ones: the
    sampled positions of a reference of hundreds of GB are tens of GB, read through a window of
    :attr:`~generator.audit.remote.Pacing.room` (512 MiB by default)."""
    if remote is None:
        return None

    def done(part: TensorInfo) -> None:
        if isinstance(part.file, RemoteFile):
            remote.release_span(part.file, part.offset, part.offset + part.nbytes)

    return done


def _bytes_progress(progress: Progress | None, total: int) -> Callable[[str, int], None]:
    done = 0

    def on_tensor(_: str, nbytes: int) -> None:
        nonlocal done
        done += nbytes
        if progress is not None:
            progress("fingerprinting the reference", done, total)

    return on_tensor


def _source_file(file: Path | RemoteFile) -> SourceFile:
    return SourceFile(**describe(file))


def audit_against(
    *,
    checkpoint: Checkpoint,
    fingerprint: Fingerprint,
    reference: str,
    device: str = "cpu",
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    expert_seed: int = EXPERT_SEED,
    tokens: TokenMap | None = None,
    token_pairing: TokenPairing | None = None,
    read_ahead: Callable[[Sequence[TensorProfile]], None] | None = None,
) -> AuditReport:
    """Audit an opened candidate checkpoint against an already loaded reference fingerprint.

    ``tokens`` pairs token rows by string (a re-numbered vocabulary, :mod:`~generator.audit.tokens`);
    ``token_pairing`` says in the report's method how they were paired; ``read_ahead`` fetches in one batch
    what reading the reference's deferred tensors reads (:func:`~generator.audit.ahead.deferred_ahead`)."""
    candidates = [
        Candidate(info=info, parsed=parsed) for info, parsed in entries_of(checkpoint.tensors, mapping)
    ]
    components = list(dict.fromkeys(c.parsed.component for c in candidates))
    parameters = dict.fromkeys(components, 0)
    for candidate in candidates:
        parameters[candidate.parsed.component] += candidate.info.numel
    with TensorReader() as reader:
        source = CandidateSource(reader, tokens=tokens)
        residual = fit_residual(candidates, fingerprint, source)
        aside = residual.candidate_set_aside
        set_aside = [
            Unmatched(candidate=c, reason=aside[c.info.name], skipped=False)
            for c in candidates
            if c.info.name in aside
        ]
        candidates = [c for c in candidates if c.info.name not in aside]
        source.read_through(residual.maps)
        aligned = 0

        def on_align(_: str) -> None:
            nonlocal aligned
            aligned += 1
            if progress is not None:
                progress("aligning", aligned, len(candidates))

        alignment = align(
            candidates,
            fingerprint,
            source,
            progress=on_align,
            expert_seed=expert_seed,
            read_ahead=read_ahead,
        )
        # o_proj/down_proj first: whether their units relate to the reference's tells whether the units of
        # q/k/v and gate/up (the same heads and neurons) are worth searching (`units.hidden_units`), and the
        # token rows, last, whether a re-numbered vocabulary is (`units.token_units`)
        order = sorted(
            range(len(alignment.matches)),
            key=lambda i: (
                not writes_units(alignment.matches[i].reference),
                is_token_rows(alignment.matches[i].reference),
            ),
        )
        done: dict[int, Compared] = {}
        for index, position in enumerate(order, start=1):
            done[position] = compare(alignment.matches[position], source, device=device)
            if progress is not None:
                progress("comparing", index, len(alignment.matches))
        compared = [done[position] for position in range(len(alignment.matches))]
        unmatched = (*set_aside, *(residual.explain(u) for u in alignment.unmatched))
        completed = complete(compared, unmatched, fingerprint, reader)
    reports = decide(
        components=components,
        compared=completed.compared,
        unmatched=completed.unmatched,
        layer_maps=alignment.layer_maps,
        parameters=parameters,
        reference_layers=_reference_layers(fingerprint),
        expert_matches=alignment.expert_matches,
        residual=residual.alignments,
    )
    unpaired, reference_complete = reference_unpaired(
        fingerprint, completed.compared, set_aside=residual.reference_set_aside
    )
    whole = overall(reports, reference_complete=reference_complete)
    return AuditReport(
        candidate=str(checkpoint.path),
        reference=reference,
        reference_kind=fingerprint.kind,
        verdict=whole.verdict,
        parameters=sum(parameters.values()),
        components=reports,
        shared_origin=whole.shared_origin,
        summary=whole.summary,
        reference_unpaired=unpaired,
        expert_seed=expert_seed,
        method=_method(
            device, token_pairing.note if token_pairing is not None else BY_ID, _expert_units(fingerprint)
        ),
    )


def _reference_layers(fingerprint: Fingerprint) -> dict[str, int]:
    layers: dict[str, set[int]] = {}
    for profile in fingerprint.tensors:
        p = profile.parsed
        if p.stack is not None and p.layer is not None and profile.layout.kind != "skip":
            layers.setdefault(p.stack, set()).add(p.layer)
    return {stack: len(ids) for stack, ids in layers.items()}


def _expert_units(fingerprint: Fingerprint) -> int | None:
    """The most units any routed expert's matrix of the reference holds sampled (a fingerprint made before
    experts were sampled at :data:`~generator.audit.plan.EXPERT_UNITS` holds 128); ``None`` without
    experts."""
    counts = [len(p.units) for p in fingerprint.tensors if p.parsed.role.startswith("expert.")]
    return max(counts, default=None)


def _method(device: str, token_rows: str, expert_units: int | None) -> dict[str, Any]:
    return {
        "statistic": "mean per-unit Pearson correlation over residual positions; joint over a component",
        "null": "exact permutation of residual dimensions (one permutation for all tensors of a component)",
        "alpha": ALPHA,
        "permutations": PERMUTATIONS,
        "joint_permutations": JOINT_PERMUTATIONS,
        "residual_window": RESIDUAL_WIDTH,
        "hidden_units_sampled": HIDDEN_UNITS,
        "expert_units_sampled": {"at_most": EXPERT_UNITS, "in_this_reference": expert_units},
        "token_rows_sampled": TOKEN_UNITS,
        "sampled_in_runs_of": {"hidden_units": HIDDEN_RUN, "token_rows": TOKEN_RUN},
        "experts_sampled_per_layer": EXPERTS_PER_LAYER,
        "device": device,
        "raw_cosine": "reported for display only; never evidence",
        "residual_alignment": (
            "fitted from the token embeddings when the same-index columns disagree: an assignment (permuted"
            " or pruned residual dimensions) or orthogonal Procrustes (a rotation), kept only when its median"
            " held-out column correlation reaches the gate; the embeddings it was fitted on are not evidence"
        ),
        "residual_gates": {"permutation": PERMUTATION_GATE, "rotation": ROTATION_GATE},
        "token_rows": token_rows,
    }


def make_fingerprint(
    model: Location, out: Path, *, progress: Progress | None = None, cache: Path | None = None
) -> tuple[int, int]:
    """Write the fingerprint of ``model`` to ``out``; return ``(fingerprint bytes, model tensor bytes)``.

    A remote model is read whole (a fingerprint hashes every tensor), in parallel ranges.
    """
    with heap.frozen(), _remote(progress, cache, model) as remote:
        checkpoint = open_checkpoint(model, remote=remote)
        _check_fingerprint_out(checkpoint, out)
        fingerprint = fingerprint_checkpoint(
            checkpoint, progress=_bytes_progress(progress, checkpoint.nbytes)
        )
        tokenizer = read_side(model, remote).tokenizer  # its strings for the sampled token rows
    if isinstance(tokenizer, TokenizerFacts):
        fingerprint = replace(fingerprint, tokens=sampled_strings(fingerprint.tensors, tokenizer.ids))
    return write_fingerprint(fingerprint, out), checkpoint.nbytes


def _check_fingerprint_out(checkpoint: Checkpoint, out: Path) -> None:
    """Refuse an ``--out`` that would overwrite the model, join it as a shard, or replace some other file."""
    target = out.resolve()
    if isinstance(checkpoint.path, Path):
        model = checkpoint.path.resolve()
        if target == model or target in {f.resolve() for f in checkpoint.files if isinstance(f, Path)}:
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
