"""Mastodon REST entities (Account, Status, Context, Notification, …) mapped onto model rows.

Follows the entity reference at docs.joinmastodon.org/entities. Mastodon ids are local to the server
that answered (the same remote account has a different id on every server), so ids are qualified
with that server's host, ``109302@mastodon.social``, which keeps two servers' data apart and lets
posts, mentions and follows join. Handles are always the full ``user@home.server``.

>>> from tigerblood.ingest.rows import Collector
>>> c = Collector("x.json")
>>> c.begin("x.json:1")
>>> m = MastodonMapper(c, "mastodon.social")
>>> m.account({"id": "1", "username": "Gargron", "acct": "Gargron",
...            "url": "https://mastodon.social/@Gargron", "avatar": "/original/missing.png"})
'1@mastodon.social'
>>> row = c.pending("accounts")[0]
>>> row["handle"], row["has_avatar"]
('Gargron@mastodon.social', False)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tigerblood.ingest.htmltext import html_to_text
from tigerblood.ingest.rows import Collector, RecordError, as_dict

PLATFORM = "mastodon"
IGNORED_EVENTS = frozenset(
    (
        "filters_changed",
        "announcement",
        "announcement.reaction",
        "announcement.delete",
        "encrypted_message",
        "notifications_merged",
        "delete",
    )
)
"""Streaming events that carry no account, post or follow (deletions: the model has no column)."""


def host(url: object) -> str | None:
    """The host of a URL, lower-cased; None for anything that is not an absolute URL."""
    if not isinstance(url, str) or "://" not in url:
        return None
    return urlsplit(url).hostname or None


def local_instance(obj: object, depth: int = 0) -> str | None:
    """The answering server, when ``obj`` shows it: a local account (``acct`` without ``@``)
    has its profile ``url`` on that server. Mentions and nested statuses are searched too."""
    if depth > 4:
        return None
    if isinstance(obj, list):
        return next((h for item in obj[:50] if (h := local_instance(item, depth + 1))), None)
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("instance"), str) and obj["instance"]:
        return obj["instance"].lower()
    acct = obj.get("acct")
    if isinstance(acct, str) and acct and "@" not in acct and (found := host(obj.get("url"))):
        return found
    for key in _NESTED_KEYS:
        if (found := local_instance(obj.get(key), depth + 1)) is not None:
            return found
    return None


_NESTED_KEYS = (
    "account",
    "reblog",
    "mentions",
    "ancestors",
    "descendants",
    "followers",
    "following",
    "accounts",
    "statuses",
    "status",
    "last_status",
    "payload",
    "favourited_by",
)


def kind(obj: object) -> str:
    """Which entity a JSON object is, from the keys the API always sends."""
    if not isinstance(obj, dict):
        return "list" if isinstance(obj, list) else "unknown"
    keys = obj.keys()
    if "event" in keys and ("payload" in keys or "stream" in keys):
        return "event"
    if "ancestors" in keys or "descendants" in keys:
        return "context"
    if "favourited_by" in keys and "status" in keys:
        return "favourites"
    if "account" in keys and ("followers" in keys or "following" in keys):
        return "graph"
    if "acct" in keys and "username" in keys:
        return "account"
    if "content" in keys and "account" in keys:
        return "status"
    if "type" in keys and "account" in keys:
        return "notification"
    if "last_status" in keys and "accounts" in keys:
        return "conversation"
    if "accounts" in keys and "statuses" in keys:
        return "search"
    return "unknown"


class MastodonMapper:
    """Turns entities into rows on a :class:`Collector`; ``instance`` qualifies every id."""

    def __init__(self, rows: Collector, instance: str | None) -> None:
        self.rows, self.instance = rows, instance

    def qualify(self, value: object, field: str) -> str | None:
        local = self.rows.ident(value, field)
        return f"{local}@{self.instance}" if local and self.instance else local

    def entity(self, obj: Any, observed_at: datetime | None = None) -> None:
        """Map any entity (or list of them); an unknown kind quarantines the record."""
        found = kind(obj)
        if found == "list":
            for item in obj:
                self.entity(item, observed_at)
        elif found == "account":
            self.account(obj, observed_at)
        elif found == "status":
            self.status(obj)
        elif found == "context":
            self.context(obj)
        elif found == "graph":
            self.graph(obj)
        elif found == "notification":
            self.notification(obj)
        elif found == "favourites":
            self.favourites(obj)
        elif found == "conversation":
            self.entity(obj.get("accounts") or [])
            if isinstance(obj.get("last_status"), dict):
                self.status(obj["last_status"])
        elif found == "search":
            self.entity(obj.get("accounts") or [])
            self.entity(obj.get("statuses") or [])
        else:
            keys = sorted(obj)[:12] if isinstance(obj, dict) else type(obj).__name__
            raise RecordError("record", f"not a Mastodon entity (keys: {keys})")

    def account(self, a: dict, observed_at: datetime | None = None) -> str:
        """One Account row; returns its qualified id."""
        account_id = self.qualify(a.get("id"), "account.id")
        if not account_id:
            raise RecordError("account.id", "account without an id")
        r = self.rows
        acct = r.text(a.get("acct"), "acct") or r.text(a.get("username"), "username")
        home = host(a.get("url")) or host(a.get("uri")) or self.instance
        handle = acct if not acct or "@" in acct or not home else f"{acct}@{home}"
        bio, links = html_to_text(r.text(a.get("note"), "note") or "")
        for field in a.get("fields") or []:
            if isinstance(field, dict) and isinstance(field.get("value"), str):
                links += [u for u in html_to_text(field["value"])[1] if u not in links]
        avatar = r.text(a.get("avatar"), "avatar")
        r.add(
            "accounts",
            {
                "platform": PLATFORM,
                "account_id": account_id,
                "handle": handle,
                "display_name": r.text(a.get("display_name"), "display_name"),
                "bio": bio if a.get("note") is not None else None,
                "created_at": r.when(a.get("created_at"), "created_at"),
                "observed_at": observed_at,
                "followers_count": r.integer(a.get("followers_count"), "followers_count"),
                "following_count": r.integer(a.get("following_count"), "following_count"),
                "posts_count": r.integer(a.get("statuses_count"), "statuses_count"),
                "has_avatar": None
                if avatar is None
                else bool(avatar) and "missing.png" not in avatar,
                "declared_bot": r.boolean(a.get("bot"), "bot"),
                "profile_urls": links,
            },
        )
        return account_id

    def status(self, s: dict, root: str | None = None) -> str:
        """One Status row (and rows for its author, and for the post it boosts or quotes)."""
        r = self.rows
        post_id = self.qualify(s.get("id"), "status.id")
        if not post_id:
            raise RecordError("status.id", "status without an id")
        if not isinstance(s.get("account"), dict):
            raise RecordError("status.account", "status without its account")
        author = self.account(s["account"])
        repost = self.status(s["reblog"], root) if isinstance(s.get("reblog"), dict) else None
        quote = as_dict(s.get("quote"))
        quoted = quote.get("quoted_status")
        quote_id = (
            self.status(quoted)
            if isinstance(quoted, dict)
            else self.qualify(quote.get("quoted_status_id"), "quote.quoted_status_id")
        )
        content = r.text(s.get("content"), "content")
        text, urls = html_to_text(content or "")
        card = as_dict(s.get("card"))
        if isinstance(card.get("url"), str) and card["url"] not in urls:
            urls.append(card["url"])
        mentions = [m for m in s.get("mentions") or [] if isinstance(m, dict)]
        reply_to = self.qualify(s.get("in_reply_to_id"), "in_reply_to_id")
        tags = s.get("tags") or []
        app = as_dict(s.get("application"))
        r.add(
            "posts",
            {
                "platform": PLATFORM,
                "post_id": post_id,
                "account_id": author,
                "created_at": r.when(s.get("created_at"), "created_at"),
                "text": text if content is not None else None,
                "lang": r.text(s.get("language"), "language"),
                "reply_to_post_id": reply_to,
                "reply_to_account_id": self.qualify(s.get("in_reply_to_account_id"), "reply_to"),
                "root_post_id": root,
                "quote_of_post_id": quote_id,
                "repost_of_post_id": repost,
                "urls": urls,
                "mentions": [
                    q for m in mentions if (q := self.qualify(m.get("id"), "mentions.id"))
                ],
                "hashtags": r.strings((t.get("name") for t in tags if isinstance(t, dict)), "tags"),
                "client": r.text(app.get("name"), "application.name"),
            },
        )
        return post_id

    def notification(self, n: dict) -> None:
        """A Notification: its account, its status, and for ``favourite`` the like itself
        (the notified user is the status's author, so the like names whose post it was)."""
        liker = self.account(n["account"])
        if not isinstance(n.get("status"), dict):
            return
        post_id = self.status(n["status"])
        if n.get("type") == "favourite":
            when = self.rows.when(n.get("created_at"), "created_at")
            self.like(liker, post_id, self.qualify(n["status"]["account"].get("id"), "id"), when)

    def favourites(self, obj: dict) -> None:
        """tigerblood's collected layout for ``/api/v1/statuses/:id/favourited_by``:
        ``{"instance", "observed_at", "status", "favourited_by": [Account]}``. The endpoint
        gives no time of each favourite, so ``created_at`` stays null."""
        observed = self.rows.when(obj.get("observed_at"), "observed_at")
        status = obj["status"]
        if not isinstance(status, dict):
            raise RecordError("status", "favourites layout without its Status")
        post_id = self.status(status)
        author = self.qualify(as_dict(status.get("account")).get("id"), "status.account.id")
        for other in obj.get("favourited_by") or []:
            if not isinstance(other, dict):
                self.rows.quarantine("favourited_by", "expected an Account object", other)
                continue
            self.like(self.account(other, observed), post_id, author, None, observed)

    def like(
        self,
        liker: str,
        post_id: str,
        author: str | None,
        when: datetime | None,
        observed: datetime | None = None,
    ) -> None:
        """One ``likes`` row."""
        self.rows.add(
            "likes",
            {
                "platform": PLATFORM,
                "account_id": liker,
                "post_id": post_id,
                "post_account_id": author,
                "created_at": when,
                "observed_at": observed,
            },
        )

    def context(self, obj: dict) -> None:
        """A thread (``/api/v1/statuses/:id/context``): its root is known when the first
        ancestor replies to nothing, and then every status in it gets that root."""
        ancestors = [s for s in obj.get("ancestors") or [] if isinstance(s, dict)]
        descendants = [s for s in obj.get("descendants") or [] if isinstance(s, dict)]
        root = None
        if ancestors and ancestors[0].get("in_reply_to_id") is None:
            root = self.qualify(ancestors[0].get("id"), "ancestors.id")
        for status in ancestors + descendants:
            self.status(status, root)

    def graph(self, obj: dict) -> None:
        """tigerblood's collected layout: ``{"instance", "account", "followers", "following",
        "observed_at"}``: whose lists these are is what a bare Account array cannot say."""
        r = self.rows
        observed = r.when(obj.get("observed_at"), "observed_at")
        if not isinstance(obj.get("account"), dict):
            raise RecordError("account", "graph layout without its account")
        owner = self.account(obj["account"], observed)
        for key in ("followers", "following"):
            for other in obj.get(key) or []:
                if not isinstance(other, dict):
                    r.quarantine(key, "expected an Account object", other)
                    continue
                them = self.account(other, observed)
                pair = (them, owner) if key == "followers" else (owner, them)
                r.add(
                    "follows",
                    {
                        "platform": PLATFORM,
                        "follower_id": pair[0],
                        "followee_id": pair[1],
                        "observed_at": observed,
                        "action": "follow",
                    },
                )
