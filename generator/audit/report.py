"""The audit's result: frozen values, and the one JSON document the CLI writes and the site reads."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

from generator.audit.align import LayerMap
from generator.audit.cheap import CheapEvidence
from generator.audit.compare import PairEvidence
from generator.audit.experts import ExpertMatch
from generator.audit.residual import ResidualAlignment
from generator.audit.stats import PermutationTest

Verdict = Literal["identical", "derived", "independent", "inconclusive"]


@dataclass(frozen=True, kw_only=True)
class JointTest:
    """One joint permutation test: every tested tensor of a component sharing a model width."""

    width: int
    """Model width whose residual dimensions were permuted (one permutation for all tensors)."""
    tensors: int
    """Tensors combined."""
    test: PermutationTest
    """The test of the summed statistic."""
    significant: bool
    """Whether it is evidence of shared origin (after correcting for the component's number of tests)."""


@dataclass(frozen=True, kw_only=True)
class Unpaired:
    """A candidate tensor that was not compared."""

    name: str
    """Tensor name."""
    parameters: int
    """Elements."""
    reason: str
    """Why not."""


@dataclass(frozen=True, kw_only=True)
class ComponentReport:
    """The verdict on one component, with its evidence."""

    name: str
    """Component name (the leading name segment, or the mapping's name)."""
    verdict: Verdict
    """``identical``, ``derived``, ``independent`` or ``inconclusive``."""
    parameters: int
    """Elements in the component's tensors."""
    share_compared: float
    """Share of parameters in tensors that were tested against a reference tensor."""
    share_identical: float
    """Share of parameters in tensors whose whole content equals the reference's (after a dtype cast)."""
    share_significant: float
    """Share of parameters in tensors that on their own show shared origin."""
    log10_p: float | None
    """Strongest evidence: log10 p-value (normal approximation, corrected for the number of tests)."""
    p_permutation: float | None
    """Monte-Carlo permutation p-value of the same test (floor 1/(R+1))."""
    joint_tests: tuple[JointTest, ...]
    """Joint tests per model width."""
    disguises: tuple[str, ...]
    """Changes seen between the reference and the candidate (cast, renamed, transposed, …)."""
    summary: str
    """One sentence a person can read."""
    tensors: tuple[PairEvidence, ...]
    """Every matched pair's statistics."""
    unpaired: tuple[Unpaired, ...]
    """Tensors not compared, with the reason."""
    layer_maps: tuple[LayerMap, ...]
    """Layer maps of the component's stacks, with similarity matrices for heatmaps."""
    expert_matches: tuple[ExpertMatch, ...] = ()
    """Which reference expert (or dense FFN) each sampled candidate expert was matched with."""
    residual: ResidualAlignment | None = None
    """The residual alignment fitted in this component or applied to it (``None``: none was tried — no token
    embeddings to fit one on)."""


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """One file an audit read, named so that the audit can be repeated on exactly the same bytes."""

    location: str
    """Local path, or the URL read (for ``hf://``: the ``resolve`` URL at the resolved commit)."""
    size: int
    """Bytes in the file."""
    revision: str | None
    """The commit SHA an ``hf://`` revision resolved to (``None`` otherwise)."""
    sha256: str | None
    """SHA-256 of the whole file as the Hub's LFS metadata gives it (local files are not hashed: ``None``)."""
    etag: str | None
    """The server's ``ETag`` (remote files only); every response of the run carried this one."""


@dataclass(frozen=True, kw_only=True)
class AuditReport:
    """The whole audit."""

    candidate: str
    """Candidate path as given."""
    reference: str
    """Reference path as given."""
    reference_kind: Literal["checkpoint", "fingerprint"]
    """Whether the reference was a checkpoint or a fingerprint file."""
    verdict: Verdict
    """``identical``: the whole candidate is the reference (every component identical, every tensor of both
    compared); ``derived``: some component shares origin with the reference (named in :attr:`shared_origin`);
    ``independent``: no component does; ``inconclusive``: nothing could be tested."""
    parameters: int
    """Elements in the candidate."""
    components: tuple[ComponentReport, ...]
    """Per component."""
    shared_origin: tuple[str, ...] = ()
    """Components that share origin with the reference, each as ``name: verdict``."""
    summary: str = ""
    """One sentence: the overall verdict and the components it rests on."""
    reference_unpaired: tuple[Unpaired, ...] = ()
    """Reference tensors no candidate tensor was compared with, with the reason (with the candidate's
    unpaired tensors, every tensor of both checkpoints is compared or listed)."""
    expert_seed: int = 0
    """Seed of the sample of routed experts compared per layer (see ``method``)."""
    method: dict[str, Any]
    """Thresholds and sample sizes used, so that a reader can check the decision."""
    candidate_files: tuple[SourceFile, ...] = ()
    """The candidate's files, with the revision and sha256 of remote ones."""
    reference_files: tuple[SourceFile, ...] = ()
    """The reference's files (or the fingerprint file)."""
    transfer: dict[str, int] | None = None
    """For remote locations: HTTP requests, bytes fetched and planned, retries."""
    cheap: CheapEvidence | None = None
    """Configs and tokenizers compared beside the weights: first signals, never evidence of weight reuse."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (non-finite numbers become ``null``)."""
        value = _plain(dataclasses.asdict(self))
        assert isinstance(value, dict)
        return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value
