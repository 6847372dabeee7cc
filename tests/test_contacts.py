"""Contacts: the promoted thing when it is not a link (phone, messenger, e-mail, wallet, DM me).

Expected values are written by hand from the texts; the end-to-end test builds a Jetstream capture
with the project's own Jetstream writer and checks the verdict a user would read.
"""

from __future__ import annotations

import doctest
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_stream import assert_same_features, batch_features, lines_of, replay
from tigerblood import model
from tigerblood.detectors.link_reply_spam import LinkReplySpamDetector
from tigerblood.features.compute import compute_features
from tigerblood.ingest import contacts
from tigerblood.ingest.contacts import contacts_column, contacts_in, fill_contacts
from tigerblood.ingest.entity_words import enrich_posts
from tigerblood.ingest.pipeline import ingest
from tigerblood.scan import scan
from tigerblood.store import Store, duck_type
from tigerblood.stream.engine import StreamSettings
from tigerblood.testing.scenarios import FOLLOW, _Capture

CASES = [
    # phones, named after the app that introduces them
    ("Message me on WhatsApp +44 7911 123456 for the offer", ["whatsapp:+447911123456"]),
    ("WhatsApp: +1 (765) 734-3839", ["whatsapp:+17657343839"]),
    ("+1 765 734 3839 (WhatsApp only)", ["whatsapp:+17657343839"]),
    ("Signal +44 7911 123456", ["signal:+447911123456"]),
    ("Call or text +1 765-734-3839 today", ["tel:+17657343839"]),
    ("Ring 00 44 7911 123456", ["tel:+447911123456"]),
    (
        "call +1 765 734 3839 or whatsapp +44 7911 123456",
        ["tel:+17657343839", "whatsapp:+447911123456"],
    ),
    ("Chat now: https://wa.me/447911123456", ["whatsapp:+447911123456"]),
    ("api.whatsapp.com/send?phone=17657343839&text=hi", ["whatsapp:+17657343839"]),
    ("Join chat.whatsapp.com/Kx9ab3LmQp2Rt7", ["whatsapp:group:Kx9ab3LmQp2Rt7"]),
    # telegram, signal, discord
    ("Signals daily 👉 https://t.me/CryptoPumpz", ["telegram:@cryptopumpz"]),
    ("telegram: @Pump_Signals", ["telegram:@pump_signals"]),
    ("t.me/joinchat/AAAAAEkk2WdoDrB4-Q8-gg", ["telegram:+AAAAAEkk2WdoDrB4-Q8-gg"]),
    ("my signal: alice.42", ["signal:alice.42"]),
    ("discord.gg/abc123 for the group", ["discord:invite/abc123"]),
    ("add me on Discord: Gamer_99", ["discord:gamer_99"]),
    # e-mail and wallets
    ("mail me at John.Doe@Gmail.COM.", ["mailto:John.Doe@gmail.com"]),
    (
        "send BTC to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        ["wallet:btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"],
    ),
    (
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        ["wallet:btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"],
    ),
    (
        "ETH 0x52908400098527886E0F7030069857D2E4169EE7 thx",
        ["wallet:eth:0x52908400098527886e0f7030069857d2e4169ee7"],
    ),
    # DM me stands in for the contact only when none is written
    ("DM me for promo 🚀", ["dm:request"]),
    ("check your DM!", ["dm:request"]),
    ("Inbox me if you want to earn", ["dm:request"]),
    ("DM me or WhatsApp +44 7911 123456", ["whatsapp:+447911123456"]),
    # not contacts
    ("Order #123456789 shipped 2024-03-15, total $1,299.99", []),
    ("at 10:00 44 people came", []),
    ("join our discord server", []),
    ("Intervista al tg di @La7tv stasera", []),  # "tg" is the TV news in Italian
    ("discord is fun", []),
    ("logo@2x.png", []),
    ("BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", []),  # one character off: checksum fails
    ("0x0000000000000000000000000000000000000000", []),
    ("Call 07911 123456", []),  # no country written: not guessed
    ("Good morning everyone, see you at 3pm", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_contacts_are_found_and_normalised(text: str, expected: list[str]) -> None:
    assert contacts_in(text) == expected


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_the_column_reads_every_text_as_contacts_in_does(text: str, expected: list[str]) -> None:
    assert contacts_column(pa.array([text, None, text])).to_pylist() == [expected, None, expected]


def test_a_national_number_counts_when_the_caller_names_the_country() -> None:
    assert contacts_in("Call 07911 123456", default_region="GB") == ["tel:+447911123456"]


def test_the_module_examples_run() -> None:
    assert doctest.testmod(contacts).failed == 0


# ------------------------------------------------------------ what must never be a phone

PHONE = re.compile(r"^(tel|whatsapp|signal|telegram):\+")

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
date_texts = dates.flatmap(
    lambda d: st.sampled_from(
        [
            d.isoformat(),
            d.strftime("%d/%m/%Y"),
            d.strftime("%m/%d/%Y"),
            d.strftime("%d.%m.%Y"),
            d.strftime("%Y%m%d"),
            d.strftime("%d-%m-%Y"),
        ]
    )
)
cents = st.integers(min_value=0, max_value=10**9)
price_texts = cents.flatmap(
    lambda c: st.sampled_from(
        [
            f"${c / 100:,.2f}",
            f"{c // 100:,} €".replace(",", " "),
            f"{c // 100:,},{c % 100:02d} €".replace(",", "."),
            f"£{c // 100}",
            f"+{c / 100:,.2f} USD",
            f"+{c // 100} €",
        ]
    )
)
order_texts = st.integers(min_value=10**4, max_value=10**15 - 1).flatmap(
    lambda n: st.sampled_from(
        [f"Order #{n}", f"order no. {n}", f"Ref: {n:015d}", f"Tracking {n}", f"invoice {n:012d}"]
    )
)
time_texts = st.times().flatmap(
    lambda t: st.sampled_from(
        [t.strftime("%H:%M"), t.strftime("%H:%M:%S"), t.strftime("%I:%M %p"), t.strftime("%H.%M")]
    )
)
year_texts = st.integers(min_value=1000, max_value=2999).map(str)
not_phones = st.one_of(date_texts, price_texts, order_texts, time_texts, year_texts)
glue = st.sampled_from([" ", ", ", " on ", " at ", " - ", " + ", " call ", " whatsapp "])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(not_phones, glue), min_size=1, max_size=6))
def test_dates_prices_order_numbers_times_and_years_are_never_phones(parts) -> None:
    text = "".join(piece + sep for piece, sep in parts)
    assert not [c for c in contacts_in(text) if PHONE.match(c)], text


KNOWN = re.compile(r"^(tel|whatsapp|signal|telegram|discord|mailto|wallet|dm):\S+$")
messy = st.text(
    alphabet=st.sampled_from([*"+0123456789 ()-./#@:_wame.tgWhatsApp\u00a0\u200b", "é", "٣"]),
    max_size=80,
)
cue = st.sampled_from(["", "WhatsApp ", "wa.me/", "t.me/", "signal.me/#p/", "discord: ", "DM me "])


@settings(max_examples=400, deadline=None)
@given(cue, messy, st.one_of(st.none(), st.text(max_size=200)))
def test_an_unparsable_contact_is_never_a_crash(prefix: str, body: str, other: str | None) -> None:
    found = contacts_in(prefix + body)
    assert all(KNOWN.match(c) for c in found), found
    table = model.to_table("posts", [{"text": prefix + body}, {"text": other}, {"text": None}])
    filled = fill_contacts(table).column("contacts").to_pylist()
    assert filled[0] == found
    assert filled[2] is None


# ------------------------------------------------------------ the model table and the store


def test_ingest_fills_contacts_for_every_source_and_keeps_given_ones() -> None:
    rows = [
        {"platform": "x", "post_id": "1", "account_id": "a", "text": "WhatsApp +44 7911 123456"},
        {"platform": "x", "post_id": "2", "account_id": "a", "text": "hello", "urls": []},
        {"platform": "x", "post_id": "3", "account_id": "a", "text": "DM me", "contacts": ["kept"]},
    ]
    out = enrich_posts(model.to_table("posts", rows)).column("contacts").to_pylist()
    assert out == [["whatsapp:+447911123456"], [], ["kept"]]


def test_a_store_written_before_contacts_gains_the_column_and_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old = ", ".join(f'"{f.name}" {duck_type(f.type)}' for f in model.POSTS if f.name != "contacts")
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE posts ({old})")
        con.execute(
            "INSERT INTO posts (platform, post_id, account_id, text) VALUES ('x', '0', 'a', 'hi')"
        )
    store = Store(path)
    new = model.to_table(
        "posts", [{"platform": "x", "post_id": "1", "account_id": "a", "text": "+"}]
    )
    store.load("posts", new)
    rows = store.sql("SELECT post_id, contacts FROM posts ORDER BY post_id")
    assert rows == [("0", None), ("1", None)]
    assert compute_features(store).column("top_url").to_pylist() == [None]
    store.close()


# ------------------------------------------------------------ features, detector, stream

SPAMMER, HANDLE = "did:plc:spamspamspamspamspamspam", "offers4u.example.com"
NUMBER = "+44 7911 123456"


def _capture(path: Path) -> Path:
    """A Jetstream capture: five people post and follow one another; an account with no
    audience answers each of them with the same WhatsApp number, worded a little differently,
    and no link."""
    import random

    cap = _Capture(random.Random(7))
    start = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
    people = [cap.did() for _ in range(5)]
    for i, did in enumerate(people):
        cap.identity(did, f"person{i}.example.com", start)
        cap.profile(did, f"Person {i}", "Birds and bikes.", start)
        for other in people:
            if other != did:
                cap.follow(did, other, start + timedelta(minutes=1))
    cap.identity(SPAMMER, HANDLE, start)
    cap.profile(SPAMMER, "Crypto Mentor", "", start)
    greetings = ["Hi", "Hello", "Hey dear", "Good day", "Hi there"]
    for i, did in enumerate(people):
        at = start + timedelta(hours=1 + i)
        root = cap.post(did, at, f"Morning walk number {i}, the heron was back.")
        cap.post(
            SPAMMER,
            at + timedelta(minutes=3),
            f"{greetings[i]}! I can help you grow your portfolio. Message me on WhatsApp {NUMBER}",
            reply_to=root,
        )
    out = path / "contacts-jetstream.jsonl"
    cap.write(out)
    return out


def test_replies_with_one_whatsapp_number_and_no_link_are_link_reply_spam(tmp_path: Path) -> None:
    source = _capture(tmp_path)
    assert FOLLOW in source.read_text()  # a real capture: commits of the app.bsky lexicons
    store = Store()
    result = scan([source], store, use_model=False)
    verdict = next(v for v in result.verdicts if v["account_id"] == SPAMMER)
    assert verdict["flagged"] and "link_reply_spam" in verdict["patterns"]
    finding = next(f for f in verdict["findings"] if f["detector"] == "link_reply_spam")
    assert finding["evidence"]["top_url"] == "whatsapp:+447911123456"
    assert finding["evidence"]["top_url_repeat_count"] == 5
    assert "the same contact whatsapp:+447911123456" in finding["summary"]
    assert "replies carry a link or contact" in finding["summary"]
    posts = finding["evidence"]["posts"]
    assert posts and all(p["contacts"] == ["whatsapp:+447911123456"] for p in posts)
    assert all(not p["urls"] for p in posts)
    others = [v for v in result.verdicts if v["account_id"] != SPAMMER]
    assert others and not any(v["flagged"] for v in others)


def test_a_link_keeps_its_wording() -> None:
    row = {"top_url": "bit.ly/x", "top_url_repeat_count": 9}
    assert LinkReplySpamDetector().phrase_values(row) == {"item": "link", "carried": "a link"}


def test_the_stream_counts_contacts_as_the_batch_does(tmp_path: Path) -> None:
    source = _capture(tmp_path)
    engine, _ = replay(lines_of(source), StreamSettings(window_s=1e10, use_model=False))
    stream = {(r["platform"], r["account_id"]): r for r in engine.features().to_pylist()}
    batch = batch_features(source)
    assert_same_features(stream, batch)
    assert stream[("bluesky", SPAMMER)]["top_url"] == "whatsapp:+447911123456"


def test_a_contact_and_a_link_are_items_side_by_side() -> None:
    """One Telegram account written three ways is one contact, repeated three times."""
    store = Store()
    posts = [
        {"post_id": str(i), "text": t, "reply_to_account_id": "b", "created_at": None}
        for i, t in enumerate(
            [
                "see bit.ly/x",
                "see bit.ly/x",
                "t.me/promo_bot",
                "telegram @Promo_Bot",
                "TELEGRAM: @promo_bot",
            ]
        )
    ]
    table = model.to_table("posts", [{**p, "platform": "x", "account_id": "a"} for p in posts])
    store.load("posts", enrich_posts(table))
    row = compute_features(store).to_pylist()[0]
    assert row["top_url"] == "telegram:@promo_bot"
    assert row["top_url_repeat_count"] == 3
    assert row["distinct_urls"] == 3  # bit.ly/x, the t.me link, and the contact it names
    assert row["replies_with_link_count"] == 5
    assert row["link_share"] == 1.0
    assert row["shortened_link_share"] == pytest.approx(2 / 3)  # links alone: 2 bit.ly, 1 t.me


def test_ingest_of_a_tabular_source_fills_contacts(tmp_path: Path) -> None:
    folder = tmp_path / "tab"
    folder.mkdir()
    (folder / "accounts.csv").write_text("platform,account_id,handle\ntwitter,a,ann\n")
    (folder / "posts.csv").write_text(
        'platform,post_id,account_id,text\ntwitter,1,a,"mail me: ann@example.org"\n'
    )
    store = Store()
    ingest([folder], store)
    assert store.sql("SELECT contacts FROM posts") == [(["mailto:ann@example.org"],)]
