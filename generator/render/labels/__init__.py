"""Every short interface text of the site, in both languages, in one place.

Each page has one template (``templates/pages/``) whose only per-language parts are its prose paragraphs;
headings, table heads, badges, link texts, captions and the texts the Python side writes (chart alt texts,
citations, card footers — :data:`PHRASE`, with ``{named}`` fields) are here, keyed by ``Literal`` values or
short names. Per-language mechanics that are not words (dates, Korean particles, URL prefixes) stay in code.

The tables live in modules by subject — :mod:`.languages`, :mod:`.statuses` (badges and tags of the data),
:mod:`.audits` (weight audits and replications), :mod:`.titles` (pages, headings, downloads),
:mod:`.phrases` (texts with fields) and :mod:`.ui` (interface words) — and are all imported from here.
"""

from __future__ import annotations

from generator.render.labels.audits import (
    CANNOT_SEE,
    CHANGE_PATTERNS,
    CHANGES,
    CHANGES_SEEN,
    CHEAP,
    COMPONENT_KIND,
    COMPONENT_SENTENCE,
    DEMO_CASE,
    NOT_RUN,
    REFERENCE_KIND,
    REPLICATION_RESULT,
    REPLICATION_TEXT,
    STATISTIC,
    STRENGTH,
    VERDICT,
    VERDICT_SHORT,
    WEIGHT,
    ComponentKind,
)
from generator.render.labels.languages import LANGS, Lang
from generator.render.labels.phrases import AGGREGATE, ENTITY, PHRASE, fill
from generator.render.labels.statuses import (
    ALLEGATION_OUTCOME,
    CHANGE_KIND,
    MARK_LABEL,
    STATUS,
    STATUS_EXPLAINED,
    WEIGHTS_ORIGIN,
    finding_label,
    finding_reason,
    outcome_label,
)
from generator.render.labels.titles import DOWNLOAD, HEADING, HOME_LINKS, OMITTED, PAGE, LinkRow
from generator.render.labels.ui import UI

__all__ = [
    "AGGREGATE",
    "ALLEGATION_OUTCOME",
    "CANNOT_SEE",
    "CHANGES",
    "CHANGES_SEEN",
    "CHANGE_KIND",
    "CHANGE_PATTERNS",
    "CHEAP",
    "COMPONENT_KIND",
    "COMPONENT_SENTENCE",
    "DEMO_CASE",
    "DOWNLOAD",
    "ENTITY",
    "HEADING",
    "HOME_LINKS",
    "LANGS",
    "MARK_LABEL",
    "NOT_RUN",
    "OMITTED",
    "PAGE",
    "PHRASE",
    "REFERENCE_KIND",
    "REPLICATION_RESULT",
    "REPLICATION_TEXT",
    "STATISTIC",
    "STATUS",
    "STATUS_EXPLAINED",
    "STRENGTH",
    "UI",
    "VERDICT",
    "VERDICT_SHORT",
    "WEIGHT",
    "WEIGHTS_ORIGIN",
    "ComponentKind",
    "Lang",
    "LinkRow",
    "fill",
    "finding_label",
    "finding_reason",
    "outcome_label",
]
