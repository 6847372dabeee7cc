"""Research CSVs of v1.1 tweets (Cresci-2017 ``tweets.csv``): mapping, 0-as-null, quarantine,
detection beside the other CSV adapters, and a Cresci-2017 folder scanned end to end.

Expected values come from the fixture read with Python's ``csv`` module, independently of the
adapter (which reads with DuckDB).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from tests.ingest_support import DATA, read_all
from tigerblood.ingest.base import SourceError
from tigerblood.ingest.pipeline import expand_sources, ingest
from tigerblood.ingest.registry import adapters, detect, read_source
from tigerblood.ingest.research.tweets_csv import TwitterTweetsCsvAdapter, header_names
from tigerblood.store import Store

FOLDER = DATA / "cresci2017"
TWEETS = FOLDER / "tweets.csv"
HEADER = (
    "id,text,source,user_id,truncated,in_reply_to_status_id,in_reply_to_user_id,"
    "in_reply_to_screen_name,retweeted_status_id,geo,place,contributors,retweet_count,"
    "reply_count,favorite_count,favorited,retweeted,possibly_sensitive,num_hashtags,num_urls,"
    "num_mentions,created_at,timestamp,crawled_at,updated"
)
BOT = "2357801234"
IPHONE = '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>'


def raw_rows() -> dict[str, dict[str, str]]:
    """The fixture's well-formed records by id, as Python's csv module reads them."""
    with TWEETS.open(newline="") as handle:
        records = csv.DictReader(handle)
        return {r["id"]: r for r in records if None not in r and None not in r.values()}


@pytest.fixture(scope="module")
def fixture_read() -> dict[str, list[dict]]:
    return read_all(TwitterTweetsCsvAdapter(), TWEETS)


@pytest.fixture(scope="module")
def posts(fixture_read: dict[str, list[dict]]) -> dict[str, dict]:
    return {p["post_id"]: p for p in fixture_read["posts"]}


def one_row(tmp_path: Path, name: str = "tweets.csv", **values: str) -> Path:
    """A tweets.csv with one record in the Cresci-2017 layout; ``values`` override the defaults."""
    row = dict.fromkeys(HEADER.split(","), "")
    row.update(id="600000000000000001", user_id="42", text="hello", source="web")
    row.update(values)
    path = tmp_path / name
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerow(row)
    return path


# ---------------------------------------------------------------- mapping


def test_every_well_formed_record_of_the_fixture_becomes_one_post(posts: dict) -> None:
    raw = raw_rows()
    good = {i for i in raw if i.isdigit() and "E+" not in raw[i]["in_reply_to_status_id"]}
    assert set(posts) == good and len(good) == 9
    for post_id, post in posts.items():
        assert post["platform"] == "twitter"
        assert post["account_id"] == raw[post_id]["user_id"].removesuffix(".0")
        assert post["text"] == raw[post_id]["text"]
        assert (post["urls"], post["mentions"], post["hashtags"]) == (None, None, None)
        assert post["root_post_id"] is None and post["quote_of_post_id"] is None


@pytest.mark.parametrize(
    ("post_id", "field", "expected"),
    [
        ("593940000000000001", "reply_to_post_id", "593932392663912449"),
        ("593940000000000001", "reply_to_account_id", "678033"),
        ("593940000000000001", "repost_of_post_id", None),
        ("593950000000000002", "repost_of_post_id", "593932392663912449"),
        ("593950000000000002", "reply_to_post_id", None),
        ("593932392663912449", "reply_to_post_id", None),
        ("593932392663912449", "reply_to_account_id", None),
        ("593960000000000003", "reply_to_post_id", None),
        ("593960000000000003", "reply_to_account_id", None),
        ("593960000000000003", "repost_of_post_id", None),
        ("594700000000000014", "account_id", BOT),
        ("593932392663912449", "client", "Twitter for iPhone"),
        ("593940000000000001", "client", "TweetDeck"),
        ("593950000000000002", "client", "web"),
        ("594700000000000010", "client", "dlvr.it"),
        ("593932392663912449", "created_at", "2015-05-01T00:18:11+00:00"),
        ("593960000000000003", "created_at", "2015-05-01T09:30:00+00:00"),
    ],
)
def test_fixture_fields_map_onto_the_model(
    posts: dict, post_id: str, field: str, expected: str | None
) -> None:
    value = posts[post_id][field]
    assert (value.isoformat() if field == "created_at" else value) == expected


def test_text_with_commas_quotes_and_a_newline_survives(posts: dict) -> None:
    text = posts["593932392663912449"]["text"]
    assert text == 'Reading "The paradigm-shift of social spambots", again,\nthen lunch. #www2017'


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0", None),
        ("", None),
        ("0.0", None),
        ("00", None),
        ("NULL", None),
        ("NA", None),
        ("nan", None),
        ("593932392663912449", "593932392663912449"),
        (" 593932392663912449 ", "593932392663912449"),
        ("3610511.0", "3610511"),
    ],
)
@pytest.mark.parametrize(
    ("column", "field"),
    [
        ("in_reply_to_status_id", "reply_to_post_id"),
        ("in_reply_to_user_id", "reply_to_account_id"),
        ("retweeted_status_id", "repost_of_post_id"),
    ],
)
def test_when_an_optional_id_is_zero_or_empty_then_it_is_null(
    tmp_path: Path, column: str, field: str, cell: str, expected: str | None
) -> None:
    out = read_all(TwitterTweetsCsvAdapter(), one_row(tmp_path, **{column: cell}))
    assert "quarantine" not in out
    [post] = out["posts"]
    assert post[field] == expected


@pytest.mark.parametrize(
    ("source", "client"),
    [
        (IPHONE, "Twitter for iPhone"),
        ('<a href="http://ifttt.com" rel="nofollow">IFTTT &amp; Co &lt;3</a>', "IFTTT & Co <3"),
        ('<A HREF="http://x.example">Tweetbot for iOS</A>', "Tweetbot for iOS"),
        ("web", "web"),
        ("  Twitter Web Client ", "Twitter Web Client"),
        ("", None),
        ("NULL", None),
        ('<a href="http://x.example"></a>', None),
    ],
)
def test_source_anchor_gives_the_clients_visible_name(
    tmp_path: Path, source: str, client: str | None
) -> None:
    [post] = read_all(TwitterTweetsCsvAdapter(), one_row(tmp_path, source=source))["posts"]
    assert post["client"] == client


@pytest.mark.parametrize(
    ("created_at", "timestamp", "expected"),
    [
        ("Fri Apr 06 10:58:22 +0000 2007", "", "2007-04-06T10:58:22+00:00"),
        ("Fri Apr 06 10:58:22 +0200 2007", "", "2007-04-06T08:58:22+00:00"),
        ("Fri Apr 06 10:58:22 +0000 2007", "2001-01-01 00:00:00", "2007-04-06T10:58:22+00:00"),
        ("", "2014-10-20 17:55:07", "2014-10-20T17:55:07+00:00"),
        ("NULL", "2014-10-20 17:55:07", "2014-10-20T17:55:07+00:00"),
        ("", "", None),
    ],
)
def test_created_at_is_twitters_time_else_the_timestamp_as_utc(
    tmp_path: Path, created_at: str, timestamp: str, expected: str | None
) -> None:
    path = one_row(tmp_path, created_at=created_at, timestamp=timestamp)
    [post] = read_all(TwitterTweetsCsvAdapter(), path)["posts"]
    assert (post["created_at"] and post["created_at"].isoformat()) == expected


def test_columns_missing_from_a_group_are_null_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    path.write_text('id,text,user_id,num_urls\n"7","hi http://a.co/x","42","1"\n')
    [post] = read_all(TwitterTweetsCsvAdapter(), path)["posts"]
    assert (post["post_id"], post["account_id"], post["text"]) == ("7", "42", "hi http://a.co/x")
    assert (
        post["created_at"] is None and post["client"] is None and post["reply_to_post_id"] is None
    )


# ---------------------------------------------------------------- bad rows


def test_fixture_bad_rows_are_quarantined_with_file_place_and_field(fixture_read: dict) -> None:
    rows = [r for r in fixture_read["quarantine"] if ":row " in r["location"]]
    assert {r["source"] for r in fixture_read["quarantine"]} == {str(TWEETS)}
    inexact, not_a_number = rows
    assert (inexact["location"], inexact["field"]) == (f"{TWEETS}:row 10", "in_reply_to_status_id")
    assert "5.67E+17" in inexact["error"] and "594800000000000020" in inexact["raw"]
    assert (not_a_number["location"], not_a_number["field"]) == (f"{TWEETS}:row 11", "id")
    assert "'abc123'" in not_a_number["error"]
    short = [r for r in fixture_read["quarantine"] if r["location"] == f"{TWEETS}:line 11"]
    assert short and all("MISSING COLUMNS" in r["error"] for r in short)
    assert "a row cut short" in short[0]["raw"]


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("in_reply_to_status_id", "5.67E+17"),
        ("in_reply_to_status_id", "567123456789012345.0"),
        ("in_reply_to_user_id", "1.2e7"),
        ("retweeted_status_id", "-1"),
        ("retweeted_status_id", "12abc"),
        ("id", "abc"),
        ("id", "0"),
        ("id", ""),
        ("user_id", "0.0"),
        ("user_id", "5.67E+17"),
    ],
)
def test_when_an_id_is_not_exact_then_the_row_is_quarantined_naming_the_column(
    tmp_path: Path, column: str, cell: str
) -> None:
    path = one_row(tmp_path, **{column: cell})
    out = read_all(TwitterTweetsCsvAdapter(), path)
    assert "posts" not in out
    [row] = out["quarantine"]
    assert (row["source"], row["location"], row["field"]) == (str(path), f"{path}:row 1", column)
    assert (repr(cell) if cell else "empty") in row["error"]


def test_when_created_at_is_garbage_then_the_row_is_quarantined_naming_it(tmp_path: Path) -> None:
    out = read_all(TwitterTweetsCsvAdapter(), one_row(tmp_path, created_at="yesterday"))
    [row] = out["quarantine"]
    assert row["field"] == "created_at" and row["location"].endswith(":row 1")


def test_when_a_line_is_not_utf8_then_that_line_is_quarantined_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tweets.csv"
    path.write_bytes(
        f"{HEADER}\n".encode()
        + b'"1","fine","web","42"' + b",,0,0,,0" + b"," * 16 + b"\n"
        + b'"2","bad \xff\xfe","web","42"' + b",,0,0,,0" + b"," * 16 + b"\n"
        + b'"3","fine too","web","42"' + b",,0,0,,0" + b"," * 16 + b"\n"
    )  # fmt: skip
    out = read_all(TwitterTweetsCsvAdapter(), path)
    assert [p["post_id"] for p in out["posts"]] == ["1", "3"]
    [row] = out["quarantine"]
    assert "INVALID ENCODING" in row["error"] and row["location"] == f"{path}:line 3"


def test_when_a_required_column_is_missing_then_the_file_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    path.write_text("id,text,num_urls\n1,hi,0\n")
    [row] = read_all(TwitterTweetsCsvAdapter(), path)["quarantine"]
    assert row["field"] == "user_id" and "missing required column" in row["error"]


def test_a_file_without_a_header_is_a_clear_source_error(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    path.write_text("")
    with pytest.raises(SourceError, match=r"tweets\.csv"):
        list(read_source(path, "twitter-v1-tweets-csv"))


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("header", "name", "adapter"),
    [
        (HEADER, "tweets.csv", "twitter-v1-tweets-csv"),
        (HEADER.upper(), "tweets.csv", "twitter-v1-tweets-csv"),
        ('"id","text","user_id","retweeted_status_id"', "t.csv", "twitter-v1-tweets-csv"),
        ("\ufeffid,user_id,text,num_urls", "t.csv", "twitter-v1-tweets-csv"),
        (HEADER, "posts.csv", "tabular"),  # the layout's own file name wins
        ("platform,post_id,account_id,text,reply_to_post_id", "posts.csv", "tabular"),
        ((FOLDER / "users.csv").read_text().splitlines()[0], "users.csv", "twitter-v1-csv"),
        ("id,text,in_reply_to_user_id,in_reply_to_status_id", "t.csv", None),  # no user_id
        ("id,user_id,text,created_at", "t.csv", None),  # no tweet-only column
        ("id,user_id,num_urls", "t.csv", None),  # no text
        # in_reply_to_screen_name holds "screen_name": the user adapter wants exact names
        (HEADER + ",user_friends_count", "t.csv", "twitter-v1-tweets-csv"),
        (HEADER, "tweets.txt", None),
    ],
)
def test_detection_picks_one_adapter_and_steals_from_none(
    tmp_path: Path, header: str, name: str, adapter: str | None
) -> None:
    path = tmp_path / name
    path.write_text(header + "\n")
    if adapter is None:
        with pytest.raises(SourceError, match="format not recognised"):
            detect(path)
    else:
        assert detect(path).name == adapter


def test_a_gzipped_tweets_file_is_detected_and_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv.gz"
    path.write_bytes(gzip.compress(TWEETS.read_bytes()))
    assert detect(path).name == "twitter-v1-tweets-csv"
    plain = read_all(TwitterTweetsCsvAdapter(), TWEETS)["posts"]
    assert read_all(TwitterTweetsCsvAdapter(), path)["posts"] == plain


@pytest.mark.parametrize("path", [FOLDER / "tweets.csv", FOLDER / "users.csv"], ids=str)
def test_exactly_one_known_adapter_claims_each_cresci2017_file(path: Path) -> None:
    claimed = [a.name for a in adapters().values() if a.sniff(path)]
    assert len(claimed) == 1, claimed


def test_header_names_are_read_as_csv_not_as_substrings() -> None:
    assert header_names(b'\xef\xbb\xbfid,"text",in_reply_to_user_id\n1,2,3\n') == [
        "id",
        "text",
        "in_reply_to_user_id",
    ]


# ---------------------------------------------------------------- a Cresci-2017 folder


def test_a_folder_with_users_and_tweets_opens_into_both_adapters() -> None:
    assert expand_sources([FOLDER], None) == [FOLDER / "tweets.csv", FOLDER / "users.csv"]


@pytest.fixture(scope="module")
def scanned() -> tuple[Store, object]:
    from tigerblood.scan import scan

    store = Store()
    return store, scan([FOLDER], store)


def test_scanning_the_folder_joins_accounts_to_their_posts(scanned: tuple) -> None:
    store, result = scanned
    assert result.ingest.failed_sources == []
    with (FOLDER / "users.csv").open(newline="") as handle:
        users = {r["id"] for r in csv.DictReader(handle)}
    per_account = dict(
        store.sql(
            "SELECT a.account_id, count(p.post_id) FROM accounts a "
            "LEFT JOIN posts p USING (platform, account_id) GROUP BY 1"
        )
    )
    assert set(per_account) == users
    assert per_account == {"678033": 2, "24858289": 2, BOT: 5}
    orphans = store.sql(
        "SELECT count(*) FROM posts p ANTI JOIN accounts a USING (platform, account_id)"
    )
    assert orphans == [(0,)]
    assert result.ingest.quarantined >= 3  # the inexact id, the non-numeric id, the short line


def test_scanning_the_folder_extracts_links_mentions_and_hashtags_from_text(scanned: tuple) -> None:
    store, _ = scanned
    rows = store.arrow("SELECT post_id, urls, mentions, hashtags FROM posts").to_pylist()
    found = {r["post_id"]: r for r in rows}
    assert found["594700000000000010"]["urls"] == ["https://cheap-deals-now.biz/win"]
    assert found["594700000000000010"]["mentions"] == ["danarossi"]
    assert found["593960000000000003"]["urls"] == ["https://www.flickr.com/photos/danarossi/1"]
    assert found["593932392663912449"]["hashtags"] == ["www2017"]
    assert found["593950000000000002"]["mentions"] == ["danarossi"]  # the RT @x: prefix


def test_scanning_the_folder_gives_a_verdict_per_account_and_catches_the_link_replier(
    scanned: tuple,
) -> None:
    _, result = scanned
    verdicts = {v["account_id"]: v for v in result.verdicts}
    assert set(verdicts) == {"678033", "24858289", BOT}
    bot = verdicts[BOT]
    assert bot["flagged"] and "link_reply_spam" in bot["patterns"]
    [finding] = [f for f in bot["findings"] if f["detector"] == "link_reply_spam"]
    assert finding["evidence"]["top_url_repeat_count"] == 5


def test_ingesting_the_folder_twice_adds_nothing(tmp_path: Path) -> None:
    store = Store()
    ingest([FOLDER], store)
    first = (store.count("accounts"), store.count("posts"))
    ingest([FOLDER], store)
    assert (store.count("accounts"), store.count("posts")) == first == (3, 9)
