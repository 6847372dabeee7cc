"""Brand and service accounts (issue 14 item 7, DESIGN §3.3): an account whose most repeated link
points at its own site (a profile link that is not a shared platform, or a Bluesky domain handle)
is reported as a brand or service publishing itself, not flagged for broadcasting its own links
or posting by the clock, and flagged as usual for what that does not excuse (link-reply spam).

Fixtures are Jetstream captures written to the platform's schema (:mod:`tests.jetstream_support`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.jetstream_support import Jetstream, watched
from tigerblood.features.compute import compute_features
from tigerblood.features.profile import on_own_site, own_site_of
from tigerblood.ingest.pipeline import ingest
from tigerblood.scan import scan
from tigerblood.store import Store

START = datetime(2025, 5, 6, 9, 0, tzinfo=UTC)
SALE = "https://shop.example.com/spring-sale"


def capture(
    path: Path, handle: str, *, website: str | None = None, replies: bool = False
) -> tuple[Path, str]:
    """Twenty strangers posting, and one account posting its spring-sale link every hour to
    everyone for a day and a half; with ``replies`` it also answers each stranger with it."""
    cap = Jetstream(seed=11)
    roots = []
    for i in range(20):
        person = cap.did()
        cap.profile(person, f"walker{i}.bsky.social", START - timedelta(days=400))
        roots.append(cap.post(person, START + timedelta(minutes=9 * i), f"Morning run {i}."))
    shop = cap.did()
    cap.profile(shop, handle, START - timedelta(days=700), website=website)
    for i in range(36):
        text = f"New in the spring sale, item {i}: shop.example.com/spring-sale"
        cap.post(shop, START + timedelta(hours=i), text, link=SALE)
    if replies:
        for i, root in enumerate(roots):
            at = START + timedelta(minutes=9 * i + 2)
            cap.post(shop, at, "Our sale: shop.example.com/spring-sale", link=SALE, reply_to=root)
    return cap.write(path), shop


def verdict(path: Path, account_id: str, use_model: bool) -> dict:
    result = scan([path], Store(), use_model=use_model)
    return next(v for v in result.verdicts if v["account_id"] == account_id)


@pytest.fixture(params=[True, False], ids=["model", "rules"])
def use_model(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.mark.parametrize(
    ("handle", "website"),
    [
        ("shop.example.com", None),  # a Bluesky domain handle: the protocol checked the domain
        ("shopkeeper.bsky.social", "https://www.shop.example.com/"),  # its profile's website
        ("shopkeeper.bsky.social", "https://example.com"),  # the shop is a subdomain of its site
    ],
    ids=["domain-handle", "profile-website", "parent-domain"],
)
def test_a_shop_broadcasting_its_own_sale_is_a_brand_not_manufactured_engagement(
    tmp_path: Path, handle: str, website: str | None, use_model: bool
) -> None:
    path, shop = capture(tmp_path / "shop.jsonl", handle, website=website)
    found = verdict(path, shop, use_model)
    assert found["declared"] == "service"
    assert not found["flagged"] and found["patterns"] == []
    assert "promotional_broadcast" in {f["pattern"] for f in found["findings"]}  # evidence stays
    assert found["undeclared_score"] >= found.get("threshold", 0.5) > found["score"]
    site = found["declared_evidence"]["own_site"]
    assert site in {"shop.example.com", "example.com"} and site in found["declared_reason"]
    assert found["declared_evidence"]["top_url_repeat_count"] == 36


@pytest.mark.parametrize(
    "website",
    [None, "https://linktr.ee/springshop", "https://www.facebook.com/springshop"],
    ids=["no-website", "link-in-bio", "facebook-page"],
)
def test_the_same_broadcast_without_a_site_of_its_own_is_flagged(
    tmp_path: Path, website: str | None
) -> None:
    path, shop = capture(tmp_path / "twin.jsonl", "springshop.bsky.social", website=website)
    found = verdict(path, shop, use_model=False)
    assert found["flagged"] and "promotional_broadcast" in found["patterns"]
    assert "declared" not in found


def test_a_brand_replying_to_strangers_with_its_own_link_is_flagged_for_link_reply_spam(
    tmp_path: Path, use_model: bool
) -> None:
    path, shop = capture(tmp_path / "spam.jsonl", "shop.example.com", replies=True)
    found = verdict(path, shop, use_model)
    assert found["declared"] == "service"
    assert found["flagged"] and "link_reply_spam" in found["patterns"]
    assert "flagged for what publishing one's own site does not excuse" in found["declared_reason"]


PROFILES = [
    # handle, website, the link it repeats
    ("news.example.org", None, "https://news.example.org/live"),
    ("news.example.org", "https://linktr.ee/news", "https://news.example.org/live"),
    ("reader.bsky.social", "https://Blog.Example.NET/about", "https://blog.example.net/p/1"),
    ("reader.bsky.social", "https://bit.ly/3xyz", "https://bit.ly/3xyz"),
    ("reader.bsky.social", "https://it.linkedin.com/in/reader", "https://it.linkedin.com/feed"),
    ("reader.bsky.social", "https://reader.substack.com", "https://reader.substack.com/p/2"),
    ("reader.bsky.social", "https://substack.com/@reader", "https://substack.com/@reader"),
    ("example.com", None, "https://notexample.com/x"),
    ("example.com", None, "https://www.example.com:8443/path"),
]


def test_the_stream_twins_compute_own_site_as_the_feature_expression_does(
    tmp_path: Path,
) -> None:
    """One definition, two spellings: the Python functions the stream uses give the columns the
    Ibis expression gives, on every case of :data:`PROFILES`."""
    cap = Jetstream(seed=5)
    expected = {}
    for i, (handle, website, link) in enumerate(PROFILES):
        did = cap.did()
        cap.profile(did, handle, START, website=website)
        for k in range(2):
            label = link.split("://", 1)[1]
            cap.post(did, START + timedelta(minutes=10 * i + k), f"see {label}", link=link)
        site = own_site_of("bluesky", handle, [website] if website else None)
        expected[did] = (site, on_own_site(link, site))
    store = Store()
    ingest([cap.write(tmp_path / "profiles.jsonl")], store)
    rows = compute_features(store).select(["account_id", "own_site", "top_url_on_own_site"])
    got = {r["account_id"]: (r["own_site"], r["top_url_on_own_site"]) for r in rows.to_pylist()}
    assert got == expected
    sites = [site for site, _ in expected.values()]
    assert sites[2] == "blog.example.net" and sites[3] is None and sites[4] is None
    assert sites[5] == "reader.substack.com" and sites[6] is None
    assert [on for _, on in expected.values()][-2:] == [False, True]


def test_watch_reads_the_own_site_and_does_not_flag_the_shop_but_flags_its_twin(
    tmp_path: Path,
) -> None:
    path, shop = capture(tmp_path / "shop.jsonl", "shopkeeper.bsky.social", website=SALE)
    row, flagged = watched(path, shop)
    assert row["own_site"] == "shop.example.com" and row["top_url_on_own_site"] is True
    assert flagged == []
    path, twin = capture(tmp_path / "twin.jsonl", "springshop.bsky.social")
    row, flagged = watched(path, twin)
    assert row["own_site"] is None and flagged
    assert "promotional_broadcast" in flagged[-1]["patterns"]
