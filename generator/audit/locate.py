"""Stage 1, remote: what an ``hf://`` or ``http(s)://`` location names — the files to read, at which version.

``hf://OWNER/NAME[@REVISION][/SUBFOLDER]`` asks the Hub's API through ``huggingface_hub``
(``/api/models/{repo}/revision/{rev}``, honouring ``HF_ENDPOINT`` and ``HF_TOKEN``) for the commit SHA and
every file's size and LFS sha256, then names ``/{repo}/resolve/{sha}/{file}`` URLs, so that what is read is
exactly one commit. An ``http(s)://`` URL names one ``.safetensors`` file or a ``*.safetensors.index.json``
whose shards lie next to it. Every file found is probed (its first bytes fetched) before the reader
validates its header; :mod:`~generator.audit.remote` moves the bytes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx2
from pydantic import BaseModel, Field, ValidationError

from generator.audit.remote import Remote, RemoteFile
from generator.errors import InputError

MAX_INDEX_BYTES = 64 * 1024 * 1024
"""Largest shard index fetched (the reader applies the same limit to local ones)."""


@dataclass(frozen=True, kw_only=True)
class Located:
    """What a remote location names: the files to read, or an index and how to find its shards."""

    location: str
    """The location as given."""
    files: tuple[RemoteFile, ...]
    """The ``.safetensors`` files (empty when :attr:`index` is set)."""
    index: bytes | None
    """The raw ``*.safetensors.index.json``, when the location names one."""
    index_url: str
    """Where the index came from (for messages)."""
    shard: Callable[[Sequence[str]], dict[str, RemoteFile]]
    """Shard file names (validated by the reader) → probed files."""


def locate(remote: Remote, location: str) -> Located:
    """Resolve ``location`` to files (or an index); every file is probed, so its header is at hand."""
    if location.lower().startswith("hf://"):
        return _locate_hub(remote, location)
    parts = urlsplit(location)
    if not parts.netloc:
        raise InputError(f"{location}: not a URL (expected http(s)://HOST/PATH)")
    name = unquote(parts.path.rsplit("/", 1)[-1])
    if name.endswith(".safetensors.index.json"):
        index = _whole(RemoteFile(remote, url=location))

        def shard(names: Sequence[str]) -> dict[str, RemoteFile]:
            return _probed(remote, {n: RemoteFile(remote, url=urljoin(location, quote(n))) for n in names})

        return Located(location=location, files=(), index=index, index_url=location, shard=shard)
    file = RemoteFile(remote, url=location)
    if name.endswith(".safetensors"):
        file.probe()
    return Located(location=location, files=(file,), index=None, index_url="", shard=_no_shards)


def _probed(remote: Remote, files: dict[str, RemoteFile]) -> dict[str, RemoteFile]:
    remote.probe_all(list(files.values()))
    return files


def _whole(file: RemoteFile) -> bytes:
    file.probe()
    if file.size > MAX_INDEX_BYTES:
        raise InputError(f"{file.url}: index is larger than {MAX_INDEX_BYTES} bytes")
    return file.read(0, file.size)


DEFAULT_ENDPOINT = "https://huggingface.co"


def hub_endpoint() -> str:
    """The Hub ``hf://`` locations are read from: ``HF_ENDPOINT``, which must be an ``http(s)://`` URL, else
    the public Hub. Empty counts as unset (huggingface_hub would use ``""``; a CI variable that is not set
    expands to it), so it never ends in a request to a URL with no host."""
    given = os.environ.get("HF_ENDPOINT", "").strip()
    endpoint = given.rstrip("/") or DEFAULT_ENDPOINT
    parts = urlsplit(endpoint)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InputError(f"HF_ENDPOINT={given!r}: not an http(s) URL (where hf:// locations are read)")
    return endpoint


def _locate_hub(remote: Remote, location: str) -> Located:
    repo, revision, folder = parse_hub(location)
    endpoint = hub_endpoint()
    commit, siblings, repo = _hub_revision(remote, location, endpoint, repo, revision)
    prefix = f"{folder}/" if folder else ""

    def file(name: str) -> RemoteFile:
        return _hub_file(remote, f"{endpoint}/{repo}", commit, name, siblings[name])

    if folder in siblings:  # the location names one file
        chosen = [folder]
    else:
        inside = sorted(n for n in siblings if n.startswith(prefix) and "/" not in n[len(prefix) :])
        indexes = [n for n in inside if n.endswith(".safetensors.index.json")]
        if len(indexes) > 1:
            raise InputError(f"{location}: holds {len(indexes)} index files; name one of them")
        chosen = indexes or [n for n in inside if n.endswith(".safetensors")]
        if not chosen:
            raise InputError(f"{location}: no .safetensors files at commit {commit}")
    if chosen[0].endswith(".index.json"):
        index_file = file(chosen[0])
        base = chosen[0].rsplit("/", 1)[0] + "/" if "/" in chosen[0] else ""

        def shard(names: Sequence[str]) -> dict[str, RemoteFile]:
            missing = sorted(n for n in names if base + n not in siblings)
            if missing:
                raise InputError(f"{index_file.url}: shard {missing[0]!r} is not in the repository")
            return _probed(remote, {n: file(base + n) for n in names})

        return Located(
            location=location,
            files=(),
            index=_whole(index_file),
            index_url=index_file.url,
            shard=shard,
        )
    files = _probed(remote, {n: file(n) for n in chosen})
    return Located(location=location, files=tuple(files.values()), index=None, index_url="", shard=_no_shards)


def hub_folder(remote: Remote, location: str) -> tuple[str, dict[str, RemoteFile]]:
    """The files directly in an ``hf://`` location's folder (for a location naming one file, that file's
    folder), by name, at the commit the revision resolves to: ``(where, files)``, ``where`` naming the
    folder at that commit. Only the revision is looked up; no file is probed."""
    repo, revision, folder = parse_hub(location)
    endpoint = hub_endpoint()
    commit, siblings, repo = _hub_revision(remote, location, endpoint, repo, revision)
    if folder in siblings:
        folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
    prefix = f"{folder}/" if folder else ""
    files = {
        name[len(prefix) :]: _hub_file(remote, f"{endpoint}/{repo}", commit, name, known)
        for name, known in siblings.items()
        if name.startswith(prefix) and "/" not in name[len(prefix) :]
    }
    return f"hf://{repo}@{commit}/{prefix}", files


def _hub_file(
    remote: Remote, base: str, commit: str, name: str, known: tuple[int | None, str | None]
) -> RemoteFile:
    """The ``resolve`` URL of ``name`` at ``commit``, with the size and LFS sha256 the Hub gave."""
    size, sha256 = known
    url = f"{base}/resolve/{commit}/{quote(name)}"
    return RemoteFile(remote, url=url, size=size, sha256=sha256, revision=commit, hub=True)


def _hub_revision(remote: Remote, location: str, endpoint: str, repo: str, revision: str) -> Revision:
    """``/api/models/{repo}/revision/{rev}``: the commit SHA and every file's size and LFS sha256 — asked
    once per connection (:meth:`Remote.revision`), so a branch that moves mid-run cannot mix two commits."""
    return remote.revision(
        (endpoint, repo, revision), lambda: _look_up_revision(remote, location, endpoint, repo, revision)
    )


class _Lfs(BaseModel):
    sha256: str | None = None


class _Sibling(BaseModel):
    rfilename: str
    size: int | None = None
    lfs: _Lfs | None = None


class _Revision(BaseModel):
    """The part of the Hub's ``/api/models/{repo}/revision/{rev}?blobs=True`` answer the audit uses."""

    id: str | None = None
    """The repository's name now (another than the one asked for when it was renamed: the API redirects)."""
    sha: str = Field(min_length=1)
    siblings: list[_Sibling]


_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
"""A repository id as the Hub spells one (``OWNER/NAME``): only such an answered ``id`` goes into a URL."""

Revision = tuple[str, dict[str, tuple[int | None, str | None]], str]
"""What the revision API says of a repository: the commit SHA, every file's size and LFS sha256 by name, and
the repository's name now (renamed repositories answer under their new name)."""


def _look_up_revision(remote: Remote, location: str, endpoint: str, repo: str, revision: str) -> Revision:
    """One request to the revision API — what ``HfApi.model_info(files_metadata=True)`` sends, with
    ``huggingface_hub``'s headers (token, user agent), offline switch and reading of the Hub's errors — over
    the audit's own connection (:meth:`Remote.api_get`: retried like a range, and the connection the
    weights are read on next). Neither ``HfApi`` nor ``huggingface_hub``'s client is made: importing the one
    and building the other cost a remote audit ~90 ms of CPU before its first byte."""
    from huggingface_hub.constants import is_offline_mode  # noqa: PLC0415 — only hf:// locations need them
    from huggingface_hub.errors import (  # noqa: PLC0415
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )
    from huggingface_hub.utils import (  # type: ignore[attr-defined]  # noqa: PLC0415 — lazily exported
        build_hf_headers,
        hf_raise_for_status,
    )

    url = f"{endpoint}/api/models/{repo}/revision/{quote(revision, safe='')}?blobs=True"
    where = f"{location} ({url})"
    if is_offline_mode():
        raise InputError(f"{where}: HF_HUB_OFFLINE is set")
    try:
        headers = build_hf_headers()
        answer = remote.api_get(url, headers)
    except InputError as error:
        raise InputError(f"{location} ({error})") from error
    except ValueError as error:  # a token or URL that cannot be sent (never printed), UnicodeError too
        raise InputError(f"{where}: cannot be read ({type(error).__name__})") from error
    request = httpx2.Request("GET", answer.url)
    # the body is already decoded (`api_get`): no encoding header for httpx to decode it again by
    dropped = {"content-encoding", "content-length"}
    plain = {k: v for k, v in answer.headers.items() if k.lower() not in dropped}
    try:
        hf_raise_for_status(
            httpx2.Response(answer.status, headers=plain, content=answer.body, request=request)
        )
    except GatedRepoError as error:
        raise InputError(f"{where}: the repository is gated; accept its terms and set HF_TOKEN") from error
    except RevisionNotFoundError as error:
        raise InputError(f"{where}: no revision {revision!r}") from error
    except RepositoryNotFoundError as error:
        raise InputError(f"{where}: no such repository (or it is private: set HF_TOKEN)") from error
    except HfHubHTTPError as error:
        raise InputError(f"{where}: the Hub answered HTTP {answer.status}") from error
    except httpx2.HTTPError as error:
        raise InputError(f"{where}: cannot be read ({type(error).__name__})") from error
    if answer.status != 200:
        raise InputError(f"{where}: the Hub answered HTTP {answer.status}")
    remote.hub_headers = dict(headers)
    try:
        info = _Revision.model_validate_json(answer.body)
    except ValidationError as error:
        raise InputError(f"{where}: the Hub's answer has no commit SHA or file list") from error
    siblings = {s.rfilename: (s.size, s.lfs.sha256 if s.lfs is not None else None) for s in info.siblings}
    renamed = info.id if info.id and _REPO_ID.fullmatch(info.id) else repo
    return info.sha, siblings, renamed


def _no_shards(names: Sequence[str]) -> dict[str, RemoteFile]:
    raise AssertionError(f"no index, yet shards {list(names)[:1]} were asked for")


def parse_hub(location: str) -> tuple[str, str, str]:
    """``hf://OWNER/NAME[@REVISION][/SUBFOLDER]`` → repository, revision (``main``), folder or file ('')."""
    rest = location[len("hf://") :]
    parts = rest.split("/", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise InputError(f"{location}: expected hf://OWNER/NAME[@REVISION][/SUBFOLDER]")
    name, _, revision = parts[1].partition("@")
    folder = parts[2].strip("/") if len(parts) == 3 else ""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    if not (set(parts[0]) <= allowed and set(name) <= allowed and name) or ".." in folder.split("/"):
        raise InputError(f"{location}: not a valid repository name")
    return f"{parts[0]}/{name}", unquote(revision) or "main", folder
