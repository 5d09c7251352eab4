"""The pages of a round whose results are not announced yet (``round.yaml``: ``results: pending``).

Only what was announced is shown — the teams, their models, the rubric, the timeline and the sources —
under a plain "not yet announced" notice; no score, range, outcome or download is made up for it.
"""

from __future__ import annotations

from generator.render import views
from generator.render.labels import PAGE, UI
from generator.render.pages import Inputs, Page


def pending_pages(inputs: Inputs) -> tuple[Page, ...]:
    """The home page, the teams, one page per team, the timeline and the sources of a pending round."""
    round_ = inputs.scored.round
    info = round_.info
    nodes = tuple((round_.rubric.depth(n), n) for n in round_.rubric.order())
    pending = UI["pending_title"]
    team_pages = tuple(
        Page(
            path=f"teams/{team.id}.md",
            template="pending",
            title=team.name,
            description=UI["pending_team"],
            context={"kind": "team", "team": team},
        )
        for team in round_.teams
    )
    return (
        Page(
            path="index.md",
            template="pending",
            title=info.title,
            description=pending,
            context={"kind": "home", "teams": round_.teams, "nodes": nodes},
        ),
        Page(
            path="teams/index.md",
            template="pending",
            title=UI["pending_teams"],
            description=pending,
            context={"kind": "teams", "teams": round_.teams},
        ),
        *team_pages,
        Page(
            path="timeline.md",
            template="timeline",
            title=PAGE["timeline"][0],
            description=PAGE["timeline"][1],
            context={"events": round_.events},
        ),
        Page(
            path="sources.md",
            template="sources",
            title=PAGE["sources"][0],
            description=PAGE["sources"][1],
            context={
                "sources": tuple(round_.sources.values()),
                "cited": views.cited_by(round_, inputs.narrative),
            },
        ),
    )
