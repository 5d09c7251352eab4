"""The whole pipeline in one place: read and validate (every round of the data folder) → score → judge
independence → demo and audits → render → publish.

``--data`` is one round folder or a parent of round folders (:mod:`generator.rounds`, which also describes
the per-round site layout). Until pages are laid out per round, a data folder holding several rounds is
refused rather than publishing one of them at the addresses of another.

Each stage takes values and returns values; only the first (reading the data folder), the method demo
(a temporary folder and its cache), configured audits (the checkpoints they name) and the last (writing the
site) touch files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.audit.configured import ConfiguredAudit, run_configured
from generator.audit.demo import DEFAULT_CACHE, DEFAULT_SEED, run_demo
from generator.criteria import judge_independence
from generator.errors import BuildError
from generator.model import Round
from generator.publish import BuildSettings, Published, check_out_dir, publish, site_url_of
from generator.render import RenderedSite, SiteSettings, render_site
from generator.render.labels import LANGS, NOT_RUN
from generator.rounds import RoundData, Rounds, read_rounds
from generator.scoring import score_round


@dataclass(frozen=True, kw_only=True)
class BuildResult:
    """What ``build`` did, for the command's one-line report."""

    published: Published
    warnings: tuple[str, ...]
    generated: int
    """Generated files (pages, charts, downloads) before MkDocs."""

    def __str__(self) -> str:
        return (
            f"built {self.published.out_dir}: {self.published.pages} HTML pages, "
            f"{self.published.files} files ({self.generated} generated), "
            f"{len(self.warnings)} data warning(s)"
        )


def generate(
    read: RoundData,
    *,
    site_url: str,
    demo_seed: int = DEFAULT_SEED,
    cache_dir: Path | None = DEFAULT_CACHE,
    environ: Mapping[str, str] | None = None,
) -> tuple[RenderedSite, Round, tuple[str, ...]]:
    """Score, judge, run the method demo and configured audits, and render a round read and validated.

    ``demo_seed`` seeds the method demo (cached under ``cache_dir``; ``None``: no cache). ``environ``
    expands ``${VAR}`` in configured audit paths (the process environment by default).
    """
    validated = read.validated  # the data files (narrative and evidence included), checked
    scored = score_round(validated.round)  # values, bounds and formulas; no display text
    judgement = judge_independence(validated.round)  # once, for every page that shows it
    demo = run_demo(demo_seed, cache_dir=cache_dir)  # the method demo: toy models, cached
    audits = run_configured(  # engine audits configured with local checkpoints, where reachable
        validated.round, environ=os.environ if environ is None else environ, base=read.folder
    )
    rendered = render_site(
        scored,
        judgement=judgement,
        narrative=validated.narrative,
        settings=SiteSettings(site_url=site_url),
        demo=demo,
        audits=audits,
        evidence=validated.evidence,
    )
    return rendered, validated.round, (*(str(w) for w in validated.warnings), *not_run_notes(audits))


def not_run_notes(audits: Mapping[str, Sequence[ConfiguredAudit]]) -> tuple[str, ...]:
    """Why each configured audit did not run: for the person building the site (pages say only "not yet")."""
    return tuple(
        f"audits.yaml: engine audit {a.audit.id!r} not run: "
        + "; ".join(NOT_RUN[r.kind].en.format(detail=r.detail) for r in a.not_run)
        for team_audits in audits.values()
        for a in team_audits
        if a.result is None
    )


def build_site(
    *,
    data_dir: Path,
    out_dir: Path,
    config: Path = Path("mkdocs.yml"),
    demo_seed: int = DEFAULT_SEED,
    cache_dir: Path | None = DEFAULT_CACHE,
) -> BuildResult:
    """Generate the round's pages and build the static site into ``out_dir`` (replaced only on success).

    ``data_dir``: a round folder, or a parent folder of round folders (today holding one round).
    """
    # Fail before the long generate step; publish checks again (it is also called on its own).
    check_out_dir(out_dir.resolve(), protected=(data_dir, config.resolve().parent))
    site_url = site_url_of(config)  # mkdocs.yml reads SITE_URL from the environment
    rounds = read_rounds(data_dir)  # every round folder, validated; problems of all rounds at once
    rendered, round_, warnings = generate(
        only_round(rounds, data_dir), site_url=site_url, demo_seed=demo_seed, cache_dir=cache_dir
    )
    info = round_.info
    settings = BuildSettings(
        config=config,
        site_url=site_url,
        nav=rendered.nav,
        source_date=info.as_of,
        extra={"fictional": info.fictional, "as_of": info.as_of.isoformat(), "round": info.id},
        languages=[lang for lang in LANGS if lang != LANGS[0]],
    )
    published = publish(rendered.files, settings=settings, out_dir=out_dir, protected=(data_dir,))
    return BuildResult(published=published, warnings=warnings, generated=len(rendered.files))


def only_round(rounds: Rounds, data_dir: Path) -> RoundData:
    """The one round a build publishes today; several are refused until each has its own prefix."""
    if len(rounds) > 1:
        names = ", ".join(r.folder.name for r in rounds.rounds)
        raise BuildError(
            f"--data {data_dir}: holds {len(rounds)} rounds ({names}); this version publishes one round "
            "at the site root — name one round folder (per-round pages are issue 12 §7, not done yet)"
        )
    return rounds.rounds[0]
