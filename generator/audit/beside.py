"""The small files beside a checkpoint's weights, read whole under a size cap: here, its ``config.json``.

:func:`model_config` finds the config a quantised checkpoint's block or group sizes come from
(:mod:`~generator.audit.quant`): locally the file next to the weights
(:func:`~generator.audit.read.read_model_config`); for an ``hf://`` or ``http(s)://`` checkpoint the file next
to its first ``.safetensors`` file, over the connection the checkpoint was opened with — for ``hf://`` at the
same resolved commit, with the Hub's headers, so the config and the weights are one version. A config that is
absent, too large or cannot be fetched is no error: the reason is kept, and the caller falls back (the FP8
block size from the shapes) and says so. Malformed JSON is refused, as it is locally. :func:`whole` is the
read the cheap evidence (:mod:`~generator.audit.cheap_read`) uses for its files too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from generator.audit.read import Checkpoint, read_model_config
from generator.audit.remote import RemoteFile
from generator.errors import InputError

MAX_CONFIG_BYTES = 16 * 1024 * 1024
"""Largest ``config.json``, ``tokenizer_config.json`` or ``special_tokens_map.json`` read."""


class UnavailableError(Exception):
    """A small file cannot be had; the message says why."""


def too_large(where: str, size: int, cap: int) -> UnavailableError:
    """The reason a file over its cap is not read."""
    return UnavailableError(f"{where}: {size:,} bytes, over the {cap:,}-byte limit for this file")


def whole(file: RemoteFile, cap: int) -> tuple[str, bytes]:
    """A whole remote file ``(url, bytes)``, its size checked against ``cap`` before its body is fetched."""
    try:
        if file.size < 0:
            file.probe()  # a plain URL: the first bytes tell the size
        if file.size > cap:
            raise too_large(file.url, file.size, cap)
        data = file.read(0, file.size)
    except InputError as error:
        raise UnavailableError(str(error)) from error
    if len(data) != file.size:
        raise UnavailableError(f"{file.url}: {len(data):,} of {file.size:,} bytes received")
    return file.url, data


def is_absent(error: InputError) -> bool:
    """Whether a remote read failed because the file is not there."""
    return str(error).endswith("(HTTP 404)")  # remote.py's wording for a file that is not there


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """A checkpoint's ``config.json``, or why there is none."""

    values: dict[str, Any] | None
    """The parsed config; ``None`` when absent or unreadable."""
    missing: str
    """Why ``values`` is ``None`` (``""`` when read), in words for a report."""


def model_config(checkpoint: Checkpoint) -> ModelConfig:
    """The ``config.json`` beside ``checkpoint``'s weights, local or remote (see the module docstring)."""
    first = checkpoint.files[0] if checkpoint.files else None
    if not isinstance(first, RemoteFile) or checkpoint.remote is None:
        values = read_model_config(checkpoint)
        return ModelConfig(
            values=values, missing="" if values is not None else "no config.json beside the checkpoint"
        )
    file = RemoteFile(
        checkpoint.remote,
        url=urljoin(first.url, "config.json"),
        revision=first.revision,
        hub=first.hub,
    )
    try:
        file.probe()
        url, data = whole(file, MAX_CONFIG_BYTES)
    except InputError as error:
        missing = f"no config.json at {file.url}" if is_absent(error) else f"config.json unreadable: {error}"
        return ModelConfig(values=None, missing=missing)
    except UnavailableError as error:
        return ModelConfig(values=None, missing=f"config.json unreadable: {error}")
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InputError(f"{url}: is not valid JSON ({error})") from error
    if not isinstance(parsed, dict):
        raise InputError(f"{url}: is not a JSON object")
    return ModelConfig(values=parsed, missing="")
