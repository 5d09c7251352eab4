"""Every chart can be taken away (issue 11 §3): its SVG, a PNG and the CSV of its data, linked under it."""

from __future__ import annotations

import csv
import io
import re

from generator.render import RenderedSite
from tests.render.test_truth import text

LINKS = re.compile(
    r"\[SVG\]\((?:\.\./)*(assets/charts/[\w-]+)\.svg\) · "
    r"\[PNG\]\((?:\.\./)*\1\.png\) · \[CSV\]\((?:\.\./)*\1\.csv\)"
)


def test_every_chart_links_its_svg_png_and_csv(round1_site: RenderedSite) -> None:
    charts = 0
    for path in round1_site.pages:
        page = text(round1_site, path)
        figures = re.findall(r'<figure class="chart" id="fig-([\w-]+)"', page)
        stems = LINKS.findall(page)
        lang = "en" if path.endswith(".en.md") else "ko"
        assert stems == [f"assets/charts/{figure}-{lang}" for figure in figures], path
        for stem in stems:
            assert round1_site.files[f"{stem}.svg"].startswith(b"<svg")
            assert round1_site.files[f"{stem}.png"].startswith(b"\x89PNG\r\n\x1a\n")
            rows = list(csv.reader(io.StringIO(round1_site.files[f"{stem}.csv"].decode("utf-8-sig"))))
            assert len(rows) >= 2
            assert all(len(row) == len(rows[0]) for row in rows)
            charts += 1
    assert charts >= 10


def test_a_score_chart_csv_holds_values_and_ranges_never_zero_for_withheld(round1_site: RenderedSite) -> None:
    rows = list(
        csv.DictReader(io.StringIO(round1_site.files["assets/charts/home-total-en.csv"].decode("utf-8-sig")))
    )
    by_label = {row["label"]: row for row in rows}
    assert by_label["LG AI Research"]["value"] == "90.2"
    assert by_label["LG AI Research"]["sources"] == "yonhap-0115;newspim-0115"
    upstage = by_label["Upstage"]
    assert upstage["value"] == ""
    assert (upstage["range_low"], upstage["range_high"]) == ("63.75", "90.25")
    assert "<" not in "".join(round1_site.files["assets/charts/home-total-ko.csv"].decode("utf-8-sig"))
