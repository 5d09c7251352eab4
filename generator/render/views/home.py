"""The home page's views: the facts of its five sentences, the first-placed team, and its one-line
description.

Pure functions only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from generator.model import Outcome, RankRelation, Team, Text
from generator.render.judged import unique
from generator.render.labels import PHRASE, Lang
from generator.render.views.results import known
from generator.scoring.types import MEAN, Quantity, ScoredRound


@dataclass(frozen=True, kw_only=True)
class Summary:
    """The facts of the home page's five sentences; each list carries the sources that state it."""

    announced: date
    announced_sources: tuple[str, ...]
    team_count: int
    advances_to: Text
    """The stage the advancing teams go on to (the round's ``advances_to``)."""
    advanced: tuple[Team, ...]
    advanced_sources: tuple[str, ...]
    """Sources of who advanced, the winner's total and the average."""
    out: tuple[tuple[Team, Outcome], ...]
    """The teams that are out, each with the outcome that says why."""
    out_score: tuple[Team, ...]
    out_independence: tuple[Team, ...]
    outcome_sources: tuple[str, ...]
    leader: Team | None
    leader_total: Quantity | None
    leader_sources: tuple[str, ...]
    mean_total: Quantity | None
    hidden_totals: tuple[Team, ...]
    hidden_sources: tuple[str, ...]


def summary(scored: ScoredRound) -> Summary:
    """The home page's facts, derived from outcomes, figures, relations and events."""
    round_ = scored.round
    root = round_.rubric.root
    by_result: dict[str, list[Team]] = {
        "advanced": [],
        "eliminated_score": [],
        "disqualified_independence": [],
    }
    outcome_sources: list[str] = []
    advanced_sources: list[str] = []
    out: list[tuple[Team, Outcome]] = []
    for team in round_.teams:
        outcome = round_.outcomes.get(team.id)
        if outcome is not None:
            by_result[outcome.result].append(team)
            outcome_sources += outcome.sources
            if outcome.result == "advanced":
                advanced_sources += outcome.sources
            else:
                out.append((team, outcome))
    leader, leader_sources = _leader(scored)
    mean_total = scored.aggregates.get((MEAN, root))
    advanced_sources += [*leader_sources, *(mean_total.sources if mean_total else ())]
    hidden = tuple(t for t in round_.teams if not known(scored.cell(t.id, root)))
    hidden_sources = [s for t in hidden for s in scored.cell(t.id, root).sources]
    # The outcomes' sources report the announcement itself; other events of that day (a later analysis,
    # next-day coverage) do not.
    announced_sources = outcome_sources or [
        s for e in round_.events if e.date == round_.info.announced.isoformat() for s in e.sources
    ]
    return Summary(
        announced=round_.info.announced,
        announced_sources=unique(announced_sources or round_.rubric.node(root).sources),
        team_count=len(round_.teams),
        advances_to=round_.info.advances_to,
        advanced=tuple(by_result["advanced"]),
        advanced_sources=unique(advanced_sources),
        out=tuple(out),
        out_score=tuple(by_result["eliminated_score"]),
        out_independence=tuple(by_result["disqualified_independence"]),
        outcome_sources=unique(outcome_sources),
        leader=leader,
        leader_total=scored.cell(leader.id, root) if leader else None,
        leader_sources=leader_sources,
        mean_total=mean_total,
        hidden_totals=hidden,
        hidden_sources=unique(hidden_sources),
    )


def _leader(scored: ScoredRound) -> tuple[Team | None, tuple[str, ...]]:
    """The first-placed team: stated by a 'highest' relation, or plain when every total is known."""
    round_ = scored.round
    root = round_.rubric.root
    for relation in round_.relations:
        if isinstance(relation, RankRelation) and relation.kind == "highest" and relation.node == root:
            cell = scored.cell(relation.team, root)
            if known(cell):
                return round_.team(relation.team), unique([*cell.sources, *relation.sources])
    totals = [scored.cell(t.id, root) for t in round_.teams]
    if totals and all(known(q) for q in totals):
        best = max(totals, key=lambda q: q.value or 0.0)
        if sum(1 for q in totals if q.value == best.value) == 1:
            return round_.team(best.entity), unique(best.sources)
    return None, ()


def home_description(s: Summary) -> Text:
    """The home page's one-line description (search results, share previews): who advanced, who is out."""

    def line(lang: Lang) -> str:
        def names(teams: Sequence[Team]) -> str:
            return PHRASE["list_separator"].get(lang).join(t.name.get(lang) for t in teams)

        stage = s.advances_to.get(lang)
        outcome = (
            PHRASE["home_advanced"].get(lang).format(teams=names(s.advanced), stage=stage)
            if s.advanced
            else PHRASE["home_none_advanced"].get(lang).format(stage=stage)
        )
        if s.out:
            outcome += PHRASE["home_out"].get(lang).format(teams=names([team for team, _ in s.out]))
        return PHRASE["home_description"].get(lang).format(outcome=outcome)

    return Text(ko=line("ko"), en=line("en"))
