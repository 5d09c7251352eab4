"""Stage 1, remote: planning the requests for a batch of byte ranges, and cutting the answers back apart.

Pure functions: :func:`coalesce` sorts the ranges asked for and joins those close enough that one request
costs less than two (the gap comes from :class:`~generator.audit.remote_settings.Pacing`), splitting what
grows too long; :func:`cut` gives each range asked for its bytes from the joined answers.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from generator.audit.remote_settings import MAX_REQUEST


def coalesce(
    spans: Sequence[tuple[int, int]], *, gap: int, bounds: Sequence[int] = ()
) -> list[tuple[int, int]]:
    """Sorted, disjoint ``(start, end)`` requests covering ``spans``: overlapping spans joined, and spans at
    most ``gap`` bytes apart while the join stays within :data:`MAX_REQUEST` and crosses none of the sorted
    ``bounds`` (where one tensor ends and the next begins, when each tensor's bytes are to be dropped once it
    is read); each request at most :data:`MAX_REQUEST` long (a longer range is split, so that its parts are
    fetched in parallel)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and (
            start < out[-1][1]
            or (
                start - out[-1][1] <= gap
                and max(end, out[-1][1]) - out[-1][0] <= MAX_REQUEST
                and bisect_right(bounds, start) == bisect_right(bounds, out[-1][0])
            )
        ):
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    split: list[tuple[int, int]] = []
    for start, end in out:
        split += [(s, min(end, s + MAX_REQUEST)) for s in range(start, end, MAX_REQUEST)]
    return split


def cut(
    wanted: Sequence[tuple[int, int, int]], groups: Sequence[tuple[int, int]], blobs: Sequence[bytes]
) -> list[bytes]:
    """The bytes of each ``(start, end, tag)`` range in ``wanted``, in order, taken from ``blobs``, the
    answers to the sorted ``groups`` that :func:`coalesce` planned for them (shorter only where an answer
    was: at the end of the file)."""
    out: list[bytes] = []
    starts = [s for s, _ in groups]
    for start, end, _ in wanted:
        k = bisect_right(starts, start) - 1
        pieces = []
        while k < len(groups) and groups[k][0] < end:
            pieces.append(blobs[k][max(0, start - groups[k][0]) : end - groups[k][0]])
            k += 1
        out.append(b"".join(pieces))
    return out
