"""``tigerblood collect bluesky HANDLE``: one account and its audience from the public AppView.

No login: the public AppView answers these reads for anyone. Steps, each checkpointed per page:
``profile`` (getProfile: the account and its DID), ``followers`` and ``follows`` (getFollowers,
getFollows), ``feed`` (getAuthorFeed, replies included), ``threads`` (getPostThread of the
account's own recent posts that have replies), ``likes`` (getLikes of its own recent posts that
have likes: who liked them, the audience a like farm inflates), then ``profiles`` (getProfiles,
25 at a time) for its followers, its likers and everyone who replied to or mentioned it, because
list entries carry no follower or post counts and the detectors need them.

Every response goes through the ``bluesky-appview`` adapter's own mapping, wrapped as
``{"collected_at", "response"}``, so the store ends up as a scan of the raw log would fill it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tigerblood.collect.http import CollectError, HttpClient, Response, RetryPolicy
from tigerblood.collect.session import CollectReport, Session
from tigerblood.collect.state import StepState
from tigerblood.ingest.base import Batch
from tigerblood.ingest.bluesky.appview import REASON_REPOST, _Read
from tigerblood.ingest.bluesky.files import all_batches
from tigerblood.store import Store

PLATFORM = "bluesky"
DEFAULT_BASE_URL = "https://public.api.bsky.app"
PAGE_LIMIT = 100
"""The largest ``limit`` getFollowers, getFollows and getAuthorFeed accept."""
PROFILES_BATCH = 25
"""getProfiles takes at most 25 actors per call."""
THREAD_DEPTH = 6
"""Reply levels fetched below each post (the API's default); parents are not fetched."""
UNAVAILABLE = frozenset({400, 404})
"""A thread whose post was deleted since the feed was read answers 400 NotFound: skipped."""
MAX_LIKED_POSTS = 20
"""Own posts whose likers are read: the recent ones, where a bought burst would show."""
MAX_LIKES_PER_POST = 100
"""Likers read per post (one page): enough to see who likes it, bounded for viral posts."""


def appview_batches(wrapped: dict, source: str, location: str) -> list[Batch]:
    """Map one wrapped response exactly as :class:`AppViewAdapter` maps a line of a file."""
    state = _Read(source, Counter())
    state.location = location
    state.response(wrapped)
    accounts = {"accounts": list(state.accounts.values())}
    return [*all_batches(state.buffers), *all_batches(accounts)]


def normalize_handle(handle: str) -> str:
    """``@Alice.bsky.social`` -> ``alice.bsky.social`` (handles are case-insensitive; DIDs kept).

    >>> normalize_handle(" @Alice.Example.com ")
    'alice.example.com'
    """
    text = handle.strip().removeprefix("@")
    return text if text.startswith("did:") else text.lower()


def collect_bluesky(
    handle: str,
    store: Store,
    *,
    base_url: str = DEFAULT_BASE_URL,
    max_followers: int = 1000,
    max_follows: int = 1000,
    max_posts: int = 100,
    max_threads: int = 20,
    max_liked_posts: int = MAX_LIKED_POSTS,
    max_likes_per_post: int = MAX_LIKES_PER_POST,
    raw_dir: Path | None = None,
    fresh: bool = False,
    policy: RetryPolicy | None = None,
    on_progress: Callable[[str, int], None] | None = None,
) -> CollectReport:
    """Collect ``handle`` into ``store``, resuming an unfinished run of the same handle.

    Raises :class:`CollectError` (naming the URL, with ``.report`` filled in) when a request
    fails for good; running the same call again continues from the last saved page.
    """
    target = normalize_handle(handle)
    with HttpClient(base_url, policy) as client:
        session = Session(
            PLATFORM,
            target,
            store,
            client,
            raw_dir=raw_dir,
            fresh=fresh,
            merge_accounts=True,
            on_progress=on_progress,
        )
        run = _Run(session, target, max_threads, max_liked_posts, max_likes_per_post)
        try:
            run.profile()
            run.paged("followers", "app.bsky.graph.getFollowers", "followers", max_followers)
            run.paged("follows", "app.bsky.graph.getFollows", "follows", max_follows)
            run.paged("feed", "app.bsky.feed.getAuthorFeed", "feed", max_posts)
            run.threads()
            run.likes()
            run.profiles()
        except CollectError as exc:
            exc.report = session.close()
            raise
        return session.finish()


class _Run:
    """The steps of one Bluesky collection over a :class:`Session`."""

    def __init__(
        self,
        session: Session,
        target: str,
        max_threads: int,
        max_liked_posts: int = MAX_LIKED_POSTS,
        max_likes: int = MAX_LIKES_PER_POST,
    ) -> None:
        self.session, self.target, self.max_threads = session, target, max_threads
        self.max_liked_posts, self.max_likes = max_liked_posts, max_likes
        self.did = ""
        # One reading time per run, as for Mastodon: an account seen on several pages of one
        # run (a follower who also liked) is one reading of its counts, not several.
        self.collected_at = datetime.now(UTC).isoformat()

    def get(self, method: str, params: Any) -> tuple[Response, dict]:
        response = self.session.client.get(f"/xrpc/{method}", params)
        if not isinstance(response.data, dict):
            raise CollectError(f"GET {response.url}: expected a JSON object from {method}")
        return response, response.data

    def save(self, response: Response, *states: StepState, items: int = 0) -> None:
        """Wrap, map, load and checkpoint one response."""
        wrapped = {"collected_at": self.collected_at, "response": response.data}
        batches = appview_batches(wrapped, self.session.source, response.url)
        self.session.save(wrapped, batches, *states, items=items)

    def profile(self) -> str:
        """The account itself; its DID is kept as the step's cursor for resumed runs."""
        state = self.session.state("profile")
        if not state.done:
            response, data = self.get("app.bsky.actor.getProfile", {"actor": self.target})
            if not isinstance(data.get("did"), str):
                raise CollectError(f"GET {response.url}: the profile has no DID")
            state = StepState("profile", data["did"], 1, True)
            self.save(response, state, items=1)
        self.did = self.session.report.account_id = state.cursor or ""
        return self.did

    def paged(self, step: str, method: str, key: str, limit: int) -> None:
        """Follow ``cursor`` until the list ends, ``limit`` items are in, or the cursor repeats."""
        state = self.session.state(step)
        while not state.done and state.items < limit:
            want = min(PAGE_LIMIT, limit - state.items)
            params: dict[str, Any] = {"actor": self.did, "limit": want}
            if step == "feed":
                params["filter"] = "posts_with_replies"
            if state.cursor:
                params["cursor"] = state.cursor
            response, data = self.get(method, params)
            found = data.get(key)
            items: list = found if isinstance(found, list) else []
            cursor = data.get("cursor") if isinstance(data.get("cursor"), str) else None
            total = state.items + len(items)
            done = not cursor or not items or cursor == state.cursor or total >= limit
            new = StepState(step, cursor, total, done)
            extra = (self._queue_threads(items), self._queue_likes(items)) if step == "feed" else ()
            self.save(response, new, *extra, items=len(items))
            state = new

    def _queue_threads(self, feed: list) -> StepState:
        """Queue the account's own posts that have replies for the ``threads`` step."""
        return self.session.queue("threads", self._with_replies(feed), self.max_threads)

    def _queue_likes(self, feed: list) -> StepState:
        """Queue the account's own posts that have likes for the ``likes`` step."""
        posts = self._own_posts(feed, "likeCount")
        return self.session.queue("likes", posts, self.max_liked_posts)

    def _with_replies(self, feed: list) -> Iterator[str]:
        return self._own_posts(feed, "replyCount")

    def _own_posts(self, feed: list, count: str) -> Iterator[str]:
        """URIs of the account's own posts (not its reposts) whose ``count`` is above 0."""
        for item in feed:
            if not isinstance(item, dict) or not isinstance(item.get("post"), dict):
                continue
            post, reason = item["post"], item.get("reason")
            if isinstance(reason, dict) and reason.get("$type") == REASON_REPOST:
                continue
            author = post.get("author") if isinstance(post.get("author"), dict) else {}
            uri, found = post.get("uri"), post.get(count)
            mine = author.get("did") == self.did and isinstance(uri, str)
            if mine and isinstance(found, int) and found > 0:
                yield uri

    def threads(self) -> None:
        """getPostThread for each queued post; a post deleted meanwhile is skipped."""
        state = self.session.state("threads")
        todo: list[str] = orjson.loads(state.cursor) if state.cursor else []
        while todo and not state.done:
            uri, rest = todo[0], todo[1:]
            new = StepState("threads", orjson.dumps(rest).decode(), state.items + 1, not rest)
            params = {"uri": uri, "depth": THREAD_DEPTH, "parentHeight": 0}
            try:
                response, _ = self.get("app.bsky.feed.getPostThread", params)
            except CollectError as exc:
                if exc.status not in UNAVAILABLE:
                    raise
                self.session.skip(new, "threads_unavailable")
            else:
                self.save(response, new, items=1)
            state, todo = new, rest

    def likes(self) -> None:
        """getLikes for each queued post, up to :attr:`max_likes` likers a post.

        Two checkpoints move together: ``likes`` (posts left, the first being read; likes
        fetched) and ``likes_page`` (the API cursor within that post, likers read of it).
        """
        state, page = self.session.state("likes"), self.session.state("likes_page")
        todo: list[str] = orjson.loads(state.cursor) if state.cursor else []
        while todo and not state.done:
            want = min(PAGE_LIMIT, self.max_likes - page.items)
            params: dict[str, Any] = {"uri": todo[0], "limit": want}
            if page.cursor:
                params["cursor"] = page.cursor
            try:
                response, data = self.get("app.bsky.feed.getLikes", params)
            except CollectError as exc:
                if exc.status not in UNAVAILABLE:
                    raise
                todo = todo[1:]
                state = StepState("likes", orjson.dumps(todo).decode(), state.items, not todo)
                page = StepState("likes_page")
                self.session.checkpoints.save(page)
                self.session.states[page.step] = page
                self.session.skip(state, "likes_unavailable")
                continue
            found = data.get("likes")
            items: list = found if isinstance(found, list) else []
            cursor = data.get("cursor") if isinstance(data.get("cursor"), str) else None
            taken = page.items + len(items)
            finished = not cursor or not items or cursor == page.cursor or taken >= self.max_likes
            if finished:
                todo, page = todo[1:], StepState("likes_page")
            else:
                page = StepState("likes_page", cursor, taken)
            total = state.items + len(items)
            state = StepState("likes", orjson.dumps(todo).decode(), total, not todo)
            self.save(response, state, page, items=len(items))

    def profiles(self) -> None:
        """getProfiles for followers, likers, and those who replied to or mentioned the account.

        The list is sorted and the cursor is the last DID done, so a resumed run skips exactly
        the batches already stored.
        """
        state = self.session.state("profiles")
        if state.done:
            return
        store = self.session.store
        followers = store.sql(
            "SELECT DISTINCT follower_id FROM follows WHERE platform = ? AND followee_id = ? "
            "AND action = 'follow'",
            [PLATFORM, self.did],
        )
        talkers = store.sql(
            "SELECT DISTINCT account_id FROM posts WHERE platform = ? AND account_id <> ? "
            "AND (reply_to_account_id = ? OR list_contains(mentions, ?))",
            [PLATFORM, self.did, self.did, self.did],
        )
        likers = store.sql(
            "SELECT DISTINCT account_id FROM likes WHERE platform = ? AND post_account_id = ?",
            [PLATFORM, self.did],
        )
        actors = sorted({row[0] for row in followers + talkers + likers} - {self.did})
        todo = [a for a in actors if state.cursor is None or a > state.cursor]
        for start in range(0, len(todo), PROFILES_BATCH):
            batch = todo[start : start + PROFILES_BATCH]
            done = start + PROFILES_BATCH >= len(todo)
            response, _ = self.get("app.bsky.actor.getProfiles", [("actors", a) for a in batch])
            state = StepState("profiles", batch[-1], state.items + len(batch), done)
            self.save(response, state, items=len(batch))
