"""Independence: ``criteria.yaml`` (what counts as independent), ``sovereignty.yaml`` (a proposed scale)
and ``audits.yaml`` (each team's components, allegations and rulings; see :mod:`.audits`). All three may be
omitted by a round."""

from __future__ import annotations

from pathlib import Path

from generator import schema
from generator.load import Problems, YamlDocument, read_yaml
from generator.model import Criterion, CriterionRule, Independence, SovereigntyLevel, SovereigntyScale
from generator.validate.audits import resolve_audits
from generator.validate.parse import entry, parse_list, parse_one, text
from generator.validate.references import References, duplicates

INDEPENDENCE_FILES = {"criteria": "criteria.yaml", "scale": "sovereignty.yaml", "audits": "audits.yaml"}


def read_independence(data_dir: Path, refs: References) -> Independence:
    """The criteria, the scale and the audit records of the files that are present."""
    problems = refs.problems
    docs = {
        key: read_yaml(data_dir / name, name, problems) if (data_dir / name).exists() else None
        for key, name in INDEPENDENCE_FILES.items()
    }
    criteria = _resolve_criteria(
        parse_list(schema.CriterionIn, docs["criteria"], INDEPENDENCE_FILES["criteria"], problems),
        docs["criteria"],
        refs,
    )
    scale = _resolve_scale(docs["scale"], refs, problems)
    # Without a criteria file (missing, or omitted) the criteria an audit names cannot be checked: one problem
    # about the file, not one "unknown criterion" per ruling.
    known_criteria = {c.id for c in criteria} if docs["criteria"] is not None else None
    records = resolve_audits(
        parse_list(schema.AuditRecordIn, docs["audits"], INDEPENDENCE_FILES["audits"], problems),
        docs["audits"],
        refs,
        known_criteria,
    )
    return Independence(criteria=tuple(criteria), scale=scale, records=records)


def _resolve_scale(doc: YamlDocument | None, refs: References, problems: Problems) -> SovereigntyScale | None:
    label = INDEPENDENCE_FILES["scale"]
    parsed = parse_one(schema.SovereigntyScaleIn, doc, label, problems)
    if parsed is None:
        return None
    scale_in = parsed[1]
    refs.check("source", scale_in.sources, label, "")
    levels = [level.level for level in scale_in.levels]
    if len(set(levels)) != len(levels):
        problems.error(label, "levels", "a level is listed twice")
    return SovereigntyScale(
        proposed_by=text(scale_in.proposed_by),
        sources=tuple(scale_in.sources),
        levels=tuple(
            SovereigntyLevel(level=lv.level, description=text(lv.description))
            for lv in sorted(scale_in.levels, key=lambda lv: lv.level)
        ),
    )


def _resolve_criteria(
    items: list[tuple[int, schema.CriterionIn]], doc: YamlDocument | None, refs: References
) -> list[Criterion]:
    label = INDEPENDENCE_FILES["criteria"]
    duplicates([(c.id, entry(doc, i, c.id)) for i, c in items], label, refs.problems)
    result = []
    for index, item in items:
        refs.check("source", item.sources, label, entry(doc, index, item.id))
        rule = item.fails_when
        result.append(
            Criterion(
                id=item.id,
                name=text(item.name),
                definition=text(item.definition),
                sources=tuple(item.sources),
                fails_when=CriterionRule(
                    origin=rule.origin, weights=tuple(rule.weights), licence_compliant=rule.licence_compliant
                ),
            )
        )
    return result
