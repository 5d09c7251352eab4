"""Blank lines the Markdown of a rendered page needs: its templates trim newlines after block tags."""

from __future__ import annotations

BLOCK_START = ("<table", "<div", "<figure", "<script", "!!! ", "#")
"""Lines that open a Markdown block (raw HTML, admonition, heading): they need a blank line before them."""
BLOCK_END = ("</table>", "</div>", "</figure>", "</script>")
"""Lines that close a raw HTML block: they need a blank line after them."""


def tidy(text: str) -> str:
    """Blank lines around blocks, at most one blank line in a row, and exactly one newline at the end.

    Templates trim the newline after block tags, so a table or heading may follow its paragraph directly;
    Markdown would then not see it as a block. Fenced code is left exactly as written.
    """
    kept: list[str] = []
    fenced = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith(BLOCK_START) and kept and kept[-1] != "":
            kept.append("")
        if line == "" and kept and kept[-1] == "":
            continue
        if kept and kept[-1].startswith(BLOCK_END) and line != "" and not fenced:
            kept.append("")
        kept.append(line)
    return "\n".join(kept).strip("\n") + "\n"
