"""Round 1, the fictional round and a fictional round whose results are pending, built together by MkDocs
(tests only; the public site refuses fictional rounds): the strict build passes, every round's pages exist
in both languages under their prefixes, the English nav names each round in English, the home is the latest
round with published figures, and round 1's first addresses redirect."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.pipeline import generate_site, site_settings
from generator.publish import publish
from generator.rounds import read_rounds
from tests.conftest import FICTIONAL, ROOT, ROUND_1

SITE_URL = "http://127.0.0.1:8000/"


@pytest.mark.slow
def test_the_fictional_round_builds_as_a_second_round(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROUND_1, data / "round-1")
    shutil.copytree(FICTIONAL, data / "fictional-round")
    shutil.copytree(ROOT / "tests/fixtures/pending-round", data / "pending-round")
    rounds = read_rounds(data, allow_fictional=True)
    site, static, _ = generate_site(rounds, site_url=SITE_URL, environ={})
    config = ROOT / "mkdocs.yml"
    out = tmp_path / "site"
    publish(
        site.files,
        settings=site_settings(rounds, site, config=config, site_url=SITE_URL),
        out_dir=out,
        static=static,
    )
    pages = ("round-1/teams/naver-cloud/", "demo-round/teams/aurora/", "pending-round/teams/etesian/", "")
    for page in pages:
        assert (out / page / "index.html").is_file(), page
        assert (out / "en" / page / "index.html").is_file(), page
    english = (out / "en/round-1/results/index.html").read_text(encoding="utf-8")
    assert "Demo round (fictional test data)" in english
    assert "Fictional second round (results not announced, test data)" in english
    assert "가상 라운드 (시험용 가상 데이터)" not in english
    korean_home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="demo-round/teams/aurora/"' in korean_home  # the latest round's home at the root
    moved = (out / "teams/naver-cloud/index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../../round-1/teams/naver-cloud/">' in moved
