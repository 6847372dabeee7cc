"""Saved Bluesky AppView responses (``app.bsky.*`` XRPC JSON) -> accounts, posts, follows, likes.

The AppView is where counts live (followers, follows, posts) and where one account's followers,
follows, feed or a whole thread can be pulled on demand: the input an audience audit or a
self-check starts from. A file holds one response, or JSON Lines of responses; a response may be
wrapped as ``{"collected_at": <datetime>, "response": {...}}`` so counts get an ``observed_at``
(unwrapped, ``observed_at`` stays null: the time the counts were true is not guessed).

Recognised by keys: ``getProfile`` (a profileViewDetailed), ``getProfiles`` (``profiles``),
``getFollowers`` (``subject`` + ``followers``), ``getFollows`` (``subject`` + ``follows``),
``getAuthorFeed`` and other feed views (``feed``), ``getPosts``/``searchPosts`` (``posts``),
``getPostThread`` (``thread``), ``getLikes`` (``uri`` + ``likes``: who liked one post, the audience
a like farm inflates). See ``docs/sources/bluesky.md``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import orjson

from tigerblood import model
from tigerblood.ingest.base import Adapter, Batch
from tigerblood.ingest.bluesky import records as rec
from tigerblood.ingest.bluesky.files import (
    READ_ERRORS,
    all_batches,
    decode_raw,
    full_batches,
    line_batches,
    open_decompressed,
    safe_head,
)

_RESPONSE_KEY = re.compile(rb'"(feed|thread|profiles|followers|follows|posts|likes)"\s*:\s*[\[{]')
_PROFILE_KEYS = (re.compile(rb'"did"\s*:\s*"did:'), re.compile(rb'"handle"\s*:'))
REASON_REPOST = "app.bsky.feed.defs#reasonRepost"


def _raw(value: object) -> str:
    """A JSON sample of the offending value for the quarantine ``raw`` column."""
    try:
        return orjson.dumps(value)[: model.RAW_LIMIT * 4].decode("utf-8", "replace")
    except (TypeError, RecursionError):  # orjson refuses nesting deeper than 254 levels
        return "<value nested too deeply to show>"


class _Read:
    """One pass over one file: row buffers, accounts merged per DID, posts seen, counters."""

    def __init__(self, source: str, stats: Counter[str]) -> None:
        self.source = source
        self.stats = stats
        self.posts: list[dict] = []
        self.follows: list[dict] = []
        self.likes: list[dict] = []
        self.quarantine: list[dict] = []
        self.buffers = {
            "posts": self.posts,
            "follows": self.follows,
            "likes": self.likes,
            "quarantine": self.quarantine,
        }
        self.accounts: dict[str, dict] = {}
        self.seen_posts: set[str] = set()
        self.seen_follows: set[tuple[str, str]] = set()
        self.seen_likes: set[tuple[str, str]] = set()
        self.location = source

    def reject(self, field: str, error: str, raw: object) -> None:
        self.stats["quarantined"] += 1
        text = raw if isinstance(raw, str) else _raw(raw)
        self.quarantine.append(model.quarantine_row(self.source, self.location, field, error, text))

    def responses(self, value: object) -> None:
        """A response, or a top-level array of them (one level: nesting is not recursed into)."""
        if type(value) is list:
            for i, item in enumerate(value):
                self.response(item, f"[{i}]")
        else:
            self.response(value)

    def response(self, value: object, field: str = "") -> None:
        """Dispatch one response by its top-level keys."""
        if not isinstance(value, dict):
            self.reject(field or "response", "expected a JSON object", value)
            return
        body: dict[str, Any] = value
        observed = None
        inner = body.get("response")
        if isinstance(inner, dict):
            observed = rec.parse_datetime(body.get("collected_at"))
            body, field = inner, _join(field, "response")
        if "thread" in body:
            self.stats["getPostThread"] += 1
            self.thread(body["thread"], _join(field, "thread"))
        elif "feed" in body:
            self.stats["feed"] += 1
            for i, item in self.items(body, "feed", field):
                self.feed_item(item, _join(field, f"feed[{i}]"))
        elif "posts" in body:
            self.stats["getPosts"] += 1
            for i, item in self.items(body, "posts", field):
                self.post_view(item, _join(field, f"posts[{i}]"))
        elif "subject" in body and ("followers" in body or "follows" in body):
            self.graph(body, field, observed)
        elif "likes" in body and "uri" in body:
            self.liked_by(body, field, observed)
        elif "profiles" in body:
            self.stats["getProfiles"] += 1
            for i, item in self.items(body, "profiles", field):
                self.profile(item, _join(field, f"profiles[{i}]"), observed)
        elif "did" in body and "handle" in body:
            self.stats["getProfile"] += 1
            self.profile(body, field, observed)
        elif "error" in body:
            message = f"XRPC error response: {body.get('error')}: {body.get('message')}"
            self.reject(field or "response", message, body)
        else:
            keys = ", ".join(sorted(str(key) for key in body)[:8])
            self.reject(field or "response", f"not a known app.bsky response (keys: {keys})", body)

    def items(self, value: dict, key: str, field: str) -> Iterator[tuple[int, object]]:
        """The array under ``key``, quarantining the response when it is not one."""
        items = value[key]
        if type(items) is not list:
            self.reject(_join(field, key), "expected an array", items)
            return iter(())
        return enumerate(items)

    def profile(self, view: object, field: str, observed: datetime | None) -> str | None:
        """Merge one profile view into accounts; its DID, or None when it was quarantined."""
        try:
            row = rec.profile_view_row(view, observed)
        except rec.RecordError as exc:
            self.reject(_join(field, exc.field) or "profile", exc.message, view)
            return None
        rec.merge_account(self.accounts, row)
        return row["account_id"]

    def graph(self, value: dict, field: str, observed: datetime | None) -> None:
        """getFollowers (each follower -> subject) or getFollows (subject -> each followed)."""
        inbound = "followers" in value
        key = "followers" if inbound else "follows"
        self.stats["getFollowers" if inbound else "getFollows"] += 1
        subject = self.profile(value["subject"], _join(field, "subject"), None)
        if subject is None:
            return
        for i, item in self.items(value, key, field):
            other = self.profile(item, f"{_join(field, key)}[{i}]", None)
            if other is None:
                continue
            pair = (other, subject) if inbound else (subject, other)
            if pair in self.seen_follows:
                continue
            self.seen_follows.add(pair)
            self.follows.append(
                {
                    "platform": rec.PLATFORM,
                    "follower_id": pair[0],
                    "followee_id": pair[1],
                    "observed_at": observed,
                    "action": "follow",
                }
            )

    def liked_by(self, value: dict, field: str, observed: datetime | None) -> None:
        """getLikes: one ``likes`` row per ``#like`` (actor -> the post at ``uri``), plus the
        actor's account. ``created_at`` is the like record's ``createdAt`` (the AppView's
        ``indexedAt`` when that is unusable); ``observed_at`` is ``collected_at``."""
        self.stats["getLikes"] += 1
        uri = value["uri"]
        if type(uri) is not str or not rec.is_record_uri(uri):
            self.reject(_join(field, "uri"), "expected an at:// URI naming a record", value)
            return
        author = rec.at_uri_did(uri)
        for i, like in self.items(value, "likes", field):
            where = f"{_join(field, 'likes')}[{i}]"
            if type(like) is not dict:
                self.reject(where, "expected a like object", like)
                continue
            actor = self.profile(like.get("actor"), _join(where, "actor"), None)
            if actor is None or (actor, uri) in self.seen_likes:
                continue
            self.seen_likes.add((actor, uri))
            created = rec.parse_datetime(like.get("createdAt"))
            self.likes.append(
                {
                    "platform": rec.PLATFORM,
                    "account_id": actor,
                    "post_id": uri,
                    "post_account_id": author,
                    "created_at": created or rec.parse_datetime(like.get("indexedAt")),
                    "observed_at": observed,
                }
            )

    def post_view(self, view: object, field: str) -> str | None:
        """One ``postView`` -> a posts row and its author's account; the post's URI."""
        if type(view) is not dict:
            self.reject(field, "expected a postView object", view)
            return None
        if view.get("notFound") is True or view.get("blocked") is True:
            self.stats["post/unavailable"] += 1
            return None
        uri = view.get("uri")
        if type(uri) is not str:
            self.reject(_join(field, "uri"), "expected an at-uri string", view)
            return None
        author = self.profile(view.get("author"), _join(field, "author"), None)
        if author is None:
            return None
        if uri in self.seen_posts:
            return uri
        try:
            row = rec.post_row(uri, author, view.get("record"))
        except rec.RecordError as exc:
            self.reject(_join(_join(field, "record"), exc.field), exc.message, view)
            return None
        if row["created_at"] is None:
            row["created_at"] = rec.parse_datetime(view.get("indexedAt"))
        self.seen_posts.add(uri)
        self.posts.append(row)
        return uri

    def feed_item(self, item: object, field: str) -> None:
        """A feedViewPost: the post, the reply context it carries, and a repost reason."""
        if type(item) is not dict:
            self.reject(field, "expected a feedViewPost object", item)
            return
        uri = self.post_view(item.get("post"), _join(field, "post"))
        reply = item.get("reply")
        if type(reply) is dict:
            for part in ("root", "parent"):
                if reply.get(part) is not None:
                    self.post_view(reply[part], f"{field}.reply.{part}")
        reason = item.get("reason")
        if uri is not None and type(reason) is dict and reason.get("$type") == REASON_REPOST:
            self.repost(reason, uri, _join(field, "reason"))

    def repost(self, reason: dict, subject: str, field: str) -> None:
        """A reasonRepost names the repost record only in newer AppViews (``uri``)."""
        by = self.profile(reason.get("by"), _join(field, "by"), None)
        uri = reason.get("uri")
        if by is None:
            return
        if type(uri) is not str:
            self.stats["repost/without_uri"] += 1
            return
        if uri not in self.seen_posts:
            self.seen_posts.add(uri)
            self.posts.append(
                {
                    "platform": rec.PLATFORM,
                    "post_id": uri,
                    "account_id": by,
                    "created_at": rec.parse_datetime(reason.get("indexedAt")),
                    "repost_of_post_id": subject,
                    "urls": [],
                    "mentions": [],
                    "hashtags": [],
                }
            )

    def thread(self, root: object, field: str) -> None:
        """Walk a threadViewPost up its parents and down its replies (no recursion limit)."""
        stack: list[tuple[object, str]] = [(root, field)]
        while stack:
            node, where = stack.pop()
            if type(node) is not dict:
                self.reject(where, "expected a thread node object", node)
                continue
            if "post" not in node:
                self.post_view(node, where)  # notFoundPost / blockedPost, or a broken node
                continue
            self.post_view(node["post"], _join(where, "post"))
            if node.get("parent") is not None:
                stack.append((node["parent"], _join(where, "parent")))
            replies = node.get("replies")
            if type(replies) is list:
                stack.extend((reply, f"{where}.replies[{i}]") for i, reply in enumerate(replies))


def _join(prefix: str, field: str) -> str:
    return f"{prefix}.{field}" if prefix and field else prefix or field


class AppViewAdapter(Adapter):
    """Saved ``app.bsky`` AppView responses: one JSON document per file, or JSON Lines.

    :attr:`stats` counts responses by endpoint and what could not become rows (unavailable
    posts in threads, reposts whose record URI the AppView did not give).
    """

    name: ClassVar[str] = "bluesky-appview"
    description: ClassVar[str] = "Bluesky AppView responses (getProfile, getFollowers, feeds...)"
    max_document_bytes: int = 64 << 20
    """A single (pretty-printed) document is parsed whole, so it is capped; JSON Lines is not."""

    def __init__(self) -> None:
        self.stats: Counter[str] = Counter()

    def sniff(self, path: Path) -> bool:
        """A JSON object naming a known response key near the top, and a DID or at-uri in it."""
        head = safe_head(path, 1 << 16)
        if head.lstrip()[:1] not in (b"{", b"[") or b'"time_us"' in head:
            return False
        if b"did:" not in head and b"at://" not in head:
            return False
        return bool(_RESPONSE_KEY.search(head)) or all(key.search(head) for key in _PROFILE_KEYS)

    def read(self, path: Path) -> Iterator[Batch]:
        """Parse a whole document when it is one, else line by line; accounts come last."""
        self.stats = Counter()
        state = _Read(str(path), self.stats)
        mode, document = self._document(path, state)
        if mode == "document":
            state.location = f"{path}:1"
            state.responses(document)
        elif mode == "lines":
            yield from self._lines(path, state)
        yield from all_batches(state.buffers)
        yield from all_batches({"accounts": list(state.accounts.values())})

    def _document(self, path: Path, state: _Read) -> tuple[str, object]:
        """``("document", value)`` when the file is one JSON value, else how to go on.

        ``"lines"`` means read it as JSON Lines (also when the stream breaks part-way: the
        line reader keeps what came before the break); ``"skip"`` means it was quarantined.
        """
        with open_decompressed(path) as stream:
            try:
                data = stream.read(self.max_document_bytes + 1)
            except READ_ERRORS:
                return "lines", None
        if len(data) <= self.max_document_bytes:
            try:
                return "document", orjson.loads(data)
            except orjson.JSONDecodeError:
                return "lines", None
        if data.lstrip().split(b"\n", 1)[0].strip() in (b"{", b"["):
            state.location = f"{path}:1"
            error = f"pretty-printed document over {self.max_document_bytes} bytes"
            state.reject("file", error + ": save it as JSON Lines", decode_raw(data[:2000]))
            return "skip", None
        return "lines", None

    def _lines(self, path: Path, state: _Read) -> Iterator[Batch]:
        """JSON Lines: each line one response; bad lines are quarantined with their number."""
        lineno = 0
        limit = self.max_document_bytes
        with open_decompressed(path) as stream:
            try:
                for lines, overlong in line_batches(stream, limit):
                    for index, head in overlong:
                        state.location = f"{path}:{lineno + index + 1}"
                        state.reject(
                            "line", f"line longer than the {limit}-byte limit", decode_raw(head)
                        )
                    for line in lines:
                        lineno += 1
                        state.location = f"{path}:{lineno}"
                        self._line(line, state)
                        yield from full_batches(state.buffers)
            except READ_ERRORS as exc:
                state.location = f"{path}:{lineno + 1}"
                state.reject("file", f"stream ended unreadable: {exc}", "")

    @staticmethod
    def _line(line: bytes, state: _Read) -> None:
        if not line.strip():
            return
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            state.reject("json", f"invalid JSON: {exc}", decode_raw(line))
            return
        state.responses(value)
