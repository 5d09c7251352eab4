"""``teams.yaml`` and ``outcomes.yaml``: who took part, and what became of each team."""

from __future__ import annotations

from generator import schema
from generator.load import YamlDocument
from generator.model import ModelRef, Outcome, Team
from generator.validate.parse import entry, text
from generator.validate.parts import FILES
from generator.validate.references import References, duplicates


def resolve_teams(
    items: list[tuple[int, schema.TeamIn]], doc: YamlDocument | None, refs: References
) -> tuple[Team, ...]:
    """Teams in file order; a repeated id is reported and its later entries dropped."""
    label = FILES["teams"]
    duplicates([(t.id, entry(doc, i, t.id)) for i, t in items], label, refs.problems)
    if doc is not None and not items and not refs.problems.errors:
        refs.problems.error(label, "", "no teams")
    teams: dict[str, Team] = {}
    for index, team in items:
        for model in team.models:
            refs.check("source", model.sources, label, entry(doc, index, team.id))
        teams.setdefault(
            team.id,
            Team(
                id=team.id,
                name=text(team.name),
                models=tuple(ModelRef(name=m.name, sources=tuple(m.sources)) for m in team.models),
            ),
        )
    return tuple(teams.values())


def resolve_outcomes(
    items: list[tuple[int, schema.OutcomeIn]], doc: YamlDocument | None, refs: References
) -> dict[str, Outcome]:
    """Each team's outcome, in team order; every team has exactly one."""
    label = FILES["outcomes"]
    outcomes: dict[str, Outcome] = {}
    for index, item in items:
        where = entry(doc, index, item.team)
        refs.check("team", [item.team], label, where)
        refs.check("source", item.sources, label, where)
        if item.team in outcomes:
            refs.problems.error(label, where, f"team {item.team!r} already has an outcome")
            continue
        refs.check("source", item.summary_sources, label, where)
        outcomes[item.team] = Outcome(
            team=item.team,
            result=item.result,
            grounds=text(item.grounds),
            sources=tuple(item.sources),
            summary=text(item.summary) if item.summary else text(item.grounds),
            summary_sources=tuple(item.summary_sources or item.sources),
        )
    if doc is not None and refs.teams:
        for team in refs.teams:
            if team not in outcomes:
                refs.problems.error(label, "", f"team {team!r} has no outcome")
    return {t: outcomes[t] for t in (refs.teams or []) if t in outcomes}
