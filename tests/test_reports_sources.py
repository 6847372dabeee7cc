"""Audit and mirror on every source format, through the real CLI: Mastodon REST entities, a
Twitter/X archive (the owner's own mirror), a Bluesky Jetstream capture, the tabular layout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.conftest import ROOT, SAMPLE

DATA = ROOT / "tests" / "data"
CASES = [
    ("mastodon", DATA / "mastodon", "alice@mastodon.social"),
    ("twitter-archive", DATA / "twitter" / "archive", "garden_alice"),
    ("bluesky-jetstream", DATA / "bluesky" / "jetstream.jsonl", "alice.example.com"),
    ("tabular", SAMPLE, "uscitedentro"),
]


def tigerblood(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tigerblood.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
@pytest.mark.parametrize(("name", "source", "account"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["audit", "mirror"])
def test_report_runs_on_every_source(
    tmp_path: Path, name: str, source: Path, account: str, command: str
) -> None:
    html = tmp_path / f"{command}.html"
    done = tigerblood(command, account, str(source), "--out", str(html), "--json")
    assert done.returncode == 0, done.stderr
    report = orjson.loads(done.stdout)
    assert report, f"{command} on {name} gave an empty report"
    page = html.read_text(encoding="utf-8")
    assert "<html" in page and "http://" not in page.split("<body", 1)[0]


def test_mastodon_audit_counts_favourites_once_whatever_the_source(tmp_path: Path) -> None:
    # notifications.json and favourited_by.json both report deals_bot's and bob's favourites
    # of alice's status 113400000000000001: two likes, not four.
    done = tigerblood(
        "audit",
        "alice@mastodon.social",
        str(DATA / "mastodon"),
        "--json",
        "--out",
        str(tmp_path / "a.html"),
    )
    assert done.returncode == 0, done.stderr
    report = orjson.loads(done.stdout)
    assert report["likes_received"] == 2
    likers = {m["handle"] for m in report["likers"]["members"]}
    assert likers == {"deals_bot@mastodon.social", "bob@fosstodon.org"}
    assert {p["post_id"] for m in report["likers"]["members"] for p in m["posts"]} == {
        "113400000000000001@mastodon.social"
    }
