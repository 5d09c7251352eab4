"""Stage 2a — plan: where a reference tensor is looked at, as a pure function of its role and shape.

Every test in the audit correlates a candidate with a reference over **residual dimensions** (the model
width ``d``) and calibrates by permuting them: residual dimensions of an independently trained model carry an
arbitrary labelling, jointly across all its tensors (initialisation is i.i.d., and Adam, RMSNorm and
attention are equivariant under their permutation). So each model width ``d`` gets one seeded *window* of
residual positions shared by every tensor of that width, split in two halves:

* **A** — used to *choose*: layer maps, tensor matching for renamed tensors, unit alignment;
* **B** — used to *test*: permutations act on B only, so choices made on A cannot bias the test.

Rows of a block are *units*: FFN neurons or attention dimensions (``hidden``: exchangeable, may be matched to
the candidate's own order), token or pixel rows (``token``: aligned by index, never permuted), or the single
row of a vector. Seeds come from the role and the shape — never from the name — so a renamed copy is read
at the same places, and a fingerprint stores exactly what a full audit would use.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from generator.audit.names import ParsedName

RESIDUAL_WIDTH = 128
"""Residual positions per window (64 to choose with, 64 to test on). The window is paid for in whole rows:
``o_proj``/``down_proj`` store a residual position as a row of every unit, so a window reads ``W/d`` of them
(3.1% at d = 4096, 1.9% at 7168), and they are a third of a dense layer's bytes. 256 positions read 2.5% of
a dense d = 4096 checkpoint over HTTP — more than the 2% goal on their own with the sampled units —; 128 keep
every test's null exact (permutations of the 64 test positions) and tens of thousands of elements per tensor,
and models up to d = 128 are read whole, as before."""
HIDDEN_UNITS = 128
"""Hidden units sampled per reference matrix."""
EXPERT_UNITS = 32
"""Hidden units sampled per routed expert's matrix (two runs). A MoE reference is read at every expert of
every layer (which of them a candidate's experts derive from is not known before), so its samples are most
of what an audit against it reads: at 128 units a DeepSeek-V3 expert was 2.0 MB and 20 requests (4.5% of
a layer), at 32 it is 0.71 MB and 8 (1.6%; 0.46 MB where its output projection is left unread, as for
every expert no candidate expert is matched with: :data:`~generator.audit.fingerprint.DEFERRED_ROLES`).
A matched expert is still tested on 32 × 64 elements (a
fine-tuned copy's z-score over 20); independent ones stay at chance (the null is the same permutation of
residual positions)."""
TOKEN_UNITS = 512
"""Token (or pixel) rows sampled per reference matrix."""
HIDDEN_RUN = 16
"""Sampled hidden units come in runs of this many consecutive units (:func:`choose_units`)."""
TOKEN_RUN = 64
"""Sampled token rows come in runs of this many consecutive ids."""
PLAIN_LIMIT = 65_536
"""Tensors without a residual axis are tested whole up to this many elements, skipped above."""
SEARCH_PARTNERS = 16
"""Sampled reference units expected to have their partner inside a searched run of the candidate's units,
were those units a re-ordered copy: the run holds ``16/s`` of the ``n`` units (``s`` sampled), and misses
every partner with probability about e^-16 (1e-7)."""
SEARCH_MIN_PARTNERS = 8
"""Where so few units are sampled that :data:`SEARCH_PARTNERS` would need a run over a quarter of the units
(a routed expert's :data:`EXPERT_UNITS`), the run is a quarter, if it is still expected to hold this many
partners (missing them all: about e^-8, 3e-4); else every unit is searched."""
SEARCH_MIN_UNITS = 1024
"""Fewer candidate units than this are searched all at once (reading them all costs little)."""

WIDE_FIT_FACTOR = 2
"""Whole token rows a wide rotation is fitted on, per residual dimension (:func:`wide_run`)."""
WIDE_CHECK_ROWS = 512
"""Further whole rows it is checked on."""
WIDE_SHARE = 0.0025
"""Most a fingerprint spends on those whole rows, as a share of the model's bytes (over it, it keeps none and
a wide rotation is fitted only against the checkpoint): every round-1 reference's cost less (DeepSeek-V3's
0.03%, Qwen2.5-VL-32B's 0.17%), and the fingerprint stays under 1% (about 0.45% without them)."""
MATCH_SHARE = 0.01
"""Most the pairing of FFN neurons across a permutation (:mod:`~generator.audit.residual_matched`) reads —
a dense layer's whole ``gate_proj`` and a quarter of its ``up_proj``, of both models — as a share of the two
checkpoints' bytes: a 7B model's 0.8%, DeepSeek-V3's first dense layer under 0.05%; not a model of a few
layers, where it would be most of the audit's reads (and its CPU: about a minute at 7B width)."""

UnitKind = Literal["hidden", "token", "single"]
_TOKEN_ROLES = ("embed", "lm_head", "pos_embed")
_UNIT_ROLES = ("attn.q.", "attn.k.", "attn.v.", "attn.qkv.", "mlp.up.", "mlp.gate.")
_RESIDUAL_ROWS = ("attn.o.", "mlp.down.")
_LATENT_READERS = ("attn.q_b.", "attn.kv_b.")
"""Multi-head latent attention's up-projections: rows are attention dimensions, columns the latent rank —
neither is the residual stream, even where a width happens to equal ``d``."""


@dataclass(frozen=True, kw_only=True)
class Window:
    """The residual positions sampled for model width ``size``."""

    size: int
    """Model width ``d``."""
    start: int
    """First position."""
    width: int
    """Number of positions (even)."""

    @property
    def half(self) -> int:
        """Positions in each of the halves A and B."""
        return self.width // 2

    def positions(self) -> np.ndarray:
        """All window positions, A then B, ascending."""
        return np.arange(self.start, self.start + self.width, dtype=np.int64)


@dataclass(frozen=True, kw_only=True)
class Layout:
    """How one reference tensor is sampled and tested."""

    kind: Literal["residual", "plain", "skip"]
    """``residual``: tested over residual positions; ``plain``: own permutation test; ``skip``: not tested."""
    reason: str = ""
    """Why a tensor is skipped."""
    residual_axis: int | None = None
    """Axis of the 2-D view that holds residual dimensions (``residual`` only)."""
    units: UnitKind = "single"
    """What the block's rows are."""
    width: int = 0
    """Model width ``d`` (``residual`` only)."""


def seed_for(key: str) -> int:
    """A 64-bit seed from a text key (stable across runs and machines)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


@cache
def window_for(d: int) -> Window:
    """The window of model width ``d`` (keyed by ``d`` alone, so all tensors of one model share it)."""
    width = min(d, RESIDUAL_WIDTH)
    width -= width % 2
    rng = np.random.default_rng(seed_for(f"residual|{d}"))
    return Window(size=d, start=int(rng.integers(0, d - width + 1)), width=width)


def view_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    """Rows and columns of a tensor's 2-D view (a vector is one row)."""
    if len(shape) >= 2:
        return shape[0], math.prod(shape[1:])
    return 1, shape[0] if shape else 1


def model_width(parsed: Iterable[tuple[ParsedName, tuple[int, ...]]]) -> int | None:
    """The residual width of a component: the most common length of its norm vectors (else of any vector)."""
    norms: Counter[int] = Counter()
    vectors: Counter[int] = Counter()
    for name, shape in parsed:
        if len(shape) == 1 and shape[0] > 1:
            vectors[shape[0]] += 1
            if name.role.startswith("norm."):
                norms[shape[0]] += 1
    counts = norms or vectors
    return counts.most_common(1)[0][0] if counts else None


def layout_for(parsed: ParsedName, shape: tuple[int, ...], d: int | None) -> Layout:
    """How a reference tensor with this role and shape is tested, given its component's width ``d``."""
    role, numel = parsed.role, math.prod(shape)
    if numel < 2:
        return Layout(kind="skip", reason="scalar")
    if role.startswith("pos_embed"):
        # Whisper, Marian and the original Transformer store a fixed sinusoid here: the same in every model.
        return Layout(kind="skip", reason="position table: may be a fixed sinusoid, the same in every model")
    rows, cols = view_shape(shape)
    if d is not None and d >= 8 and not role.startswith(_LATENT_READERS):
        if len(shape) == 1:
            if cols == d and not role.startswith(_UNIT_ROLES):
                return Layout(kind="residual", residual_axis=1, units="single", width=d)
        elif role.startswith(_TOKEN_ROLES) or role.startswith("patch_embed") or len(shape) >= 3:
            axis = 1 if cols == d and len(shape) == 2 else 0 if rows == d else None
            if axis is not None:
                return Layout(kind="residual", residual_axis=axis, units="token", width=d)
        else:
            axes = [a for a, n in ((0, rows), (1, cols)) if n == d]
            if len(axes) == 2:
                axes = [0 if role.startswith(_RESIDUAL_ROWS) else 1]
            if axes:
                return Layout(kind="residual", residual_axis=axes[0], units="hidden", width=d)
    if role.startswith(("attn.q.", "attn.k.", "attn.qkv.")) and len(shape) == 1:
        return Layout(kind="skip", reason="rotary query/key bias: positions are not exchangeable")
    if numel <= PLAIN_LIMIT:
        return Layout(kind="plain", units="single")
    return Layout(kind="skip", reason="no residual axis and too large to test whole")


def profile_over_all_units(layout: Layout) -> bool:
    """Whether a profile sums over all units (cheap when residual dimensions are rows) or sampled ones."""
    return layout.units == "single" or layout.residual_axis == 0


def choose_units(layout: Layout, role_key: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Sampled row indices of the block (seeded by role and shape, never by name)."""
    if layout.kind != "residual" or layout.units == "single":
        return (0,)
    rows, cols = view_shape(shape)
    n = cols if layout.residual_axis == 0 else rows
    if layout.units == "hidden":
        count = EXPERT_UNITS if role_key.startswith("expert.") else HIDDEN_UNITS
    else:
        count = TOKEN_UNITS
    if n <= count:
        return tuple(range(n))
    run = HIDDEN_RUN if layout.units == "hidden" else TOKEN_RUN
    rng = np.random.default_rng(seed_for(f"units|{role_key}|{tuple(shape)}"))
    # ``count // run`` runs in distinct slots of ``run`` units; the slots start at a seeded offset, so every
    # unit can be sampled. Consecutive rows lie next to each other in a row-major file: a run is one read (one
    # HTTP range) where scattered units were one each — 8 ranges per matrix instead of 128.
    slots = n // run
    offset = int(rng.integers(0, n - slots * run + 1))
    starts = np.sort(rng.choice(slots, size=count // run, replace=False)) * run + offset
    return tuple(int(start) + k for start in starts.tolist() for k in range(run))


def search_run(role_key: str, shape: tuple[int, ...], n: int, sampled: int, *, seen: int = 0) -> range | None:
    """The seeded run of a candidate's ``n`` units where a unit search looks first, or ``None`` to search all.

    Used only where none of the ``sampled`` reference units agrees with its own index: a re-ordered copy
    shows clear matches inside the run (:data:`SEARCH_PARTNERS` expected; with few units sampled, a quarter of
    the units and :data:`SEARCH_MIN_PARTNERS` or more), and only then are all units read.
    ``seen``: candidate units already read and searched first (its own sampled units: ``sampled · seen / n``
    partners expected there), so the run need only hold the rest — empty when they hold them all.
    Contiguous, so that it is one range of rows to read. Seeded by role and shape, like every sample.
    """
    partners = float(SEARCH_PARTNERS)
    if n < SEARCH_MIN_UNITS:
        return None
    if 4 * math.ceil(n * partners / max(1, sampled)) > n:  # few units sampled: a quarter of them at most
        partners = sampled / 4
        if partners < SEARCH_MIN_PARTNERS:
            return None
    count = max(0, math.ceil(n * (partners - sampled * seen / n) / max(1, sampled)))
    rng = np.random.default_rng(seed_for(f"search|{role_key}|{tuple(shape)}|{n}"))
    start = int(rng.integers(0, n - count + 1))
    return range(start, start + count)


def wide_run(shape: tuple[int, ...], d: int) -> range | None:
    """The token rows an embedding of ``shape`` (width ``d``) gives, whole, to fit a wide rotation on
    (:mod:`~generator.audit.residual_wide`): one contiguous run of ``2 d + 512`` ids, seeded by the shape, or
    ``None`` when the stream is no wider than the window (the sampled rows fit it) or the vocabulary is too
    small. The same rows whether the reference is read whole or from its fingerprint."""
    count = WIDE_FIT_FACTOR * d + WIDE_CHECK_ROWS
    if len(shape) != 2 or d <= RESIDUAL_WIDTH or shape[0] < count:
        return None
    rng = np.random.default_rng(seed_for(f"residual-wide|{tuple(shape)}"))
    start = int(rng.integers(0, shape[0] - count + 1))
    return range(start, start + count)


def wide_ids(shape: tuple[int, ...], d: int, sampled: Iterable[int]) -> npt.NDArray[np.int64] | None:
    """The token ids whose whole rows a wide rotation is fitted on, in the order used: the ``sampled`` rows
    first (an audit of a checkpoint has read them already, but for each run's ends, so the pre-test on the
    first pairs costs little), then the other ids of :func:`wide_run`, as many ids as it has; ``None`` where
    it is ``None``. The same ids whether the reference is read whole or from its fingerprint."""
    run = wide_run(shape, d)
    if run is None:
        return None
    first = np.fromiter(sampled, dtype=np.int64)
    first = first[(first >= 0) & (first < shape[0])]
    return leading(first, np.arange(run.start, run.stop, dtype=np.int64))[: len(run)]


def leading(first: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``first`` (unique, ascending), then the rest of ``ids`` (ascending): rows read already, put where a
    stage reads first."""
    first = np.unique(first)
    return np.concatenate([first, np.setdiff1d(ids, first)])


ANCHOR_ROLES = ("mlp.gate.", "mlp.up.")
"""Roles whose rows are FFN neurons reading the residual stream (dense layers): what a rotation is fitted on
where no token can anchor it (:mod:`~generator.audit.residual_units`)."""
GAIN_ROLE = "norm.mlp."
"""The norm gain in front of them (folded into them by QuaRot)."""


def gain_role(role: str) -> str:
    """The role of the gain in front of an FFN anchor of ``role`` (``norm.mlp.weight`` for a weight)."""
    return GAIN_ROLE + role.rsplit(".", 1)[-1]


def check_quarter(shape: tuple[int, ...]) -> npt.NDArray[np.int64]:
    """The seeded quarter of an FFN anchor's neurons (ascending) on which a map paired across a permutation is
    checked, never fitted (:mod:`~generator.audit.residual_matched`): the same rows whether the reference is
    read whole or from its fingerprint."""
    count = shape[0]
    rng = np.random.default_rng(seed_for(f"residual-matched|{tuple(shape)}"))
    return np.sort(rng.permutation(count)[: count // 4]).astype(np.int64)


@dataclass(frozen=True, kw_only=True)
class UnitRows:
    """The reference rows a rotation fitted on one component's FFN neurons reads whole."""

    anchor: str
    """The first dense layer's ``gate_proj`` (else ``up_proj``): every row."""
    partner: str | None
    """The ``up_proj`` beside a ``gate_proj`` anchor, of the same shape: the rows of :func:`check_quarter`."""
    rows: dict[str, npt.NDArray[np.int64] | None]
    """By tensor name, the rows read: the anchor's, the partner's, and the gain in front of them (``None``:
    the whole vector)."""


def unit_rows(tensors: Iterable[tuple[ParsedName, tuple[int, ...], Layout]]) -> dict[str, UnitRows]:
    """Per component, what a rotation fitted on FFN neurons reads of the reference (see
    :mod:`~generator.audit.residual_units`): its first dense layer's anchor, whole, the gain in front of it,
    and beside a ``gate_proj`` anchor the ``up_proj`` rows of :func:`check_quarter`. What a fingerprint keeps
    for it, and the only anchor the fit uses — so that a checkpoint and its fingerprint fit alike."""
    usable: dict[str, list[tuple[int, str, str, ParsedName, tuple[int, ...]]]] = {}
    vectors: dict[tuple[str | None, int, str], tuple[ParsedName, tuple[int, ...]]] = {}
    for parsed, shape, layout in tensors:
        if parsed.layer is None or parsed.expert is not None:
            continue
        if parsed.role.startswith(GAIN_ROLE) and len(shape) == 1:
            vectors.setdefault((parsed.stack, parsed.layer, parsed.role), (parsed, shape))
        residual = layout.kind == "residual" and layout.residual_axis == 1 and len(shape) == 2
        if residual and parsed.role.startswith(ANCHOR_ROLES):
            entry = (parsed.layer, parsed.role, parsed.stack or "", parsed, shape)
            usable.setdefault(parsed.component, []).append(entry)
    out: dict[str, UnitRows] = {}
    for component, found in usable.items():
        layer, role, stack, anchor, shape = min(found, key=lambda item: item[:3])
        rows: dict[str, npt.NDArray[np.int64] | None] = {anchor.name: np.arange(shape[0], dtype=np.int64)}
        gain = vectors.get((anchor.stack, layer, gain_role(role)))
        if gain is not None and gain[1] == (shape[1],):
            rows[gain[0].name] = None
        partner = None
        if role.startswith(ANCHOR_ROLES[0]):
            up = ANCHOR_ROLES[1] + role.removeprefix(ANCHOR_ROLES[0])
            beside = [p.name for lay, r, st, p, s in found if (lay, r, st, s) == (layer, up, stack, shape)]
            partner = beside[0] if beside else None
            if partner is not None:
                rows[partner] = check_quarter(shape)
        out[component] = UnitRows(anchor=anchor.name, partner=partner, rows=rows)
    return out
