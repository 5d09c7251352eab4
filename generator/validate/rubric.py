"""``rubric.yaml``: the tree of scored parts, each parent the sum of its children, methods only on leaves."""

from __future__ import annotations

from generator import schema
from generator.load import YamlDocument
from generator.model import BenchmarkMethod, BenchmarkSpec, Method, PanelMethod, Rubric, RubricNode
from generator.validate.parse import maybe_text, text, where
from generator.validate.parts import FILES
from generator.validate.references import References

TOLERANCE = 1e-9
"""How far two sums of points may differ and still be equal."""


def resolve_rubric(parsed: tuple[YamlDocument, schema.NodeIn], refs: References) -> Rubric | None:
    """The rubric, or ``None`` when anything in it is wrong (every problem reported)."""
    doc, root = parsed
    label = FILES["rubric"]
    nodes: dict[str, RubricNode] = {}
    errors_before = len(refs.problems.errors)

    def visit(node: schema.NodeIn, parent: str | None, path: tuple[str | int, ...]) -> None:
        at = where(doc, path, f'node "{node.id}"')
        if node.id in nodes:
            refs.problems.error(label, at, f"duplicate node id {node.id!r}")
            return
        refs.check("source", node.sources, label, at)
        if node.children:
            total = sum(child.max for child in node.children)
            if abs(total - node.max) > TOLERANCE:
                refs.problems.error(label, at, f"children's maxima sum to {total:g}, but max is {node.max:g}")
            if node.method is not None:
                refs.problems.error(label, at, "only leaf nodes may declare a method; a parent is the sum")
        nodes[node.id] = RubricNode(
            id=node.id,
            name=text(node.name),
            max=node.max,
            parent=parent,
            children=tuple(child.id for child in node.children),
            description=maybe_text(node.description),
            method=_method(node.method),
            method_note=maybe_text(node.method_note),
            sources=tuple(node.sources),
        )
        for index, child in enumerate(node.children):
            visit(child, node.id, (*path, "children", index))

    visit(root, None, ())
    if len(refs.problems.errors) > errors_before:
        return None
    return Rubric(root=root.id, nodes=nodes)


def node_ids(rubric: Rubric | None) -> set[str] | None:
    """The rubric's node ids; ``None`` (unknown) when the rubric is not valid."""
    return set(rubric.nodes) if rubric is not None else None


def _method(method: schema.BenchmarkMethodIn | schema.PanelMethodIn | None) -> Method | None:
    if method is None:
        return None
    if isinstance(method, schema.BenchmarkMethodIn):
        return BenchmarkMethod(
            benchmarks=tuple(
                BenchmarkSpec(
                    id=b.id,
                    name=b.name,
                    normalise=b.normalise,
                    floor=b.floor,
                    ceiling=b.ceiling,
                    weight=b.weight,
                )
                for b in method.benchmarks
            )
        )
    return PanelMethod(
        table=method.table,
        scale_min=method.scale.min,
        scale_max=method.scale.max,
        criteria=dict(method.criteria),
        aggregate=method.aggregate,
        trim=method.trim,
    )
