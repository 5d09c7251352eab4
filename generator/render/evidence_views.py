"""What the pages show of the Hub audits' evidence files: each audit's verdicts with how strong the evidence
is, the cheap signals, what was read, and the verdict grid of every audit (the published figures beside ours:
:mod:`generator.render.replication_views`).

Pure functions of the round's configured audits and their validated evidence files
(:class:`~generator.evidence.EvidenceFileIn`); every number shown is one the file holds. The sentences are
finished Markdown in both languages (templates place them with the ``markdown`` filter).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from generator.audit.configured import ComponentResult
from generator.evidence import EvidenceFileIn, ResolvedIn
from generator.model import HubAudit, Text
from generator.render.formats import p_value, percent, power_of_ten
from generator.render.judged import HubAuditView
from generator.render.labels import (
    CHANGE_PATTERNS,
    CHANGES,
    CHANGES_SEEN,
    CHEAP,
    STRENGTH,
    Lang,
)

Strength = Literal["identical", "strong", "weak", "none", "untested"]
"""How strong a component's evidence is: its tensors equal the reference's, or the band its p-value is in."""
WEAK_BELOW: Final = -2.0
"""log10 of the p-value below which a resemblance reads as "weak" evidence (p < 0.01) when it does not
reach the verdict's threshold (the audit's ``alpha``)."""
FIGURE_DECIMALS: Final = 4
"""Decimals the evidence file keeps for our recomputed statistics (and the page shows)."""
EVIDENCE_DOWNLOADS: Final = "evidence"
"""Folder of the evidence files among a round's downloads."""


def strength(component: ComponentResult, alpha: float) -> Strength:
    """The band of a component's evidence (see :data:`generator.render.labels.STRENGTH`)."""
    if component.verdict == "identical":
        return "identical"
    if component.log10_p is None:
        return "untested"
    if component.log10_p <= math.log10(alpha):
        return "strong"
    return "weak" if component.log10_p <= WEAK_BELOW else "none"


def in_both(make: Callable[[Lang], str]) -> Text:
    """A :class:`Text` from a function of the language."""
    return Text(ko=make("ko"), en=make("en"))


@dataclass(frozen=True, kw_only=True)
class ComponentLine:
    """One component of an audit with evidence: its verdict and how strong the evidence behind it is."""

    component: ComponentResult
    strength: Strength
    sentence: Text
    """How strong, and what the statistics say, finished Markdown (the component's name is not in it)."""
    changes: Text | None = None
    """What the audit saw change from the reference (renamed, cast, re-ordered, rotated, …), or ``None``."""


def component_line(component: ComponentResult, alpha: float) -> ComponentLine:
    """A component's strength sentence, from the statistics its evidence file holds."""
    band = strength(component, alpha)
    fields = {
        "p": p_value(component.log10_p),
        "alpha": power_of_ten(alpha),
        "share": percent(component.share_identical),
        "tensors": component.tensors,
    }
    return ComponentLine(
        component=component,
        strength=band,
        sentence=in_both(lambda lang: STRENGTH[band].get(lang).format(**fields)),
        changes=changes_line(component.disguises),
    )


def changes_line(changes: Sequence[str]) -> Text | None:
    """The sentence naming what changed from the reference, or ``None`` when nothing was seen."""
    if not changes:
        return None
    return in_both(
        lambda lang: CHANGES_SEEN.get(lang).format(changes=", ".join(change_words(c, lang) for c in changes))
    )


def change_words(change: str, lang: Lang) -> str:
    """One change the engine names, in the page's language; one with no words here is shown as the engine
    wrote it, in code."""
    known = CHANGES.get(change)
    if known is not None:
        return known.get(lang)
    for pattern, words in CHANGE_PATTERNS:
        found = re.fullmatch(pattern, change)
        if found is not None:
            return words.get(lang).format(**found.groupdict())
    return f"`{change}`"


def cheap_lines(cheap: Mapping[str, Any] | None) -> tuple[Text, ...]:
    """What the config and tokenizer comparison showed, a sentence each; "not available" where it was not."""
    if cheap is None:
        return (CHEAP["config_unavailable"], CHEAP["tokenizer_unavailable"])
    lines = []
    config = cheap.get("config")
    if config is None:
        lines.append(CHEAP["config_unavailable"])
    else:
        families = f"`{config['candidate_family'] or '—'}` ↔ `{config['reference_family'] or '—'}`"
        same = [f"`{f['name']}` {f['candidate']}" for f in config["fields"] if f["equal"]]
        differ = [
            f"`{f['name']}` {f['candidate'] if f['candidate'] is not None else '—'} ↔ "
            f"{f['reference'] if f['reference'] is not None else '—'}"
            for f in config["fields"]
            if not f["equal"]
        ]
        key = "config_same_family" if config["family_match"] else "config_other_family"
        lines.append(
            in_both(
                lambda lang: (
                    CHEAP[key]
                    .get(lang)
                    .format(
                        families=families,
                        same=", ".join(same) or "—",
                        differ=", ".join(differ) or "—",
                    )
                )
            )
        )
    tokenizer = cheap.get("tokenizer")
    if tokenizer is None:
        lines.append(CHEAP["tokenizer_unavailable"])
    else:
        lines.append(
            in_both(
                lambda lang: (
                    CHEAP["tokenizer"]
                    .get(lang)
                    .format(
                        shared=f"{tokenizer['shared_tokens']:,}",
                        candidate=f"{tokenizer['candidate_tokens']:,}",
                        reference=f"{tokenizer['reference_tokens']:,}",
                        candidate_share=percent(tokenizer["candidate_share"]),
                        reference_share=percent(tokenizer["reference_share"]),
                    )
                )
            )
        )
    return (*lines, CHEAP["not_evidence"])


@dataclass(frozen=True, kw_only=True)
class Revision:
    """One side of an audit as it was read: the repository, the commit, and the files."""

    role: Literal["candidate", "reference"]
    repo: str
    revision: str
    """The commit SHA read."""
    files: int
    size: int
    """Bytes in the files listed (the audit reads only parts of them)."""
    tried: tuple[str, ...]
    """Spellings of an unconfirmed id that did not resolve."""

    @property
    def url(self) -> str:
        """The Hub's page of the repository at that commit."""
        return f"https://huggingface.co/{self.repo}/tree/{self.revision}"


@dataclass(frozen=True, kw_only=True)
class EvidenceDetail:
    """An audit with an evidence file, as the team page explains it."""

    view: HubAuditView
    evidence: EvidenceFileIn
    components: tuple[ComponentLine, ...]
    cheap: tuple[Text, ...]
    revisions: tuple[Revision, ...]
    fetched: int
    """Bytes fetched over the network."""

    @property
    def partial(self) -> bool:
        """Whether fewer bytes were fetched than the files listed hold (the audit read only parts of them)."""
        return self.fetched < sum(r.size for r in self.revisions)

    download: str
    """The evidence file among the downloads (path from the docs root)."""


def evidence_download(folder: str, audit_id: str) -> str:
    """Where an audit's evidence file lies among the downloads (``folder``: the round's download folder)."""
    return f"{folder}/{EVIDENCE_DOWNLOADS}/{audit_id}.json"


def evidence_detail(view: HubAuditView, folder: str) -> EvidenceDetail | None:
    """The team page's explanation of one audit; ``None`` until its evidence file exists."""
    evidence = view.evidence
    if evidence is None:
        return None
    sides: tuple[tuple[Literal["candidate", "reference"], ResolvedIn], ...] = (
        ("candidate", evidence.candidate),
        ("reference", evidence.reference),
    )
    revisions = tuple(
        Revision(
            role=role,
            repo=resolved.repo,
            revision=resolved.revision,
            files=len(evidence.files[role]),
            size=sum(f.size for f in evidence.files[role]),
            tried=tuple(t.repo for t in resolved.tried),
        )
        for role, resolved in sides
    )
    alpha = evidence.result.alpha
    return EvidenceDetail(
        view=view,
        evidence=evidence,
        components=tuple(component_line(c, alpha) for c in evidence.result.components),
        cheap=cheap_lines(evidence.cheap),
        revisions=revisions,
        fetched=evidence.transfer.get("fetched", 0),
        download=evidence_download(folder, view.audit.id),
    )


# ---- every audit's verdicts, for the cross-team grid ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GridCell:
    """One cell of the verdict grid: an audit (its label names the team's model and the reference) and a
    component, or "not run yet"."""

    audit: HubAudit
    component: str | None
    """``None``: the audit has not run, so no component is known."""
    verdict: str | None
    """``None``: not run yet (never a verdict)."""


def verdict_grid(views: Sequence[HubAuditView]) -> tuple[GridCell, ...]:
    """Every audit's components with their verdicts, and one "not run yet" cell per audit without evidence."""
    cells = []
    for view in views:
        evidence = view.evidence
        if evidence is None:
            cells.append(GridCell(audit=view.audit, component=None, verdict=None))
            continue
        cells += [
            GridCell(audit=view.audit, component=c.name, verdict=c.verdict)
            for c in evidence.result.components
        ]
    return tuple(cells)
