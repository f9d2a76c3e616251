"""One read model: for every story of an imported file, the headline and the outlet counts are
the same on the story page, its JSON twin, the API, the lists and `everyside stories show
--json` (they used to be computed by different code and disagreed on most stories)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from everyside.cli import app as cli
from everyside.services.pipeline import import_files
from everyside.settings import load_settings
from everyside.store import open_store
from everyside.web import create_app

# imports 80 stories and reads each through four adapters (about 25 s)
pytestmark = pytest.mark.slow

NOW = datetime(2021, 9, 1, tzinfo=UTC)
STORIES = 80  # the first 80 stories of allsides_dev (about 240 articles)


def _subset(shared: Path, out: Path) -> Path:
    seen: list[str] = []
    with (
        (shared / "stories" / "allsides_dev.jsonl").open(encoding="utf-8") as src,
        out.open("w", encoding="utf-8") as dst,
    ):
        for line in src:
            story = json.loads(line)["story"]
            if story not in seen:
                if len(seen) == STORIES:
                    break
                seen.append(story)
            dst.write(line)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory, shared_data):
    tmp = tmp_path_factory.mktemp("readmodel")
    settings = load_settings(
        None,
        env={"EVERYSIDE_CONFIG": str(tmp / "none.toml")},
        cli={"data_dir": str(tmp), "base_url": "http://testserver"},  # TestClient's Host
    )
    store = open_store(settings.db_url)
    _reports, processed = import_files(
        store, settings, [_subset(shared_data, tmp / "subset.jsonl")], NOW
    )
    assert processed is not None and processed.summaries_updated > 10  # neutral headlines exist
    with TestClient(create_app(settings, store)) as client:
        yield settings, store, client
    store.close()


def _html(client: TestClient, sid: int) -> tuple[str, int, int]:
    page = client.get(f"/story/{sid}").text
    h1 = unescape(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))
    count = int(re.search(r'<span class="outlet-count">(\d+)</span>', page).group(1))
    total = int(re.search(r"<dt>Total sources</dt><dd>(\d+)</dd>", page).group(1))
    return h1, count, total


def _cli(settings, sid: int) -> dict:
    res = CliRunner().invoke(
        cli, ["--database-url", settings.db_url, "stories", "show", str(sid), "--json"]
    )
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_headline_and_outlet_counts_agree_everywhere(site):
    settings, _store, client = site
    listed = {s["id"]: s for s in client.get("/api/v1/stories?limit=200").json()["stories"]}
    home = {s["id"]: s for s in client.get("/index.json").json()["stories"]}
    assert len(listed) > 60
    for sid, item in listed.items():
        twin = client.get(f"/story/{sid}.json").json()
        api = client.get(f"/api/v1/stories/{sid}").json()
        shown = _cli(settings, sid)
        headline, outlets = item["headline"], item["outlet_count"]
        assert outlets == twin["coverage"]["outlets"] > 0, sid  # list == coverage panel
        assert _html(client, sid) == (headline, outlets, outlets), sid
        for detail in (twin, api, shown):
            assert detail["story"]["headline"] == headline, sid
            assert detail["story"]["outlet_count"] == outlets, sid
            assert detail["coverage"]["outlets"] == outlets, sid
            assert detail["coverage"]["counts"] == twin["coverage"]["counts"], sid
        assert shown["document"]["sources"]["total"] == outlets
        if sid in home:
            assert (home[sid]["headline"], home[sid]["outlet_count"]) == (headline, outlets)


def test_summarised_stories_are_headed_by_the_neutral_headline(site):
    _settings, _store, client = site
    checked = 0
    for item in client.get("/api/v1/stories?limit=200").json()["stories"]:
        summary = client.get(f"/api/v1/stories/{item['id']}").json()["summary"]
        neutral = (summary.get("headline") or {}).get("neutral")
        if neutral:
            assert item["headline"] == neutral
            checked += 1
    assert checked > 10
