"""``relations.yaml``: what a source says about the teams together (a mean, who was highest or lowest)."""

from __future__ import annotations

from generator import schema
from generator.load import YamlDocument
from generator.model import Location, MeanRelation, RankRelation, Relation, Rubric
from generator.validate.figures import decimals_uncertainty
from generator.validate.parse import entry, text
from generator.validate.parts import FILES
from generator.validate.references import References, check_ids, duplicates
from generator.validate.rubric import node_ids


def resolve_relations(
    items: list[tuple[int, schema.MeanIn | schema.RankIn]],
    doc: YamlDocument | None,
    refs: References,
    rubric: Rubric | None,
) -> list[Relation]:
    """Every relation; one that is our reading rather than a source's statement is a warning."""
    label = FILES["relations"]
    nodes = node_ids(rubric)
    duplicates([(r.id, entry(doc, i, r.id)) for i, r in items], label, refs.problems)
    relations: list[Relation] = []
    for index, item in items:
        where = entry(doc, index, item.id)
        check_ids("rubric node", [item.node], known=nodes, label=label, where=where, problems=refs.problems)
        refs.check("source", item.sources, label, where)
        origin = Location(file=label, where=where)
        if isinstance(item, schema.MeanIn):
            if rubric is not None and item.node in rubric.nodes and item.value > rubric.node(item.node).max:
                refs.problems.error(label, where, f"mean {item.value:g} is above the maximum of {item.node}")
            relations.append(
                MeanRelation(
                    id=item.id,
                    node=item.node,
                    value=item.value,
                    uncertainty=decimals_uncertainty(repr(item.value)),
                    basis=item.basis,
                    sources=tuple(item.sources),
                    statement=text(item.statement),
                    origin=origin,
                )
            )
        else:
            refs.check("team", [item.team], label, where)
            relations.append(
                RankRelation(
                    kind=item.kind,
                    id=item.id,
                    node=item.node,
                    team=item.team,
                    basis=item.basis,
                    sources=tuple(item.sources),
                    statement=text(item.statement),
                    origin=origin,
                )
            )
        if item.basis == "interpreted":
            refs.problems.warn(label, where, "basis is 'interpreted': the site will label it as our reading")
    return relations
