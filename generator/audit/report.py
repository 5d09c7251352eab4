"""The audit's result: frozen values, and the one JSON document the CLI writes and the site reads."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

from generator.audit.align import LayerMap
from generator.audit.compare import PairEvidence
from generator.audit.stats import PermutationTest

Verdict = Literal["identical", "derived", "independent", "inconclusive"]
STRENGTH: dict[str, int] = {"inconclusive": 0, "independent": 1, "derived": 2, "identical": 3}
"""Order of findings; the overall verdict is the strongest of any component."""


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
    """Strongest finding of any component."""
    parameters: int
    """Elements in the candidate."""
    components: tuple[ComponentReport, ...]
    """Per component."""
    method: dict[str, Any]
    """Thresholds and sample sizes used, so that a reader can check the decision."""

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
