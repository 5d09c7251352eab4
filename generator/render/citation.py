"""How to cite a page: a Korean press style, APA and BibTeX, with the data version and the page's address.

Pure functions. A build whose site address is a loopback one (a local preview) prints no address at all:
a citation that points at 127.0.0.1 would be wrong for every reader but the one who built it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from generator.model import RoundInfo
from generator.render.labels import PHRASE, UI

AUTHOR = "Sovereign AI report contributors"
"""Who the site's pages and data are credited to."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})  # noqa: S104 — a name, not a bind
"""Hosts of a local preview build."""
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
"""BibTeX's month macros."""


@dataclass(frozen=True, kw_only=True)
class PageCitation:
    """The ways to cite one page in one language."""

    press: str
    """A Korean press-style citation (or its English counterpart)."""
    apa: str
    bibtex: str
    url: str | None
    """The page's public address; ``None`` in a local preview."""


def is_local(site_url: str) -> bool:
    """True when the site is built for a local preview (its address is a loopback one)."""
    return (urlsplit(site_url).hostname or "") in LOOPBACK_HOSTS


def page_url(site_url: str, path: str, lang: str) -> str | None:
    """The public address of the page generated from ``path`` (``teams/upstage.md``) in ``lang``.

    Directory URLs, English under ``en/``; ``None`` in a local preview.
    """
    if is_local(site_url):
        return None
    stem = path.removesuffix(".md")
    stem = "" if stem == "index" else stem.removesuffix("/index") + "/"
    prefix = "" if lang == "ko" else f"{lang}/"
    return f"{site_url.rstrip('/')}/{prefix}{stem}"


def report_title(info: RoundInfo, lang: str) -> str:
    """The report's name: the round's title (which already names the programme) and "transparency report"."""
    title = info.title.get(lang)
    programme = info.programme.get(lang)
    if not title.startswith(programme):
        title = PHRASE["programme_title"].get(lang).format(programme=programme, title=title)
    return PHRASE["report_title"].get(lang).format(title=title)


def cite_page(info: RoundInfo, *, title: str, url: str | None, lang: str, key: str) -> PageCitation:
    """Every citation of one page; ``key`` makes the BibTeX key unique (the page's path)."""
    as_of = info.as_of
    report = report_title(info, lang)
    where = url or UI["local_preview"].get(lang)
    press = (
        PHRASE["press_citation"]
        .get(lang)
        .format(
            author=AUTHOR,
            title=title,
            report=report,
            iso=as_of.isoformat(),
            year=as_of.year,
            month=as_of.month,
            day=as_of.day,
            where=where,
        )
    )
    month_name = as_of.strftime("%B")
    apa = f"{AUTHOR}. ({as_of.year}, {month_name} {as_of.day}). {title}. In {report}. {where}"
    slug = "".join(c if c.isalnum() else "-" for c in key.removesuffix(".md")).strip("-")
    fields = [
        f"  author       = {{{{{AUTHOR}}}}}",
        f"  title        = {{{{{title}}}}}",
        f"  howpublished = {{{report}}}",
        f"  year         = {{{as_of.year}}}",
        f"  month        = {MONTHS[as_of.month - 1]}",
        f"  note         = {{Data as of {as_of.isoformat()}}}",
    ]
    if url:
        fields.append(f"  url          = {{{url}}}")
    bibtex = f"@misc{{sovereign-report-{info.id}-{slug}-{lang},\n" + ",\n".join(fields) + "\n}"
    return PageCitation(press=press, apa=apa, bibtex=bibtex, url=url)
