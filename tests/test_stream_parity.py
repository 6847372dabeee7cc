"""Replaying the same events through ``scan`` and ``watch`` gives the same final verdicts
(issue 15): the stream's own windowed features, the conversations and campaigns it runs over its
window with the batch code (:mod:`tigerblood.stream.cross`), the same detectors and model."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tigerblood.scan import scan
from tigerblood.store import Store
from tigerblood.stream.engine import StreamEngine, StreamSettings
from tigerblood.stream.watch import watch
from tigerblood.testing.scenarios import Sizes, generate

SIZES = Sizes(
    genuine=16, link_reply_spam=2, follow_farming=2, pitch_conversation=2, campaign=5, days=4
)
THRESHOLD = 0.5


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, StreamEngine]:
    scenario = generate(tmp_path_factory.mktemp("parity"), seed=3, sizes=SIZES)
    store = Store()
    batch = {
        (v["platform"], v["account_id"]): v
        for v in scan([scenario.events], store, threshold=THRESHOLD).verdicts
    }
    # A window longer than the capture, and the cross-account steps run once, at the end.
    settings = StreamSettings(window_s=1e10, threshold=THRESHOLD, cross_every_s=1e10)
    engine = StreamEngine(settings)
    lines = Path(scenario.events).read_bytes().splitlines()
    watch(lines, engine, batch_size=250, flush_s=math.inf)
    keys = [k for k in engine.states if engine._judgeable(k)]
    live = {(v["platform"], v["account_id"]): v for v in engine.assess(keys)}
    return batch, live, engine


def test_the_stream_ran_conversations_and_campaigns_over_its_window(both) -> None:
    _, live, engine = both
    assert engine.stats["cross_runs"] == 1
    patterns = {p for v in live.values() for p in v["patterns"]}
    assert {"pitch_conversation", "coordinated_campaign"} <= patterns, patterns


def test_scan_and_watch_give_the_same_final_verdicts(both) -> None:
    batch, live, _ = both
    flagged = {k for k, v in batch.items() if v["flagged"]}
    assert flagged and flagged <= set(live)  # nobody scan flags is left unjudged by watch
    for key, ours in live.items():
        theirs = batch[key]
        assert ours["flagged"] == theirs["flagged"], key
        assert ours["patterns"] == theirs["patterns"], key
        assert ours["score"] == pytest.approx(theirs["score"], abs=1e-6), key
        assert {f["detector"] for f in ours["findings"]} == {
            f["detector"] for f in theirs["findings"]
        }, key


def test_the_window_keeps_at_most_max_posts_and_forgets_what_left_it() -> None:
    from tigerblood import model
    from tigerblood.ingest.base import Batch
    from tigerblood.stream.cross import CrossWindow

    window = CrossWindow(max_posts=25)
    for n in range(10):
        rows = [
            {"platform": "bluesky", "post_id": f"{n}-{i}", "account_id": "a"} for i in range(10)
        ]
        window.add([Batch("posts", model.to_table("posts", rows))], float(n))
        held = sum(t.num_rows for _, t in window.rows["posts"])
        assert held == window.posts_held <= 25
    window.expire(9.0)
    assert window.posts_held == sum(t.num_rows for _, t in window.rows["posts"]) == 10
