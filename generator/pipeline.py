"""The whole pipeline in one place: read and validate (every round of the data folder) → score → judge
independence → demo and audits → render → publish.

``--data`` is one round folder or a parent of round folders (:mod:`generator.rounds`); every round is
rendered under its own frozen prefix and the rounds are put together into one site
(:mod:`generator.render.site` describes the layout and the redirects of round 1's first addresses).

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
from generator.audit.demo import DEFAULT_CACHE, DEFAULT_SEED, Demo, run_demo
from generator.criteria import judge_independence
from generator.model import Round
from generator.publish import BuildSettings, Published, check_out_dir, publish, site_url_of
from generator.render import Placement, RenderedSite, SiteSettings, render_site
from generator.render.labels import LANGS, NOT_RUN
from generator.render.site import RenderedRound, Site, compose, placements, redirect_page
from generator.rounds import RoundData, Rounds, read_rounds
from generator.scoring import score_round


@dataclass(frozen=True, kw_only=True)
class BuildResult:
    """What ``build`` did, for the command's one-line report."""

    published: Published
    warnings: tuple[str, ...]
    generated: int
    """Generated files (pages, charts, downloads) before MkDocs."""
    redirects: int = 0
    """Redirect pages among the HTML pages (round 1's first addresses)."""

    def __str__(self) -> str:
        return (
            f"built {self.published.out_dir}: {self.published.pages} HTML pages "
            f"({self.redirects} of them redirects), "
            f"{self.published.files} files ({self.generated} generated), "
            f"{len(self.warnings)} data warning(s)"
        )


def generate(
    read: RoundData,
    *,
    site_url: str,
    demo: Demo,
    environ: Mapping[str, str] | None = None,
    placement: Placement | None = None,
) -> tuple[RenderedSite, Round, tuple[str, ...]]:
    """Score, judge, run configured audits, and render a round read and validated.

    ``demo``: the method demo (the same for every round: :func:`generate_site` runs it once). ``environ``
    expands ``${VAR}`` in configured audit paths (the process environment by default). ``placement``:
    where the round's pages go in a site of several rounds (default: the docs root).
    """
    validated = read.validated  # the data files (narrative and evidence included), checked
    scored = score_round(validated.round)  # values, bounds and formulas; no display text
    judgement = judge_independence(validated.round)  # once, for every page that shows it
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
        placement=placement,
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


def generate_site(
    rounds: Rounds,
    *,
    site_url: str,
    demo_seed: int = DEFAULT_SEED,
    cache_dir: Path | None = DEFAULT_CACHE,
    environ: Mapping[str, str] | None = None,
) -> tuple[Site, dict[str, bytes], tuple[str, ...]]:
    """Every round generated under its prefix and put together: the site's files, its redirect pages
    (written after MkDocs) and the data warnings of every round."""
    latest = rounds.latest.round.info.id
    where = placements([r.round.info for r in rounds.rounds], latest)
    demo = run_demo(demo_seed, cache_dir=cache_dir)  # the method demo: toy models, cached; once per site
    rendered: list[RenderedRound] = []
    warnings: list[str] = []
    for read in rounds.rounds:
        info = read.round.info
        site, round_, notes = generate(
            read,
            site_url=site_url,
            demo=demo,
            environ=environ,
            placement=where[info.id],
        )
        rendered.append(RenderedRound(info=info, teams=round_.teams, outcomes=round_.outcomes, rendered=site))
        warnings.extend(notes)
    composed = compose(rendered)
    static = {
        f"{old}index.html": redirect_page(old, new, site_url=site_url)
        for old, new in composed.redirects.items()
    }
    return composed, static, tuple(warnings)


def build_site(
    *,
    data_dir: Path,
    out_dir: Path,
    config: Path = Path("mkdocs.yml"),
    demo_seed: int = DEFAULT_SEED,
    cache_dir: Path | None = DEFAULT_CACHE,
) -> BuildResult:
    """Generate every round's pages and build the static site into ``out_dir`` (replaced only on success).

    ``data_dir``: a round folder, or a parent folder of round folders (:mod:`generator.rounds`).
    """
    # Fail before the long generate step; publish checks again (it is also called on its own).
    check_out_dir(out_dir.resolve(), protected=(data_dir, config.resolve().parent))
    site_url = site_url_of(config)  # mkdocs.yml reads SITE_URL from the environment
    rounds = read_rounds(data_dir)  # every round folder, validated; problems of all rounds at once
    site, static, warnings = generate_site(
        rounds, site_url=site_url, demo_seed=demo_seed, cache_dir=cache_dir
    )
    published = publish(
        site.files,
        settings=site_settings(rounds, site, config=config, site_url=site_url),
        out_dir=out_dir,
        protected=(data_dir,),
        static=static,
    )
    return BuildResult(
        published=published, warnings=warnings, generated=len(site.files) + len(static), redirects=len(static)
    )


def site_settings(rounds: Rounds, site: Site, *, config: Path, site_url: str) -> BuildSettings:
    """What MkDocs needs for a site of these rounds: the latest round's date and id in the theme, every
    date MkDocs writes the newest ``as_of``, and the fictional banner when any round is fictional."""
    info = rounds.latest.round.info
    return BuildSettings(
        config=config,
        site_url=site_url,
        nav=site.nav,
        source_date=max(r.round.info.as_of for r in rounds.rounds),
        extra={
            "fictional": any(r.round.info.fictional for r in rounds.rounds),
            "as_of": info.as_of.isoformat(),
            "round": info.id,
        },
        languages=[lang for lang in LANGS if lang != LANGS[0]],
        nav_titles=site.nav_titles,
    )
