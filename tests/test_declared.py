"""Declared bots (issue 14 item 7, DESIGN §3.3): an account whose profile says it is a bot
(Bluesky's ``bot`` self-label, Mastodon's ``bot: true``) is reported as one, not flagged for
automation alone, and flagged as usual for what a declaration does not excuse.

Fixtures are real platform records: Jetstream events in ``models.Event`` / ``models.Commit``
field order with ``app.bsky`` records (as ``tests/data/bluesky``), and Mastodon ``Status``
entities copied from ``tests/data/mastodon/home_timeline.json`` with new ids, times and texts.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from rich.console import Console

from tests.jetstream_support import PROFILE, Jetstream, iso, watched
from tigerblood.explain import render_verdict
from tigerblood.ingest.bluesky.records import profile_record_row, profile_view_row
from tigerblood.scan import scan
from tigerblood.scoring import DECLARED_REASON
from tigerblood.store import Store

START = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
CLOCK = ["Air quality index: good.", "Air quality index: moderate.", "Tide tables updated."]
"""What a benign bot posts every five minutes: the same few texts, by the clock."""
SPAM = "Free followers, no signup: fastgrow.example/join"
SPAM_LINK = "https://fastgrow.example/join"
MASTODON = Path(__file__).parent / "data" / "mastodon" / "home_timeline.json"


def bluesky_capture(path: Path, *, declared: bool, spams: bool) -> tuple[Path, str]:
    """Strangers' posts, and one account posting the same texts every five minutes (with the
    ``bot`` self-label when ``declared``); when ``spams``, it also replies to twenty strangers
    with the same link. Returns the capture and the account's DID."""
    cap = Jetstream(seed=7)
    roots = []
    for i in range(20):
        person = cap.did()
        cap.profile(person, f"person{i}.example.com", START - timedelta(days=300))
        at = START + timedelta(minutes=3 + 7 * i)
        roots.append(cap.post(person, at, f"Lovely walk by the river today, part {i}."))
    bot = cap.did()
    cap.profile(bot, "airbot.example.com", START - timedelta(days=90), bot=declared)
    for i in range(30):
        cap.post(bot, START + timedelta(minutes=5 * i), CLOCK[i % len(CLOCK)])
    if spams:
        for i, root in enumerate(roots):
            at = START + timedelta(minutes=4 + 7 * i)
            cap.post(bot, at, SPAM, link=SPAM_LINK, reply_to=root)
    return cap.write(path), bot


def verdict_of(results: list[dict], account_id: str) -> dict:
    return next(v for v in results if v["account_id"] == account_id)


@pytest.fixture(params=[True, False], ids=["model", "rules"])
def use_model(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def judged(path: Path, account_id: str, use_model: bool) -> dict:
    result = scan([path], Store(), use_model=use_model)
    return verdict_of(result.verdicts, account_id)


def test_the_bluesky_bot_self_label_is_read_from_profile_records_and_views() -> None:
    did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
    record = {
        "$type": PROFILE,
        "displayName": "Air",
        "labels": {"$type": "com.atproto.label.defs#selfLabels", "values": [{"val": "bot"}]},
    }
    assert profile_record_row(did, record)["declared_bot"] is True
    assert profile_record_row(did, {"$type": PROFILE})["declared_bot"] is False
    own = {
        "src": did,
        "uri": f"at://{did}/{PROFILE}/self",
        "cid": "bafyreihrl7wm2lrvbpnnzlqxkpmdwm4qosxa5wzadsysrj4pkl3ecvkxvu",
        "val": "bot",
        "cts": "2025-03-01T10:00:00.000Z",
    }
    moderator = {**own, "src": "did:plc:ar7c4by46qjdydhdevvrndac"}
    assert profile_view_row({"did": did, "labels": [own]}, None)["declared_bot"] is True
    assert profile_view_row({"did": did, "labels": [moderator]}, None)["declared_bot"] is False
    assert profile_view_row({"did": did}, None)["declared_bot"] is None


def test_a_self_labelled_bluesky_bot_posting_by_the_clock_is_declared_not_flagged(
    tmp_path: Path, use_model: bool
) -> None:
    path, bot = bluesky_capture(tmp_path / "bot.jsonl", declared=True, spams=False)
    verdict = judged(path, bot, use_model)
    assert verdict["declared"] == "bot"
    assert verdict["declared_reason"] == DECLARED_REASON
    assert not verdict["flagged"] and verdict["patterns"] == []
    assert "automation" in {f["pattern"] for f in verdict["findings"]}  # evidence stays
    threshold = verdict.get("threshold", 0.5)
    assert verdict["undeclared_score"] >= threshold > verdict["score"]


def test_the_same_posts_without_the_self_label_are_flagged_for_automation(
    tmp_path: Path, use_model: bool
) -> None:
    path, bot = bluesky_capture(tmp_path / "twin.jsonl", declared=False, spams=False)
    verdict = judged(path, bot, use_model)
    assert verdict["flagged"] and "automation" in verdict["patterns"]
    assert "declared" not in verdict and "undeclared_score" not in verdict


def test_a_self_labelled_bot_replying_to_strangers_with_one_link_is_flagged_as_link_spam(
    tmp_path: Path, use_model: bool
) -> None:
    path, bot = bluesky_capture(tmp_path / "spam.jsonl", declared=True, spams=True)
    verdict = judged(path, bot, use_model)
    assert verdict["declared"] == "bot"
    assert verdict["flagged"] and "link_reply_spam" in verdict["patterns"]
    assert verdict["score"] >= verdict.get("threshold", 0.5)
    assert verdict["declared_reason"] != DECLARED_REASON


def test_watch_carries_the_declaration_and_does_not_flag_the_clockwork_bot(
    tmp_path: Path,
) -> None:
    path, bot = bluesky_capture(tmp_path / "bot.jsonl", declared=True, spams=False)
    row, flagged = watched(path, bot)
    assert row["declared_bot"] is True and flagged == []
    path, twin = bluesky_capture(tmp_path / "twin.jsonl", declared=False, spams=False)
    row, flagged = watched(path, twin)
    assert row["declared_bot"] is False and flagged


def mastodon_timeline(path: Path, *, bot: bool, spams: bool) -> Path:
    """Statuses of one account posting the same texts every five minutes (``bot`` as given),
    and, when ``spams``, twenty replies to strangers with the same link; entities copied from
    the fixture timeline's bot reply, given new ids, times, texts and counts."""
    template = next(s for s in orjson.loads(MASTODON.read_bytes()) if s["account"]["bot"])
    account = {
        **template["account"],
        "id": "110500000000000077",
        "username": "airbot",
        "acct": "airbot",
        "display_name": "Air quality",
        "bot": bot,
        "url": "https://mastodon.social/@airbot",
        "uri": "https://mastodon.social/users/airbot",
        "followers_count": 3 if spams else 840,
        "following_count": 2 if spams else 4,
        "statuses_count": 21000,
    }
    statuses = []
    for i in range(30 + (20 if spams else 0)):
        status = copy.deepcopy(template)
        sid = str(113500000000000000 + i)
        status.update(
            id=sid,
            uri=f"https://mastodon.social/users/airbot/statuses/{sid}",
            url=f"https://mastodon.social/@airbot/{sid}",
            account=account,
        )
        if i < 30:
            at = START + timedelta(minutes=5 * i)
            status.update(
                in_reply_to_id=None,
                in_reply_to_account_id=None,
                mentions=[],
                content=f"<p>{CLOCK[i % len(CLOCK)]}</p>",
            )
        else:
            at = START + timedelta(minutes=4 + 7 * (i - 30))
            stranger = str(109400000000000000 + i)
            name = f"person{i}"
            mention = (
                f'<span class="h-card" translate="no"><a href="https://mastodon.social/@{name}" '
                f'class="u-url mention">@<span>{name}</span></a></span>'
            )
            link = (
                f'<a href="{SPAM_LINK}" target="_blank" rel="nofollow noopener noreferrer" '
                'translate="no"><span class="invisible">https://</span>'
                '<span class="">fastgrow.example/join</span><span class="invisible"></span></a>'
            )
            status.update(
                in_reply_to_id=str(113400000000900000 + i),
                in_reply_to_account_id=stranger,
                mentions=[
                    {
                        "id": stranger,
                        "username": name,
                        "url": f"https://mastodon.social/@{name}",
                        "acct": name,
                    }
                ],
                content=f"<p>{mention} Free followers, no signup: {link}</p>",
            )
        status["created_at"] = iso(at)
        statuses.append(status)
    path.write_bytes(orjson.dumps(statuses))
    return path


def test_a_mastodon_account_with_bot_true_posting_by_the_clock_is_declared_not_flagged(
    tmp_path: Path, use_model: bool
) -> None:
    path = mastodon_timeline(tmp_path / "timeline.json", bot=True, spams=False)
    verdict = judged(path, "110500000000000077@mastodon.social", use_model)
    assert verdict["declared"] == "bot"
    assert not verdict["flagged"] and verdict["declared_reason"] == DECLARED_REASON
    assert verdict["undeclared_score"] >= verdict.get("threshold", 0.5)


def test_a_mastodon_bot_replying_to_strangers_with_one_link_is_flagged_as_link_spam(
    tmp_path: Path, use_model: bool
) -> None:
    path = mastodon_timeline(tmp_path / "timeline.json", bot=True, spams=True)
    verdict = judged(path, "110500000000000077@mastodon.social", use_model)
    assert verdict["declared"] == "bot"
    assert verdict["flagged"] and "link_reply_spam" in verdict["patterns"]


def test_scan_counts_declared_bots_and_explain_shows_the_declaration(tmp_path: Path) -> None:
    path, bot = bluesky_capture(tmp_path / "bot.jsonl", declared=True, spams=False)
    db = tmp_path / "s.duckdb"
    tb = [sys.executable, "-m", "tigerblood.cli"]
    done = subprocess.run(
        [*tb, "scan", str(path), "--db", str(db)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "declared bots (not flagged for automation alone)" in done.stdout
    store = Store(db, read_only=True)
    verdict = orjson.loads(
        store.sql("SELECT verdict FROM verdicts WHERE account_id = ?", [bot])[0][0]
    )
    store.close()
    console = Console(record=True, width=200)
    render_verdict(verdict, console)
    shown = console.export_text()
    assert "Declared bot by its own profile" in shown and DECLARED_REASON in shown
