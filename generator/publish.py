"""The publish stage: the only code that writes the site. Stage everything aside, build, then swap.

The generated files, the hand-written pages (``docs/pages/``) and the assets (``docs/assets/``) are copied
into a fresh folder next to the output; a small MkDocs configuration there INHERITs the project's
``mkdocs.yml`` and adds what the build decides (nav, site URL, folders). ``mkdocs build --strict`` runs on
that copy in a child process. Only when it succeeds does the new site replace the old one, by renames on
the same file system; on any failure the previous site is left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import time as time_now
from typing import Any

import yaml

from generator.errors import BuildError

HAND_WRITTEN_DIR = "docs/pages"
"""Hand-written pages, copied to the docs root (``about.md``, ``about.en.md``, …)."""
ASSETS_DIR = "docs/assets"
"""Style sheets, scripts and images, copied to ``assets/`` under the docs root."""
OVERRIDES_DIR = "docs/overrides"
"""Material theme overrides (``main.html``); used in place, never published as pages."""
OUTPUT_TAIL_LINES = 25
"""How much of MkDocs' output a failed build shows."""


@dataclass(frozen=True, kw_only=True)
class BuildSettings:
    """What the MkDocs build needs beyond the files themselves."""

    config: Path
    """The project's ``mkdocs.yml``; hand-written pages and assets are found beside it."""
    site_url: str
    nav: Sequence[Any]
    source_date: date
    """The data's ``as_of`` date: every date MkDocs writes (sitemap, archives) is this one, not the clock."""
    extra: Mapping[str, Any]
    """Values for the theme templates (``config.extra``), e.g. the fictional-round flag."""
    languages: Sequence[str] = ()
    """Languages other than the default, each served from its own folder (``en`` → ``/en/``)."""
    nav_titles: Mapping[str, str] = field(default_factory=dict)
    """Nav section titles the site adds (Korean → English), merged into the i18n plugin's
    ``nav_translations`` of the project's configuration."""


@dataclass(frozen=True, kw_only=True)
class Published:
    """What a successful build produced."""

    out_dir: Path
    pages: int
    """HTML pages in the built site."""
    files: int
    """Files in the built site."""


def site_url_of(config: Path) -> str:
    """The ``site_url`` of an MkDocs configuration (read with MkDocs' own YAML loader)."""
    from mkdocs.utils.yaml import yaml_load  # noqa: PLC0415 - MkDocs is only needed when building

    try:
        with config.open(encoding="utf-8") as handle:
            loaded = yaml_load(handle)
    except (OSError, yaml.YAMLError) as error:
        raise BuildError(f"{config}: cannot read the MkDocs configuration: {error}") from error
    url = loaded.get("site_url") if isinstance(loaded, dict) else None
    if not isinstance(url, str) or not url:
        raise BuildError(f"{config}: site_url is not set")
    return url


STAGE_PREFIX = ".site-build-"
"""Name prefix of the staging folder beside the output."""
STALE_STAGE_SECONDS = 3600
"""A staging folder untouched this long was left by a build that was killed; the next build removes it."""
SITE_MARKER = ".sovereign-report-site"
"""A file in every built site: a non-empty ``--out`` folder without it is never replaced."""


def publish(
    files: Mapping[str, bytes],
    *,
    settings: BuildSettings,
    out_dir: Path,
    protected: Sequence[Path] = (),
    static: Mapping[str, bytes] | None = None,
) -> Published:
    """Build the site from ``files`` (paths relative to the docs root) into ``out_dir``, atomically.

    ``static``: files written into the built site after MkDocs, as they are (redirect pages of old
    addresses, ``results/index.html``); one that would replace a built file is refused.

    ``out_dir`` is replaced only if it is absent, empty or a site built here before, and never if it is,
    or holds, one of ``protected`` (the data folder), the project or the working directory.
    """
    project = settings.config.resolve().parent
    out_dir = out_dir.resolve()
    check_out_dir(out_dir, protected=(*protected, project))
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_stages(out_dir.parent)
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out_dir.parent))
    except OSError as error:
        raise BuildError(f"{out_dir}: cannot create the output folder: {error.strerror or error}") from error
    try:
        docs = stage / "docs"
        _stage_docs(files, project=project, docs=docs)
        config = _write_config(stage, settings=settings, project=project)
        _run_mkdocs(config, settings.source_date)
        built = stage / "site"
        _write_static(built, static or {})
        _sitemaps_for_languages(built, settings.languages)
        (built / SITE_MARKER).write_text("Built by the sovereign AI transparency report generator.\n")
        result = Published(
            out_dir=out_dir,
            pages=sum(1 for _ in built.rglob("*.html")),
            files=sum(1 for p in built.rglob("*") if p.is_file()),
        )
        _swap(built, out_dir, trash=stage / "previous")
        return result
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _remove_stale_stages(parent: Path) -> None:
    """Remove staging folders that killed builds left behind (never one a running build may still use)."""
    now = time_now()
    for stage in parent.glob(f"{STAGE_PREFIX}*"):
        if stage.is_dir() and now - stage.stat().st_mtime > STALE_STAGE_SECONDS:
            shutil.rmtree(stage, ignore_errors=True)


def check_out_dir(out_dir: Path, *, protected: Sequence[Path]) -> None:
    """Refuse an output folder whose replacement would delete anything but a previous site.

    ``out_dir`` (resolved) may neither be nor hold one of ``protected`` or the working directory.
    """
    for resolved in (path.resolve() for path in (*protected, Path.cwd())):
        if out_dir == resolved or out_dir in resolved.parents:
            raise BuildError(f"--out {out_dir}: refusing to replace a folder that holds {resolved}")
    if out_dir.exists() and not out_dir.is_dir():
        raise BuildError(f"--out {out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / SITE_MARKER).is_file():
        legacy = (out_dir / "index.html").is_file() and (out_dir / "sitemap.xml").is_file()
        if not legacy:
            raise BuildError(
                f"--out {out_dir}: the folder is not empty and is not a site built by this generator; "
                "choose an empty or new folder"
            )


def _stage_docs(files: Mapping[str, bytes], *, project: Path, docs: Path) -> None:
    hand_written = project / HAND_WRITTEN_DIR
    if hand_written.is_dir():
        shutil.copytree(hand_written, docs)
    else:
        docs.mkdir(parents=True)
    assets = project / ASSETS_DIR
    if assets.is_dir():
        shutil.copytree(assets, docs / "assets")
    clashes = sorted(path for path in files if (docs / path).exists())
    if clashes:
        raise BuildError(f"generated files would overwrite hand-written ones: {', '.join(clashes)}")
    for path, data in sorted(files.items()):
        target = docs / path
        if ".." in Path(path).parts or Path(path).is_absolute():
            raise BuildError(f"refusing to write outside the docs folder: {path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _write_static(built: Path, static: Mapping[str, bytes]) -> None:
    clashes = sorted(path for path in static if (built / path).exists())
    if clashes:
        raise BuildError(f"redirect pages would replace built pages: {', '.join(clashes)}")
    for path, data in sorted(static.items()):
        if ".." in Path(path).parts or Path(path).is_absolute():
            raise BuildError(f"refusing to write outside the site folder: {path}")
        target = built / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _plugins_with(config: Path, nav_titles: Mapping[str, str]) -> list[Any] | None:
    """The project's plugin list with ``nav_titles`` added to the English ``nav_translations``; ``None``
    when there is nothing to add (MkDocs replaces a list on INHERIT, so the whole list is written)."""
    if not nav_titles:
        return None
    from mkdocs.utils.yaml import yaml_load  # noqa: PLC0415 - MkDocs is only needed when building

    with config.open(encoding="utf-8") as handle:
        plugins = list(yaml_load(handle).get("plugins", []))
    for entry in plugins:
        if isinstance(entry, dict) and "i18n" in entry:
            for language in entry["i18n"].get("languages", []):
                if not language.get("default"):
                    language["nav_translations"] = {**language.get("nav_translations", {}), **nav_titles}
    return plugins


def _write_config(stage: Path, *, settings: BuildSettings, project: Path) -> Path:
    config: dict[str, Any] = {
        "INHERIT": str(settings.config.resolve()),
        "docs_dir": "docs",
        "site_dir": "site",
        "site_url": settings.site_url,
        "nav": list(settings.nav),
        "theme": {"custom_dir": str(project / OVERRIDES_DIR)},
        "extra": dict(settings.extra),
    }
    plugins = _plugins_with(settings.config, settings.nav_titles)
    if plugins is not None:
        config["plugins"] = plugins
    path = stage / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return path


def _run_mkdocs(config: Path, source_date: date) -> None:
    epoch = int(datetime.combine(source_date, time(), tzinfo=UTC).timestamp())
    env = {
        **os.environ,
        "SOURCE_DATE_EPOCH": str(epoch),
        "NO_MKDOCS_2_WARNING": "1",
        "DISABLE_MKDOCS_2_WARNING": "true",
    }
    process = subprocess.run(  # noqa: S603 - our own interpreter running MkDocs on our own staged files
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=config.parent,
    )
    if process.returncode != 0:
        output = (process.stdout + process.stderr).strip().splitlines()
        problems = [line for line in output if line.startswith(("WARNING", "ERROR"))] or output
        tail = "\n".join(problems[-OUTPUT_TAIL_LINES:]) or f"exit code {process.returncode}"
        raise BuildError(f"mkdocs build --strict failed; the previous site is unchanged:\n{tail}")


def _sitemaps_for_languages(built: Path, languages: Sequence[str]) -> None:
    """Material's language selector reads ``sitemap.xml`` from each language's root; one sitemap lists all."""
    for lang in languages:
        for name in ("sitemap.xml", "sitemap.xml.gz"):
            if (built / name).is_file() and (built / lang).is_dir():
                shutil.copyfile(built / name, built / lang / name)


def _swap(built: Path, out_dir: Path, *, trash: Path) -> None:
    """Put ``built`` in place of ``out_dir``: two renames on one file system, the old site removed after."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise BuildError(f"{out_dir} exists and is not a folder")
        out_dir.rename(trash)
    built.rename(out_dir)
