"""Bluesky Jetstream captures (JSON Lines, plain or zstd) -> posts, likes, follows and accounts.

Jetstream is the firehose as JSON: one event per line, ``kind`` = ``commit`` (a record created,
updated or deleted in someone's repo), ``identity`` (a handle change) or ``account`` (status
change). It is where manufactured engagement shows up first: follow/unfollow churn, like farms,
reply spam, repost rings. See ``docs/sources/bluesky.md`` for capture commands and the mapping.

What the model has no place for is counted in :attr:`JetstreamAdapter.stats`, never dropped
silently: deletes of likes, posts and reposts (a delete names only the record key), ``account``
events, and every collection we do not map (threadgates, blocks, lists, third-party lexicons...).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import orjson

from tigerblood import model
from tigerblood.ingest.base import Adapter, Batch
from tigerblood.ingest.bluesky import records as rec
from tigerblood.ingest.bluesky.columns import MILLIS, Columns, Times, to_micros
from tigerblood.ingest.bluesky.files import (
    READ_ERRORS,
    all_batches,
    decode_raw,
    full_batches,
    gc_paused,
    line_batches,
    open_decompressed,
    safe_head,
)
from tigerblood.ingest.bluesky.records import FOLLOW, LIKE
from tigerblood.ingest.bluesky.records import MAX_MICROS as MAX

MAPPED: frozenset[str] = frozenset(
    f"{collection}/{operation}"
    for collection, operation in [
        (rec.POST, "create"),
        (rec.POST, "update"),
        (rec.REPOST, "create"),
        (rec.LIKE, "create"),
        (rec.LIKE, "update"),
        (rec.FOLLOW, "create"),
        (rec.FOLLOW, "update"),
        (rec.FOLLOW, "delete"),
        (rec.PROFILE, "create"),
        (rec.PROFILE, "update"),
    ]
)
"""Commit ``collection/operation`` pairs that become rows; every other pair is only counted."""

UNKNOWN_UNFOLLOW = "unfollow of unknown follow record"
_LIKE_CREATE = f"{rec.LIKE}/create"
_FOLLOW_CREATE = f"{rec.FOLLOW}/create"


class _UnknownFollowError(LookupError):
    """A follow delete whose create was not earlier in the same file: nothing to resolve it to."""


class _DeferredUnfollowError(LookupError):
    """A follow delete a chunk cannot resolve alone: the parent resolves it in file order."""


class _Read:
    """The state of one pass over one file: buffers, follow index, accounts, counters.

    Posts, likes and follows are kept as columns (see :mod:`bluesky_columns`). Accounts are
    split in two: ``actors``
    (every DID that posted, liked or followed, in first-seen order; an id is all they say) and
    ``accounts`` (rows from profile and identity events, merged per DID).
    """

    fast: bool = True
    """Take the fast path for well-formed like and follow creates (tests turn it off to check
    that both paths give the same rows)."""

    def __init__(self, source: str, stats: Counter[str], chunked: bool = False) -> None:
        self.source = source
        self.stats = stats
        self.posts = Columns("posts")
        self.post_appends = [(values.append, name) for name, values in self.posts.data.items()]
        self.follows = Columns("follows")
        self.likes = Columns("likes")
        self.quarantine: list[dict] = []
        self.buffers: dict[str, list[dict] | Columns] = {
            "posts": self.posts,
            "follows": self.follows,
            "likes": self.likes,
            "quarantine": self.quarantine,
        }
        self.accounts: dict[str, dict] = {}
        self.actors: dict[str, None] = {}
        self.times = Times()
        # A follow delete carries only its rkey: remember (did, rkey) -> subject from creates.
        self.follow_subjects: dict[tuple[str, str], str] = {}
        # Reading one chunk of a file (bluesky_parallel): follow rkeys created in this chunk, and
        # unfollows left for the parent as (follows index, quarantine index, did, rkey).
        self.created: set[tuple[str, str]] | None = set() if chunked else None
        self.pending: list[tuple[int, int, str, str]] = []

    def feed(
        self,
        lines: list[bytes],
        overlong: list[tuple[int, bytes]],
        lineno: int,
        limit: int,
        events: list[object] | None = None,
    ) -> int:
        """Route one batch of lines following line ``lineno``; return the last line's number.
        ``events``: the lines already parsed by :func:`_parse` (a live feed parses each message
        once, for its cursor too), else they are parsed here."""
        for index, head in overlong:
            error = f"line longer than the {limit}-byte limit"
            self.reject(lineno + index + 1, "line", error, head)
        with gc_paused():
            if self.fast:
                return self._feed_fast(lines, lineno, events)
            for line, event in zip(lines, events or [None] * len(lines), strict=True):
                lineno += 1
                if line:
                    self.event(lineno, line, _parse(line) if events is None else event)
        return lineno

    def _feed_fast(self, lines: list[bytes], lineno: int, events: list[object] | None) -> int:
        """:meth:`feed` with the common shapes inlined: one flat loop, everything bound locally.

        A line takes the fast path only when it is exactly what the validated path
        (:meth:`event`) would accept as a like or follow create; it then appends the very values
        that path would. Everything else, good or bad, goes to :meth:`event`. Subscripts stand in
        for ``.get`` (a missing key or a non-object raises, and the line goes the long way), and
        nothing is appended before the last check, so a row is never half written.
        """
        loads, error, event_of, max_micros = orjson.loads, orjson.JSONDecodeError, self.event, MAX
        micros, seconds, millis = self.times.micros, self.times.seconds.get, MILLIS.get
        record_uri = rec.RECORD_URI.fullmatch
        actors, subjects, created = self.actors, self.follow_subjects, self.created
        like, follow = self.likes.data, self.follows.data
        like_account, like_post = like["account_id"].append, like["post_id"].append
        like_author, like_created = like["post_account_id"].append, like["created_at"].append
        like_observed = like["observed_at"].append
        follower, followee = follow["follower_id"].append, follow["followee_id"].append
        follow_created, follow_observed = follow["created_at"].append, follow["observed_at"].append
        follow_action = follow["action"].append
        likes = follows = 0
        for line, parsed in zip(lines, lines if events is None else events, strict=True):
            lineno += 1
            if not line:
                continue
            if events is None:
                try:
                    event = loads(line)
                except error as exc:
                    event_of(lineno, line, exc)
                    continue
            elif isinstance(parsed, error):
                event_of(lineno, line, parsed)
                continue
            else:
                event = parsed
            try:
                commit = event["commit"]
                record = commit["record"]
                did = event["did"]
                time_us = event["time_us"]
                if (
                    commit["operation"] == "create"
                    and ((collection := commit["collection"]) == LIKE or collection == FOLLOW)
                    and event["kind"] == "commit"
                    and type(did) is str
                    and type(time_us) is int
                    and type(commit["rkey"]) is str
                    and type(record) is dict
                    and did.startswith("did:")
                    and 0 <= time_us <= max_micros
                ):
                    subject = record["subject"]
                    at = record["createdAt"]
                    if at[19:20] == "." and at[23:] == "Z":
                        base, ms = seconds(at[:19]), millis(at[20:23])
                        at = base + ms if base is not None and ms is not None else micros(at)
                    else:
                        at = micros(at)
                    at = time_us if at is None else at
                    if collection == LIKE:
                        uri = subject["uri"]
                        if type(uri) is str and record_uri(uri):
                            author = uri[5 : uri.index("/", 5)]
                            like_account(did)
                            like_post(uri)
                            like_author(author if author.startswith("did:") else None)
                            like_created(at)
                            like_observed(time_us)
                            actors[did] = None
                            likes += 1
                            continue
                    elif collection == FOLLOW and type(subject) is str:
                        key = (did, commit["rkey"])
                        subjects[key] = subject
                        if created is not None:
                            created.add(key)
                        follower(did)
                        followee(subject)
                        follow_created(at)
                        follow_observed(time_us)
                        follow_action("follow")
                        actors[did] = None
                        follows += 1
                        continue
            except (KeyError, TypeError):
                pass
            event_of(lineno, line, event)
        if likes:
            self.stats[_LIKE_CREATE] += likes
        if follows:
            self.stats[_FOLLOW_CREATE] += follows
        return lineno

    def reject(self, lineno: int, field: str, error: str, line: bytes) -> None:
        self.stats["quarantined"] += 1
        self.quarantine.append(
            model.quarantine_row(
                self.source, f"{self.source}:{lineno}", field, error, decode_raw(line)
            )
        )

    def event(self, lineno: int, line: bytes, event: object) -> None:
        """Route one parsed line (or its JSON error); what is malformed is quarantined here."""
        if isinstance(event, orjson.JSONDecodeError):
            if line.strip():  # blank lines are not records
                self.reject(lineno, "json", f"invalid JSON: {event}", line)
            return
        if type(event) is not dict:
            self.reject(lineno, "event", "expected a JSON object", line)
            return
        did = event.get("did")
        time_us = event.get("time_us")
        if type(did) is not str or not did.startswith("did:"):
            self.reject(lineno, "did", "expected a DID string", line)
            return
        if type(time_us) is not int or not 0 <= time_us <= MAX:
            self.reject(lineno, "time_us", "expected integer Unix microseconds", line)
            return
        kind = event.get("kind")
        if kind == "commit":
            self.commit(lineno, line, did, time_us, event.get("commit"))
        elif kind == "identity":
            self.identity(lineno, line, did, event.get("identity"))
        elif kind == "account":
            account = event.get("account")
            status = account.get("status") if type(account) is dict else None
            self.stats[f"account/{status if type(status) is str else 'active'}"] += 1
        elif type(kind) is str:
            self.stats[f"kind/{kind}"] += 1
        else:
            self.reject(lineno, "kind", "expected commit, identity or account", line)

    def identity(self, lineno: int, line: bytes, did: str, identity: object) -> None:
        handle = identity.get("handle") if type(identity) is dict else 0
        if handle is not None and type(handle) is not str:
            self.reject(lineno, "identity", "expected an object with a string handle", line)
            return
        self.stats["identity"] += 1
        rec.merge_account(
            self.accounts, {"platform": rec.PLATFORM, "account_id": did, "handle": handle}
        )

    def commit(self, lineno: int, line: bytes, did: str, time_us: int, commit: object) -> None:
        if type(commit) is not dict:
            self.reject(lineno, "commit", "expected an object", line)
            return
        collection = commit.get("collection")
        operation = commit.get("operation")
        rkey = commit.get("rkey")
        if type(collection) is not str or type(rkey) is not str:
            self.reject(lineno, "commit", "expected string collection and rkey", line)
            return
        if operation not in ("create", "update", "delete"):
            self.reject(lineno, "commit.operation", "expected create, update or delete", line)
            return
        key = f"{collection}/{operation}"
        self.stats[key] += 1
        if key not in MAPPED:
            return
        try:
            self.record(did, time_us, collection, operation, rkey, commit.get("record"))
        except rec.RecordError as exc:
            self.stats[key] -= 1
            self.reject(lineno, f"commit.record.{exc.field}".rstrip("."), exc.message, line)
        except _UnknownFollowError as exc:
            self.stats[key] -= 1
            self.reject(lineno, "commit.rkey", str(exc), line)
        except _DeferredUnfollowError:
            self.defer(lineno, line, did, time_us, rkey)

    def defer(self, lineno: int, line: bytes, did: str, time_us: int, rkey: str) -> None:
        """Hold both outcomes of an unfollow resolved later: its row and its quarantine row."""
        self.pending.append((len(self.follows), len(self.quarantine), did, rkey))
        self.follow_row(did, None, time_us, time_us, "unfollow")
        error = f"{UNKNOWN_UNFOLLOW} (rkey {rkey})"
        location = f"{self.source}:{lineno}"
        self.quarantine.append(
            model.quarantine_row(self.source, location, "commit.rkey", error, decode_raw(line))
        )

    def record(
        self, did: str, time_us: int, collection: str, operation: str, rkey: str, record: object
    ) -> None:
        """Map one commit of a mapped collection; raises RecordError for lexicon violations."""
        if collection == FOLLOW:
            self.follow(did, time_us, operation, rkey, record)
        elif collection == LIKE:
            self.like(did, time_us, record)
        elif collection != rec.PROFILE:
            uri = f"at://{did}/{collection}/{rkey}"
            to_row = rec.post_row if collection == rec.POST else rec.repost_row
            row = to_row(uri, did, record)
            created = row["created_at"]
            row["created_at"] = time_us if created is None else to_micros(created)
            for append, name in self.post_appends:
                append(row.get(name))
            self.actors[did] = None
        else:
            rec.merge_account(self.accounts, rec.profile_record_row(did, record))

    def like(self, did: str, time_us: int, record: object) -> None:
        """A like: who (the repo's DID), what (the subject's URI) and whose (the DID in it)."""
        uri = rec.like_subject(record)
        created = self.times.micros(record.get("createdAt") if type(record) is dict else None)
        columns = self.likes.data
        columns["account_id"].append(did)
        columns["post_id"].append(uri)
        columns["post_account_id"].append(rec.at_uri_did(uri))
        columns["created_at"].append(time_us if created is None else created)
        columns["observed_at"].append(time_us)
        self.actors[did] = None

    def follow(self, did: str, time_us: int, operation: str, rkey: str, record: object) -> None:
        if operation == "delete":
            subject = self.follow_subjects.pop((did, rkey), None)
            if subject is None:
                if self.created is not None and (did, rkey) not in self.created:
                    raise _DeferredUnfollowError
                raise _UnknownFollowError(f"{UNKNOWN_UNFOLLOW} (rkey {rkey})")
            self.follow_row(did, subject, time_us, time_us, "unfollow")
        else:
            if type(record) is not dict or type(record.get("subject")) is not str:
                raise rec.RecordError("subject", "expected a DID string")
            subject = record["subject"]
            self.follow_subjects[(did, rkey)] = subject
            if self.created is not None:
                self.created.add((did, rkey))
            created = self.times.micros(record.get("createdAt"))
            created = time_us if created is None else created
            self.follow_row(did, subject, created, time_us, "follow")
        self.actors[did] = None

    def follow_row(
        self, did: str, subject: str | None, created: int, observed: int, action: str
    ) -> None:
        """Append one follows row (times in Unix microseconds, as Jetstream gives them)."""
        columns = self.follows.data
        columns["follower_id"].append(did)
        columns["followee_id"].append(subject)
        columns["created_at"].append(created)
        columns["observed_at"].append(observed)
        columns["action"].append(action)

    def account_batches(self) -> Iterator[Batch]:
        """Accounts: merged profile and identity rows, then every other actor, id only."""
        yield from account_batches(self.accounts, self.actors)


def account_batches(accounts: dict[str, dict], actors: dict[str, None]) -> Iterator[Batch]:
    """``accounts`` rows as they are, then one id-only row per actor not among them."""
    ids = Columns("accounts", ["account_id"])
    ids.data["account_id"].extend(did for did in actors if did not in accounts)
    yield from all_batches({"accounts": list(accounts.values())})
    yield from all_batches({"accounts": ids})


def idle_cores() -> int:
    """Cores this process may use that other work is not already keeping busy (at least 1).

    Decoding in worker processes pays for itself only on cores nobody else wants: on a
    saturated machine the extra processes add their hand-offs and cache misses to everyone's
    time, and one process was measured twice as fast as two (docs/sources/bluesky.md).
    The one-minute load average is the measure of what is busy; it lags, so it still counts the
    work this run did just before (one core's worth at most), which is not someone else's.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    others = max(os.getloadavg()[0] - 1.0, 0.0)
    return max(1, int((cores or 1) - others + 0.5))


def _parse(line: bytes) -> object:
    """The parsed line, or the JSON error itself (for :meth:`_Read.event` to quarantine)."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return exc


class JetstreamAdapter(Adapter):
    """Jetstream JSON Lines (``.jsonl`` or zstd ``.zst``, detected by content, not suffix).

    After a read, :attr:`stats` counts every event by ``collection/operation`` (plus
    ``identity``, ``account/<status>``, ``kind/<unknown>`` and ``quarantined``), so what the
    model cannot hold (deletes, unmapped collections) is visible, not silently lost;
    :meth:`unmapped` lists exactly those. Lines over :attr:`max_line_bytes` are quarantined.
    """

    name: ClassVar[str] = "bluesky-jetstream"
    description: ClassVar[str] = "Bluesky Jetstream events as JSON Lines (plain or zstd)"
    max_line_bytes: int = 1 << 20
    """No valid Bluesky record comes near 1 MiB (post text is capped at 3,000 bytes)."""
    workers: int | None = None
    """Decoding processes for large files (1 reads in this process only); None chooses per read
    with :func:`idle_cores`, at most 2."""
    parallel_bytes: int = 16 << 20
    """Files at least this large (on disk) are decoded in :attr:`workers` processes."""

    def __init__(self) -> None:
        self.stats: Counter[str] = Counter()

    def sniff(self, path: Path) -> bool:
        """Jetstream lines start with ``{"did":…,"time_us":…,"kind":…}``: look for those keys."""
        head = safe_head(path)
        if head.lstrip()[:1] != b"{":
            return False
        return b'"time_us"' in head and b'"kind"' in head and b'"did"' in head

    def read(self, path: Path) -> Iterator[Batch]:
        """Yield posts, likes and follows every 50k rows, accounts (merged per DID) at the end."""
        self.stats = Counter()
        large = path.is_file() and path.stat().st_size >= self.parallel_bytes
        workers = (self.workers or min(2, idle_cores())) if large else 1
        if workers > 1:
            from tigerblood.ingest.bluesky.parallel import read_parallel

            yield from read_parallel(path, self.stats, self.max_line_bytes, workers)
            return
        state = _Read(str(path), self.stats)
        buffers, feed, limit = state.buffers, state.feed, self.max_line_bytes
        lineno = 0
        with open_decompressed(path) as stream:
            try:
                for lines, overlong in line_batches(stream, limit):
                    lineno = feed(lines, overlong, lineno, limit)
                    yield from full_batches(buffers)
            except READ_ERRORS as exc:
                state.reject(lineno + 1, "file", f"stream ended unreadable: {exc}", b"")
        yield from all_batches(buffers)
        yield from state.account_batches()

    def unmapped(self) -> dict[str, int]:
        """Counts from the last read that produced no rows: what this source loses."""
        return {
            key: count
            for key, count in self.stats.items()
            if "/" in key and key not in MAPPED and count
        }
