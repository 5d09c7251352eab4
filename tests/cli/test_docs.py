"""The README and the CLI agree: every command and option the README runs exists, every command and option
has help text, and every command and option is in the README (sqlite-utils' ``tests/test_docs.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from generator.cli import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


@dataclass(frozen=True, kw_only=True)
class Mention:
    """One ``python -m generator …`` in the README: the command (``None``: the group) and its options."""

    line: int
    command: str | None
    options: tuple[str, ...]


def _mentions(text: str) -> list[Mention]:
    """Every ``python -m generator …`` up to the end of its code span, its line, or a ``#`` comment."""
    mentions = []
    for match in re.finditer(r"python -m generator(?P<rest>[^`#\n]*)", text):
        words = match["rest"].split()
        command = words[0] if words and not words[0].lstrip("[").startswith("-") else None
        options = tuple(re.findall(r"(?:^|[\s\[|])(--[a-z][a-z0-9-]*)", match["rest"]))
        line = text.count("\n", 0, match.start()) + 1
        mentions.append(Mention(line=line, command=command, options=options))
    return mentions


def _make_targets(text: str) -> set[str]:
    """The ``make X`` the README tells a reader to run: in fenced code blocks and in inline code."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    in_blocks = r"(?:^|&& )make ([a-z][a-z-]*)"
    targets = {t for block in blocks for t in re.findall(in_blocks, block, flags=re.MULTILINE)}
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL))
    return targets | {t for span in spans for t in re.findall(r"(?:^|\s)make ([a-z][a-z-]*)", span)}


def _options(command: click.Command) -> set[str]:
    return {opt for param in command.params if isinstance(param, click.Option) for opt in param.opts}


COMMANDS: dict[str, click.Command] = dict(cli.commands)
MENTIONS = _mentions(README)


def test_the_readme_runs_the_cli_and_opens_with_make_site_and_make_test() -> None:
    assert MENTIONS, "no `python -m generator …` found in README.md"
    opening = README.split("\n## ", 1)[0]
    assert re.search(r"^make site\b", opening, re.MULTILINE), "README.md no longer opens with `make site`"
    assert re.search(r"^make test\b", opening, re.MULTILINE), "README.md no longer opens with `make test`"


@pytest.mark.parametrize("mention", MENTIONS, ids=lambda m: f"line {m.line}")
def test_every_command_and_option_the_readme_runs_exists(mention: Mention) -> None:
    if mention.command is None:
        command: click.Command = cli
    else:
        assert mention.command in COMMANDS, f"README.md line {mention.line}: no command {mention.command!r}"
        command = COMMANDS[mention.command]
    unknown = sorted(set(mention.options) - _options(command) - {"--help"})
    assert not unknown, f"README.md line {mention.line}: {mention.command or 'the group'} has no {unknown}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_has_help_text(name: str) -> None:
    command = COMMANDS[name]
    assert command.help, f"{name} has no help text"
    context = click.Context(command, info_name=name)
    for param in command.params:
        if isinstance(param, click.Option):
            param.get_help_record(context)  # an option may read its help from the library when asked
            assert param.help, f"{name} {param.opts[0]} has no help text"


@pytest.mark.parametrize("name", [None, *sorted(COMMANDS)])
def test_every_command_and_option_is_in_the_readme(name: str | None) -> None:
    command = cli if name is None else COMMANDS[name]
    mentioned = {option for m in MENTIONS if m.command == name for option in m.options}
    assert name is None or any(m.command == name for m in MENTIONS), f"README.md never runs {name}"
    missing = sorted(_options(command) - mentioned - {"--help"})
    assert not missing, f"README.md never shows {name or 'the group'} with {missing}"


def test_every_make_target_the_readme_names_exists() -> None:
    named = _make_targets(README)
    assert {"site", "test"} <= named, named
    defined = set(re.findall(r"^([a-z][a-z-]*):(?!=)", MAKEFILE, flags=re.MULTILINE))
    assert named <= defined, f"README.md names make targets the Makefile lacks: {sorted(named - defined)}"


def test_the_readers_of_the_readme_find_what_they_look_for() -> None:
    [mention] = _mentions("`python -m generator evidence --data d [--only ID] [--device cpu|cuda]` `--list`")
    assert (mention.command, mention.options) == ("evidence", ("--data", "--only", "--device"))
    [group] = _mentions("python -m generator [--help|--version]  # not --this")
    assert (group.command, group.options) == (None, ("--help", "--version"))
    text = "`make lint` runs; figures make it tight\n```sh\nmake site  # x\ngit clone r && make test\n```\n"
    assert _make_targets(text) == {"lint", "site", "test"}


def test_every_path_the_readme_names_exists() -> None:
    words = re.findall(r"(?<![\w/.])(?:generator|tests|bench|docs|data)/[^\s`)\]'\"]*", README)
    paths = {w.rstrip("/.,:;") for w in words if not set(w) & set("<*{[")}  # not a pattern or placeholder
    assert "generator/pipeline.py" in paths, sorted(paths)
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"README.md names paths that do not exist: {missing}"
