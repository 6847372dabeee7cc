"""Likes and follower-count readings in the audit (tests/report_support.write_engagement):
who liked the account's posts and whether they are flagged, and what the count did over time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.report_support import (
    PURGED,
    SNAPSHOT_DAYS,
    START,
    carol_follower_count,
    write_engagement,
)
from tigerblood.ingest.pipeline import ingest
from tigerblood.reports.audit import audit
from tigerblood.reports.count_growth import MIN_INTERVALS, count_growth, readings
from tigerblood.reports.i18n import get_lang
from tigerblood.reports.render import audit_html, to_json
from tigerblood.reports.target import Target
from tigerblood.store import Store


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_engagement(tmp_path_factory.mktemp("engagement"))


@pytest.fixture(scope="module")
def store(data: Path) -> Store:
    store = Store()
    ingest([data], store)
    return store


@pytest.fixture(scope="module")
def carol(store: Store):
    return audit(store, "carol")


def test_likes_of_the_accounts_posts_are_counted_by_author_or_by_post(carol) -> None:
    # 5 by spammy, 10 by fans (author named), 5 by readers (author blank, matched on c1).
    assert carol.likes_received == 20
    likers = {m.account_id for m in carol.likers.members}
    assert likers == {
        "3000",
        *(str(2000 + n) for n in range(10)),
        *(str(1000 + n) for n in range(5)),
    }
    fan = next(m for m in carol.likers.members if m.account_id == "2000")
    assert [p["post_id"] for p in fan.posts] == ["c5"]  # its like of birder's m1 is not carol's


def test_when_flagged_accounts_like_the_posts_then_each_like_is_listed(carol) -> None:
    flagged = {(p["account_id"], p["post_id"]) for p in carol.flagged_likes}
    expected = {("3000", f"c{i}") for i in range(5)} | {(str(2000 + n), "c5") for n in range(10)}
    assert flagged == expected
    assert all(p["kind"] == "like" and p["patterns"] for p in carol.flagged_likes)
    assert carol.likers.flagged == 11 and carol.likers.judged == 16
    c0 = next(p for p in carol.flagged_likes if p["post_id"] == "c0")
    assert c0["text"].startswith("Bird note 0")  # the liked post, so a person sees which


def test_quality_score_counts_likers_as_a_role(carol) -> None:
    # followers 60 (20 flagged) + repliers 3 (1 flagged) + likers 16 (11 flagged).
    assert carol.quality == pytest.approx(100 * (79 - 32) / 79)


def test_every_count_reading_is_kept_and_the_latest_is_declared(store: Store, carol) -> None:
    rows = store.sql(
        "SELECT count(*) FROM account_snapshots WHERE platform = 'twitter' AND account_id = '100'"
    )
    assert rows[0][0] == len(SNAPSHOT_DAYS) + 1  # the readings file + the profile's own reading
    assert carol.declared_followers == 80  # the profile, read on 2024-06-01, is the latest
    assert [p["followers"] for p in carol.count_growth.points[:-1]] == [
        carol_follower_count(day) for day in SNAPSHOT_DAYS
    ]


def test_when_followers_jump_together_then_the_jump_is_marked_and_read_as_bought(carol) -> None:
    jumps = [i for i in carol.count_growth.anomalies if i.anomaly == "jump"]
    assert [(i.start[:10], i.end[:10]) for i in jumps] == [("2024-03-17", "2024-03-21")]
    [jump] = jumps
    fans = {str(2000 + n) for n in range(20)}
    assert fans <= set(jump.members)
    assert jump.flagged == len([m for m in jump.members if m in fans]) == 20
    assert jump.kind == "bought"


def test_when_followers_are_purged_then_a_drop_is_marked(carol) -> None:
    drops = [i for i in carol.count_growth.anomalies if i.anomaly == "drop"]
    assert [(i.start[:10], i.gain) for i in drops] == [("2024-04-14", -PURGED)]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([100, 101, 102, 103, 104, 105], []),  # steady: nothing unusual
        ([100, 101, 102, 800, 801, 802], ["jump"]),
        ([500, 501, 502, 100, 101, 102], ["drop"]),
        ([100, 100, 100, 100, 100, 104], []),  # unusual but under 5 a day: noise
        ([100, 101, 500, 501], []),  # three intervals: too few to know what is usual
    ],
)
def test_anomalies_need_a_rate_far_from_usual_and_enough_readings(counts, expected) -> None:
    times = [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=d) for d in range(len(counts))]
    growth = count_growth(list(zip(times, counts, strict=True)), [])
    assert [i.anomaly for i in growth.anomalies] == expected
    assert growth.enough == (len(counts) - 1 >= MIN_INTERVALS)


def test_html_shows_likes_and_the_count_chart_in_both_languages(carol) -> None:
    html = audit_html(carol)
    assert 'id="flagged-likes-count">15<' in html
    assert "Follower count over time" in html and 'id="count-anomaly-1"' in html
    assert "Likes are not in" not in html
    french = audit_html(carol, get_lang("fr"))
    assert "J’aime" in french or "J'aime" in french


def test_json_lists_every_like_and_reading(carol) -> None:
    data = json.loads(to_json(carol))
    assert len(data["flagged_likes"]) == 15 and data["likes_received"] == 20
    assert len(data["count_growth"]["points"]) == len(SNAPSHOT_DAYS) + 1
    assert START.isoformat()[:10] == data["count_growth"]["points"][0]["at"][:10]


def test_without_likes_or_readings_the_report_says_so(tmp_path: Path) -> None:
    folder = write_engagement(tmp_path / "d")
    (folder / "likes.csv").unlink()
    (folder / "account_snapshots.csv").unlink()
    store = Store()
    ingest([folder], store)
    report = audit(store, "carol")
    assert report.likes_received == 0 and report.flagged_likes == []
    assert len(report.count_growth.points) == 1  # only the profile's own reading
    html = audit_html(report)
    assert "No likes of this account" in html and "read only once" in html


def test_readings_minutes_apart_are_one_reading(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "account_snapshots.csv").write_text(
        "platform,account_id,observed_at,followers_count\n"
        "twitter,9,2024-01-01 10:00:00+00,100\n"
        "twitter,9,2024-01-01 10:00:05+00,101\n"  # the next page of the same collection
        "twitter,9,2024-01-02 10:00:00+00,130\n",
        encoding="utf-8",
    )
    store = Store()
    ingest([folder], store)
    target = Target("twitter", "9", None)
    assert [(t.day, n) for t, n in readings(store, target)] == [(1, 101), (2, 130)]


def test_the_audit_sets_the_follower_count_beside_what_the_audience_does(carol) -> None:
    # 80 declared, 60 observed (20 bought-looking fans flagged); readers 1000-1039 post, 1001
    # replied; 15 followers liked (5 readers, 10 fans); the burst week brought the 20 fans.
    words = carol.plain_words()
    judged = [m.score for m in carol.followers.members if m.calibrated]
    expected = f"{100 * sum(judged) / len(judged):.1f}%"
    error = round(100 * carol.share_error["expected_mean_abs_error"])
    assert words[:4] == [
        "80 followers on the profile; 60 of them are in the data.",
        "33.3% of the followers that could be judged are flagged.",
        f"Their scores add up to about {expected} inauthentic, a figure that was off by {error} "
        "points on average on labelled data sets the model never saw.",
        "Of the 40 followers whose own posts are in the data, 2.5% ever replied to it or "
        "mentioned it.",
    ]
    assert "25.0% of the followers in the data liked one of its posts." in words
    assert "Among the followers who interact, 67% are flagged." in words  # 10 of 15
    rise = carol.credibility.rise
    assert (rise.source, rise.added, rise.flagged) == ("follows", 28, 20)
    assert "added 28 followers, 71% of them flagged." in words[-2]
    french = " ".join(carol.plain_words(get_lang("fr")))
    assert "abonnés selon le profil" in french and "71\u00a0%" in french
    assert "Leurs scores totalisent environ" in french
    assert 'id="plain-words"' in audit_html(carol)
    assert json.loads(to_json(carol, get_lang("fr")))["plain_words"][0].startswith("80 abonnés")


def test_what_the_audit_cannot_measure_it_says(tmp_path: Path) -> None:
    from tigerblood.reports.count_growth import CountGrowth
    from tigerblood.reports.credibility import credibility, plain_words
    from tigerblood.reports.growth import growth

    empty = CountGrowth([], [], 0.0, 0.0, False)
    c = credibility(1_200_000, [], [], [], set(), False, growth([]), empty)
    assert plain_words(c, get_lang("en")) == [
        "1.2M followers on the profile, none of them in the data: who they are and what they "
        "do cannot be measured.",
        "Growth over time cannot be measured: no follow dates, and the count was not read twice.",
    ]
    assert c.missing == ["no_followers", "no_growth"]


def test_without_follow_dates_the_fastest_rise_comes_from_the_count_readings() -> None:
    from tigerblood.reports.credibility import fastest_reading

    times = [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=7 * d) for d in range(4)]
    counts = count_growth(list(zip(times, [1_000, 1_100, 301_100, 301_200], strict=True)), [])
    rise = fastest_reading(counts, [])
    assert rise is not None and (rise.added, rise.start, rise.flagged_share) == (
        300_000,
        "2024-01-08",
        None,
    )
