"""The least work a scan of Cresci-2015 must do, against the 5x target of bench/scan.py.

Issue #2 asks for a scan within 5x of a bare DuckDB aggregate of the same Parquet files, and
also asks that links, mentions and hashtags be read from each text with a maintained library and
that ``duplicate_text_share`` compare texts once links and mentions are normalised away. This
bench times those required steps alone, each the fastest way tigerblood knows, in the same run as
the bare aggregate, and prints their sum beside the 5x budget:

1. cutting every text into the words that can hold an entity (DuckDB's regex engine, all cores);
2. reading the distinct words: DuckDB runs the libraries' mention and hashtag patterns on ASCII
   words and leaves the words that may hold a link;
3. twitter-text on those words (Python; divided by the cores, as if spread perfectly);
4. the text normalisation behind ``duplicate_text_share`` (DuckDB, all cores).

Nothing is stored, no feature, detector or campaign is computed: the sum is a floor, not a scan.
Usage: python bench/scan_floor.py [DATA_DIR]   (default ../shared/data/cresci-2015)
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import ibis
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/scan.py's baseline

from scan import DATA, bare_duckdb

from tigerblood.features.text import normalized_text
from tigerblood.ingest import entities
from tigerblood.ingest.entity_sql import read_ascii_words
from tigerblood.ingest.entity_words import _cut

T = TypeVar("T")


def timed(label: str, work: Callable[[], T]) -> tuple[float, T]:
    """Seconds of ``work()`` and its result, printed as one line."""
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    print(f"  {label:58s} {seconds:7.2f} s")
    return seconds, result


def main() -> None:
    """Time the bare aggregate and each required step; print the sum against 5x."""
    baseline = bare_duckdb()
    print(f"bare DuckDB aggregate: {baseline:.2f} s; 5x budget {5 * baseline:.2f} s")
    con = duckdb.connect()
    posts = f"read_parquet('{DATA}/posts.parquet')"
    texts = con.sql(f"SELECT text FROM {posts}").to_arrow_table().column("text")
    cut_s, cut = timed("1. cut 2.8 M texts into entity words (DuckDB)", lambda: _cut(con, texts))
    words = pc.unique(cut.column("words").combine_chunks().flatten())
    sql_s, by_sql = timed("2. read distinct words in DuckDB", lambda: read_ascii_words(con, words))
    left = pc.or_kleene(pc.is_null(by_sql["mentions"]), pc.is_null(by_sql["urls"]))
    link_words = [w for w in words.filter(left).to_pylist() if "." in w]
    cores = os.cpu_count() or 1
    cpu_s, _ = timed(
        f"   twitter-text on {len(link_words):,} possible link words (1 core)",
        lambda: [entities.word_urls(w) for w in link_words],
    )
    print(f"  {'3. the same spread over ' + str(cores) + ' cores':58s} {cpu_s / cores:7.2f} s")
    table = ibis.duckdb.from_connection(con).read_parquet(f"{DATA}/posts.parquet")
    norm = table.mutate(norm=normalized_text(table.text.fill_null("")))
    counted = norm.group_by("account_id").aggregate(texts=norm.norm.nunique())
    norm_s, _ = timed("4. duplicate_text_share's normalisation (DuckDB)", counted.to_pyarrow)
    floor = cut_s + sql_s + cpu_s / cores + norm_s
    print(f"floor of required steps: {floor:.2f} s = {floor / baseline:.1f}x the bare aggregate")


if __name__ == "__main__":
    main()
