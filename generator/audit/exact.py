"""Stage 6b — exact: in a component whose compared tensors are all identical, the rest compared whole.

"Used as-is" must cover the whole component, not the tensors the statistics sample: tensors without a
residual axis that are too large to test (a projector's or merger's square matrices), routed experts left
out of the sample, tensors whose role the reference never tests. Each is compared with a reference tensor of
the same shape (or transposed) by its SHA-256 after casting both to the lower precision — against the
hashes a fingerprint file stores, or against the reference tensor hashed now when its checkpoint is at hand
(the same numbers either way). Such a pair proves identity only: it carries no permutation test, so it never
adds evidence of shared origin, only completeness to ``identical``. A tensor that equals no reference tensor
of its shape stays unpaired, and the component is then ``derived``, not ``identical``.

Also lists the reference's tensors that no candidate tensor was compared with, so that every tensor of both
checkpoints is accounted for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.audit.compare import Compared, PairEvidence, whole_hash
from generator.audit.fingerprint_file import Fingerprint, TensorProfile
from generator.audit.header import AUDITED_DTYPES, TensorInfo
from generator.audit.names import is_buffer
from generator.audit.pairs import Unmatched
from generator.audit.read import TensorReader
from generator.audit.report import Unpaired
from generator.audit.stats import lower_precision

KIND_SKIPS = ("tensors are not weights", "deterministic buffer", "scalar")
"""Reasons that exclude a tensor by kind: never weights, so never needed for ``identical``."""
NOT_COMPARED = "no candidate tensor was compared with it"


@dataclass(frozen=True, kw_only=True)
class Completed:
    """Pairs and unpaired tensors after the exact pass."""

    compared: tuple[Compared, ...]
    """Every pair: the statistical ones, then those compared whole here."""
    unmatched: tuple[Unmatched, ...]
    """Candidate tensors still not compared, with the reason."""


def by_kind(reason: str) -> bool:
    """Whether a tensor was left out by kind (buffer, integer, scalar) — never weights."""
    return any(reason.endswith(kind) for kind in KIND_SKIPS)


def complete(
    compared: Sequence[Compared],
    unmatched: Sequence[Unmatched],
    fingerprint: Fingerprint,
    reader: TensorReader,
) -> Completed:
    """Compare whole every remaining tensor of each component whose compared tensors are all identical."""
    identical: dict[str, bool] = {}
    for item in compared:
        component = item.evidence.component
        identical[component] = identical.get(component, True) and bool(item.evidence.whole_tensor_identical)
    used = {item.evidence.reference for item in compared}
    index = _Index(fingerprint, reader)
    added: list[Compared] = []
    left: list[Unmatched] = []
    for unpaired in unmatched:
        if not identical.get(unpaired.candidate.parsed.component) or by_kind(unpaired.reason):
            left.append(unpaired)
            continue
        found = index.find(unpaired, used)
        if isinstance(found, str):
            left.append(Unmatched(candidate=unpaired.candidate, reason=found, skipped=False))
        else:
            used.add(found.reference)
            added.append(Compared(evidence=found, joint=None))
    return Completed(compared=(*compared, *added), unmatched=tuple(left))


_Place = tuple[str, int | None, int | None, tuple[int, ...]]


class _Index:
    """The reference's weights by place and by shape, and their SHA-256 digests per shape, computed at most
    once (stored in a fingerprint; read and hashed when the reference's checkpoint is at hand)."""

    def __init__(self, fingerprint: Fingerprint, reader: TensorReader) -> None:
        self._reader = reader
        self._by_place: dict[_Place, TensorProfile] = {}
        self._by_shape: dict[tuple[int, ...], list[TensorProfile]] = {}
        for profile in fingerprint.tensors:
            if profile.dtype in AUDITED_DTYPES and not is_buffer(profile.name):
                p = profile.parsed
                self._by_place.setdefault((p.role, p.layer, p.expert, profile.shape), profile)
                self._by_shape.setdefault(profile.shape, []).append(profile)
        self._digests: dict[tuple[str, bool, str], str] = {}
        self._by_hash: dict[tuple[tuple[int, ...], str], dict[tuple[str, str], list[TensorProfile]]] = {}

    def find(self, item: Unmatched, used: set[str]) -> PairEvidence | str:
        """The reference tensor the candidate tensor equals (whole, after the cast), or why there is none.

        Its counterpart by role, layer and expert first; else the first unused reference tensor of its
        shape (then of the transposed shape) with the same digest, in the reference's order.
        """
        info, parsed = item.candidate.info, item.candidate.parsed
        own = self._by_place.get((parsed.role, parsed.layer, parsed.expert, info.shape))
        if own is not None and own.name not in used:
            target = lower_precision(info.dtype, own.dtype)
            if target is not None and self._digest(info, False, target) == self._reference(own, target):
                return _evidence(item, own, transposed=False, target=target)
        shapes = [(info.shape, False)] + ([(info.shape[::-1], True)] if len(info.shape) == 2 else [])
        if not any(self._by_shape.get(shape) for shape, _ in shapes):
            return f"{item.reason}; no reference tensor of its shape to compare it with whole"
        for shape, transposed in shapes:
            digests = self._hashes(shape, info.dtype)
            for target in sorted({t for t, _ in digests}):
                same = digests.get((target, self._digest(info, transposed, target)), [])
                match = next((p for p in same if p.name not in used), None)
                if match is not None:
                    return _evidence(item, match, transposed=transposed, target=target)
        return f"{item.reason}; equals no reference tensor of its shape"

    def _hashes(self, shape: tuple[int, ...], dtype: str) -> dict[tuple[str, str], list[TensorProfile]]:
        """Reference tensors of ``shape`` by (cast dtype, digest), for a candidate tensor of ``dtype``."""
        key = (shape, dtype)
        if key not in self._by_hash:
            table: dict[tuple[str, str], list[TensorProfile]] = {}
            for profile in self._by_shape.get(shape, []):
                target = lower_precision(dtype, profile.dtype)
                digest = self._reference(profile, target) if target is not None else None
                if target is not None and digest is not None:
                    table.setdefault((target, digest), []).append(profile)
            self._by_hash[key] = table
        return self._by_hash[key]

    def _digest(self, info: TensorInfo, transposed: bool, target: str) -> str:
        key = (info.name, transposed, target)
        if key not in self._digests:
            self._digests[key] = whole_hash(self._reader, info, transposed=transposed, target=target)
        return self._digests[key]

    def _reference(self, profile: TensorProfile, target: str) -> str | None:
        if profile.stored is None:
            return profile.hashes.get(target)
        key = ("\0reference\0" + profile.name, False, target)
        if key not in self._digests:
            self._digests[key] = whole_hash(self._reader, profile.stored, transposed=False, target=target)
        return self._digests[key]


def _evidence(item: Unmatched, profile: TensorProfile, *, transposed: bool, target: str) -> PairEvidence:
    info = item.candidate.info
    return PairEvidence(
        candidate=info.name,
        reference=profile.name,
        component=item.candidate.parsed.component,
        role=profile.parsed.role,
        parameters=info.numel,
        how="whole",
        transposed=transposed,
        match_score=None,
        same_shape=True,
        units=None,
        sampled=info.numel,
        bit_identical=1.0 if info.dtype == profile.dtype else None,
        cast_identical=1.0,
        cast_dtype=target,
        whole_tensor_identical=True,
        relative_l2=0.0,
        centred_cosine=1.0,
        raw_cosine_not_evidence=1.0,
        test=None,
        residual_width=None,
        note=f"compared whole (equal SHA-256 after a cast to {target}); not tested: {item.reason}",
    )


def reference_unpaired(
    fingerprint: Fingerprint, compared: Sequence[Compared], *, set_aside: Mapping[str, str] | None = None
) -> tuple[tuple[Unpaired, ...], bool]:
    """Reference tensors no candidate tensor was compared with, and whether all of them are left out by kind
    (so that the candidate can be the whole reference). ``set_aside``: tensors that are not evidence after a
    fitted residual map (:mod:`~generator.audit.residual`), with the reason."""
    aside = set_aside or {}
    used = {item.evidence.reference for item in compared}
    out = []
    for profile in fingerprint.tensors:
        if profile.name in used:
            continue
        reason = profile.layout.reason
        if profile.name in aside:
            reason = aside[profile.name]
        elif not by_kind(reason):
            reason = f"{NOT_COMPARED} ({reason})" if reason else NOT_COMPARED
        out.append(Unpaired(name=profile.name, parameters=math.prod(profile.shape), reason=reason))
    return tuple(out), all(by_kind(u.reason) for u in out)
