"""What the templates see: small frozen views built from the scored round. Pure functions only.

One module per kind of page: :mod:`.results` (what a value shows; the results and scoring pages),
:mod:`.teams` (team pages), :mod:`.home` (the home page) and :mod:`.records` (unknowns, sources, changes).
Every view is imported from here.
"""

from __future__ import annotations

from generator.render.views.home import Summary, home_description, summary
from generator.render.views.records import (
    MethodGap,
    Unknowns,
    WithheldRow,
    changes_by_day,
    cited_by,
    unknowns,
)
from generator.render.views.results import (
    KNOWN,
    STATUS_ORDER,
    Example,
    SumCheck,
    aggregates_by_entity,
    cited_constraints,
    example,
    known,
    rounded_top_below,
    statuses_present,
)
from generator.render.views.teams import DEMO_SECTION, TeamSection, TeamView, team_sources, team_views

__all__ = [
    "DEMO_SECTION",
    "KNOWN",
    "STATUS_ORDER",
    "Example",
    "MethodGap",
    "SumCheck",
    "Summary",
    "TeamSection",
    "TeamView",
    "Unknowns",
    "WithheldRow",
    "aggregates_by_entity",
    "changes_by_day",
    "cited_by",
    "cited_constraints",
    "example",
    "home_description",
    "known",
    "rounded_top_below",
    "statuses_present",
    "summary",
    "team_sources",
    "team_views",
    "unknowns",
]
