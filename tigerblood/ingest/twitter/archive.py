"""X/Twitter "download your archive": the zip (or its unzipped folder) a user gets from X.

The archive is the one complete, first-party record of an account: every tweet, and every
follower and followed account at the time it was made, which is what the self-view ("how do I
look?") and the audience audit need. Its ``data/*.js`` files are JSON arrays behind a JavaScript
assignment (``window.YTD.tweets.part0 = [ ... ]``) with numbers written as strings.

Read: ``account.js`` (id, handle, name, creation time), ``profile.js`` (bio, website, avatar),
``verified.js``, ``tweets.js``/``tweet.js`` and their ``-partN`` splits, ``follower.js`` and
``following.js``, ``like.js`` (the owner's own likes: the liked tweet's id, and text, but neither
its author nor the time of the like), and ``manifest.js`` (generation date, used as
``observed_at``). Zip limits are
in :mod:`safezip`. See docs/sources/twitter.md for what the archive does not hold.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tigerblood.ingest.base import Adapter, Batch, SourceError
from tigerblood.ingest.jsonio import MAX_RECORD_BYTES, Record, guarded, iter_records
from tigerblood.ingest.rows import Collector, RecordError, as_dict
from tigerblood.ingest.safezip import (
    MAX_MEMBER_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    Limits,
    Tree,
)
from tigerblood.ingest.twitter.objects import DEFAULT_AVATAR, PLATFORM, v1_tweet

_MARKERS = ("data/account.js", "data/manifest.js")
_TWEETS = re.compile(r"data/tweets?(-part\d+)?\.js")


def _marker_prefix(names: list[str]) -> str | None:
    """The folder holding ``data/`` (archives re-zipped by hand gain one top folder)."""
    found = [n[: -len(m)] for n in names for m in _MARKERS if n.endswith(m)]
    found = [prefix for prefix in found if prefix.count("/") <= 1]
    return min(found, key=len) if found else None


class TwitterArchiveAdapter(Adapter):
    """An X archive zip or folder -> the owner's account, posts and follows."""

    name = "twitter-archive"
    description = "X/Twitter 'download your archive' zip or folder (data/*.js)"

    def __init__(
        self,
        max_member_bytes: int = MAX_MEMBER_BYTES,
        max_total_bytes: int = MAX_TOTAL_BYTES,
        max_ratio: float = MAX_RATIO,
        max_record_bytes: int = MAX_RECORD_BYTES,
    ) -> None:
        self.limits = Limits(max_member_bytes, max_total_bytes, max_ratio)
        self.record_limit = max_record_bytes

    def sniff(self, path: Path) -> bool:
        """A folder with ``data/account.js`` or ``data/manifest.js``, or a zip holding one."""
        if path.is_dir():
            return any((path / marker).is_file() for marker in _MARKERS)
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            if handle.read(4) != b"PK\x03\x04":
                return False
        try:
            with zipfile.ZipFile(path) as archive:
                return _marker_prefix(archive.namelist()) is not None
        except (zipfile.BadZipFile, OSError):
            return False

    def read(self, path: Path) -> Iterator[Batch]:
        """The owner's account, tweets and follow lists; refused members as quarantine rows."""
        try:
            tree = Tree(path, self.limits)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{path}: not a readable zip or folder ({exc})") from exc
        with tree:
            yield from _ArchiveReader(tree, str(path), self.record_limit).run()


class _ArchiveReader:
    """One read of one archive: owner first, then tweets and follow lists."""

    def __init__(self, tree: Tree, source: str, record_limit: int) -> None:
        self.tree, self.limit = tree, record_limit
        self.rows = Collector(source)
        self.prefix = _marker_prefix(tree.names())
        if self.prefix is None:
            raise SourceError(f"{source}: no data/account.js or data/manifest.js in this archive")
        self.account: dict[str, Any] = {"platform": PLATFORM}
        self.complete = False  # set by a manifest that says the archive is not partial

    def records(self, name: str) -> Iterator[Record]:
        member = self.prefix + name if self.prefix is not None else name
        if member not in self.tree.names():
            return
        try:
            stream = self.tree.open(member)
        except OSError as exc:  # ArchiveLimitError (refused by a limit) is one
            self.complete = False
            yield Record(f"{member}:0", error=str(exc))
            return
        with stream:
            for record in guarded(
                iter_records(stream, member, self.limit, assignment=True), member
            ):
                if record.error is not None and name.startswith("data/follow"):
                    self.complete = False
                yield record

    def each(self, name: str, key: str | None = None) -> Iterator[Any]:
        """The objects of one ``data/*.js`` member, unwrapped from ``{key: {...}}``."""
        for record in self.records(name):
            self.rows.begin(record.location)
            if record.error is not None:
                self.rows.quarantine("record", record.error, record.raw.decode("utf-8", "replace"))
                continue
            value = record.value
            if key is not None and isinstance(value, dict) and isinstance(value.get(key), dict):
                value = value[key]
            if not isinstance(value, dict):
                self.rows.quarantine("record", f"expected a {key or 'JSON'} object", value)
                continue
            yield value

    def run(self) -> Iterator[Batch]:
        rows, account = self.rows, self.account
        for name, reason in self.tree.refused.items():
            rows.quarantine("member", reason, name, location=name)
        for manifest in self.each("data/manifest.js"):
            info, user = as_dict(manifest.get("archiveInfo")), as_dict(manifest.get("userInfo"))
            account["observed_at"] = rows.when(info.get("generationDate"), "generationDate")
            self.complete = info.get("isPartialArchive") is False
            account["account_id"] = rows.ident(user.get("accountId"), "userInfo.accountId")
            account["handle"] = rows.text(user.get("userName"), "userInfo.userName")
            account["display_name"] = rows.text(user.get("displayName"), "userInfo.displayName")
        owner = self.owner()
        for name in sorted(n.removeprefix(self.prefix or "") for n in self.tree.names()):
            if _TWEETS.fullmatch(name):
                for tweet in self.each(name, "tweet"):
                    rows.guard(self.tweet, tweet)
                    yield from rows.ready()
        counts = {}
        for name, key in (("data/follower.js", "follower"), ("data/following.js", "following")):
            counts[key] = self.follows(name, key, owner, account.get("observed_at"))
            yield from rows.ready()
        self.likes(owner, account.get("observed_at"))
        yield from rows.ready()
        if self.complete:  # whole lists of a full archive: their lengths are the counts
            account["followers_count"] = counts["follower"]
            account["following_count"] = counts["following"]
        rows.begin("data/account.js")
        rows.add("accounts", account)
        yield from rows.flush()

    def tweet(self, tweet: dict) -> None:
        v1_tweet(self.rows, tweet, author=self.account["account_id"])

    def owner(self) -> str:
        """The archive owner's id (account.js, else the manifest) and profile details."""
        rows, account = self.rows, self.account
        for found in self.each("data/account.js", "account"):
            account["account_id"] = rows.ident(found.get("accountId"), "accountId")
            account["handle"] = rows.text(found.get("username"), "username")
            account["display_name"] = rows.text(
                found.get("accountDisplayName"), "accountDisplayName"
            )
            account["created_at"] = rows.when(found.get("createdAt"), "createdAt")
        for found in self.each("data/profile.js", "profile"):
            description = as_dict(found.get("description"))
            account["bio"] = rows.text(description.get("bio"), "description.bio")
            website = rows.text(description.get("website"), "description.website")
            account["profile_urls"] = [website] if website else []
            avatar = rows.text(found.get("avatarMediaUrl"), "avatarMediaUrl")
            account["has_avatar"] = avatar is not None and DEFAULT_AVATAR not in avatar
        for found in self.each("data/verified.js", "verified"):
            account["verified"] = rows.boolean(found.get("verified"), "verified")
        if not account.get("account_id"):
            raise SourceError(f"{rows.source}: no account id in data/account.js or manifest.js")
        return account["account_id"]

    def required_id(self, entry: dict, field: str, missing: str) -> str | None:
        """The id in ``entry[field]``, or None after quarantining the entry (bad or absent)."""
        try:
            ident = self.rows.ident(entry.get(field), field)
            if not ident:
                raise RecordError(field, missing)
        except RecordError as exc:
            self.rows.quarantine(exc.field, str(exc), entry)
            return None
        return ident

    def likes(self, owner: str, observed: Any) -> None:
        """like.js: tweets the owner liked. No author, no time: those columns stay null."""
        rows = self.rows
        for entry in self.each("data/like.js", "like"):
            tweet = self.required_id(entry, "tweetId", "like without tweetId")
            if tweet is None:
                continue
            rows.add(
                "likes",
                {
                    "platform": PLATFORM,
                    "account_id": owner,
                    "post_id": tweet,
                    "observed_at": observed,
                },
            )

    def follows(self, name: str, key: str, owner: str, observed: Any) -> int | None:
        """follower.js: they follow the owner; following.js: the owner follows them.
        Returns how many distinct accounts were listed (None when the file is absent)."""
        if (self.prefix or "") + name not in self.tree.names():
            self.complete = False
            return None
        rows, seen = self.rows, 0
        for entry in self.each(name, key):
            other = self.required_id(entry, "accountId", "entry without accountId")
            if other is None:
                self.complete = False
                continue
            pair = (other, owner) if key == "follower" else (owner, other)
            seen += rows.add(
                "follows",
                {
                    "platform": PLATFORM,
                    "follower_id": pair[0],
                    "followee_id": pair[1],
                    "observed_at": observed,
                    "action": "follow",
                },
            )
        return seen
