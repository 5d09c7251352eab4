"""The site of several rounds: every round rendered under its prefix, put together with the site-level
pages, the nav, and the redirects that keep round 1's first addresses working (issue 12 §7).

The layout (see :mod:`generator.render.placement` and :mod:`generator.rounds`):

- ``/round-1/…`` (Korean) and ``/en/round-1/…`` (English): each round's pages, frozen once published;
  their charts under ``/round-1/assets/charts/``; downloads stay at ``/downloads/<round-id>/``;
- ``/`` and ``/en/``: the home page of the latest round with published figures, its links into its folder;
- ``/teams/<team>/``: a page listing the rounds of a team that took part in more than one, else a redirect
  to the team's page in its one round;
- round 1 was published at the site root before rounds had prefixes: each of its old page addresses
  (``/results/``, ``/teams/naver-cloud/``, ``/en/…``) is a static redirect page (``<meta http-equiv=
  "refresh">`` and ``rel=canonical``) to its ``/round-1/…`` address, and its chart files are kept at their
  old ``/assets/charts/…`` addresses too.

Pure: rendered rounds in, files, nav and redirects out; :mod:`generator.publish` writes them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from generator.model import RoundInfo, Team, Text
from generator.model.teams import Outcome
from generator.render import RenderedSite
from generator.render.labels import LANGS, UI, Lang, outcome_label
from generator.render.pages import HAND_WRITTEN, environment
from generator.render.placement import Placement, RoundLink

LEGACY_ROUND = "round-1"
"""The round published at the site root before rounds had prefixes: its old addresses redirect."""
LEGACY_ASSETS = "assets/charts/"
"""Files of the legacy round kept at their old addresses as well (charts are offered for download)."""


@dataclass(frozen=True, kw_only=True)
class RenderedRound:
    """One round rendered under its prefix, with what the site-level pages need from it."""

    info: RoundInfo
    teams: tuple[Team, ...]
    outcomes: Mapping[str, Outcome]
    rendered: RenderedSite


@dataclass(frozen=True, kw_only=True)
class Site:
    """The generated part of a site of several rounds."""

    files: Mapping[str, bytes]
    """Path relative to the docs root → content (every round, the home, the cross-round team pages)."""
    nav: list[Any]
    """MkDocs ``nav``: the home, one section per round (newest first), the teams across rounds, then the
    hand-written pages."""
    nav_titles: Mapping[str, str]
    """Korean nav section title → English, for the i18n plugin's ``nav_translations``."""
    redirects: Mapping[str, str]
    """Old address (a folder URL relative to the site root, ``results/``) → its new one
    (``round-1/results/``)."""


def prefix_of(info: RoundInfo) -> str:
    """The round's frozen folder: its id."""
    return f"{info.id}/"


def placements(infos: Sequence[RoundInfo], latest: str) -> dict[str, Placement]:
    """Where each round goes: under its prefix, the latest one also as the site's home."""
    links = tuple(RoundLink(id=i.id, title=i.title, prefix=prefix_of(i)) for i in infos)
    return {i.id: Placement(prefix=prefix_of(i), rounds=links, site_home=i.id == latest) for i in infos}


def compose(rounds: Sequence[RenderedRound]) -> Site:
    """Put the rendered rounds (oldest first) together into one site."""
    files: dict[str, bytes] = {}
    for round_ in rounds:
        for path, data in round_.rendered.files.items():
            if files.setdefault(path, data) != data:
                msg = f"two rounds generate {path} with different content"
                raise ValueError(msg)
    shared = _shared_teams(rounds)
    for team_id, entries in shared.items():
        files.update(_team_rounds_page(team_id, entries))
    redirects: dict[str, str] = {}
    legacy = next((r for r in rounds if r.info.id == LEGACY_ROUND), None)
    if legacy is not None:
        prefix = prefix_of(legacy.info)
        for path in legacy.rendered.pages:
            old = path.removeprefix(prefix)
            if old.startswith("index.") or old in files:  # the site's home; a cross-round team page
                continue
            redirects[_url(old)] = _url(path)
        for path, data in legacy.rendered.files.items():
            if path.startswith(prefix + LEGACY_ASSETS):
                files.setdefault(path.removeprefix(prefix), data)
    nav: list[Any] = ["index.md"]
    titles = {}
    for round_ in reversed(rounds):
        title = round_.info.title
        nav.append({title.ko: list(round_.rendered.nav)})
        titles[title.ko] = title.en
    if shared:
        nav.append({UI["nav_teams"].ko: [f"teams/{t}.md" for t in sorted(shared)]})
    return Site(
        files=dict(sorted(files.items())),
        nav=[*nav, *HAND_WRITTEN],
        nav_titles=titles,
        redirects=dict(sorted(redirects.items())),
    )


def _url(path: str) -> str:
    """The folder URL of a generated page: ``results.md`` → ``results/``, ``x.en.md`` → ``en/x/``."""
    lang = "en" if path.endswith(".en.md") else "ko"
    stem = path.removesuffix(".en.md").removesuffix(".md")
    stem = "" if stem == "index" else stem.removesuffix("/index")
    folder = f"{stem}/" if stem else ""
    return folder if lang == "ko" else f"{lang}/{folder}"


def _shared_teams(rounds: Sequence[RenderedRound]) -> dict[str, list[tuple[RenderedRound, Team]]]:
    """Teams in more than one round: id → (round, team) oldest first."""
    seen: dict[str, list[tuple[RenderedRound, Team]]] = {}
    for round_ in rounds:
        for team in round_.teams:
            seen.setdefault(team.id, []).append((round_, team))
    return {team: entries for team, entries in seen.items() if len(entries) > 1}


def _team_rounds_page(team_id: str, entries: Sequence[tuple[RenderedRound, Team]]) -> dict[str, bytes]:
    """``teams/<team>.md`` in both languages: the rounds the team took part in, each linked."""
    name = entries[-1][1].name  # as the latest round writes it
    files = {}
    for lang in LANGS:
        rows = tuple(
            (
                r.info.title.get(lang),
                f"../{prefix_of(r.info)}teams/{team_id}.md",
                _result(r.outcomes.get(team_id), r.info.advances_to).get(lang),
            )
            for r, _ in entries
        )
        body = (
            environment(lang)
            .get_template("pages/team_rounds.md.j2")
            .render({"lang": lang, "title": name.get(lang), "entries": rows})
        )
        meta = {"title": name.get(lang), "description": UI["team_rounds_intro"].get(lang)}
        front = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True, width=1000) + "---\n\n"
        files[f"teams/{team_id}{'' if lang == 'ko' else '.' + lang}.md"] = (front + body).encode("utf-8")
    return files


def _result(outcome: Outcome | None, stage: Text) -> Text:
    """A team's result in one round, naming that round's next stage (``stage``) where it advanced."""
    return outcome_label(outcome.result, stage) if outcome is not None else UI["result_pending"]


def redirect_page(old: str, new: str, *, site_url: str) -> bytes:
    """A static page at ``old`` (a folder URL) sending the reader to ``new``: refresh, canonical, a link."""
    relative = "../" * old.count("/") + new
    canonical = site_url.rstrip("/") + "/" + new
    lang: Lang = "en" if old.startswith("en/") else "ko"
    moved = UI["page_moved"].get(lang)
    href, link = html.escape(relative, quote=True), html.escape(canonical, quote=True)
    return (
        "<!doctype html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{moved}: {html.escape(new)}</title>\n"
        f'<link rel="canonical" href="{link}">\n'
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        f'</head>\n<body>\n<p>{moved}: <a href="{href}">{html.escape(canonical)}</a></p>\n</body>\n</html>\n'
    ).encode()
