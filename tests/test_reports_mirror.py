"""The mirror as issue 18 means it: honest standings (a named population or none), advice for
every line that meets or nears a threshold in English and French, listening and borrowed reach,
and a mirror that says what it cannot measure and why (tests/mirror_support.py)."""

from __future__ import annotations

import json

import pytest

from tests.mirror_support import write_hard_cases
from tigerblood.ingest.pipeline import ingest
from tigerblood.reports.audit import audit
from tigerblood.reports.behaviours import BEHAVIOURS, Behaviour
from tigerblood.reports.i18n import get_lang
from tigerblood.reports.mirror import (
    NO_REFERENCE,
    BehaviourResult,
    mirror,
    population_name,
    rank,
    result_of,
)
from tigerblood.reports.reference import (
    Population,
    against_local,
    against_reference,
    provenance,
)
from tigerblood.reports.render import audit_html, mirror_html, to_json
from tigerblood.reports.signals import DetectorCheck, SignalCheck
from tigerblood.reports.unmeasured import REASONS
from tigerblood.store import Store

EN, FR = get_lang("en"), get_lang("fr")
IDS = [b.feature for b in BEHAVIOURS]
TIMED = {"median_interval_s": 3600.0, "account_age_days": 100.0}
"""Row fields that say times stand behind a rate (unmeasured.supported)."""
SCANNED = Population("scanned", "unflagged", "bluesky", "the data scanned", "2025", 30)
SPREAD = [0.2 + 0.6 * i / 29 for i in range(30)]
"""A scanned population of 30 values between 0.2 and 0.8."""


def ends(b: Behaviour) -> tuple[float, float]:
    """The two ends of the behaviour's scale: 0 and 1 for a share, 0 and a million otherwise."""
    return 0.0, 1.0 if b.unit == "share" else 1e6


def placed(b: Behaviour, value: float) -> BehaviourResult:
    """The line for ``value`` against the shipped reference, or the scanned spread without it."""
    ref = against_reference(b.feature, value)
    local = None if ref is not None else against_local(SPREAD, value, SCANNED)
    return result_of(b, {b.feature: value, **TIMED}, [], ref, local)


@pytest.mark.parametrize("b", BEHAVIOURS, ids=IDS)
@pytest.mark.parametrize("end", ["low", "high"])
def test_every_standing_names_its_population_at_each_end_of_the_scale(
    b: Behaviour, end: str
) -> None:
    value = ends(b)[end == "high"]
    result = placed(b, value)
    suspicious = (end == "high") == (b.suspicious == "high")
    assert result.standing == ("unusual" if suspicious else "typical")
    basis = result.basis
    assert basis is not None and basis.population is not None
    named = population_name(EN, result.population)
    if result.reference is not None:
        assert basis.population.kind == "reference" and 0 < basis.n == basis.population.accounts
        assert (
            named == f"Genuine accounts of Cresci-2015 (Twitter, 2013, {EN.num(basis.n)} accounts)"
        )
        assert 1 <= basis.percentile <= 99
    else:
        assert named == "Unflagged accounts in this data (Bluesky, 2025, 30 accounts)"
        assert basis.percentile == (100.0 if end == "high" else 0.0)
        assert rank(EN, basis) == ("above the 99th" if end == "high" else "below the 1st")
    if basis.outside:
        assert rank(EN, basis) == ("above the 99th" if basis.outside > 0 else "below the 1st")
        assert rank(FR, basis) != rank(EN, basis)


def test_the_reference_named_is_the_one_the_file_describes() -> None:
    population = provenance()
    assert "Twitter, 2013" in population["data"] and "cresci-2015" in population["data"]


@pytest.mark.parametrize("b", BEHAVIOURS, ids=IDS)
def test_without_a_population_a_line_says_no_reference_and_gives_no_standing(
    b: Behaviour,
) -> None:
    result = result_of(b, {b.feature: ends(b)[b.suspicious == "high"], **TIMED}, [], None, None)
    assert (result.standing, result.population, result.limit) == ("no_reference", None, None)
    assert result.advice(EN) is None  # no standing, no threshold: nothing to advise


def signal(b: Behaviour, status: str) -> SignalCheck:
    op = ">=" if b.suspicious == "high" else "<="
    return SignalCheck("a_detector", b.feature, "a_threshold", op, 0.5, 0.5, status, True)


@pytest.mark.parametrize("b", BEHAVIOURS, ids=IDS)
@pytest.mark.parametrize("status", ["trips", "near"])
@pytest.mark.parametrize("compared", [True, False], ids=["with-population", "no-reference"])
def test_every_line_that_trips_or_nearly_trips_advises_in_english_and_french(
    b: Behaviour, status: str, compared: bool
) -> None:
    value = ends(b)[b.suspicious == "high"] if b.unit == "share" else 42.0
    detector = DetectorCheck("a_detector", "p", 1.0, 0.5, True, "open", [signal(b, status)])
    row = {b.feature: value, **TIMED}
    if b.companion is not None:
        row[b.companion.feature] = 0.6
    local = against_local(SPREAD, value, SCANNED) if compared else None
    result = result_of(b, row, [detector], None, local)
    assert result.standing == status
    english, french = result.advice(EN), result.advice(FR)
    assert english and french and english != french
    assert english.endswith(EN.gettext(b.tip)) and french.endswith(FR.gettext(b.tip))
    assert FR.gettext(b.tip) != b.tip and FR.gettext(b.says) != b.says
    assert english.startswith(str(result.statement(EN)))
    assert french.startswith(str(result.statement(FR)))
    if compared:
        assert "Unflagged accounts in this data (Bluesky, 2025, 30 accounts)" in english
        assert "Comptes non signalés de ces données (Bluesky, 2025, 30 comptes)" in french
    else:
        assert EN.gettext(NO_REFERENCE) in english and FR.gettext(NO_REFERENCE) in french
    if b.companion is not None:
        assert FR.gettext(b.companion.says) != b.companion.says


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store()
    ingest([write_hard_cases(tmp_path_factory.mktemp("hard"))], store)
    return store


def lines(report) -> dict[str, BehaviourResult]:
    return {r.behaviour.feature: r for r in report.behaviours}


def test_a_phone_number_spammer_sees_its_contacts_its_strangers_and_its_borrowed_reach(
    store: Store,
) -> None:
    report = mirror(store, "dealsphone.example.social")
    by = lines(report)
    links = by["replies_with_link_share"]
    assert (links.value, links.standing) == (1.0, "trips")
    assert links.advice(EN).startswith("100% of your replies carry a link or a contact")
    assert by["answering_reply_share"].value == 0.0  # every reply under a stranger's post
    reach = by["big_target_share"]
    assert (reach.value, reach.companion) == (pytest.approx(5 / 6), 1.0)
    html = mirror_html(report)
    assert (
        "83% of your replies and mentions go to accounts with 100 times your followers or "
        "more. 100% of those carry your link, contact or pitch."
    ) in html
    assert report.ranked()[0].behaviour.patterns[0] == "link_reply_spam"
    assert "link_reply_spam" in (report.verdict or {}).get("patterns", [])


EXPECTED_REASONS = {
    "ghostly": {b.feature: "no_row" for b in BEHAVIOURS},
    "silent": {"replies_with_link_share": "posts", "following_count": "counts"},
    "undated": {
        "posts_per_day": "times",
        "interval_cv": "times",
        "answering_reply_share": "replies",
    },
}


@pytest.mark.parametrize("who", sorted(EXPECTED_REASONS))
def test_a_mirror_says_what_cannot_be_measured_and_why(store: Store, who: str) -> None:
    report = mirror(store, f"bluesky:{who}")
    by = lines(report)
    for feature, code in EXPECTED_REASONS[who].items():
        assert (by[feature].value, by[feature].standing, by[feature].reason) == (
            None,
            "unknown",
            code,
        )
    for lang in (EN, FR):
        html = mirror_html(report, lang)
        assert lang.gettext("What cannot be measured, and why") in html
        for code in set(EXPECTED_REASONS[who].values()):
            assert lang.gettext(REASONS[code]).replace("'", "&#39;") in html
    data = json.loads(to_json(report, FR))
    assert {b["why_unknown"] for b in data["behaviours"] if b["feature"] in EXPECTED_REASONS[who]}
    assert "<html" in audit_html(audit(store, f"bluesky:{who}"))


def test_a_rate_without_times_is_not_given(store: Store) -> None:
    # The feature table computes posts per day for undated posts (span floored at a day); the
    # mirror does not repeat it: a reason names only what the data supports.
    row = store.sql("SELECT posts_per_day FROM features WHERE account_id = 'undated'")[0][0]
    assert row is not None
    assert lines(mirror(store, "bluesky:undated"))["posts_per_day"].value is None


def test_hard_cases_json_names_each_population_or_none(store: Store) -> None:
    data = json.loads(to_json(mirror(store, "dealsphone.example.social")))
    for line in data["behaviours"]:
        if line["standing"] in {"typical", "unusual"}:
            assert line["population"]
        if line["population"] is None:
            assert line["standing"] in {"trips", "near", "no_reference", "unknown"}
    assert data["ranked"][0] in {"replies_with_link_share", "top_url_share"}
