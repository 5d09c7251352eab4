"""Cheap signals, reading: the small JSON files beside a checkpoint, whole, each under a size cap.

``config.json``, ``tokenizer.json`` (else ``vocab.json`` with ``merges.txt``), ``tokenizer_config.json`` and
``special_tokens_map.json`` beside a local folder or file, at an ``hf://`` location's folder (one commit:
:func:`~generator.audit.locate.hub_folder`) or next to an ``http(s)://`` URL (through
:class:`~generator.audit.remote.Remote`: a server that ignores ``Range`` is fine, these files are read whole).
JSON and text only: nothing is executed and nothing unpickled; a ``tokenizer.model`` (sentencepiece, binary)
is only named. :func:`read_side` never raises for a missing, oversized, unreachable or malformed file: it
returns the reason instead. :mod:`~generator.audit.cheap` compares what it returns.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

from generator.audit.beside import MAX_CONFIG_BYTES, is_absent, whole
from generator.audit.beside import UnavailableError as _UnavailableError
from generator.audit.beside import too_large as _too_large
from generator.audit.fingerprint_file import is_fingerprint
from generator.audit.locate import hub_folder
from generator.audit.remote import Remote, RemoteFile, is_remote
from generator.errors import InputError

MAX_TOKENIZER_BYTES = 50 * 1024 * 1024
"""Largest ``tokenizer.json``, ``vocab.json`` or ``merges.txt`` read."""

Location = Path | str
"""A local path, or an ``hf://`` or ``http(s)://`` location."""


@dataclass(frozen=True, kw_only=True)
class TokenizerFacts:
    """What one tokenizer's JSON files say, as strings (the input of :func:`compare_tokenizers`)."""

    source: str
    """What it was read from."""
    tokens: frozenset[str]
    """Model vocabulary and added tokens."""
    merges: frozenset[tuple[str, str]] | None
    """BPE merges as pairs (``None``: the model has none)."""
    special: frozenset[str]
    """Special tokens declared anywhere (added tokens marked special, ``tokenizer_config.json``,
    ``special_tokens_map.json``)."""
    ids: Mapping[str, int] = dataclasses.field(default_factory=dict, compare=False)
    """Token → id (the row of the embedding it reads), model vocabulary then added tokens; used to pair the
    rows of two vocabularies by string (:mod:`~generator.audit.tokens`)."""


@dataclass(frozen=True, kw_only=True)
class Side:
    """What was read beside one location."""

    config: dict[str, Any] | str
    """The parsed config, or why there is none."""
    tokenizer: TokenizerFacts | str
    """The tokenizer, or why there is none."""
    files: tuple[str, ...]


class _Folder:
    """The small files beside one location: whole bytes by name, ``None`` for a file that is not there."""

    def __init__(
        self, where: str, read: Callable[[str, int], tuple[str, bytes] | None], exists: Callable[[str], bool]
    ) -> None:
        self.where = where
        """The folder, ending in ``/`` (for messages)."""
        self._read = read
        self.exists = exists
        """Whether a file is there (nothing read)."""
        self.read_files: list[str] = []
        """Every file read so far."""

    def read(self, name: str, cap: int) -> bytes | None:
        found = self._read(name, cap)
        if found is None:
            return None
        self.read_files.append(found[0])
        return found[1]

    def json(self, name: str, cap: int) -> Any:
        """A parsed JSON file, ``None`` when absent; malformed JSON is unavailable with the reason."""
        data = self.read(name, cap)
        if data is None:
            return None
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise _UnavailableError(f"{self.where}{name}: not valid JSON ({error})") from error


def _local_folder(path: Path) -> _Folder:
    folder = path if path.is_dir() else path.parent

    def read(name: str, cap: int) -> tuple[str, bytes] | None:
        file = folder / name
        if not file.is_file():
            return None
        try:
            if (size := file.stat().st_size) > cap:
                raise _too_large(str(file), size, cap)
            return str(file), file.read_bytes()
        except OSError as error:
            raise _UnavailableError(f"{file}: cannot be read ({error.strerror or error})") from error

    return _Folder(f"{folder}/", read, lambda name: (folder / name).is_file())


def _hub(remote: Remote, location: str) -> _Folder:
    where, files = hub_folder(remote, location)

    def read(name: str, cap: int) -> tuple[str, bytes] | None:
        file = files.get(name)
        return None if file is None else whole(file, cap)

    return _Folder(where, read, lambda name: name in files)


def _url(remote: Remote, location: str) -> _Folder:
    def present(name: str) -> RemoteFile | None:
        file = RemoteFile(remote, url=urljoin(location, quote(name)))
        try:
            file.probe()
        except InputError as error:
            if is_absent(error):
                return None
            raise _UnavailableError(str(error)) from error
        return file

    def read(name: str, cap: int) -> tuple[str, bytes] | None:
        file = present(name)
        return None if file is None else whole(file, cap)

    return _Folder(urljoin(location, "."), read, lambda name: present(name) is not None)


def _folder(location: Location, remote: Remote | None) -> _Folder:
    if is_remote(location):
        assert isinstance(location, str)
        assert remote is not None
        return _hub(remote, location) if location.lower().startswith("hf://") else _url(remote, location)
    path = Path(location)
    if path.is_file() and not path.name.endswith(".index.json"):
        try:
            fingerprint = is_fingerprint(path)
        except InputError:
            fingerprint = False
        if fingerprint:
            raise _UnavailableError(f"{path}: is a fingerprint, which holds no config or tokenizer")
    return _local_folder(path)


# ---- parsing -----------------------------------------------------------------------------------------------


def _read_config(folder: _Folder) -> dict[str, Any]:
    config = folder.json("config.json", MAX_CONFIG_BYTES)
    if config is None:
        raise _UnavailableError(f"no config.json in {folder.where}")
    if not isinstance(config, dict):
        raise _UnavailableError(f"{folder.where}config.json: not a JSON object")
    return config


def _content(value: Any) -> str | None:
    """A special token as written: a string, or ``{"content": "…"}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("content"), str):
        return str(value["content"])
    return None


def _declared_special(document: Any) -> set[str]:
    """Special tokens a ``tokenizer_config.json`` or ``special_tokens_map.json`` declares."""
    if not isinstance(document, dict):
        return set()
    found = {_content(v) for k, v in document.items() if k.endswith("_token")}
    extra = document.get("additional_special_tokens")
    found |= {_content(v) for v in extra} if isinstance(extra, list) else set()
    decoder = document.get("added_tokens_decoder")
    if isinstance(decoder, dict):
        found |= {_content(v) for v in decoder.values() if isinstance(v, dict) and v.get("special") is True}
    return {token for token in found if token is not None}


def _merges(raw: Any, where: str) -> frozenset[tuple[str, str]]:
    """BPE merges as pairs: ``"a b"`` strings (older files) or ``["a", "b"]`` lists."""
    if not isinstance(raw, list):
        raise _UnavailableError(f"{where}: merges is not a list")
    pairs: set[tuple[str, str]] = set()
    for merge in raw:
        if isinstance(merge, str) and " " in merge:
            left, _, right = merge.partition(" ")
            pairs.add((left, right))
        elif isinstance(merge, list) and len(merge) == 2 and all(isinstance(p, str) for p in merge):
            pairs.add((merge[0], merge[1]))
        else:
            raise _UnavailableError(f"{where}: a merge is neither 'a b' nor [a, b]: {str(merge)[:40]!r}")
    return frozenset(pairs)


def _vocabulary(raw: Any, where: str) -> dict[str, int]:
    """Token → id from a token → id map (BPE, WordPiece, WordLevel) or a Unigram list of ``[token, score]``
    (ids are positions); an id that is not a whole number is left out of the ids, not of the tokens."""
    if isinstance(raw, dict):
        return {str(token): _id(value) for token, value in raw.items()}
    if isinstance(raw, list) and all(isinstance(e, list) and e and isinstance(e[0], str) for e in raw):
        return {e[0]: i for i, e in enumerate(raw)}
    raise _UnavailableError(f"{where}: the vocabulary is neither a token → id map nor a Unigram list")


def _id(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else -1


def _facts(source: str, ids: Mapping[str, int], merges: Any, special: set[str]) -> TokenizerFacts:
    return TokenizerFacts(
        source=source,
        tokens=frozenset(ids),
        merges=merges,
        special=frozenset(special),
        ids={token: i for token, i in ids.items() if i >= 0},
    )


def _from_tokenizer_json(document: Any, where: str) -> TokenizerFacts:
    model = document.get("model") if isinstance(document, dict) else None
    if not isinstance(model, dict):
        raise _UnavailableError(f"{where}: no model object")
    tokens = _vocabulary(model.get("vocab"), where)
    special: set[str] = set()
    added = document.get("added_tokens") or []
    if not isinstance(added, list):
        raise _UnavailableError(f"{where}: added_tokens is not a list")
    for token in added:
        content = _content(token)
        if content is None:
            raise _UnavailableError(f"{where}: an added token has no content")
        tokens[content] = _id(token.get("id")) if isinstance(token, dict) else tokens.get(content, -1)
        if isinstance(token, dict) and token.get("special") is True:
            special.add(content)
    merges = _merges(model["merges"], where) if model.get("merges") is not None else None
    kind = model.get("type") if isinstance(model.get("type"), str) else "unknown model"
    return _facts(f"tokenizer.json ({kind})", tokens, merges, special)


def _read_tokenizer(folder: _Folder) -> TokenizerFacts:
    declared = _declared_special(folder.json("tokenizer_config.json", MAX_CONFIG_BYTES))
    declared |= _declared_special(folder.json("special_tokens_map.json", MAX_CONFIG_BYTES))
    document = folder.json("tokenizer.json", MAX_TOKENIZER_BYTES)
    if document is not None:
        read = _from_tokenizer_json(document, f"{folder.where}tokenizer.json")
        return dataclasses.replace(read, special=read.special | declared)
    vocab = folder.json("vocab.json", MAX_TOKENIZER_BYTES)
    if vocab is None:
        if folder.exists("tokenizer.model"):
            raise _UnavailableError(f"only tokenizer.model in {folder.where}: not compared (binary)")
        raise _UnavailableError(f"no tokenizer.json or vocab.json in {folder.where}")
    if not isinstance(vocab, dict):
        raise _UnavailableError(f"{folder.where}vocab.json: not a token → id map")
    text = folder.read("merges.txt", MAX_TOKENIZER_BYTES)
    merges = None
    if text is not None:
        try:
            lines = text.decode("utf-8").splitlines()
        except UnicodeDecodeError as error:
            raise _UnavailableError(f"{folder.where}merges.txt: not UTF-8 ({error})") from error
        kept = [line for line in lines if line.strip() and not line.startswith("#version")]
        merges = _merges(kept, f"{folder.where}merges.txt")
    source = "vocab.json + merges.txt" if merges is not None else "vocab.json"
    return _facts(source, {str(token): _id(value) for token, value in vocab.items()}, merges, declared)


def read_side(location: Location, remote: Remote | None) -> Side:
    """The config and tokenizer beside ``location`` (``remote`` reads ``hf://`` and URLs), each read, or the
    reason it could not be; never raises for a missing, oversized, unreachable or malformed file."""
    try:
        folder = _folder(location, remote)
    except (_UnavailableError, InputError) as error:
        return Side(config=str(error), tokenizer=str(error), files=())
    config: dict[str, Any] | str
    tokenizer: TokenizerFacts | str
    try:
        config = _read_config(folder)
    except _UnavailableError as error:
        config = str(error)
    try:
        tokenizer = _read_tokenizer(folder)
    except _UnavailableError as error:
        tokenizer = str(error)
    return Side(config=config, tokenizer=tokenizer, files=tuple(folder.read_files))
