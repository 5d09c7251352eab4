"""Stage 4a (tokens) — the rows of two vocabularies paired by token string, when the ids were re-numbered.

Token rows (embeddings, an output head) are compared by id: row ``i`` of the candidate against row ``i`` of
the reference. That holds for a copy and for a vocabulary that only grew at its end. A model given a new
tokenizer — merged with another, retrained, re-ordered — keeps many of the reference's token strings under
other ids (in January: "about 80k of 196k tokens shared"), so id ``i`` is another token on each side and every
statistic over token rows compares unrelated rows. When both tokenizers are at hand (``tokenizer.json`` or
``vocab.json`` beside both checkpoints, read as for the cheap signals) and the shared strings mostly sit at
different ids, the rows are paired by string instead: the residual alignment is fitted on those pairs, and the
token rows are compared through them.

A fingerprint keeps the strings of its sampled token rows (:func:`sampled_strings`), which is all the pairing
needs; one made without a tokenizer beside the model pairs by id, and the report says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from generator.audit.plan import wide_ids

if TYPE_CHECKING:  # only the type: the tokenizers are read by the engine
    from generator.audit.cheap_read import TokenizerFacts
    from generator.audit.fingerprint_file import TensorProfile

SAME_ID_SHARE = 0.9
"""Share of the shared strings that must keep their id for the rows to be paired by id as stored."""
MIN_SHARED = 32
"""Fewest shared strings worth pairing by."""
MAX_ID = 1 << 31
"""Token ids from here on are left out (no vocabulary is that large; a larger id is malformed input)."""
TOKEN_ROLES = ("embed", "lm_head")
"""Roles whose rows are tokens of the vocabulary (not positions, not pixels)."""
BY_ID = "token rows paired by id: both tokenizers are needed to pair them by string"


def is_token_rows(profile: TensorProfile) -> bool:
    """Whether a reference tensor's sampled units are token ids (an embedding or an output head)."""
    layout = profile.layout
    return (
        layout.kind == "residual" and layout.units == "token" and profile.parsed.role.startswith(TOKEN_ROLES)
    )


@dataclass(frozen=True, kw_only=True)
class TokenPairing:
    """How the token rows of the candidate were paired with the reference's (reported per audit)."""

    by: str
    """``string`` (a map is used) or ``id`` (rows read as stored)."""
    shared: int
    """Token strings in both vocabularies."""
    same_id: int
    """Of them, those with the same id on both sides."""
    note: str
    """Why rows are paired as they are."""


@dataclass(frozen=True, kw_only=True)
class TokenMap:
    """Reference token id → candidate token id of the same string (``-1``: none)."""

    to_candidate: npt.NDArray[np.int64]
    """Indexed by reference id."""
    pairing: TokenPairing
    """The report's account of it."""

    def rows(self, reference_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The candidate rows of these reference ids (``-1`` where the string is not in the candidate, or the
        id lies past the reference's vocabulary)."""
        ids = np.asarray(reference_ids, dtype=np.int64)
        inside = (ids >= 0) & (ids < self.to_candidate.size)
        out = np.full(ids.shape, -1, dtype=np.int64)
        out[inside] = self.to_candidate[ids[inside]]
        return out


def sampled_strings(profiles: Iterable[TensorProfile], ids: Mapping[str, int]) -> dict[int, str]:
    """The string of every token row a fingerprint keeps of ``profiles`` — sampled rows, and the whole rows
    kept for a wide rotation — which is what it keeps of the tokenizer."""
    strings = {i: token for token, i in ids.items()}
    kept: set[int] = set()
    for profile in profiles:
        if is_token_rows(profile):
            kept.update(int(u) for u in profile.units)
            wide = wide_ids(profile.shape, profile.layout.width, profile.units)
            kept.update(() if wide is None or profile.wide is None else wide.tolist())
    return {i: strings[i] for i in sorted(kept) if i in strings}


def pair_tokens(
    candidate: TokenizerFacts | str, reference: TokenizerFacts | str, *, reference_rows: int
) -> tuple[TokenMap | None, TokenPairing]:
    """A map when the two vocabularies share strings mostly under other ids; else ``None`` (pair by id) and
    why. Either side may be the reason it could not be read. Reference ids from ``reference_rows`` (the
    reference's token rows) on, and candidate ids from :data:`MAX_ID` on, name no row and are left out."""
    if isinstance(candidate, str) or isinstance(reference, str):  # why it is not available: in `cheap`
        return None, TokenPairing(by="id", shared=0, same_id=0, note=BY_ID)
    candidate_ids = {t: i for t, i in candidate.ids.items() if i < MAX_ID}
    reference_ids = {t: i for t, i in reference.ids.items() if i < reference_rows}
    shared = candidate_ids.keys() & reference_ids.keys()
    same = sum(candidate_ids[t] == reference_ids[t] for t in shared)
    if len(shared) < MIN_SHARED or same >= SAME_ID_SHARE * len(shared):
        reason = (
            f"only {len(shared)} token strings shared"
            if len(shared) < MIN_SHARED
            else f"{same:,} of the {len(shared):,} shared token strings keep their id"
        )
        pairing = TokenPairing(
            by="id", shared=len(shared), same_id=same, note=f"token rows paired by id: {reason}"
        )
        return None, pairing
    to_candidate = np.full(reference_rows, -1, dtype=np.int64)
    for token in shared:
        to_candidate[reference_ids[token]] = candidate_ids[token]
    pairing = TokenPairing(
        by="string",
        shared=len(shared),
        same_id=same,
        note=(
            f"token rows paired by string: {len(shared):,} strings shared, {same:,} of them under the same"
            " id (the vocabulary was re-numbered)"
        ),
    )
    return TokenMap(to_candidate=to_candidate, pairing=pairing), pairing
