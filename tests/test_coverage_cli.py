"""`everyside stories list/show/analyse` against a hand-built SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from everyside.cli import app
from everyside.store import open_store
from test_coverage_service import _seed, _story


def _db(tmp_path: Path) -> tuple[str, dict[str, int]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = open_store(url)

    def seed(conn):  # noqa: ANN001, ANN202
        ids = _seed(conn)
        spot = _story(
            conn,
            ids,
            "Border wall funding in Texas",
            [
                ("right1.com", "Texas border wall", "Greg Abbott funds the Texas border wall.", 1),
                ("right2.com", "Abbott wall funding", "Greg Abbott signs Texas wall funds.", 2),
                ("right3.com", "Wall money in Texas", "Greg Abbott Texas border wall plan.", 3),
                ("center1.com", "Texas wall funds", "Greg Abbott approved border wall money.", 4),
                ("left2.com", "Texas wall", "Greg Abbott border wall spending in Texas.", 5),
            ],
        )
        plain = _story(
            conn,
            ids,
            "Budget vote",
            [
                ("left1.com", "Budget vote", "The Senate voted.", 1),
                ("unrated.com", "Vote on budget", "The Senate voted on the budget.", 2),
            ],
        )
        return {"spot": spot, "plain": plain}

    ids = store.write(seed)
    store.close()
    return url, ids


def run(url: str, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["--database-url", url, *args], env={"COLUMNS": "160"})
    # run_app turns EverysideError into "error: ..." and exit 1; CliRunner keeps the exception
    return res.exit_code, res.output + (str(res.exception) if res.exception else "")


def test_stories_cli(tmp_path: Path) -> None:
    url, ids = _db(tmp_path)
    code, out = run(url, "stories", "show", str(ids["spot"]))
    assert code == 1 and "no coverage yet" in out
    code, out = run(url, "stories", "analyse")
    assert code == 0 and "coverage written for 2 stories" in out, out
    code, out = run(url, "stories", "show", str(ids["spot"]))
    assert code == 0, out
    for expected in (
        "Border wall funding in Texas",
        "5 articles",
        "60% of the sources are Right",
        "Blindspot",
        "missed by the Left",
        "broke the news",
        "TEXAS, UNITED STATES",
        "Sources are mostly out of United States",
        "Greg Abbott",
        "Right1",
    ):
        assert expected in out, expected
    code, out = run(url, "stories", "show", str(ids["plain"]), "--json")
    shown = json.loads(out)  # the read model (as the API shows it) and the coverage document
    assert code == 0 and shown["document"]["sources"]["unrated"] == 1
    assert shown["coverage"]["unrated_outlets"] == 1 == shown["story"]["outlet_count"] - 1
    code, out = run(url, "stories", "list", "--blindspots")
    assert code == 0 and "Border wall" in out and "Budget vote" not in out
    code, out = run(url, "stories", "list")
    assert code == 0 and "Border wall" in out and "Budget vote" in out
    code, out = run(url, "stories", "show", "999")
    assert code == 1 and "no story 999" in out
