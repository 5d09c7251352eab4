"""The commands over a round folder — ``check``, ``scores``, ``build``, ``evidence`` — each a few lines over
the library, which each imports only when it runs.

``check``, ``scores`` and ``build`` also take a parent folder of rounds (``--data data``,
:mod:`generator.rounds`): ``check`` validates every round, ``scores`` prints the latest round with
published figures, ``build`` publishes the data folder's round. ``evidence`` runs one round's audits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.commands.boundary import reports_errors
from generator.commands.options import DATA_OPTION, DEVICE_OPTION, FOLDER, LibraryDefault, http_options
from generator.errors import InputError

if TYPE_CHECKING:
    from rich.table import Table

    from generator.scoring.types import ScoredRound


ROUNDS_HELP = "A round folder, or a folder of round folders (each holding round.yaml)."

ROUNDS_OPTION = click.option(
    "--data", "data_dir", type=FOLDER, default=Path("data"), show_default=True, help=ROUNDS_HELP
)
"""``--data`` for the commands that read every round of a data folder."""


@click.command("check")
@ROUNDS_OPTION
@reports_errors
def check_command(data_dir: Path) -> None:
    """Validate every round's data and report every problem at once (exit 2 when invalid)."""
    from generator.rounds import read_rounds  # noqa: PLC0415
    from generator.scoring import score_round  # noqa: PLC0415

    rounds = read_rounds(data_dir)
    # Published figures that contradict each other are invalid data: score every round before reporting.
    scored = [(r, score_round(r.round)) for r in rounds.rounds]
    for read, _ in scored:
        for warning in read.validated.warnings:
            click.echo(f"warning: {warning}", err=True)
    for read, score in scored:
        known = sum(q.status in ("disclosed", "computed", "derived") for q in score.cells.values())
        click.echo(
            f"{read.folder}: OK — {len(score.round.teams)} teams, {len(score.round.rubric.nodes)} rubric "
            f"nodes, {known} of {len(score.cells)} team scores known, "
            f"{len(read.validated.warnings)} warning(s)"
        )


@click.command("scores")
@ROUNDS_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: to read; json: the document the site offers for download as scores.json.",
)
@reports_errors
def scores_command(data_dir: Path, fmt: str) -> None:
    """Print the resolved score tree: value, status, and source, formula or bounds.

    Given a folder of rounds, the latest round with published figures.
    """
    from generator.render.wording import score_words  # noqa: PLC0415
    from generator.rounds import read_rounds  # noqa: PLC0415
    from generator.scoring import score_round  # noqa: PLC0415
    from generator.scoring.export import scores_document  # noqa: PLC0415

    scored = score_round(read_rounds(data_dir).latest.round)
    if fmt == "json":
        document = scores_document(scored, words=score_words(scored))
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        from rich.console import Console  # noqa: PLC0415

        Console(width=160).print(_table(scored))


def _table(scored: ScoredRound) -> Table:
    from rich.table import Table  # noqa: PLC0415

    from generator.scoring.export import format_number, formula_text  # noqa: PLC0415

    table = Table(title=f"{scored.round.info.id} — resolved scores")
    for column in ("team", "node", "status", "value", "source / formula / bounds"):
        table.add_column(column)
    rows = [*scored.cells.values(), *scored.aggregates.values()]
    for quantity in rows:
        value = format_number(quantity.value, quantity.decimals) if quantity.value is not None else "—"
        if quantity.formula is not None:
            evidence = f"= {formula_text(quantity.formula, scored, with_values=True)}"
        elif quantity.bound is not None:
            evidence = f"range {quantity.bound.low:g}–{quantity.bound.high:g} (not a score)"
        else:
            evidence = ", ".join(quantity.sources)
        node = "  " * scored.round.rubric.depth(quantity.node) + quantity.node
        table.add_row(quantity.entity, node, quantity.status, value, evidence)
    return table


def _demo_seed() -> tuple[object, str]:
    from generator.audit.demo import DEFAULT_SEED  # noqa: PLC0415

    return (
        DEFAULT_SEED,
        "Seed of the method demo's models: another seed changes its numbers, not its verdicts.",
    )


@click.command("build")
@ROUNDS_OPTION
@click.option(
    "--out",
    "out_dir",
    type=FOLDER,
    default=Path("site"),
    show_default=True,
    help="Where the built site goes; replaced only when the build succeeds.",
)
@click.option(
    "--demo-seed", cls=LibraryDefault, library=_demo_seed, type=click.IntRange(min=0), show_default=True
)
@reports_errors
def build_command(data_dir: Path, out_dir: Path, demo_seed: int) -> None:
    """Generate the report pages and build the static site (atomically)."""
    from generator.pipeline import build_site  # noqa: PLC0415

    result = build_site(data_dir=data_dir, out_dir=out_dir, demo_seed=demo_seed)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(result)


@click.command("evidence")
@DATA_OPTION
@click.option("--only", "only", multiple=True, metavar="ID", help="Run only this audit (repeatable).")
@DEVICE_OPTION
@click.option("--list", "list_ids", is_flag=True, help="Print the configured audit ids as JSON and stop.")
@http_options
@reports_errors
def evidence_command(data_dir: Path, only: tuple[str, ...], device: str, list_ids: bool) -> None:
    """Run the configured Hub audits and write evidence/<audit-id>.json for each (exit 2 when one failed).

    A file is written only when its audit finished, and left untouched when it already holds the commits
    the Hub resolves to now. HF_ENDPOINT and HF_TOKEN (optional; gated repositories) are honoured.
    """
    from generator.evidence import configured, hub_resolver, run_evidence  # noqa: PLC0415
    from generator.rounds import round_folders  # noqa: PLC0415
    from generator.validate import read_round  # noqa: PLC0415

    folders = round_folders(data_dir)
    if len(folders) > 1:
        names = ", ".join(str(f) for f in folders)
        raise InputError(f"--data {data_dir}: evidence runs on one round folder; pass one of: {names}")
    data_dir = folders[0]
    audits = configured(read_round(data_dir).round)
    if list_ids:
        click.echo(json.dumps([a.id for a in audits]))
        return
    unknown = sorted(set(only) - {a.id for a in audits})
    if unknown:
        raise InputError(f"--only {unknown[0]}: no such audit in {data_dir}/audits.yaml")
    from generator.audit.engine import resolve_device  # noqa: PLC0415 — torch is imported only to run audits

    resolved_device = resolve_device(device)
    resolver = hub_resolver()
    failed = []
    for audit in audits:
        if only and audit.id not in only:
            continue
        outcome = run_evidence(audit, data_dir, device=resolved_device, resolver=resolver)
        click.echo(outcome.detail, err=outcome.status == "failed")
        if outcome.status == "failed":
            failed.append(outcome.audit)
    if failed:
        raise InputError(f"{len(failed)} audit(s) failed: {', '.join(failed)}")
