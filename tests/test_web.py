# ruff: noqa: F811 - test functions take the `served` fixture imported below
"""The web app and API through HTTP against a really running server (uvicorn, a real store).

One store and one server per session (:mod:`tests.web_support`); the schemathesis property test
walks every operation of ``/openapi.json`` with a handful of generated requests each.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import httpx
import pytest
import schemathesis
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.web_support import (  # noqa: F401 - `served` is a fixture
    EVE_HANDLE,
    HOSTILE_BIO,
    HOSTILE_POST,
    TOKEN,
    Served,
    served,
)
from tigerblood.reports.i18n import LOCALE_DIR


@pytest.fixture(scope="module")
def api(served: Served) -> httpx.Client:
    return served.client()


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def signed_in(served: Served) -> httpx.Client:
    """A browser-like client signed in through the login form."""
    client = served.client()
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"token": TOKEN, "reviewer": "tester", "csrf": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/review"
    return client


def test_verdicts_page_through_every_account_by_cursor_highest_score_first(api) -> None:
    total = api.get("/api/v1/overview").json()["accounts"]
    seen, scores, cursor = [], [], None
    while True:
        page = api.get("/api/v1/verdicts", params={"limit": 7, "cursor": cursor}).json()
        seen += [(v["platform"], v["account_id"]) for v in page["items"]]
        scores += [v["score"] for v in page["items"]]
        if page["next"] is None:
            break
        cursor = page["next"]
    assert len(seen) == len(set(seen)) == total > 30
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"flagged": "true"}, lambda v: v["flagged"]),
        ({"flagged": "false"}, lambda v: not v["flagged"]),
        ({"pattern": "follow_farming"}, lambda v: "follow_farming" in v["patterns"]),
        ({"min_score": 0.9}, lambda v: v["score"] >= 0.9),
        ({"platform": "bluesky"}, lambda v: v["platform"] == "bluesky"),
        ({"q": "eve-hostile"}, lambda v: v["handle"] == EVE_HANDLE),
    ],
)
def test_verdict_filters_keep_only_matching_accounts(api, params, check) -> None:
    items = api.get("/api/v1/verdicts", params={**params, "limit": 500}).json()["items"]
    assert items and all(check(v) for v in items)


def test_a_cursor_that_is_not_ours_is_a_400(api) -> None:
    answer = api.get("/api/v1/verdicts", params={"cursor": "not-a-cursor"})
    assert answer.status_code == 400 and "cursor" in answer.json()["detail"]


def test_an_account_carries_verdict_findings_evidence_posts_and_campaigns(api, served) -> None:
    eve = api.get(f"/api/v1/accounts/bluesky:{served.eve}").json()
    assert eve["handle"] == EVE_HANDLE and eve["verdict"]["flagged"]
    assert "link_reply_spam" in eve["verdict"]["patterns"]
    assert all(f["summary"] and f["evidence"] for f in eve["verdict"]["findings"])
    assert eve["profile"]["bio"] == HOSTILE_BIO  # JSON carries the data as it is
    assert eve["posts"][0]["text"] == HOSTILE_POST
    cluster = api.get("/api/v1/campaigns").json()[0]
    member = cluster["members"][0]
    detail = api.get(f"/api/v1/accounts/{cluster['platform']}:{member}").json()
    assert cluster["campaign_id"] in {c["campaign_id"] for c in detail["campaigns"]}
    assert isinstance(detail["threads"], list)
    page = api.get(f"/api/v1/campaigns/{cluster['campaign_id']}").json()
    assert member in {m["account_id"] for m in page["members"]} and page["items"]
    times = [i["created_at"] for i in page["items"]]
    assert times == sorted(times)  # the time line


@pytest.mark.parametrize(
    "path",
    ["/api/v1/accounts/bluesky:nobody", "/api/v1/audit/nobody", "/api/v1/campaigns/none"],
)
def test_unknown_names_are_404(api, path) -> None:
    assert api.get(path).status_code == 404


def test_audit_is_the_reports_json_and_page_one_renderer(api, served) -> None:
    data = api.get(f"/api/v1/audit/{served.demo.creator_handle}").json()
    assert data["report"] == "audit" and data["followers"]["flagged"] >= 6  # the bought batch
    assert data["likers"]["flagged"] and data["repliers"]["flagged"]
    page = api.get(f"/audit/{served.demo.creator_handle}")
    assert f'id="quality-score">{round(data["quality"])}' in page.text
    assert "Audience audit: @" + served.demo.creator_handle in html.unescape(page.text)
    policy = page.headers["content-security-policy"]
    assert "'sha256-" in policy and "unsafe-inline" not in policy and "script" not in policy
    french = api.get(f"/audit/{served.demo.creator_handle}", params={"lang": "fr"}).text
    assert "Audit d'audience" in html.unescape(french)
    mirror = api.get(f"/api/v1/mirror/bluesky:{served.eve}", params={"lang": "fr"}).json()
    assert mirror["report"] == "mirror" and mirror["target"]["handle"] == EVE_HANDLE


@pytest.mark.parametrize(
    "path",
    ["/", "/accounts", "/campaigns", "/review", "/reviews", "/login", "/api/v1/overview"],
)
def test_every_response_has_a_strict_csp_and_no_script(api, path) -> None:
    answer = api.get(path)
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'") and "unsafe" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in answer.text


def test_hostile_name_bio_and_posts_are_shown_as_text(api, served) -> None:
    page = api.get(f"/accounts/bluesky:{served.eve}").text
    for raw in ("<script", "<img", "<b onmouseover", '<a href="javascript'):
        assert raw not in page
    assert "&lt;script&gt;alert(" in page and "\u202ereversed" in page
    assert HOSTILE_POST in html.unescape(page) and HOSTILE_BIO in html.unescape(page)
    listed = api.get("/accounts", params={"q": "eve"}).text
    assert EVE_HANDLE in listed and "<script" not in listed
    assert "<b onmouseover" not in api.get("/review").text


def test_accounts_page_filters_sorts_and_pages(api) -> None:
    page = api.get("/accounts", params={"pattern": "follow_farming", "sort": "handle"}).text
    handles = re.findall(r"<bdi>@([^<]+)</bdi>", page)
    assert handles and handles == sorted(handles, key=str.lower, reverse=True)
    assert "follow farming" in page
    assert api.get("/accounts", params={"min_score": "", "q": ""}).status_code == 200
    assert api.get("/api/v1/verdicts", params={"min_score": "2"}).status_code == 422
    assert "Page 1 of 1" in api.get("/accounts", params={"flagged": "no", "page": 1}).text


def test_pages_read_in_french(api) -> None:
    text = html.unescape(api.get("/", params={"lang": "fr"}).text)
    assert '<html lang="fr">' in text and "Vue d'ensemble" in text and "File de revue" in text
    assert 'href="/accounts?lang=fr"' in text


def test_an_api_write_needs_the_right_bearer_token(served) -> None:
    body = {"account": served.demo.creator_handle, "decision": "skip"}
    anonymous = served.client().post("/api/v1/reviews", json=body)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert served.client("wrong").post("/api/v1/reviews", json=body).status_code == 401
    assert served.client(TOKEN).post("/api/v1/reviews", json=body).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"account": "x", "decision": "maybe"},
        {"account": "x", "decision": "confirm", "note": "n" * 2001},
        {"account": "x", "decision": "confirm", "admin": True},
        {"decision": "confirm"},
    ],
)
def test_a_malformed_review_is_a_422(served, body) -> None:
    assert served.client(TOKEN).post("/api/v1/reviews", json=body).status_code == 422


def test_a_confirmed_verdict_leaves_the_queue_and_lands_in_reviews(served) -> None:
    writer = served.client(TOKEN)
    first = writer.get("/api/v1/review-queue", params={"limit": 1}).json()[0]
    key = f"{first['platform']}:{first['account_id']}"
    stored = writer.post(
        "/api/v1/reviews", json={"account": key, "decision": "confirm", "note": "<i>sure</i>"}
    )
    assert stored.status_code == 201
    row = stored.json()
    assert row["score"] == first["score"] and row["model_version"].startswith("tigerblood")
    queue = writer.get("/api/v1/review-queue", params={"limit": 100}).json()
    assert key not in {f"{v['platform']}:{v['account_id']}" for v in queue}
    assert writer.get("/api/v1/reviews").json()[0]["account"] == key
    assert "&lt;i&gt;sure&lt;/i&gt;" in writer.get(f"/accounts/{key}").text


def test_forms_need_a_session_and_their_csrf_token(served) -> None:
    stranger = served.client()
    page = stranger.get("/login").text
    refused = stranger.post("/login", data={"token": TOKEN, "csrf": "forged"})
    assert refused.status_code == 403
    reviewer = signed_in(served)
    form = reviewer.get("/review").text
    account = re.search(r'name="account" value="([^"]+)"', form).group(1)
    decision = {"account": html.unescape(account), "decision": "dismiss", "note": "fine"}
    assert reviewer.post("/review", data={**decision, "csrf": csrf_of(page)}).status_code == 403
    unsigned = stranger.post("/review", data={**decision, "csrf": csrf_of(page)})
    assert unsigned.status_code == 401  # the stranger's own token, but no session
    done = reviewer.post("/review", data={**decision, "csrf": csrf_of(form)})
    assert done.status_code == 303 and done.headers["location"].startswith("/review?last=")
    latest = served.client().get("/api/v1/reviews").json()[0]
    assert (latest["decision"], latest["reviewer"]) == ("dismiss", "tester")


def test_a_host_header_from_elsewhere_is_refused(served) -> None:
    answer = served.client().get("/api/v1/overview", headers={"Host": "evil.example"})
    assert answer.status_code == 400


def test_every_message_of_the_web_pages_is_translated_in_french() -> None:
    root = Path(__file__).resolve().parents[1] / "tigerblood" / "web"
    found = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(
            root,
            [("**/templates/**.html", "jinja2"), ("**.py", "python")],
            {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    }
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "tigerblood.po").open("rb") as po:
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(po) if m.string}
    assert found and found <= translated, sorted(found - translated)


def test_no_generated_request_makes_a_server_error(served) -> None:
    """Valid and invalid requests for every operation of the schema, with the token."""
    schema = schemathesis.openapi.from_url(f"{served.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    cases = st.one_of([op.as_strategy(mode) for op in operations for mode in GenerationMode])
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]

    @given(case=cases)
    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=checks)

    check()


def test_learn_and_eval_read_confirm_as_1_and_dismiss_as_0_from_the_reviews(served) -> None:
    from typer.testing import CliRunner

    from tigerblood.cli import app
    from tigerblood.learn.reviews import open_reviewed, review_labels

    writer = served.client(TOKEN)
    queue = writer.get("/api/v1/review-queue", params={"limit": 2}).json()
    genuine = writer.get("/api/v1/verdicts", params={"flagged": "false", "limit": 1}).json()
    decided = {}
    for verdict, decision in ((queue[0], "confirm"), (genuine["items"][0], "dismiss")):
        key = f"{verdict['platform']}:{verdict['account_id']}"
        writer.post("/api/v1/reviews", json={"account": key, "decision": "skip"})
        writer.post("/api/v1/reviews", json={"account": key, "decision": decision})
        decided[verdict["account_id"]] = int(decision == "confirm")
    store = open_reviewed(served.db)  # shares the server's database, as in one process
    labels = review_labels(store)
    store.close()
    got = dict(zip(labels["account_id"], labels["label"].tolist(), strict=True))
    assert {a: got[a] for a in decided} == decided  # a later skip never undoes a decision
    assert set(labels["kind"]) <= {"review:confirm", "review:dismiss"}
    result = CliRunner().invoke(app, ["eval", "--reviews", str(served.db), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["reviewed"] >= 2 and figures["confirmed"] >= 1 and figures["dismissed"] >= 1
    assert figures["precision"] is not None


def test_account_page_embeds_the_mirrors_charts_drawn_by_the_reports_renderer(api, served) -> None:
    key = f"bluesky:{served.eve}"
    answer = api.get(f"/accounts/{key}")
    page = answer.text
    section = r'<section class="behaviour" data-feature="([^"]+)">.*?</section>'
    charts = re.findall(section, page, re.S)
    assert "replies_with_link_share" in charts and page.count("<svg") >= len(charts) > 3
    assert f'href="/mirror/{key}#b-replies_with_link_share"' in page
    # One renderer: the account page's chart is the mirror page's, byte for byte.
    mirror = api.get(f"/mirror/{key}").text
    svg = re.compile(r'<svg viewBox="0 0 640 64" role="img" aria-label="[^"]*">.*?</svg>', re.S)
    assert svg.findall(page) and set(svg.findall(page)) <= set(svg.findall(mirror))
    policy = answer.headers["content-security-policy"]  # no inline style or script needed
    assert "sha256" not in policy and " style=" not in page and "<script" not in page
    assert "Comportement par comportement" in html.unescape(
        api.get(f"/accounts/{key}", params={"lang": "fr"}).text
    )


def test_warm_up_indexes_change_speed_not_content(served) -> None:
    """The audit with the address index, campaign items read in one pass and the accounts
    filtered by pre-read patterns are the same as with the plain queries."""
    from tigerblood.reports.audit import audit
    from tigerblood.reports.render import to_json
    from tigerblood.web import campaigns, queries

    db = served.app.state.db
    assert db.warmed.wait(30) and db.address_index is not None and db.campaign_items is not None
    with db.cursor() as store:
        names = [served.demo.creator_handle, f"bluesky:{served.eve}", "nobody-at-all"]
        names += [  # accounts others reply to or mention first: the ones with repliers
            r[0]
            for r in store.sql(
                "SELECT platform || ':' || account_id FROM verdicts ORDER BY account_id IN "
                "(SELECT reply_to_account_id FROM posts) DESC, hash(account_id) LIMIT 8"
            )
        ]
        for name in names:
            try:
                plain = to_json(audit(store, name))
            except LookupError:
                continue
            assert to_json(audit(store, name, db.address_index)) == plain, name
        for pattern in db.overview(store)["patterns"]:
            plain = queries.VerdictFilter(pattern=pattern)
            read = queries.VerdictFilter(pattern=pattern, patterns_table=db.patterns_table)
            assert queries.account_rows(store, read) == queries.account_rows(store, plain)
        ids = [r[0] for r in store.sql("SELECT campaign_id FROM campaigns")]
        assert ids
        for cid in ids:
            assert campaigns.campaign(store, cid, db.campaign_items) == campaigns.campaign(
                store, cid
            )


def test_mirrors_read_once_what_they_compare_with_and_their_posts_in_one_query(served) -> None:
    """A mirror with the unflagged accounts read at start is the mirror without them (its own
    values left out either way), and the posts behind each number, read in one query with a
    column per kind, are the ones a query per kind finds (the repeats by a grouped semi-join)."""
    import ibis

    from tigerblood.reports import posts
    from tigerblood.reports.mirror import mirror
    from tigerblood.reports.render import to_json
    from tigerblood.reports.target import resolve

    db = served.app.state.db
    assert db.warmed.wait(30)
    with db.cursor() as store:
        names = [f"bluesky:{served.eve}", served.demo.creator_handle]
        names += [  # flagged and unflagged ones, the busiest posters first
            r[0]
            for r in store.sql(
                "SELECT platform || ':' || account_id FROM verdicts ORDER BY flagged, "
                "(SELECT count(*) FROM posts p WHERE p.account_id = verdicts.account_id) DESC "
                "LIMIT 6"
            )
        ]
        kinds_seen = set()
        for name in names:
            report = mirror(store, name, populations=db.populations)
            assert to_json(report) == to_json(mirror(store, name)), name
            target = resolve(store, name)
            assert target is not None
            top_url = report.features.get("top_url")
            own, conditions, norm = posts._conditions(store, target, top_url)
            texted = own.mutate(norm=norm)
            repeats = texted.group_by("norm").aggregate(times=texted.count())
            each = {kind: own.filter(condition) for kind, condition in conditions.items()}
            each["repeated_texts"] = texted.semi_join(
                repeats.filter(repeats.times > 1), "norm"
            ).drop("norm")
            for kind, expr in each.items():
                newest = expr.order_by([ibis.desc("created_at"), "post_id"])
                rows = store.con.sql(ibis.to_sql(newest, dialect="duckdb")).to_arrow_table()
                assert report.posts[kind] == posts._listed(rows), (name, kind)
                kinds_seen |= {kind} if rows.num_rows else set()
            assert list(report.posts) == [k for k in posts.KINDS if k in each]
        assert {"replies_with_links", "latest_posts", "repeated_texts"} <= kinds_seen


def test_writes_and_wrong_tokens_are_rate_limited_per_client(served) -> None:
    from tigerblood.web.security import Throttle

    guard = served.app.state.guard
    saved = guard.writes, guard.failures
    guard.writes, guard.failures = Throttle(3), Throttle(2)
    try:
        body = {"account": served.demo.creator_handle, "decision": "skip"}
        writer = served.client(TOKEN)
        assert [writer.post("/api/v1/reviews", json=body).status_code for _ in range(4)] == [
            201,
            201,
            201,
            429,
        ]
        answer = writer.post("/api/v1/reviews", json=body)
        assert answer.status_code == 429 and int(answer.headers["retry-after"]) >= 1
        guard.writes = Throttle(100)
        wrong = served.client("wrong-token")
        assert [wrong.post("/api/v1/reviews", json=body).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]
        # Once over, even the right token from that client waits: guessing is slowed down.
        assert writer.post("/api/v1/reviews", json=body).status_code == 429
        guard.failures = Throttle(100)
        browser = served.client()
        token = csrf_of(browser.get("/login").text)
        assert browser.post("/login", data={"token": "nope", "csrf": token}).status_code == 303
        assert guard.failures.wait("127.0.0.1") == 0 and guard.failures.seen("127.0.0.1") == 1
    finally:
        guard.writes, guard.failures = saved


def test_the_schema_lists_the_api_and_deliberately_no_page(api, served) -> None:
    """The OpenAPI schema is the JSON API's contract: every ``/api/v1`` route is in it, and
    the HTML pages, forms and static files are not (they are for browsers, not clients)."""
    paths = set(api.get("/openapi.json").json()["paths"])
    assert paths and all(p.startswith("/api/v1/") for p in paths)
    from tigerblood.web import api as api_module
    from tigerblood.web import pages, review_pages

    assert {r.path for r in api_module.router.routes} == paths
    for router in (pages.router, review_pages.router):
        assert not router.include_in_schema and not {r.path for r in router.routes} & paths
