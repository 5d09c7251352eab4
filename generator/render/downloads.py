"""The round's downloadable files: CSV (UTF-8 with BOM, so Korean Excel opens it), JSON, a Frictionless
``datapackage.json``, a licence note, a citation file and SHA-256 checksums. Pure: returns bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.evidence import EvidenceFileIn, dump
from generator.model import Round, Text
from generator.render.citation import AUTHOR, page_url, report_title
from generator.render.evidence_views import EVIDENCE_DOWNLOADS
from generator.render.labels import DOWNLOAD, ENTITY, PHRASE, UI, fill
from generator.render.wording import score_words
from generator.scoring.export import format_number, formula_text, output_float, scores_document
from generator.scoring.types import MEAN, OTHERS, OTHERS_MEAN, Quantity, ScoredRound

LICENCE_ID = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

FIGURE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("round", "string", "Round id"),
    (
        "entity",
        "string",
        "Team id, or an aggregate: @mean (all-team average), @others:<team> (sum of every "
        "other team), @others-mean:<team> (their average)",
    ),
    ("entity_name_ko", "string", "Team or aggregate name in Korean"),
    ("entity_name_en", "string", "Team or aggregate name in English"),
    ("node", "string", "Rubric node id (total, benchmark, …)"),
    ("node_name_ko", "string", "Rubric node name in Korean"),
    ("node_name_en", "string", "Rubric node name in English"),
    ("max", "number", "Maximum points of the node"),
    ("status", "string", "disclosed | computed | derived | bounded | not_disclosed"),
    ("value", "number", "The value; empty unless status is disclosed, computed or derived"),
    ("rounding", "number", "Half-width of the rounding error of the value"),
    ("range_low", "number", "Lower end of the range an undisclosed value lies in (a range, not a score)"),
    ("range_high", "number", "Upper end of that range"),
    ("formula", "string", "For derived values: the formula with the published numbers"),
    ("sources", "string", "Source ids separated by ';' (see sources.csv)"),
    ("withheld_by", "string", "Who withheld an undisclosed value"),
)
SOURCE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("id", "string", "Source id, as used in figures.csv"),
    ("kind", "string", "seed | external | official"),
    ("publisher_ko", "string", "Publisher in Korean"),
    ("publisher_en", "string", "Publisher in English"),
    ("published", "string", "Publication date (YYYY-MM-DD or YYYY-MM)"),
    ("title", "string", "Headline; empty when not recorded"),
    ("authors", "string", "Authors separated by ';'"),
    ("url", "string", "Web address; empty when not recorded"),
)


@dataclass(frozen=True, kw_only=True)
class Download:
    """One downloadable file, for the data page's list."""

    name: str
    description: Text
    size: int
    sha256: str


@dataclass(frozen=True, kw_only=True)
class Downloads:
    """The files (path relative to the docs root → bytes) and their listing."""

    folder: str
    files: Mapping[str, bytes]
    listing: tuple[Download, ...]
    citation: Text


def entity_name(scored: ScoredRound, entity: str) -> Text:
    """A team's or aggregate's name in both languages."""
    if entity == MEAN:
        return ENTITY[MEAN]
    for prefix in (OTHERS_MEAN, OTHERS):
        if entity.startswith(prefix):
            team = scored.round.team(entity.removeprefix(prefix)).name
            template = ENTITY[prefix]
            return Text(ko=template.ko.format(team=team.ko), en=template.en.format(team=team.en))
    return scored.round.team(entity).name


def build_downloads(
    scored: ScoredRound, *, site_url: str, evidence: Mapping[str, EvidenceFileIn] | None = None
) -> Downloads:
    """Every download of the round, deterministic byte for byte; ``evidence``: the round's evidence files
    (published as they are committed, under ``evidence/``, with their checksums)."""
    round_ = scored.round
    folder = f"downloads/{round_.info.id}"
    files: dict[str, bytes] = {
        "figures.csv": _csv(
            [f[0] for f in FIGURE_FIELDS], [_figure_row(scored, q) for q in _quantities(scored)]
        ),
        "sources.csv": _csv(
            [f[0] for f in SOURCE_FIELDS],
            [
                [
                    s.id,
                    s.kind,
                    s.publisher.ko,
                    s.publisher.en,
                    s.published or "",
                    s.title or "",
                    ";".join(s.authors),
                    s.url or "",
                ]
                for s in round_.sources.values()
            ],
        ),
        "scores.json": _json(scores_document(scored, words=score_words(scored))),
    }
    evidence_ids = sorted(evidence or {})
    files["datapackage.json"] = _json(_datapackage(round_, evidence_ids))
    files["LICENSE.txt"] = _licence(round_).encode()
    files["CITATION.cff"] = _citation_cff(round_, site_url).encode()
    audits = {a.id: a for r in round_.independence.records.values() for a in r.hub_audits}
    described = dict(DOWNLOAD)
    for audit_id in evidence_ids:
        name = f"{EVIDENCE_DOWNLOADS}/{audit_id}.json"
        files[name] = evidence_bytes((evidence or {})[audit_id])
        described[name] = fill(PHRASE["evidence_download"], audit=audits[audit_id].label)
    files["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode()
    listing = tuple(
        Download(
            name=name, description=described[name], size=len(data), sha256=hashlib.sha256(data).hexdigest()
        )
        for name, data in files.items()
    )
    return Downloads(
        folder=folder,
        files={f"{folder}/{name}": data for name, data in files.items()},
        listing=listing,
        citation=citation_text(round_, site_url),
    )


def evidence_bytes(document: EvidenceFileIn) -> bytes:
    """An evidence file's bytes as committed: what ``evidence`` wrote, read back and written the same way."""
    return dump(document.model_dump(mode="json", by_alias=True, exclude_unset=True))


def _quantities(scored: ScoredRound) -> list[Quantity]:
    cells = [scored.cell(t.id, n) for t in scored.round.teams for n in scored.round.rubric.order()]
    return [*cells, *scored.aggregates.values()]


def _figure_row(scored: ScoredRound, q: Quantity) -> list[str]:
    round_ = scored.round
    node = round_.rubric.node(q.node)
    name = entity_name(scored, q.entity)
    low = high = ""
    if q.value is None and q.bound is not None:
        low, high = _num(q.bound.low), _num(q.bound.high)
    elif q.value is None:
        low, high = "0", _num(node.max)
    return [
        round_.info.id,
        q.entity,
        name.ko,
        name.en,
        q.node,
        node.name.ko,
        node.name.en,
        _num(node.max),
        q.status,
        format_number(q.value, q.decimals) if q.value is not None else "",
        _num(q.uncertainty) if q.value is not None else "",
        low,
        high,
        formula_text(q.formula, scored, with_values=True) if q.formula is not None else "",
        ";".join(q.sources),
        q.withheld_by or "",
    ]


def _num(value: float) -> str:
    rounded = output_float(value)
    return format_number(rounded, 6) if rounded is not None else ""


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _schema(fields: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    return {"fields": [{"name": n, "type": t, "description": d} for n, t, d in fields], "missingValues": [""]}


def _datapackage(round_: Round, evidence: Sequence[str]) -> dict[str, Any]:
    info = round_.info
    csv_dialect = {"delimiter": ",", "lineTerminator": "\r\n", "header": True}
    return {
        "name": f"sovereign-ai-{info.id}",
        "title": report_title(info, "en"),
        "description": (
            "Every published, derived and undisclosed score of the round with its status and "
            "sources. Ranges are intervals consistent with the published figures, not scores."
        ),
        "version": info.as_of.isoformat(),
        "created": info.as_of.isoformat(),
        "licenses": [{"name": LICENCE_ID, "path": LICENCE_URL, "title": "Creative Commons Attribution 4.0"}],
        "resources": [
            {
                "name": "figures",
                "path": "figures.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "dialect": csv_dialect,
                "schema": _schema(FIGURE_FIELDS),
            },
            {
                "name": "sources",
                "path": "sources.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "dialect": csv_dialect,
                "schema": {**_schema(SOURCE_FIELDS), "primaryKey": ["id"]},
            },
            {
                "name": "scores",
                "path": "scores.json",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
            },
            *(
                {
                    "name": f"evidence-{audit_id}",
                    "path": f"{EVIDENCE_DOWNLOADS}/{audit_id}.json",
                    "format": "json",
                    "mediatype": "application/json",
                    "encoding": "utf-8",
                    "description": "A weight audit's evidence file (format sovereign-ai-report/evidence/2)",
                }
                for audit_id in evidence
            ),
        ],
    }


def _licence(round_: Round) -> str:
    return (
        f"{report_title(round_.info, 'en')}\n"
        f"Data as of {round_.info.as_of.isoformat()}.\n\n"
        f"The compiled data in this folder (figures, statuses, ranges, formulas and source references) is\n"
        f"released under the Creative Commons Attribution 4.0 International licence ({LICENCE_ID}):\n"
        f"{LICENCE_URL}\n\n"
        "The news articles it cites are not included; they remain the copyright of their publishers.\n"
        "Ranges are intervals consistent with the published figures, not scores.\n\n"
        "이 폴더의 데이터(값, 상태, 범위, 식, 출처 정보)는 CC BY 4.0으로 이용할 수 있습니다.\n"
        "인용한 기사는 포함하지 않으며, 그 저작권은 각 언론사에 있습니다.\n"
    )


def citation_text(round_: Round, site_url: str) -> Text:
    """The suggested citation, in both languages (no address in a local preview build)."""
    info = round_.info
    data_url = page_url(site_url, "data.md", "ko")
    where = Text(ko=data_url, en=data_url) if data_url else UI["local_preview"]
    return fill(
        PHRASE["data_citation"],
        author=Text(ko=AUTHOR, en=AUTHOR),
        report=Text(ko=report_title(info, "ko"), en=report_title(info, "en")),
        as_of=Text(ko=info.as_of.isoformat(), en=info.as_of.isoformat()),
        where=where,
    )


def _citation_cff(round_: Round, site_url: str) -> str:
    info = round_.info
    title = f"{report_title(info, 'en')} — data".replace('"', "'")
    data_url = page_url(site_url, "data.md", "ko")
    return (
        "cff-version: 1.2.0\n"
        'message: "If you use this data, please cite it as below."\n'
        "type: dataset\n"
        f'title: "{title}"\n'
        "authors:\n"
        f'  - name: "{AUTHOR}"\n'
        f'version: "{info.as_of.isoformat()}"\n'
        f'date-released: "{info.as_of.isoformat()}"\n'
        f"license: {LICENCE_ID}\n" + (f'url: "{data_url}"\n' if data_url else "")
    )
