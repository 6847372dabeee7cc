"""The live window remembers the campaigns it has seen, so a crew that comes back after the window
has moved on is seen to, as ``scan`` over the whole period sees it
(:mod:`tigerblood.stream.campaign_memory`); strangers in two unrelated bursts are not a crew, and a
burst seen by several runs is one campaign."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conversation_support import T0, post
from tigerblood import model
from tigerblood.ingest.base import Batch
from tigerblood.stream.cross import CrossWindow, restore, save

DAY_MIN = 24 * 60
DAY_S = 24 * 3600.0
T0_S = T0.timestamp()
CREW = [f"crew{i}" for i in range(6)]
STRANGERS_ONE = [f"one{i}" for i in range(6)]
STRANGERS_TWO = [f"two{i}" for i in range(6)]


def push(accounts: list[str], day: float, link: str, tag: str) -> list[dict[str, Any]]:
    """Each account posts ``link`` once within an hour of ``day``."""
    return [
        post(
            f"{tag}-{n}",
            account,
            day * DAY_MIN + n * 7,
            f"Everyone should see this, seriously {link}",
            urls=[link],
        )
        for n, account in enumerate(accounts)
    ]


def feed(window: CrossWindow, posts: list[dict[str, Any]], day: float) -> set[tuple[str, str]]:
    """The posts arrive at ``day`` (a micro-batch); the window slides to a day and runs."""
    now = T0_S + day * DAY_S
    window.add([Batch("posts", model.to_table("posts", posts))], now)
    window.expire(now - DAY_S)
    return window.run(now, alive={("bluesky", a) for a in CREW + STRANGERS_ONE + STRANGERS_TWO})


def values(window: CrossWindow, account: str) -> dict[str, Any]:
    return window.values[("bluesky", account)]


def test_a_crew_pushing_again_after_the_window_moved_on_meets_its_partners_again() -> None:
    window = CrossWindow()
    feed(window, push(CREW, 1.0, "https://moonr.example.org/claim", "a"), 1.04)
    assert values(window, "crew0")["campaign_items"] == 1
    feed(window, push(CREW, 4.0, "https://moonr.example.org/bonus", "b"), 4.04)
    assert window.posts_held == len(CREW)  # the first push left the window
    crew = values(window, "crew0")
    assert crew["campaign_items"] == 2
    assert crew["campaign_repeat_partners"] == len(CREW) - 1
    assert crew["campaign_post_share"] == 1.0  # only the posts the window holds
    # What a moderator opens: both pushes, the one the window forgot included.
    quoted = window.memory.of(("bluesky", "crew0"), 5)
    assert sorted(c["key"] for c in quoted) == [
        "moonr.example.org/bonus",
        "moonr.example.org/claim",
    ]
    assert all(c["accounts"] == len(CREW) and c["post_ids"] for c in quoted)


def test_strangers_in_two_unrelated_bursts_are_no_crew() -> None:
    window = CrossWindow()
    feed(window, push(STRANGERS_ONE, 1.0, "https://news.example.org/a", "a"), 1.04)
    feed(window, push(STRANGERS_TWO, 4.0, "https://news.example.org/b", "b"), 4.04)
    assert values(window, "two0")["campaign_items"] == 1
    assert values(window, "two0")["campaign_repeat_partners"] == 0


@pytest.mark.slow
def test_a_burst_seen_by_several_runs_is_one_campaign() -> None:
    """One post every two hours, a run after each: the burst is found at its fifth account,
    grows at its sixth, then loses its first post as the window slides (its id changes)."""
    window = CrossWindow()
    link = "https://moonr.example.org/claim"
    for n, account in enumerate(CREW):
        day = 1.0 + n / 12
        feed(window, [post(f"p{n}", account, day * DAY_MIN, link, urls=[link])], day + 0.01)
    found = dict(window.memory.campaigns)
    assert len(found) == 1 and set(next(iter(found.values())).members) == set(CREW)
    late = [post("other", "one0", 2.05 * DAY_MIN, "hello")]
    feed(window, late, 2.05)  # the first post left the window: five accounts, another id
    assert window.posts_held == len(CREW)
    assert window.memory.campaigns.keys() == found.keys()
    assert values(window, "crew5")["campaign_items"] == 1


def test_campaigns_older_than_the_horizon_are_forgotten() -> None:
    window = CrossWindow()
    window.memory.horizon_s = 3 * DAY_S
    feed(window, push(CREW, 1.0, "https://moonr.example.org/claim", "a"), 1.04)
    feed(window, push(CREW, 5.0, "https://moonr.example.org/bonus", "b"), 5.04)
    assert values(window, "crew0")["campaign_items"] == 1
    assert len(window.memory.campaigns) == 1


@pytest.mark.parametrize("restart", [False, True])
def test_the_memory_survives_a_checkpoint(tmp_path: Path, restart: bool) -> None:
    window = CrossWindow()
    feed(window, push(CREW, 1.0, "https://moonr.example.org/claim", "a"), 1.04)
    if restart:
        meta = orjson.loads(orjson.dumps(save(window, tmp_path / "checkpoint")))
        window = CrossWindow()
        restore(window, tmp_path / "checkpoint", meta)
    feed(window, push(CREW, 4.0, "https://moonr.example.org/bonus", "b"), 4.04)
    assert values(window, "crew3")["campaign_repeat_partners"] == len(CREW) - 1


def test_doctests() -> None:
    import doctest

    from tigerblood.stream import campaign_memory

    assert doctest.testmod(campaign_memory).failed == 0
