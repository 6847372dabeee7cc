"""The audience audit and the mirror, on a small audience whose every number is known
(see tests/report_support.py): quality score, pattern counts, the burst of bought followers,
the sample's uncertainty, percentiles and advice, French, and hostile text shown as text."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from rich.console import Console

from tests.report_support import HOSTILE, write_audience
from tigerblood.detectors.registry import detector_classes
from tigerblood.ingest.pipeline import ingest
from tigerblood.reports import stats
from tigerblood.reports.audit import AccountNotFoundError, audit
from tigerblood.reports.commands import audit_command, mirror_command
from tigerblood.reports.growth import growth
from tigerblood.reports.i18n import LOCALE_DIR, get_lang
from tigerblood.reports.mirror import mirror
from tigerblood.reports.reference import reference
from tigerblood.reports.render import audit_html, mirror_html, to_json
from tigerblood.reports.signals import status
from tigerblood.reports.terminal import audit_summary
from tigerblood.store import Store

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_audience(tmp_path_factory.mktemp("audience"))


@pytest.fixture(scope="module")
def store(data: Path) -> Store:
    store = Store()
    ingest([data], store)
    return store


@pytest.fixture(scope="module")
def carol(store: Store):
    return audit(store, "carol")


@pytest.fixture(scope="module")
def spammy(store: Store):
    return mirror(store, "spammy")


def by_feature(report) -> dict:
    return {b.behaviour.feature: b for b in report.behaviours}


def test_quality_score_is_the_unflagged_share_of_followers_and_repliers(carol) -> None:
    # 60 followers (20 flagged) + 3 repliers/mentioners (1 flagged): 42 of 63 roles not flagged.
    assert carol.quality == pytest.approx(100 * 42 / 63)
    low, high = carol.quality_interval
    assert low < carol.quality < high
    assert (round(low, 1), round(high, 1)) == (54.4, 77.1)


def test_the_expected_share_is_the_mean_score_and_is_quoted_with_its_measured_error(carol) -> None:
    scores = [m.score for m in carol.followers.members if m.judged and m.scored_by == "model"]
    assert scores and carol.followers.expected_of == len(scores)
    assert carol.followers.expected_share == pytest.approx(sum(scores) / len(scores))
    assert 0 < carol.followers.expected_share < 1
    html = audit_html(carol)
    share = f"{round(100 * carol.followers.expected_share)}%"
    assert f"Expected share inauthentic (mean calibrated score): {share}" in html
    assert carol.share_error is not None
    mean = carol.share_error["expected_mean_abs_error"]
    assert f"measured error {round(100 * mean)} points on average" in html


@pytest.mark.parametrize(
    ("scored", "expected"),
    [
        ([("model", 0.9), ("model", 0.1), ("rules", 0.0), ("rules", 0.0)], 0.5),
        ([("rules", 0.0), ("rules", 0.7)], None),  # the rules' scores are no probabilities
    ],
)
def test_the_expected_share_averages_only_the_models_calibrated_scores(
    scored: list[tuple[str, float]], expected: float | None
) -> None:
    from tigerblood.reports.audience import Member
    from tigerblood.reports.audit import Group

    members = [
        Member("bluesky", str(n), None, True, score >= 0.5, score, [], None, scored_by=by)
        for n, (by, score) in enumerate(scored)
    ]
    group = Group.of(members)
    assert group.expected_share == (None if expected is None else pytest.approx(expected))
    assert group.expected_of == sum(by == "model" for by, _ in scored)


def test_followers_and_repliers_are_counted_per_pattern(carol) -> None:
    assert (len(carol.followers.members), carol.followers.flagged) == (60, 20)
    assert carol.followers.patterns == {"follow_farming": 20}
    assert "1099" not in {m.account_id for m in carol.followers.members}  # unfollowed
    assert {m.account_id for m in carol.repliers.members} == {"3000", "1001", "4000"}
    assert carol.repliers.patterns == {"link_reply_spam": 1}


def test_when_followers_arrive_together_and_are_flagged_then_a_bought_burst(carol) -> None:
    [burst] = carol.growth.bursts
    assert (burst.start, burst.end, burst.new_followers, burst.flagged) == (
        "2024-03-20",
        "2024-03-20",
        22,
        20,
    )
    assert burst.flagged_share == pytest.approx(20 / 22)
    assert burst.kind == "bought"
    assert carol.growth.baseline_flagged_share == 0
    assert (carol.growth.median, carol.growth.cutoff) == (1, pytest.approx(1 + 3.5 * 1.4826))


def test_when_the_profile_declares_more_followers_then_the_sample_is_stated(carol) -> None:
    assert carol.is_sample and carol.declared_followers == 80
    assert carol.followers.interval == pytest.approx(stats.wilson(20, 60))
    html = audit_html(carol)
    assert "Only a sample of the followers is in the data: 60 of 80 (75%)" in html
    assert "between 23% and 46%" in html


def test_replies_from_flagged_accounts_are_listed_with_their_posts(carol) -> None:
    assert {p["post_id"] for p in carol.flagged_posts} == {f"s{i}" for i in range(10)}
    assert carol.posts_received == 13  # 10 spam replies, 2 genuine replies, 1 mention


def test_mirror_places_the_account_among_genuine_accounts_and_advises(spammy) -> None:
    links = by_feature(spammy)["replies_with_link_share"]
    p95 = reference()["features"]["replies_with_link_share"]["percentiles"]["p95"]
    assert (links.value, links.standing, links.limit, links.limit_source) == (
        1.0,
        "trips",
        p95,
        "reference",
    )
    assert (links.reference.percentile, links.reference.outside) == (99, 1)
    en = get_lang("en")
    assert links.advice(en).startswith(
        "100% of your replies carry a link or a contact (a phone number, WhatsApp, Telegram, "
        "an e-mail address…). Genuine accounts of Cresci-2015 (Twitter, 2013, 1,919 accounts) "
        f"stay under {en.pct(p95)}."
    )
    assert [(s.detector, s.status) for s in links.signals] == [("link_reply_spam", "trips")]
    same = by_feature(spammy)["top_url_share"]
    assert same.local is not None and same.local.percentile == 100
    assert spammy.posts["top_url_posts"]["total"] == 10


def test_mirror_of_a_genuine_looking_account_gives_no_advice(store: Store) -> None:
    report = mirror(store, "twitter:100")
    assert {b.standing for b in report.behaviours} <= {"typical", "no_reference", "unknown"}
    assert all(b.advice(get_lang("en")) is None for b in report.behaviours)
    assert "Nothing: no behaviour measured meets or nears a detector threshold" in mirror_html(
        report
    )


def test_mirror_thresholds_are_the_detector_classes_own(spammy) -> None:
    classes = detector_classes()
    for check in spammy.detectors:
        for signal in check.signals:
            assert signal.threshold == classes[check.detector].THRESHOLDS[signal.threshold_name]


@pytest.mark.parametrize(
    ("op", "value", "threshold", "expected"),
    [
        (">=", 0.5, 0.5, "trips"),
        (">=", 0.41, 0.5, "near"),
        (">=", 0.39, 0.5, "clear"),
        ("<=", 0.11, 0.1, "near"),
        ("<=", 0.13, 0.1, "clear"),
        ("<=", None, 0.1, "unknown"),
    ],
)
def test_nearly_trips_means_within_twenty_percent(op, value, threshold, expected) -> None:
    assert status(op, value, threshold) == expected


def test_unknown_account_is_an_error(store: Store) -> None:
    with pytest.raises(AccountNotFoundError):
        audit(store, "nobody-here")


def test_french_reports_come_from_the_catalogue(carol, spammy) -> None:
    fr = get_lang("fr")
    html = audit_html(carol, fr)
    assert '<html lang="fr">' in html
    assert "Audit d'audience\u00a0: @carol" in html and "audience achetée" in html
    advice = json.loads(to_json(spammy, fr))["behaviours"][0]["advice"]
    assert advice.startswith("100\u00a0% de vos réponses contiennent un lien ou un contact")
    assert "Comptes authentiques de Cresci-2015 (Twitter, 2013, 1\u202f919 comptes)" in advice
    assert "Ce qui ressort" in mirror_html(spammy, fr)


def test_compiled_catalogue_matches_its_source() -> None:
    folder = LOCALE_DIR / "fr" / "LC_MESSAGES"
    with (folder / "tigerblood.po").open("rb") as po, (folder / "tigerblood.mo").open("rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    assert {m.id: m.string for m in source if m.id} == {m.id: m.string for m in compiled if m.id}


def test_every_message_of_the_reports_is_translated_in_french() -> None:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    root = Path(__file__).resolve().parents[1] / "tigerblood" / "reports"
    found = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(root, method_map, options)
    }
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "tigerblood.po").open("rb") as po:
        translated = {m.id for m in read_po(po) if m.id and m.string}
    assert found and found <= translated, sorted(found - translated)


def test_hostile_bio_and_post_are_shown_as_text(carol, spammy) -> None:
    for html in (audit_html(carol), mirror_html(spammy), mirror_html(spammy, get_lang("fr"))):
        assert HOSTILE not in html and "<script" not in html
        assert "<b>Spam</b>" not in html
        assert 'src="http' not in html and 'href="http' not in html
    assert ESCAPED in audit_html(carol)  # the post s0
    assert f'<p class="bio">{ESCAPED}</p>' in mirror_html(spammy)


def test_json_output_holds_every_account_and_post(carol) -> None:
    data = json.loads(to_json(carol))
    assert data["report"] == "audit" and data["target"]["key"] == "twitter:100"
    assert len(data["followers"]["members"]) == 60
    assert data["growth"]["bursts"][0]["kind"] == "bought"
    assert len(data["growth"]["bursts"][0]["members"]) == 22


def test_terminal_summary_escapes_markup_from_the_data(carol) -> None:
    console = Console(record=True, width=100)
    target = dataclasses.replace(carol.target, handle="[red]evil[/red]")
    audit_summary(dataclasses.replace(carol, target=target), get_lang("en"), console)
    assert "@[red]evil[/red]" in console.export_text()


def test_commands_write_html_and_print_json(data: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "store.duckdb"
    assert audit_command("carol", [data], db=db) == 0
    assert "Audience audit: @carol" in (tmp_path / "audit-carol.html").read_text()
    assert "Report written to audit-carol.html" in capsys.readouterr().out
    assert mirror_command("spammy", [], db=db, as_json=True, lang="fr") == 0
    printed = json.loads(capsys.readouterr().out)
    assert (
        printed["report"] == "mirror" and "Miroir" in (tmp_path / "mirror-spammy.html").read_text()
    )
    assert audit_command("nobody-here", [], db=db) == 1
    assert audit_command("carol", []) == 2


def test_growth_without_dates_has_no_series() -> None:
    assert growth([]).days == [] and growth([]).bursts == []


def test_stats_behave_at_the_edges() -> None:
    assert stats.wilson(0, 0) == (0.0, 1.0)
    assert stats.robust_scale([2, 2, 2]) == (2, 0)
    assert stats.percentile_in({1: 0.0, 50: 0.0, 99: 1.0}, 0.0) == 25.5
    assert stats.empirical_percentile([1, 2, 3, 4], 3) == 62.5


def test_the_shipped_reference_says_where_it_comes_from() -> None:
    ref = reference()
    assert ref["population"]["accounts"] == 1950 and "Cresci" in ref["population"]["citation"]
    for feature in ("replies_with_link_share", "top_url_share", "followers_per_following"):
        assert ref["features"][feature]["n"] > 1000


def test_pitch_endings_are_shown_from_the_feature_table(store: Store, spammy) -> None:
    # ``spammy`` (a mirror) has judged the store: the feature table exists whichever worker and
    # order this test runs in.
    before = store.sql("SELECT pitch_ending_share FROM features WHERE account_id = '3000'")[0][0]
    store.sql("UPDATE features SET pitch_ending_share = 0.9 WHERE account_id = '3000'")
    try:
        pitch = by_feature(mirror(store, "spammy"))["pitch_ending_share"]
        assert pitch.value == 0.9 and pitch.reference is None
    finally:
        store.sql("UPDATE features SET pitch_ending_share = ? WHERE account_id = '3000'", [before])
