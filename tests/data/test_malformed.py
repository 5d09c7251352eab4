"""Bad data gets a clear error: exit 2, the file and the row or field named, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands import check_command
from tests.conftest import ROOT


def replace(name: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"test setup: {old!r} not in {name}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return mutate


def write(name: str, content: bytes) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        (folder / name).write_bytes(content)

    return mutate


def append(name: str, line: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        with (folder / name).open("a", encoding="utf-8") as handle:
            handle.write(line)

    return mutate


def delete(name: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        (folder / name).unlink()

    return mutate


def reencode(name: str, encoding: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / name
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))

    return mutate


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable[[Path], None]
    file: str
    says: tuple[str, ...]
    fictional: bool = False


LG_NIA = "lg-ai-research,nia,disclosed,9.2,"
CASES = [
    Case("missing file", delete("teams.yaml"), "teams.yaml", ("file not found",)),
    Case(
        "bad yaml",
        write("rubric.yaml", b"id: total\nchildren: [unclosed\n"),
        "rubric.yaml",
        ("not valid YAML", "line"),
    ),
    Case(
        "python tag in yaml",
        write("round.yaml", b"id: !!python/object/apply:os.system ['true']\n"),
        "round.yaml",
        ("not valid YAML",),
    ),
    Case(
        "unknown team id",
        replace("figures.csv", "nc-ai,total", "nc-aii,total"),
        "figures.csv",
        ("row", "unknown team id 'nc-aii'", "did you mean 'nc-ai'"),
    ),
    Case(
        "score above maximum",
        replace("figures.csv", LG_NIA, "lg-ai-research,nia,disclosed,12.2,"),
        "figures.csv",
        ('column "value"', "above the maximum of nia"),
    ),
    Case(
        "negative score",
        replace("figures.csv", LG_NIA, "lg-ai-research,nia,disclosed,-1.0,"),
        "figures.csv",
        ('column "value"', "negative"),
    ),
    Case(
        "children do not sum to parent",
        replace("figures.csv", "total,disclosed,90.2", "total,disclosed,95.2"),
        "figures.csv",
        ("do not add up", "row 2"),
    ),
    Case(
        "duplicate team id",
        append("teams.yaml", "- id: upstage\n  name: {ko: 업스테이지, en: Upstage}\n"),
        "teams.yaml",
        ("duplicate id 'upstage'",),
    ),
    Case(
        "unknown source id",
        replace("figures.csv", "9.2,,yonhap-0115", "9.2,,yonhap-9999"),
        "figures.csv",
        ('column "sources"', "unknown source id 'yonhap-9999'"),
    ),
    Case(
        "bad date",
        replace("round.yaml", "announced: 2026-01-15", "announced: 2026-13-45"),
        "round.yaml",
        ('field "announced"',),
    ),
    Case(
        "no next stage",  # no default: one stage name is not true of every round
        replace("round.yaml", "advances_to:\n  ko: 2차\n  en: phase 2\n", ""),
        "round.yaml",
        ('field "advances_to"', "required field is missing"),
    ),
    Case(
        "empty next stage",
        replace("round.yaml", "  ko: 2차\n", '  ko: ""\n'),
        "round.yaml",
        ('field "advances_to.ko"', "line", "at least 1 character"),
    ),
    Case(
        "next stage without English",
        replace("round.yaml", "  en: the finals\n", ""),
        "round.yaml",
        ('field "advances_to.en"', "required field is missing"),
        fictional=True,
    ),
    Case(
        "wrong type",
        replace("rubric.yaml", "max: 40", "max: forty"),
        "rubric.yaml",
        ('field "children[0].max"', "line"),
    ),
    Case("empty csv", write("figures.csv", b""), "figures.csv", ("file is empty",)),
    Case("utf-16 csv", reencode("figures.csv", "utf-16"), "figures.csv", ("UTF-16",)),
    Case(
        "latin-1 yaml",
        write("teams.yaml", "- id: nc-ai\n  name: {ko: caf\xe9, en: x}\n".encode("latin-1")),
        "teams.yaml",
        ("not valid UTF-8",),
    ),
    Case("binary file", write("timeline.yaml", b"\x00\x01\x02binary"), "timeline.yaml", ("NUL bytes",)),
    Case(
        "duplicate figure row",
        append("figures.csv", "nc-ai,user,not_disclosed,,,yonhap-0115,ministry,,\n"),
        "figures.csv",
        ("nc-ai × user already given in row",),
    ),
    Case(
        "missing figure row",
        replace("figures.csv", "nc-ai,user,not_disclosed,,,yonhap-0115,ministry,,\n", ""),
        "figures.csv",
        ("no row for nc-ai × user",),
    ),
    Case(
        "disclosed without value",
        replace("figures.csv", LG_NIA, "lg-ai-research,nia,disclosed,,"),
        "figures.csv",
        ('column "value"', "needs a value"),
    ),
    Case(
        "withheld shown as zero",
        replace("figures.csv", "nc-ai,user,not_disclosed,,", "nc-ai,user,not_disclosed,0,"),
        "figures.csv",
        ("a withheld value is not 0",),
    ),
    Case(
        "withheld without actor",
        replace(
            "figures.csv",
            "nc-ai,user,not_disclosed,,,yonhap-0115,ministry",
            "nc-ai,user,not_disclosed,,,yonhap-0115,",
        ),
        "figures.csv",
        ('column "withheld_by"', "say who withheld"),
    ),
    Case(
        "unknown actor",
        replace("figures.csv", "yonhap-0115,ministry", "yonhap-0115,minstry"),
        "figures.csv",
        ("unknown actor id 'minstry'",),
    ),
    Case(
        "unknown csv column",
        replace("figures.csv", "note_en", "note_english"),
        "figures.csv",
        ("header", "unknown column(s): note_english", "missing column(s): note_en"),
    ),
    Case(
        "ragged row",
        replace(
            "figures.csv",
            "lg-ai-research,nia,disclosed,9.2,,yonhap-0115,,,",
            "lg-ai-research,nia,disclosed,9.2,,yonhap-0115,,",
        ),
        "figures.csv",
        ("row 4", "has 8 cells"),
    ),
    Case(
        "rubric maxima do not sum",
        replace("rubric.yaml", "max: 25", "max: 30"),
        "rubric.yaml",
        ('node "total"', "children's maxima sum to 105"),
    ),
    Case(
        "relation on unknown node",
        replace("relations.yaml", "node: expert", "node: experts"),
        "relations.yaml",
        ('id "mean-expert"', "unknown rubric node id 'experts'"),
    ),
    Case(
        "mean above maximum",
        replace("relations.yaml", "value: 28.56", "value: 48.56"),
        "relations.yaml",
        ('id "mean-expert"', "above the maximum"),
    ),
    Case(
        "unknown relation kind",
        replace("relations.yaml", "kind: lowest", "kind: bottom"),
        "relations.yaml",
        ("entry 8", "kind"),
    ),
    Case(
        "typo in a field name",
        replace("teams.yaml", "- id: upstage\n  name:", "- id: upstage\n  nmae:"),
        "teams.yaml",
        ('field "nmae"', "unknown field"),
    ),
    Case(
        "team without outcome",
        replace("outcomes.yaml", "- team: nc-ai", "- team: nc-ai-x"),
        "outcomes.yaml",
        ("team 'nc-ai' has no outcome",),
    ),
    Case(
        "invalid id",
        replace("teams.yaml", "id: nc-ai", "id: NC_AI"),
        "teams.yaml",
        ("'NC_AI' is not a valid id",),
    ),
    Case(
        "bad event date",
        replace("timeline.yaml", "date: 2026-01-16", "date: 2026-1-16"),
        "timeline.yaml",
        ("'2026-1-16' is not a date",),
    ),
    Case(
        "bad rounding",
        replace("figures.csv", "25,exact", "25,approx"),
        "figures.csv",
        ('column "rounding"', "'approx'"),
    ),
    Case(
        "contradictory relations",
        replace("relations.yaml", "value: 79.7", "value: 95.0"),
        "relations.yaml",
        ("contradict each other",),
    ),
    Case("list file is a mapping", write("teams.yaml", b"id: upstage\n"), "teams.yaml", ("expected a list",)),
    Case(
        "note in one language only",
        replace("figures.csv", ",만점,full marks", ",만점,", 1),
        "figures.csv",
        ('column "note_en"', "needs both"),
    ),
    Case(
        "raw score outside scale",
        replace("raw/user.csv", "aurora,user-01,usefulness,", "aurora,user-01,usefulness,9"),
        "raw/user.csv",
        ("row 2", "outside the scale 1–5"),
        fictional=True,
    ),
    Case(
        "raw unknown criterion",
        replace("raw/expert.csv", "aurora,expert-1,strategy", "aurora,expert-1,strategey"),
        "raw/expert.csv",
        ("unknown criterion 'strategey'",),
        fictional=True,
    ),
    Case(
        "raw duplicate row",
        append("raw/benchmarks.csv", "aurora,nia,ko-math,50\n"),
        "raw/benchmarks.csv",
        ("aurora × nia × ko-math already given",),
        fictional=True,
    ),
    Case(
        "raw missing rating",
        replace("raw/expert.csv", "aurora,expert-1,results,", "aurora,expert-1,ripple,"),
        "raw/expert.csv",
        ("already given",),
        fictional=True,
    ),
    Case(
        "raw benchmark not in rubric",
        append("raw/benchmarks.csv", "aurora,nia,mmlu,50\n"),
        "raw/benchmarks.csv",
        ("'mmlu' is not a benchmark of node 'nia'",),
        fictional=True,
    ),
    Case(
        "published disagrees with raw",
        replace("figures.csv", "aurora,total,disclosed,85.6", "aurora,total,disclosed,88.0"),
        "figures.csv",
        ("do not add up",),
        fictional=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_data_is_refused_with_a_located_message(
    case: Case, round1_copy: Path, fictional_copy: Path
) -> None:
    folder = fictional_copy if case.fictional else round1_copy
    case.mutate(folder)
    result = CliRunner().invoke(check_command, ["--data", str(folder)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), "a domain error escaped as an exception"
    assert "Traceback" not in result.output
    assert case.file in result.output
    for fragment in case.says:
        assert fragment in result.output, f"{fragment!r} not in:\n{result.output}"


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


def test_every_problem_is_reported_at_once(round1_copy: Path) -> None:
    replace("figures.csv", LG_NIA, "lg-ai-research,nia,disclosed,12.2,")(round1_copy)
    replace("teams.yaml", "id: nc-ai", "id: NC_AI")(round1_copy)
    replace("timeline.yaml", "date: 2026-01-16", "date: 2026-1-16")(round1_copy)
    result = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert result.exit_code == 2
    for file in ("figures.csv", "teams.yaml", "timeline.yaml"):
        assert file in result.output


def test_missing_data_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(check_command, ["--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "data folder not found" in result.output


def test_real_process_prints_no_traceback(round1_copy: Path) -> None:
    (round1_copy / "rubric.yaml").write_text("id: [", encoding="utf-8")
    process = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--data", str(round1_copy)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert process.returncode == 2
    assert process.stderr.startswith("Error: 1 problem in the data:")
    assert "Traceback" not in process.stderr + process.stdout


def test_a_bom_is_accepted(round1_copy: Path) -> None:
    path = round1_copy / "figures.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("broken", ["rubric.yaml", "teams.yaml", "sources.yaml"])
def test_one_broken_file_is_one_problem_not_a_cascade(round1_copy: Path, broken: str) -> None:
    (round1_copy / broken).write_text("id: [", encoding="utf-8")
    result = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: 1 problem in the data:"), result.output
    assert broken in result.output


@pytest.mark.parametrize("file", ["round.yaml", "narrative.yaml"])
def test_a_repeated_key_is_an_error_not_a_silent_override(round1_copy: Path, file: str) -> None:
    path = round1_copy / file
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if re.match(r"^[a-z_]+:", line))
    key = lines[first].split(":")[0]
    path.write_text("\n".join([*lines, lines[first]]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert result.exit_code == 2, result.output
    expected = f"{file}: line {len(lines) + 1}: key '{key}' appears twice (first on line {first + 1})"
    assert expected in result.output, result.output


def test_check_validates_the_narrative_too(round1_copy: Path) -> None:
    path = round1_copy / "narrative.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[newspim-0115]", "[ghost-0101]"), encoding="utf-8")
    result = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert result.exit_code == 2, result.output
    assert "narrative.yaml" in result.output
    assert "unknown source 'ghost-0101'" in result.output


def test_an_invalid_entry_is_one_problem_not_a_cascade(round1_copy: Path) -> None:
    """A team, a source and a figures row that are each wrong in one field are still known to exist."""
    teams = round1_copy / "teams.yaml"
    text = teams.read_text(encoding="utf-8")
    end = text.index("\n", text.index("- id: nc-ai"))
    teams.write_text(text[: end + 1] + "  nmae: oops\n" + text[end + 1 :], encoding="utf-8")
    sources = round1_copy / "sources.yaml"
    sources.write_text(
        sources.read_text(encoding="utf-8").replace("published: 2026-01-08", "published: 08.01.2026", 1),
        encoding="utf-8",
    )
    figures = round1_copy / "figures.csv"
    rows = figures.read_text(encoding="utf-8").splitlines()
    rows = [
        r.replace(",not_disclosed,", ",notdisclosed,", 1) if r.startswith("upstage,nia,") else r for r in rows
    ]
    figures.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: 3 problems in the data:"), result.output
    for expected in ('field "nmae"', "'08.01.2026' is not a date", 'column "status"'):
        assert expected in result.output


def test_an_unclosed_quote_names_the_line_it_opens_on(round1_copy: Path) -> None:
    figures = round1_copy / "figures.csv"
    rows = figures.read_text(encoding="utf-8").splitlines()
    rows[11] = '"' + rows[11]
    figures.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(check_command, ["--data", str(round1_copy)])
    assert result.exit_code == 2
    assert "figures.csv: line 12: not valid CSV" in result.output
    assert "never closed" in result.output
