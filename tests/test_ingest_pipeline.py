"""Grouped loading stores and counts what a batch-by-batch load would."""

from __future__ import annotations

from tigerblood import model
from tigerblood.ingest.pipeline import new_posts
from tigerblood.store import Store


def posts(*ids: str, text: str = "hi") -> object:
    return model.to_table(
        "posts",
        [{"platform": "twitter", "post_id": i, "account_id": "a", "text": text} for i in ids],
    )


def test_when_a_post_repeats_across_batches_then_only_its_first_batch_keeps_it() -> None:
    store = Store()
    store.load("posts", posts("0"))
    batches = [posts("1", "2", "2", text="first"), posts("2", "3", "0", text="second")]
    one_by_one = []
    for batch in batches:  # what the batch-by-batch load kept and counted
        fresh = store.unseen("posts", batch)
        one_by_one.append(fresh)
        store.load("posts", fresh)
    expected = [r for t in one_by_one for r in t.to_pylist()]
    store = Store()
    store.load("posts", posts("0"))
    got = new_posts(store, batches).to_pylist()
    assert got == expected
    assert [r["post_id"] for r in got] == ["1", "2", "2", "3"]
    assert {r["text"] for r in got if r["post_id"] == "2"} == {"first"}
