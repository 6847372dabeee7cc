"""A real HTTP server on 127.0.0.1 playing the Bluesky AppView and a Mastodon server.

Responses are built from the fixtures in tests/data (the platforms' real formats) and paged the
way the platforms page: an opaque ``cursor`` for XRPC, a ``Link: <...>; rel="next"`` header with
``max_id`` for Mastodon. Faults (a 429 with ``Retry-After``, a 503, a 500 for ever, a slow answer)
are injected per route and query, and every request is logged, so tests can check which pages
were fetched and which were not.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

DATA = Path(__file__).resolve().parent / "data"
Query = dict[str, list[str]]
Answer = tuple[int, Any, dict[str, str]]


def fixture(*parts: str) -> Any:
    return json.loads(DATA.joinpath(*parts).read_text(encoding="utf-8"))


@dataclass
class Fault:
    """Answer ``status`` (or sleep ``delay`` first) to requests of ``path`` matching ``when``."""

    path: str
    status: int = 503
    times: int | None = 1  # None: for ever
    headers: dict[str, str] = field(default_factory=dict)
    when: Callable[[Query], bool] = lambda query: True
    delay: float = 0.0


@dataclass
class Logged:
    path: str
    query: Query
    status: int
    at: float
    agent: str = ""


class FakeServer:
    """Routes are ``(regex over the path, handler(match, query) -> (status, json, headers))``."""

    def __init__(self) -> None:
        self.routes: list[tuple[re.Pattern[str], Callable[[re.Match[str], Query], Answer]]] = []
        self.faults: list[Fault] = []
        self.log: list[Logged] = []
        self.headers: dict[str, str] = {}  # sent with every answer (rate-limit headers)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body, headers = server.answer(self.path, self.headers["User-Agent"])
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in {**server.headers, **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, *args: object) -> None:  # a client that timed out and left
                pass

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, pattern: str, handler: Callable[[re.Match[str], Query], Answer]) -> None:
        self.routes.append((re.compile(pattern), handler))

    def answer(self, raw_path: str, agent: str = "") -> Answer:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query)
        fault = self._fault(parts.path, query)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and not fault.delay:
            answer: Answer = (
                fault.status,
                {"error": "Fault", "message": "injected"},
                fault.headers,
            )
        else:
            answer = self._route(parts.path, query)
        with self._lock:
            self.log.append(Logged(parts.path, query, answer[0], time.monotonic(), agent))
        return answer

    def _fault(self, path: str, query: Query) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path == path and fault.when(query) and fault.times != 0:
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _route(self, path: str, query: Query) -> Answer:
        for pattern, handler in self.routes:
            if match := pattern.fullmatch(path):
                return handler(match, query)
        return 404, {"error": "NotFound", "message": f"no route {path}"}, {}

    def requests(self, path: str, since: int = 0) -> list[Logged]:
        return [entry for entry in self.log[since:] if entry.path == path]


# ---------------------------------------------------------------- Bluesky AppView

B32 = "abcdefghijklmnopqrstuvwxyz234567"


def fake_did(number: int) -> str:
    text = ""
    while number or not text:
        number, digit = divmod(number, 32)
        text = B32[digit] + text
    return "did:plc:" + text.rjust(24, "a")


class AppView:
    """Alice (the fixture profile) with generated followers, her feed, two threads, and who
    liked her two posts (the getLikes fixture for one, generated likers for the other)."""

    PAGE = 20  # the server's own page size: smaller than what the collector asks for

    def __init__(self, extra_followers: int = 42, extra_likers: int = 35) -> None:
        self.profile = fixture("bluesky", "app.bsky.actor.getProfile.json")
        self.did = self.profile["did"]
        listed = fixture("bluesky", "app.bsky.graph.getFollowers.json")["response"]
        self.basic = {k: listed["subject"][k] for k in listed["subject"]}
        generated = [self._view(listed["followers"][0], i) for i in range(extra_followers)]
        self.followers = listed["followers"] + generated
        follows = fixture("bluesky", "app.bsky.graph.getFollows.json")["follows"]
        self.follows = [v for v in follows if v["did"] != self.did]
        self.feed = fixture("bluesky", "app.bsky.feed.getAuthorFeed.json")["feed"]
        self.threads = self._threads()
        self.likes = self._likes(extra_likers)
        self.detailed = fixture("bluesky", "app.bsky.actor.getProfiles.json")["response"]
        self.served_profiles: list[list[str]] = []

    @staticmethod
    def _view(template: dict, number: int) -> dict:
        view = copy.deepcopy(template)
        view["did"] = fake_did(1000 + number)
        view["handle"] = f"follower{number}.example.org"
        view["displayName"] = f"Follower {number}"
        return view

    def _threads(self) -> dict[str, dict]:
        """Thread of Alice's first post from the fixture (Bob's reply and its replies); the
        second post gets one reply from Dan, who mentions Alice and does not follow her."""
        fixture_thread = fixture("bluesky", "app.bsky.feed.getPostThread.json")["thread"]
        first = fixture_thread["parent"]["post"]
        bob = {k: v for k, v in fixture_thread.items() if k != "parent"}
        second = next(i["post"] for i in self.feed if i["post"]["uri"].endswith("3ljkq5rhhae2b"))
        dan_post = copy.deepcopy(fixture_thread["post"])
        dan = fake_did(999)
        dan_post["uri"] = f"at://{dan}/app.bsky.feed.post/3ljkqzzzzzz2b"
        dan_post["author"] = {**dan_post["author"], "did": dan, "handle": "dan.example.org"}
        dan_post["record"]["reply"] = {
            "root": {"uri": second["uri"], "cid": second["cid"]},
            "parent": {"uri": second["uri"], "cid": second["cid"]},
        }
        node = "app.bsky.feed.defs#threadViewPost"
        return {
            first["uri"]: {"thread": {"$type": node, "post": first, "replies": [bob]}},
            second["uri"]: {
                "thread": {
                    "$type": node,
                    "post": second,
                    "replies": [{"$type": node, "post": dan_post, "replies": []}],
                }
            },
        }

    def _likes(self, extra: int) -> dict[str, dict]:
        """getLikes answers per post URI, in the lexicon's shape; the feed's ``likeCount`` of
        Alice's posts is set to match, as the AppView's would."""
        liked = fixture("bluesky", "app.bsky.feed.getLikes.json")["response"]
        own = [
            i["post"] for i in self.feed if "reason" not in i and i["post"]["uri"] != liked["uri"]
        ]
        other = own[0]
        likers = [self.followers[i] for i in range(0, 20, 2)]  # ten followers...
        likers += [self._view(self.followers[0], 500 + i) for i in range(extra)]  # ...and others
        likes = [
            {
                "indexedAt": f"2025-03-04T16:{n // 60:02d}:{n % 60:02d}.500Z",
                "createdAt": f"2025-03-04T16:{n // 60:02d}:{n % 60:02d}.000Z",
                "actor": {k: v for k, v in view.items() if k != "viewer"},
            }
            for n, view in enumerate(likers)
        ]
        answers = {
            liked["uri"]: {"uri": liked["uri"], "cid": liked["cid"], "likes": liked["likes"]},
            other["uri"]: {"uri": other["uri"], "cid": other["cid"], "likes": likes},
        }
        for item in self.feed:
            if "reason" not in item and item["post"]["uri"] in answers:
                item["post"]["likeCount"] = len(answers[item["post"]["uri"]]["likes"])
        return answers

    def mount(self, server: FakeServer) -> None:
        xrpc = "/xrpc/app.bsky."
        server.route(xrpc + r"actor\.getProfile", self.get_profile)
        server.route(xrpc + r"graph\.getFollowers", self.page("followers", self.followers))
        server.route(xrpc + r"graph\.getFollows", self.page("follows", self.follows))
        server.route(xrpc + r"feed\.getAuthorFeed", self.page("feed", self.feed))
        server.route(xrpc + r"feed\.getPostThread", self.get_thread)
        server.route(xrpc + r"actor\.getProfiles", self.get_profiles)
        server.route(xrpc + r"feed\.getLikes", self.get_likes)

    def get_profile(self, match: re.Match[str], query: Query) -> Answer:
        if query.get("actor") not in ([self.profile["handle"]], [self.did]):
            return 400, {"error": "InvalidRequest", "message": "Profile not found"}, {}
        return 200, self.profile, {}

    def page(self, key: str, items: list) -> Callable[[re.Match[str], Query], Answer]:
        def handler(match: re.Match[str], query: Query) -> Answer:
            start = int(query.get("cursor", ["0"])[0])
            size = min(self.PAGE, int(query.get("limit", ["50"])[0]))
            body: dict[str, Any] = {key: items[start : start + size]}
            if key != "feed":
                body["subject"] = self.basic
            if start + size < len(items):
                body["cursor"] = str(start + size)
            return 200, body, {}

        return handler

    def get_thread(self, match: re.Match[str], query: Query) -> Answer:
        uri = query.get("uri", [""])[0]
        if uri not in self.threads:
            return 400, {"error": "NotFound", "message": f"Post not found: {uri}"}, {}
        return 200, self.threads[uri], {}

    def get_likes(self, match: re.Match[str], query: Query) -> Answer:
        """Paged by an opaque ``cursor``, ``limit`` capped at the server's page size."""
        uri = query.get("uri", [""])[0]
        if uri not in self.likes:
            return 400, {"error": "InvalidRequest", "message": f"Could not find post: {uri}"}, {}
        answer = self.likes[uri]
        start = int(query.get("cursor", ["0"])[0])
        size = min(self.PAGE, int(query.get("limit", ["50"])[0]))
        body = {**answer, "likes": answer["likes"][start : start + size]}
        if start + size < len(answer["likes"]):
            body["cursor"] = str(start + size)
        return 200, body, {}

    def get_profiles(self, match: re.Match[str], query: Query) -> Answer:
        actors = query.get("actors", [])
        self.served_profiles.append(actors)
        if len(actors) > 25:
            return 400, {"error": "InvalidRequest", "message": "actors must not exceed 25"}, {}
        template = self.detailed["profiles"][1]
        views = []
        for number, did in enumerate(actors):
            view = copy.deepcopy(template)
            view.update(did=did, handle=f"p{number}.example.org", followersCount=number + 1)
            views.append(view)
        return 200, {"profiles": views}, {}

    # An independent, naive reading of what was served, for the assertions.

    def served_posts(self) -> set[str]:
        uris = set()
        for item in self.feed:
            uris.add(item["post"]["uri"])
            for part in ("root", "parent"):
                if "uri" in item.get("reply", {}).get(part, {}):
                    uris.add(item["reply"][part]["uri"])
            if item.get("reason", {}).get("uri"):
                uris.add(item["reason"]["uri"])
        stack = [t["thread"] for t in self.threads.values()]
        while stack:
            node = stack.pop()
            if "post" in node:
                uris.add(node["post"]["uri"])
                stack.extend(node.get("replies", []))
        return uris

    def served_likes(self, max_per_post: int) -> set[tuple[str, str]]:
        """(liker, post) for the first ``max_per_post`` likes of each of Alice's posts."""
        return {
            (like["actor"]["did"], uri)
            for uri, answer in self.likes.items()
            for like in answer["likes"][:max_per_post]
        }

    def talkers(self) -> set[str]:
        """Authors of served thread posts that reply to Alice or mention her."""
        found = set()
        stack = [t["thread"] for t in self.threads.values()]
        while stack:
            node = stack.pop()
            if "post" not in node:
                continue
            stack.extend(node.get("replies", []))
            post, record = node["post"], node["post"]["record"]
            parent = record.get("reply", {}).get("parent", {}).get("uri", "")
            mentioned = self.did in json.dumps(record.get("facets", []))
            if post["author"]["did"] != self.did and (
                parent.startswith(f"at://{self.did}/") or mentioned
            ):
                found.add(post["author"]["did"])
        return found


# ---------------------------------------------------------------- Mastodon

INSTANCE = "mastodon.social"


class Mastodon:
    """Alice@mastodon.social: her statuses (fixture + generated), followers, following, the
    context of her post that has replies, and who favourited her post that has favourites."""

    PAGE = 4

    def __init__(self, extra_followers: int = 7, extra_statuses: int = 5) -> None:
        self.account = fixture("mastodon", "account.json")
        self.id = self.account["id"]
        timeline = fixture("mastodon", "home_timeline.json")
        own = [s for s in timeline if s["account"]["id"] == self.id]
        self.replies = [s for s in timeline if s.get("in_reply_to_id") == own[-1]["id"]]
        own[-1]["replies_count"] = len(self.replies) + 1
        generated = []
        for i in range(extra_statuses):
            status = copy.deepcopy(own[-1])
            status.update(id=str(113400000000000100 + i), replies_count=0)
            status["uri"] = status["url"] = f"https://mastodon.social/@alice/{status['id']}"
            generated.append(status)
        self.statuses = sorted(own + generated, key=lambda s: int(s["id"]), reverse=True)
        context = fixture("mastodon", "context.json")
        self.context = {
            own[-1]["id"]: {"ancestors": [], "descendants": self.replies + context["descendants"]}
        }
        graph = fixture("mastodon", "followers.json")
        self.followers = graph["followers"] + [
            self._account(graph["followers"][0], i) for i in range(extra_followers)
        ]
        self.following = graph["following"] + [
            self._account(graph["following"][0], 50 + i) for i in range(2)
        ]
        likers = [self._account(graph["followers"][0], 80 + i) for i in range(3)]
        own[-1]["favourites_count"] = len(likers)
        self.favourites = {own[-1]["id"]: likers}

    @staticmethod
    def _account(template: dict, number: int) -> dict:
        account = copy.deepcopy(template)
        account.update(
            id=str(120000000000000000 + number), username=f"gen{number}", acct=f"gen{number}"
        )
        account["url"] = f"https://mastodon.social/@gen{number}"
        return account

    def mount(self, server: FakeServer) -> None:
        server.headers.update(
            {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "299",
                "X-RateLimit-Reset": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
            }
        )
        base = rf"/api/v1/accounts/{self.id}"
        server.route(r"/api/v1/accounts/lookup", self.lookup)
        server.route(base + "/statuses", self.page(server, "statuses", self.statuses))
        server.route(base + "/followers", self.page(server, "followers", self.followers))
        server.route(base + "/following", self.page(server, "following", self.following))
        server.route(r"/api/v1/statuses/(\d+)/context", self.get_context)
        server.route(r"/api/v1/statuses/(\d+)/favourited_by", self.get_favourites)

    def lookup(self, match: re.Match[str], query: Query) -> Answer:
        if query.get("acct") != [self.account["username"]]:
            return 404, {"error": "Record not found"}, {}
        return 200, self.account, {}

    def page(
        self, server: FakeServer, name: str, items: list
    ) -> Callable[[re.Match[str], Query], Answer]:
        """``max_id`` is the position of the last item served (Mastodon's is an internal id)."""

        def handler(match: re.Match[str], query: Query) -> Answer:
            start = int(query.get("max_id", ["0"])[0])
            size = min(self.PAGE, int(query.get("limit", ["40"])[0]))
            body = items[start : start + size]
            headers = {}
            if start + size < len(items):
                path = f"/api/v1/accounts/{self.id}/{name}"
                nxt = urlencode({"limit": size, "max_id": start + size})
                prev = urlencode({"limit": size, "since_id": start})
                here = f"{server.url}{path}"
                headers["Link"] = f'<{here}?{nxt}>; rel="next", <{here}?{prev}>; rel="prev"'
            return 200, body, headers

        return handler

    def get_context(self, match: re.Match[str], query: Query) -> Answer:
        if match.group(1) not in self.context:
            return 404, {"error": "Record not found"}, {}
        return 200, self.context[match.group(1)], {}

    def get_favourites(self, match: re.Match[str], query: Query) -> Answer:
        if match.group(1) not in self.favourites:
            return 404, {"error": "Record not found"}, {}
        return 200, self.favourites[match.group(1)], {}

    # An independent reading of what was served.

    def served_likes(self) -> set[tuple[str, str, str]]:
        """(liker, status, author) for every favourite served, ids qualified."""
        return {
            (f"{a['id']}@{INSTANCE}", f"{sid}@{INSTANCE}", f"{self.id}@{INSTANCE}")
            for sid, accounts in self.favourites.items()
            for a in accounts
        }

    def served_status_ids(self) -> set[str]:
        ids: set[str] = set()
        stack = list(self.statuses) + [s for c in self.context.values() for s in c["descendants"]]
        while stack:
            status = stack.pop()
            ids.add(f"{status['id']}@{INSTANCE}")
            if status.get("reblog"):
                stack.append(status["reblog"])
            if (status.get("quote") or {}).get("quoted_status"):
                stack.append(status["quote"]["quoted_status"])
        return ids
