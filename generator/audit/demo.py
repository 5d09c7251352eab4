"""The method, demonstrated on real weights at build time.

:func:`compute_demo` trains tiny transformers (real gradient steps, deterministic given one seed), saves
them as ``.safetensors`` in a temporary folder and runs the real audit (:func:`generator.audit.run_audit`)
on each against the reference:

- ``graft``: the reference, frozen and cast to BF16, grafted under a new prefix (``vision_tower``) into a
  bigger multimodal checkpoint beside an independently trained language model and a new projector — the
  shape of NAVER's case;
- ``finetuned``: the reference, trained further on another task;
- ``independent``: the same architecture trained from its own random initialisation on the same task;
- ``untrained``: the same architecture freshly initialised and never trained.

:func:`run_demo` caches the result as JSON under ``.cache/demo/``, keyed by the seed, the toy configuration,
the source of the audit engine and of this module, and the torch version: an unchanged rebuild reads it
back, a change to the method regenerates it.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

import pydantic

from generator.audit.configured import AuditSummary, ComponentResult, summarise

DEFAULT_SEED = 20260115
"""The demo's seed unless ``build --demo-seed`` says otherwise (the day round 1's results were announced)."""
DEFAULT_CACHE = Path(".cache/demo")
"""Where results are cached, relative to the working directory (git-ignored)."""
CaseId = Literal["graft", "finetuned", "independent", "untrained"]
CASES: tuple[CaseId, ...] = ("graft", "finetuned", "independent", "untrained")
"""The demo's candidates, in page order."""
EXPECTED: dict[str, str] = {
    "graft": "derived",  # the whole model is not the reference; its vision tower is (identical)
    "finetuned": "derived",
    "independent": "independent",
    "untrained": "independent",
}
"""What each candidate is by construction (the audit's verdict must agree)."""
GRAFTED = "vision_tower"
"""Prefix under which the reference is grafted (the component the audit must single out)."""
LANGUAGE = "language_model"
"""Prefix of the graft's independently trained language model."""
FINETUNE_STEPS = 40
"""Adam steps of the fine-tune (on another task)."""
DEMO_VERSION = 1
"""Bump when the demo's construction changes in a way the source hash would not see."""
_AUDIT_DIR = Path(__file__).parent
"""The audit's sources, this demo and the summaries it caches among them: the cache key hashes them all."""


@dataclass(frozen=True, kw_only=True)
class DemoCase:
    """One candidate of the demo and the real audit's result on it."""

    id: CaseId
    """``graft``, ``finetuned``, ``independent`` or ``untrained``."""
    expected: str
    """What the candidate is by construction."""
    audit: AuditSummary
    """The audit against the reference."""

    @property
    def main(self) -> ComponentResult:
        """The component that holds the reference's counterpart (the graft's grafted part, else the body)."""
        if self.id == "graft":
            return self.audit.component(GRAFTED)
        return self.audit.component("model")


@dataclass(frozen=True, kw_only=True)
class Demo:
    """The method demo's result: everything the method page and the team pages show."""

    seed: int
    """The seed every model was derived from."""
    d_model: int
    """Residual width of the toy models (entries of each gain vector)."""
    n_layers: int
    """Transformer blocks."""
    steps: int
    """Adam steps of the reference and the independent model."""
    finetune_steps: int
    """Adam steps of the fine-tune."""
    parameters: int
    """Elements in the reference."""
    cases: tuple[DemoCase, ...]
    """Every candidate, in :data:`CASES` order."""

    def case(self, case_id: str) -> DemoCase:
        """The candidate called ``case_id``."""
        return next(c for c in self.cases if c.id == case_id)


_ADAPTER = pydantic.TypeAdapter(Demo)


def to_json(demo: Demo) -> bytes:
    """The demo as JSON (floats round-trip exactly)."""
    return _ADAPTER.dump_json(demo, indent=1)


def from_json(data: bytes | str) -> Demo:
    """A demo read back from :func:`to_json` (``ValueError`` when it does not fit)."""
    return _ADAPTER.validate_json(data)


def cache_key(seed: int) -> str:
    """Checksum of every input of the demo: seed, configuration, method sources, torch version."""
    from generator.audit.toy import ToyConfig  # noqa: PLC0415 — toy imports torch; keep the key cheap

    digest = hashlib.sha256()
    for path in sorted(_AUDIT_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    inputs = {
        "seed": seed,
        "version": DEMO_VERSION,
        "config": asdict(ToyConfig()),
        "finetune_steps": FINETUNE_STEPS,
        "torch": metadata.version("torch"),
    }
    digest.update(json.dumps(inputs, sort_keys=True).encode())
    return digest.hexdigest()[:32]


Reporter = Callable[[str], None]
"""Told ``hit`` or ``miss`` (the tests count cache hits with it)."""


def run_demo(
    seed: int = DEFAULT_SEED, *, cache_dir: Path | None = DEFAULT_CACHE, report: Reporter | None = None
) -> Demo:
    """The demo for ``seed``: from the cache when its inputs are unchanged, else computed and cached."""
    if cache_dir is None:
        return compute_demo(seed)
    path = cache_dir / f"demo-{cache_key(seed)}.json"
    if path.exists():
        try:
            demo = from_json(path.read_bytes())
        except ValueError:
            pass  # an unreadable or outdated entry is recomputed and overwritten
        else:
            if demo.seed == seed:
                if report is not None:
                    report("hit")
                return demo
    if report is not None:
        report("miss")
    demo = compute_demo(seed)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".tmp-", suffix=".json", delete=False) as tmp:
        tmp.write(to_json(demo))
    Path(tmp.name).replace(path)
    return demo


def sub_seed(seed: int, role: str) -> int:
    """A seed per model, derived from the demo's seed and the model's role (no two roles share a stream)."""
    return int.from_bytes(hashlib.sha256(f"{seed}|{role}".encode()).digest()[:4], "big") & 0x7FFFFFFF


def compute_demo(seed: int) -> Demo:
    """Train the demo's models, save them in a temporary folder and audit each against the reference."""
    import torch  # noqa: PLC0415 — torch only when the demo really runs

    from generator.audit import run_audit, toy  # noqa: PLC0415

    config = toy.ToyConfig()
    reference = toy.train_toy(config, seed=sub_seed(seed, "reference"), task_seed=0)
    independent = toy.train_toy(config, seed=sub_seed(seed, "independent"), task_seed=0)
    gen = torch.Generator().manual_seed(sub_seed(seed, "projector"))
    projector = {
        "linear_1.weight": torch.randn(config.d_model, config.d_model, generator=gen) * 0.1,
        "linear_1.bias": torch.zeros(config.d_model),
    }
    candidates = {
        "graft": toy.graft(
            {
                GRAFTED: toy.cast(reference, torch.bfloat16),
                LANGUAGE: independent,
                "multi_modal_projector": projector,
            }
        ),
        "finetuned": toy.train_toy(
            config, seed=sub_seed(seed, "finetune"), task_seed=1, init=reference, steps=FINETUNE_STEPS
        ),
        "independent": independent,
        "untrained": toy.init_toy(config, seed=sub_seed(seed, "untrained")),
    }
    cases = []
    with tempfile.TemporaryDirectory(prefix="demo-") as folder:
        root = Path(folder)
        reference_path = toy.save_checkpoint(reference, root / "reference.safetensors")
        for case_id in CASES:
            path = toy.save_checkpoint(candidates[case_id], root / f"{case_id}.safetensors")
            report = run_audit(path, reference_path, device="cpu")
            cases.append(DemoCase(id=case_id, expected=EXPECTED[case_id], audit=summarise(report)))
    return Demo(
        seed=seed,
        d_model=config.d_model,
        n_layers=config.n_layers,
        steps=config.steps,
        finetune_steps=FINETUNE_STEPS,
        parameters=sum(t.numel() for t in reference.values()),
        cases=tuple(cases),
    )
