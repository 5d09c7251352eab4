"""Weight-independence audit: were a model's weights trained from scratch, or taken from a reference?

Stages, in order: :mod:`~generator.audit.read` (validated safetensors, never pickle: each file's header
checked by :mod:`~generator.audit.header`, raw elements made numbers by :mod:`~generator.audit.values`; local,
or in place over HTTP: :mod:`~generator.audit.locate` names an ``hf://`` or URL location's files,
:mod:`~generator.audit.remote` fetches their ranges — :mod:`~generator.audit.remote_settings` its settings,
:mod:`~generator.audit.remote_ranges` which requests, :mod:`~generator.audit.remote_transport` the HTTP,
:mod:`~generator.audit.remote_cache` the cache on disk, :mod:`~generator.audit.remote_file` one file — and
:mod:`~generator.audit.ahead` reads ahead) →
:mod:`~generator.audit.quant` (quantised weights read as their values, unknown packings refused:
:mod:`~generator.audit.quant_scaled` recognises scaled FP8 and int8 codes,
:mod:`~generator.audit.quant_packed` GPTQ and AWQ, :mod:`~generator.audit.quant_decode` reads them back; block
and group sizes from the ``config.json`` beside the weights, local or remote: :mod:`~generator.audit.beside`)
→ :mod:`~generator.audit.gate_up` (fused expert ``gate_up_proj`` stored ``[E, d, 2f]`` split per expert) →
:mod:`~generator.audit.names` (fused tensors split into parts by :mod:`~generator.audit.parts`) and
:mod:`~generator.audit.plan` (what to look at) → :mod:`~generator.audit.fingerprint` (the reference, reduced;
:mod:`~generator.audit.fingerprint_file` its values, written and read) → :mod:`~generator.audit.tokens` (token
rows paired by string when the vocabulary was re-numbered) → :mod:`~generator.audit.residual` (a permuted,
pruned, grown or rotated residual stream recovered from the token embeddings, which are then not evidence;
:mod:`~generator.audit.residual_wide` fits a wide rotation from whole rows,
:mod:`~generator.audit.residual_units` one from FFN neurons when no token is shared,
:mod:`~generator.audit.residual_matched` pairing those neurons first when they were permuted too) →
:mod:`~generator.audit.align` (pairs, layer maps; :mod:`~generator.audit.pairs` its building blocks,
:mod:`~generator.audit.experts` experts matched under permutation) → :mod:`~generator.audit.compare`
(statistics per pair; :mod:`~generator.audit.units` aligns hidden units) → :mod:`~generator.audit.exact` (the
rest of an identical component compared whole; every tensor accounted for) → :mod:`~generator.audit.verdict`
(per component and overall). :func:`run_audit` runs them in order.

Beside them, never as evidence of weight reuse: :mod:`~generator.audit.cheap` compares the configs and
tokenizers (:func:`compare_cheap`; files read by :mod:`~generator.audit.cheap_read`).
"""

from __future__ import annotations

from generator.audit.cheap import CheapEvidence, compare_cheap
from generator.audit.engine import make_fingerprint, resolve_device, run_audit
from generator.audit.report import AuditReport, ComponentReport, Verdict

__all__ = [
    "AuditReport",
    "CheapEvidence",
    "ComponentReport",
    "Verdict",
    "compare_cheap",
    "make_fingerprint",
    "resolve_device",
    "run_audit",
]
