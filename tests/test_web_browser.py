# ruff: noqa: F811 - test functions take the `served` fixture imported below
"""The web app as a person uses it: Debian's Chromium (driven by Playwright, launched as the
report tests launch it) opens the overview, filters the accounts, opens one, signs in, confirms
a verdict in the review queue and finds the decision stored; a hostile account's page runs
nothing; a 375 px wide phone screen does not scroll sideways. Screenshots are kept as artifacts
(``$TIGERBLOOD_ARTIFACTS`` when set, else the test's temporary folder).

Skipped without playwright or chromium on a developer machine, a failure in CI (``CI=true``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import chromium
from tests.web_support import EVE_HANDLE, HOSTILE_POST, TOKEN, Served, served  # noqa: F401

PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium() as launched:
        yield launched


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TIGERBLOOD_ARTIFACTS") or tmp_path) / "web-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_page(browser, served: Served, events: list[str], viewport: dict | None = None):
    """A page that records dialogs, script errors and any request leaving the server."""
    context = browser.new_context(viewport=viewport or {"width": 1100, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda d: (events.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: events.append(f"error: {e}"))
    page.on("request", lambda r: r.url.startswith(served.url) or events.append(f"fetch: {r.url}"))
    page.on("console", lambda m: m.type == "error" and events.append(f"console: {m.text}"))
    return page


def test_overview_filter_account_then_confirm_in_the_review_queue(browser, served, shots):
    events: list[str] = []
    page = new_page(browser, served, events)
    page.goto(served.url + "/")
    assert "Flagged per pattern" in page.inner_text("main")
    page.screenshot(path=str(shots / "overview.png"), full_page=True)
    page.click("text=Accounts")
    page.select_option("select[name=pattern]", "link_reply_spam")
    page.click("#filters button[type=submit]")
    assert "pattern=link_reply_spam" in page.url
    rows = page.locator("#accounts tbody tr")
    assert rows.count() >= 2 and "link-reply spam" in rows.first.inner_text()
    page.click(f"text=@{EVE_HANDLE}")
    assert "Findings" in page.inner_text("main") and HOSTILE_POST in page.inner_text("main")
    chart = page.locator("section.behaviour svg").first  # the mirror's charts, drawn
    assert (chart.bounding_box() or {"width": 0})["width"] > 200
    page.screenshot(path=str(shots / "account-hostile.png"), full_page=True)
    page.goto(served.url + "/review")
    assert page.locator("form.decide").count() == 0  # not signed in: no form
    page.goto(served.url + "/login")
    page.fill("input[name=token]", TOKEN)
    page.fill("input[name=reviewer]", "browser")
    page.click("form.decide button[type=submit]")
    assert page.url.endswith("/review")
    account = page.locator("input[name=account]").get_attribute("value")
    page.fill("textarea[name=note]", "bought followers, all in one hour")
    page.screenshot(path=str(shots / "review-queue.png"), full_page=True)
    page.click("button[value=confirm]")
    assert account in page.inner_text("#saved")
    page.goto(served.url + "/reviews")
    first = page.locator("#reviews tbody tr").first.inner_text()
    assert account in first and "confirm" in first and "browser" in first
    stored = served.client().get("/api/v1/reviews").json()
    assert any(r["account"] == account and r["decision"] == "confirm" for r in stored)
    page.close()
    assert events == []


@pytest.mark.parametrize(
    "path", ["/", "/accounts?lang=fr", "/accounts/bluesky:{eve}", "/audit/maya0.example.social"]
)
def test_pages_fit_a_phone_screen_and_run_nothing(browser, served, shots, path):
    events: list[str] = []
    page = new_page(browser, served, events, viewport=PHONE)
    page.goto(served.url + path.format(eve=served.eve))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    name = path.strip("/").replace("/", "_").replace("?", "_").replace(":", "_") or "overview"
    page.screenshot(path=str(shots / f"phone-{name[:40]}.png"))
    page.close()
    assert overflow <= 0 and events == []
