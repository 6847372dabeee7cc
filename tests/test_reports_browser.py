"""The reports as a person sees them: headless Chromium opens each HTML file, reads the visible
text, opens a list, takes a screenshot, and checks that the hostile bio and post ran nothing,
that nothing was fetched from the network, and that a phone-width page does not scroll sideways.

Needs the ``playwright`` package and Debian's ``chromium``; skipped without them on a
developer machine, a failure in CI (``CI=true``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import chromium
from tests.report_support import HOSTILE, write_audience, write_engagement
from tigerblood.ingest.pipeline import ingest
from tigerblood.reports.audit import audit
from tigerblood.reports.i18n import get_lang
from tigerblood.reports.mirror import mirror
from tigerblood.reports.render import audit_html, mirror_html
from tigerblood.store import Store

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("browser")
    store = Store()
    ingest([write_audience(folder / "data")], store)
    carol, spammy = audit(store, "carol"), mirror(store, "spammy")
    engaged = Store()
    ingest([write_engagement(folder / "engagement")], engaged)
    pages = {
        "engagement-en": audit_html(audit(engaged, "carol")),
        "engagement-fr": audit_html(audit(engaged, "carol"), get_lang("fr")),
        "audit-en": audit_html(carol),
        "audit-fr": audit_html(carol, get_lang("fr")),
        "mirror-en": mirror_html(spammy),
        "mirror-fr": mirror_html(spammy, get_lang("fr")),
    }
    out = {}
    for name, html in pages.items():
        out[name] = folder / f"{name}.html"
        out[name].write_text(html, encoding="utf-8")
    return out


def open_page(browser, path: Path, events: list[str], viewport: dict | None = None):
    page = browser.new_page(viewport=viewport or {"width": 1000, "height": 900})
    page.on("dialog", lambda d: (events.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: events.append(f"error: {e}"))
    page.on("request", lambda r: r.url.startswith("file:") or events.append(f"fetch: {r.url}"))
    page.goto(path.as_uri())
    return page


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("audit-en", ["Audience audit: @carol", "67/100", "Follower growth", "bought audience"]),
        ("audit-fr", ["Audit d'audience", "Croissance des abonnés", "audience achetée"]),
        (
            "engagement-en",
            ["Likes from flagged accounts", "Follower count over time", "follower jump"],
        ),
        ("engagement-fr", ["J'aime venant de comptes signalés", "bond", "chute"]),
        ("mirror-en", ["Mirror: @spammy", "100% of your replies carry a link", HOSTILE]),
        ("mirror-fr", ["Miroir", "de vos réponses contiennent un lien", HOSTILE]),
    ],
)
def test_report_shows_its_content_and_runs_nothing(browser, reports, tmp_path, name, expected):
    events: list[str] = []
    page = open_page(browser, reports[name], events)
    text = page.inner_text("body")
    for snippet in expected:
        assert snippet in text, snippet
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    page.close()
    assert events == []


def test_a_number_expands_to_the_accounts_behind_it(browser, reports):
    events: list[str] = []
    page = open_page(browser, reports["audit-en"], events)
    burst_list = page.locator("#burst-1-accounts li").first
    assert not burst_list.is_visible()
    page.locator("#burst-1-accounts summary").click()
    assert burst_list.is_visible() and "@" in burst_list.inner_text()
    assert HOSTILE in page.inner_text("#flagged-posts")  # the spam post, shown as text
    page.close()
    assert events == []


def test_likes_and_count_jumps_expand_to_the_accounts_behind_them(browser, reports):
    events: list[str] = []
    page = open_page(browser, reports["engagement-en"], events)
    likes = page.inner_text("#flagged-likes")
    assert "@spammy" in likes and "@fan0x" in likes and "Bird note 0" in likes
    page.locator("a[href='#count-anomaly-1']").first.click()
    jumped = page.locator("#count-anomaly-1-accounts li").first
    assert not jumped.is_visible()
    page.locator("#count-anomaly-1-accounts summary").click()
    assert jumped.is_visible() and "@" in jumped.inner_text()
    page.close()
    assert events == []


@pytest.mark.parametrize("name", ["audit-en", "engagement-en", "mirror-fr"])
def test_reports_fit_a_phone_screen(browser, reports, tmp_path, name):
    events: list[str] = []
    page = open_page(browser, reports[name], events, viewport=PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=str(tmp_path / f"{name}-phone.png"))
    page.close()
    assert overflow <= 0 and events == []
