"""The real round-1 site, built once per session under a base path and served on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from generator.pipeline import build_site

ROOT = Path(__file__).resolve().parents[2]
BASE = "/report/"
"""The site is served under a base path, as on GitHub Pages, so that root-relative mistakes show."""
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
"""Debian's Chromium here; CI points this at the runner's preinstalled Chrome."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True, kw_only=True)
class BuiltSite:
    """A built site and where it is served."""

    folder: Path
    url: str
    """Base address, ending in ``/``."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


REPO_URL = "https://git.example.org/civic/sovereign-report"
"""A repository address for test builds (not github.com, whose API Material's header would call)."""


def build(out: Path, site_url: str) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SITE_URL", site_url)
        patch.setenv("REPO_URL", REPO_URL)
        build_site(data_dir=ROOT / "data", out_dir=out, config=ROOT / "mkdocs.yml")
    return out


class _Handler(SimpleHTTPRequestHandler):
    """Serves ``directory`` under :data:`BASE` only; anything else is a 404, like GitHub Pages."""

    def translate_path(self, path: str) -> str:
        if not path.startswith(BASE):
            return str(Path(self.directory) / "__outside_base__")
        return super().translate_path("/" + path.removeprefix(BASE))

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, port: int) -> Iterator[BuiltSite]:
    url = f"http://127.0.0.1:{port}{BASE}"
    folder = build(tmp_path_factory.mktemp("built") / "site", url)
    handler = functools.partial(_Handler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield BuiltSite(folder=folder, url=url)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make system-deps installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            with contextlib.suppress(Exception):
                chromium.close()


REDIRECT = 'http-equiv="refresh"'
"""Marks the redirect pages that keep round 1's first addresses working (``teams/upstage/``)."""


def html_pages(folder: Path) -> list[str]:
    """Every page of the built site as a path under the base, e.g. ``round-1/teams/upstage/`` (not the
    redirect pages: :func:`redirect_pages`)."""
    return [page for page, html in _index_pages(folder).items() if REDIRECT not in html]


def redirect_pages(folder: Path) -> dict[str, str]:
    """Every redirect page of the built site: its address under the base → its HTML."""
    return {page: html for page, html in _index_pages(folder).items() if REDIRECT in html}


def _index_pages(folder: Path) -> dict[str, str]:
    pages = {}
    for path in sorted(folder.rglob("index.html")):
        relative = path.parent.relative_to(folder).as_posix()
        if relative.startswith(("assets", "search")):
            continue
        pages["" if relative == "." else relative + "/"] = path.read_text(encoding="utf-8")
    return pages


@pytest.fixture(scope="session")
def linkchecker() -> str:
    found = str(Path(sys.executable).parent / "linkchecker")
    if not Path(found).exists():
        pytest.skip("linkchecker is not installed")
    return found
