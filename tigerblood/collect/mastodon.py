"""``tigerblood collect mastodon @user@instance``: one account and its audience, public REST API.

No token: these reads are public on most servers (a server may hide an account's follower lists,
which then come back empty). Steps, each checkpointed per page: ``lookup``
(``/api/v1/accounts/lookup``), ``statuses``, ``followers`` and ``following`` (paged by the ``Link``
header's ``rel="next"``), then ``threads``: ``/api/v1/statuses/:id/context`` for the account's own
recent statuses that have replies, and ``favourites``: ``/api/v1/statuses/:id/favourited_by``
(first page) for its own recent statuses that have favourites, so an audit sees who liked them.
Mastodon lists carry whole Account entities, counts included, so no profile step is needed.

Every page goes through the ``mastodon`` adapter's mapping; follower and following pages, and the
looked-up account, are wrapped in tigerblood's collected layout (``{"instance", "observed_at",
"account", "followers" | "following"}``), the one shape that says whose list a page is; a
favourites page likewise as ``{"instance", "observed_at", "status", "favourited_by"}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson

from tigerblood.collect.http import CollectError, HttpClient, Response, RetryPolicy
from tigerblood.collect.session import CollectReport, Session
from tigerblood.collect.state import StepState
from tigerblood.ingest.base import Batch
from tigerblood.ingest.mastodon.entities import MastodonMapper
from tigerblood.ingest.rows import Collector
from tigerblood.store import Store

PLATFORM = "mastodon"
PAGE_LIMITS = {"statuses": 40, "followers": 80, "following": 80, "favourited_by": 80}
"""The largest ``limit`` each endpoint accepts."""
UNAVAILABLE = frozenset({404, 410})
"""A status deleted since its page was read: its thread is skipped."""


def mastodon_batches(value: Any, instance: str, source: str, location: str) -> list[Batch]:
    """Map one response as the ``mastodon`` adapter maps one record of a file."""
    rows = Collector(source)
    mapper = MastodonMapper(rows, instance)
    rows.begin(location)
    rows.guard(mapper.entity, value)
    return list(rows.flush())


def parse_acct(acct: str) -> tuple[str, str | None]:
    """``@Alice@Mastodon.Social`` -> ``("alice", "mastodon.social")``; no server gives None.

    >>> parse_acct("@alice@mastodon.social"), parse_acct("alice")
    (('alice', 'mastodon.social'), ('alice', None))
    """
    user, _, server = acct.strip().removeprefix("@").partition("@")
    if not user:
        raise ValueError(f"{acct!r}: expected @user@instance")
    return user.lower(), server.lower().strip("/") or None


def collect_mastodon(
    acct: str,
    store: Store,
    *,
    base_url: str | None = None,
    max_followers: int = 1000,
    max_follows: int = 1000,
    max_posts: int = 100,
    max_threads: int = 20,
    max_liked_posts: int = 20,
    raw_dir: Path | None = None,
    fresh: bool = False,
    policy: RetryPolicy | None = None,
    on_progress: Callable[[str, int], None] | None = None,
) -> CollectReport:
    """Collect ``@user@instance`` into ``store`` from ``https://instance`` (or ``base_url``).

    Ids are qualified with the instance named in ``acct``, as the adapter does. Raises
    :class:`CollectError` (naming the URL, ``.report`` filled in) when a request fails for good;
    running the same call again continues from the last saved page.
    """
    user, instance = parse_acct(acct)
    if instance is None:
        raise ValueError(f"{acct!r}: name the server, as in @{user}@mastodon.social")
    target = f"{user}@{instance}"
    with HttpClient(base_url or f"https://{instance}", policy) as client:
        session = Session(
            PLATFORM, target, store, client, raw_dir=raw_dir, fresh=fresh, on_progress=on_progress
        )
        run = _Run(session, user, instance, max_threads, max_liked_posts)
        try:
            account = run.lookup()
            base = f"/api/v1/accounts/{account['id']}"
            run.paged("statuses", f"{base}/statuses", max_posts)
            run.paged("followers", f"{base}/followers", max_followers)
            run.paged("following", f"{base}/following", max_follows)
            run.threads()
            run.favourites()
        except CollectError as exc:
            exc.report = session.close()
            raise
        return session.finish()


class _Run:
    """The steps of one Mastodon collection over a :class:`Session`."""

    def __init__(
        self, session: Session, user: str, instance: str, max_threads: int, max_liked: int
    ) -> None:
        self.session, self.user, self.instance = session, user, instance
        self.max_threads, self.max_liked = max_threads, max_liked
        self.account: dict = {}
        # One reading time per run: every page of a run reads the same moment's counts, so a
        # run adds one follower-count reading, not one per page.
        self.observed_at = datetime.now(UTC).isoformat()

    def save(self, response: Response, value: Any, *states: StepState, items: int = 0) -> None:
        """Map, load and checkpoint one response (``value`` is what a scan would read)."""
        batches = mastodon_batches(value, self.instance, self.session.source, response.url)
        self.session.save(value, batches, *states, items=items)

    def layout(self, key: str, accounts: list) -> dict:
        """tigerblood's collected layout: the owner of a list, and when it was read."""
        return {
            "instance": self.instance,
            "observed_at": self.observed_at,
            "account": self.account,
            key: accounts,
        }

    def lookup(self) -> dict:
        """The account; its entity is kept as the step's cursor, for resumed runs' layouts."""
        state = self.session.state("lookup")
        if not state.done:
            response = self.session.client.get("/api/v1/accounts/lookup", {"acct": self.user})
            if not isinstance(response.data, dict) or "id" not in response.data:
                raise CollectError(f"GET {response.url}: expected an Account entity")
            self.account = response.data
            state = StepState("lookup", orjson.dumps(response.data).decode(), 1, True)
            self.save(response, self.layout("following", []), state, items=1)
        self.account = orjson.loads(state.cursor or "{}")
        self.session.report.account_id = f"{self.account.get('id')}@{self.instance}"
        return self.account

    def paged(self, step: str, path: str, limit: int) -> None:
        """Follow ``Link: rel="next"`` until the list ends or ``limit`` items are in."""
        state = self.session.state(step)
        while not state.done and state.items < limit:
            want = min(PAGE_LIMITS[step], limit - state.items)
            response = self.session.client.get(_with_limit(state.cursor or path, want))
            if not isinstance(response.data, list):
                raise CollectError(f"GET {response.url}: expected a JSON array")
            page = response.data
            total = state.items + len(page)
            nxt = response.next_url
            done = not nxt or not page or nxt == state.cursor or total >= limit
            new = StepState(step, nxt, total, done)
            if step == "statuses":
                queued = (self._queue_threads(page), self._queue_favourites(page))
                self.save(response, page, new, *queued, items=len(page))
            else:
                self.save(response, self.layout(step, page), new, items=len(page))
            state = new

    def _queue_threads(self, statuses: list) -> StepState:
        """Queue the account's own statuses that have replies for the ``threads`` step."""
        return self.session.queue("threads", self._with_replies(statuses), self.max_threads)

    def _queue_favourites(self, statuses: list) -> StepState:
        """Queue the account's own favourited statuses (whole, for the favourites layout)."""
        liked = (orjson.dumps(s).decode() for s in self._own(statuses, "favourites_count"))
        return self.session.queue("favourites", liked, self.max_liked)

    def _with_replies(self, statuses: list) -> Iterator[str]:
        for status in self._own(statuses, "replies_count"):
            yield status["id"]

    def _own(self, statuses: list, count: str) -> Iterator[dict]:
        """The account's own statuses (not boosts) whose ``count`` is above zero."""
        for status in statuses:
            if not isinstance(status, dict) or status.get("reblog") is not None:
                continue
            author = status.get("account")
            n, sid = status.get(count), status.get("id")
            mine = isinstance(author, dict) and author.get("id") == self.account.get("id")
            if mine and isinstance(sid, str) and isinstance(n, int) and n > 0:
                yield status

    def threads(self) -> None:
        """The context (ancestors and replies) of each queued status."""
        self._drain("threads", lambda sid: (f"/api/v1/statuses/{sid}/context", None))

    def favourites(self) -> None:
        """Who favourited each queued status (one page each), in the favourites layout."""

        def request(item: str) -> tuple[str, Callable[[Any], Any]]:
            status = orjson.loads(item)
            path = f"/api/v1/statuses/{status['id']}/favourited_by"
            return _with_limit(path, PAGE_LIMITS["favourited_by"]), lambda accounts: {
                "instance": self.instance,
                "observed_at": self.observed_at,
                "status": status,
                "favourited_by": accounts,
            }

        self._drain("favourites", request, expect=list)

    def _drain(
        self,
        step: str,
        request: Callable[[str], tuple[str, Callable[[Any], Any] | None]],
        expect: type | None = None,
    ) -> None:
        """Fetch each queued item of ``step`` once, checkpointing after each; an item the
        server no longer has (a status deleted since it was queued) is skipped and counted."""
        state = self.session.state(step)
        todo: list[str] = orjson.loads(state.cursor) if state.cursor else []
        while todo and not state.done:
            rest = todo[1:]
            new = StepState(step, orjson.dumps(rest).decode(), state.items + 1, not rest)
            path, wrap = request(todo[0])
            try:
                response = self.session.client.get(path)
            except CollectError as exc:
                if exc.status not in UNAVAILABLE:
                    raise
                self.session.skip(new, f"{step}_unavailable")
            else:
                if expect is not None and not isinstance(response.data, expect):
                    raise CollectError(f"GET {response.url}: expected a JSON {expect.__name__}")
                value = wrap(response.data) if wrap else response.data
                self.save(response, value, new, items=1)
            state, todo = new, rest


def _with_limit(path: str, limit: int) -> str:
    """``path`` with its ``limit`` query parameter set (next links repeat the first page's).

    >>> _with_limit("/api/v1/accounts/1/followers?limit=80&max_id=7", 5)
    '/api/v1/accounts/1/followers?max_id=7&limit=5'
    """
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "limit"]
    return f"{parts.path}?{urlencode([*query, ('limit', str(limit))])}"
