"""The stream's speed-ups keep what they replace: the collector cadence, accounts rows read once,
Jetstream messages parsed once, recency kept per micro-batch."""

from __future__ import annotations

import gc
import math
import weakref
from collections import Counter
from typing import Any

import orjson
import pyarrow as pa

from tigerblood import model
from tigerblood.ingest.base import Batch
from tigerblood.ingest.bluesky.jetstream import _parse, _Read
from tigerblood.stream.collector import micro_batch
from tigerblood.stream.cross import CrossWindow, profile_rows
from tigerblood.stream.engine import StreamEngine, StreamSettings
from tigerblood.stream.jetstream_decode import JetstreamDecoder, _time_us


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_micro_batch_collects_its_cycles_and_restores_the_collector() -> None:
    assert gc.isenabled()
    with micro_batch():
        assert not gc.isenabled()
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        del cycle
    assert gc.isenabled()
    assert gone() is None  # made and dropped inside the batch: found at its end
    gc.disable()
    try:
        with micro_batch():
            pass
        assert not gc.isenabled()  # a caller that turned collection off keeps it off
    finally:
        gc.enable()
        gc.unfreeze()


def _accounts(rows: list[dict[str, Any]]) -> pa.Table:
    return model.to_table("accounts", rows)


def test_accounts_rows_read_once_give_the_non_null_values_as_before() -> None:
    rows: list[dict[str, Any]] = [
        {"platform": "bluesky", "account_id": "did:plc:a", "handle": "a.bsky.social"},
        {"platform": "bluesky", "account_id": "did:plc:b", "followers_count": 3},
        {"platform": "bluesky", "account_id": "did:plc:c"},
    ]
    for table in (_accounts(rows), _accounts([rows[2]])):
        expected = [
            ((r["platform"], r["account_id"]), {k: v for k, v in r.items() if v is not None})
            for r in table.to_pylist()
        ]
        assert profile_rows(table) == expected
    window = CrossWindow()
    window.add([], 0.0, profile_rows(_accounts(rows)))
    window.add([], 1.0, profile_rows(_accounts([{**rows[0], "display_name": "A"}])))
    assert window.profiles[("bluesky", "did:plc:a")]["display_name"] == "A"
    assert window.profiles[("bluesky", "did:plc:a")]["handle"] == "a.bsky.social"
    assert window.profiles[("bluesky", "did:plc:c")] == {
        "platform": "bluesky",
        "account_id": "did:plc:c",
    }


def _message(did: str, time_us: int, collection: str, record: dict[str, Any]) -> bytes:
    commit: dict[str, Any] = {"rev": "r", "operation": "create", "collection": collection}
    commit |= {"rkey": "k", "record": record}
    return orjson.dumps({"did": did, "time_us": time_us, "kind": "commit", "commit": commit})


def test_messages_parsed_once_read_as_when_the_reader_parses_them() -> None:
    lines = [
        _message("did:plc:a", 1, "app.bsky.graph.follow", {"subject": "did:plc:b"}),
        b"{not json",
        _message("did:plc:a", 2, "app.bsky.feed.post", {"text": "hi https://x.org/a"}),
        b"[1, 2]",
        b"",
        _message("did:plc:b", 3, "app.bsky.actor.profile", {"displayName": "B"}),
    ]
    for fast in (True, False):
        alone, given = _Read("s", Counter()), _Read("s", Counter())
        alone.fast = given.fast = fast
        assert alone.feed(lines, [], 0, 1 << 20) == given.feed(
            lines, [], 0, 1 << 20, [_parse(line) for line in lines]
        )
        assert given.stats == alone.stats
        assert given.quarantine == alone.quarantine and len(given.quarantine) == 2
        for name in ("posts", "follows"):
            assert given.buffers[name].data == alone.buffers[name].data  # type: ignore[union-attr]
        assert given.accounts == alone.accounts
    _, times = JetstreamDecoder().decode(lines)
    assert times == [_time_us(line) for line in lines] == [1, None, 2, None, None, 3]


def test_recency_is_kept_per_micro_batch_and_eviction_spares_what_it_touched() -> None:
    engine = StreamEngine(StreamSettings(max_accounts=3, use_model=False, cross_every_s=None))

    def follows(*pairs: tuple[str, str]) -> list[Batch]:
        rows = [
            {"platform": "bluesky", "follower_id": a, "followee_id": b, "action": "follow"}
            for a, b in pairs
        ]
        return [Batch("follows", model.to_table("follows", rows))]

    engine.apply(follows(("a", "b"), ("c", "d")), 1.0)
    assert engine.stats["accounts_evicted"] == 0  # four held: none evicted that was just touched
    assert list(engine.states) == [("bluesky", k) for k in "abcd"]
    engine.apply(follows(("b", "e")), 2.0)  # b and e are this batch's: a and c go
    assert engine.stats["accounts_evicted"] == 2
    assert list(engine.states) == [("bluesky", k) for k in "dbe"]
    assert not math.isinf(engine.now_s)


def test_after_warm_up_the_first_micro_batch_compiles_and_loads_nothing() -> None:
    from tigerblood.stream import engine as engine_module
    from tigerblood.stream import facts

    engine = StreamEngine(StreamSettings(use_model=True))
    engine.warm_up()
    assert not engine.states and not engine.events and not engine.stats  # nothing judged in
    loads = engine_module._detector.cache_info().misses
    compiled = facts._facts_sql.cache_info().misses
    lines = []
    for n in range(12):  # enough posts in the window for the model to judge the account
        post = orjson.loads(
            _message(
                "did:plc:a",
                1_700_000_000_000_000 + n,
                "app.bsky.feed.post",
                {"text": f"post {n} https://x.org/{n}", "createdAt": "2023-11-14T22:13:20.000Z"},
            )
        )
        post["commit"]["rkey"] = f"k{n}"
        lines.append(orjson.dumps(post))
    engine.apply(JetstreamDecoder().decode(lines)[0], 1_700_000_000.0)
    assert engine.stats["posts"] == 12
    verdict = engine.assess([("bluesky", "did:plc:a")])[0]
    assert verdict["scored_by"] == "model"
    assert engine_module._detector.cache_info().misses == loads
    assert facts._facts_sql.cache_info().misses == compiled
