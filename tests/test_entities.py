"""Links, mentions and hashtags read from text when the source gives none."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

from tigerblood import model
from tigerblood.ingest import entities
from tigerblood.ingest.entities import (
    hashtags_in,
    mentions_in,
    shortener_domains,
    urls_in,
)
from tigerblood.ingest.entity_words import enrich_posts


@pytest.mark.parametrize(
    ("text", "urls", "mentions", "tags"),
    [
        ("plain words only", [], [], []),
        ("RT @alice: look http://t.co/AbC12 #deal", ["http://t.co/AbC12"], ["alice"], ["deal"]),
        ("bare domain bit.ly/x9 works", ["bit.ly/x9"], [], []),
        ("email me@example.com is neither link nor mention", [], [], []),
        ("#1 is not a hashtag but #win2 is", [], [], ["win2"]),
        ("@user/list is a list, @bob is a mention", [], ["bob"], []),
    ],
)
def test_entities_follow_twitter_rules(text: str, urls: list, mentions: list, tags: list) -> None:
    assert (urls_in(text), mentions_in(text), hashtags_in(text)) == (urls, mentions, tags)


def test_enrich_fills_only_what_the_source_left_null_and_marks_leading_mention_replies() -> None:
    table = model.to_table(
        "posts",
        [
            {
                "platform": "twitter",
                "post_id": "1",
                "account_id": "a",
                "text": "@bob see http://x.co/1",
            },
            {
                "platform": "twitter",
                "post_id": "2",
                "account_id": "a",
                "text": "RT @bob: hi",
            },
            {
                "platform": "twitter",
                "post_id": "3",
                "account_id": "a",
                "text": "http://given.com",
                "urls": ["http://kept.com"],
                "mentions": [],
                "hashtags": [],
            },
        ],
    )
    out = enrich_posts(table).to_pylist()
    assert out[0]["urls"] == ["http://x.co/1"] and out[0]["reply_to_account_id"] == "bob"
    assert out[1]["reply_to_account_id"] is None
    assert out[2]["urls"] == ["http://kept.com"]
    assert isinstance(enrich_posts(table.slice(0, 0)), pa.Table)


def test_shortener_list_knows_common_shorteners() -> None:
    assert {"bit.ly", "t.co", "tinyurl.com"} <= shortener_domains()


def test_when_workers_cannot_start_then_extraction_finishes_in_process() -> None:
    # Code fed on standard input cannot be re-imported by spawned workers: they die at start.
    script = (
        "from tigerblood import model\n"
        "from tigerblood.ingest.entities import PARALLEL_MIN_WORDS\n"
        "from tigerblood.ingest.entity_words import enrich_posts\n"
        "n = PARALLEL_MIN_WORDS + 5\n"
        "rows = [{'platform': 'twitter', 'post_id': str(i), 'account_id': 'a',\n"
        "         'text': f'@bob see example{i}.com #t{i}'} for i in range(n)]\n"
        "out = enrich_posts(model.to_table('posts', rows)).to_pylist()\n"
        "print(out[7]['urls'], out[7]['mentions'], out[7]['hashtags'], len(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    expected = f"['example7.com'] ['bob'] ['t7'] {entities.PARALLEL_MIN_WORDS + 5}"
    assert done.stdout.split("\n")[0].endswith(expected)
    if (os.cpu_count() or 1) >= 2:  # one core: no workers were tried
        assert "reading in this process instead" in done.stderr
