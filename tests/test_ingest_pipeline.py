"""Grouped loading stores what a batch-by-batch load would, and counts the posts stored."""

from __future__ import annotations

from tigerblood import model
from tigerblood.ingest import pipeline
from tigerblood.ingest.pipeline import append_posts, drop_repeated_posts
from tigerblood.store import Store


def posts(*ids: str, text: str = "hi") -> object:
    return model.to_table(
        "posts",
        [{"platform": "twitter", "post_id": i, "account_id": "a", "text": text} for i in ids],
    )


def load_new_posts(store: Store, batches: list) -> int:
    """What a grouped load stores of ``batches``: appended, then repeats dropped."""
    return append_posts(store, batches) - drop_repeated_posts(store)


def stored(store: Store) -> list[dict]:
    return store.arrow("SELECT * FROM posts ORDER BY post_id").to_pylist()


def test_when_a_post_repeats_across_batches_then_only_its_first_occurrence_is_stored() -> None:
    batches = [posts("1", "2", "2", text="first"), posts("2", "3", "0", text="second")]
    one_by_one = Store()
    one_by_one.load("posts", posts("0"))
    for batch in batches:
        one_by_one.load("posts", one_by_one.unseen("posts", batch))
    grouped = Store()
    grouped.load("posts", posts("0"))
    assert load_new_posts(grouped, [grouped.unseen("posts", b) for b in batches]) == 3
    assert stored(grouped) == stored(one_by_one)
    in_store_order = grouped.sql("SELECT post_id FROM posts ORDER BY rowid")
    assert [r[0] for r in in_store_order] == ["0", "1", "2", "3"]  # file order
    assert {r["text"] for r in stored(grouped) if r["post_id"] == "2"} == {"first"}
    assert load_new_posts(grouped, [grouped.unseen("posts", b) for b in batches]) == 0
    assert load_new_posts(grouped, batches) == 0  # even offered again unfiltered


def test_when_no_key_repeats_then_the_group_is_stored_whole_in_file_order() -> None:
    store = Store()
    store.load("posts", posts("a"))
    assert load_new_posts(store, [posts("c", "b"), posts("e", "d")]) == 4
    in_store_order = store.sql("SELECT post_id FROM posts ORDER BY rowid")
    assert [r[0] for r in in_store_order] == ["a", "c", "b", "e", "d"]


def test_when_a_file_repeats_posts_across_groups_then_ingest_keeps_first_occurrences(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(pipeline, "GROUP_ROWS", 2)
    (tmp_path / "accounts.csv").write_text("platform,account_id\ntwitter,a\n")
    lines = ["platform,post_id,account_id,text"]
    lines += [f"twitter,{i % 4},a,copy {i}" for i in range(10)]
    (tmp_path / "posts.csv").write_text("\n".join(lines) + "\n")
    store = Store()
    report = pipeline.ingest([tmp_path], store)
    assert report.rows["posts"] == 4
    got = store.sql("SELECT post_id, text FROM posts ORDER BY rowid")
    assert got == [("0", "copy 0"), ("1", "copy 1"), ("2", "copy 2"), ("3", "copy 3")]
    again = pipeline.ingest([tmp_path], store)
    assert again.rows.get("posts", 0) == 0 and store.count("posts") == 4
