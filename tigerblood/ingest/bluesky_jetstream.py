"""Bluesky Jetstream captures (JSON Lines, plain or zstd) -> posts, follows and accounts.

Jetstream is the firehose as JSON: one event per line, ``kind`` = ``commit`` (a record created,
updated or deleted in someone's repo), ``identity`` (a handle change) or ``account`` (status
change). It is where manufactured engagement shows up first: follow/unfollow churn, reply spam,
repost rings. See ``docs/sources/bluesky.md`` for capture commands and the full mapping.

What the model has no place for is counted in :attr:`JetstreamAdapter.stats`, never dropped
silently: likes, deletes of posts and reposts, ``account`` events, and every collection we do not
map (threadgates, blocks, lists, third-party lexicons...).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import orjson

from tigerblood import model
from tigerblood.ingest import bluesky_records as rec
from tigerblood.ingest.base import Adapter, Batch
from tigerblood.ingest.bluesky_files import (
    BATCH_ROWS,
    READ_ERRORS,
    all_batches,
    decode_raw,
    full_batches,
    line_batches,
    open_decompressed,
    safe_head,
)

MAPPED: frozenset[str] = frozenset(
    f"{collection}/{operation}"
    for collection, operation in [
        (rec.POST, "create"),
        (rec.POST, "update"),
        (rec.REPOST, "create"),
        (rec.FOLLOW, "create"),
        (rec.FOLLOW, "update"),
        (rec.FOLLOW, "delete"),
        (rec.PROFILE, "create"),
        (rec.PROFILE, "update"),
    ]
)
"""Commit ``collection/operation`` pairs that become rows; every other pair is only counted."""

_MAPPED_BYTES: frozenset[tuple[bytes, bytes]] = frozenset(
    (collection.encode(), operation.encode())
    for collection, _, operation in (key.partition("/") for key in MAPPED)
)
_OPERATION = b'"operation":"'
_THEN_COLLECTION = b',"collection":"'

UNKNOWN_UNFOLLOW = "unfollow of unknown follow record"


class _UnknownFollowError(LookupError):
    """A follow delete whose create was not earlier in the same file: nothing to resolve it to."""


class _DeferredUnfollowError(LookupError):
    """A follow delete a chunk cannot resolve alone: the parent resolves it in file order."""


class _Read:
    """The state of one pass over one file: buffers, follow index, merged accounts, counters."""

    def __init__(self, source: str, stats: Counter[str], chunked: bool = False) -> None:
        self.source = source
        self.stats = stats
        self.posts: list[dict] = []
        self.follows: list[dict] = []
        self.quarantine: list[dict] = []
        self.buffers = {"posts": self.posts, "follows": self.follows, "quarantine": self.quarantine}
        self.accounts: dict[str, dict] = {}
        # A follow delete carries only its rkey: remember (did, rkey) -> subject from creates.
        self.follow_subjects: dict[tuple[str, str], str] = {}
        self.skimmed: Counter[tuple[bytes, bytes]] = Counter()
        # Reading one chunk of a file (bluesky_parallel): follow rkeys created in this chunk, and
        # unfollows left for the parent as (follows index, quarantine index, did, rkey).
        self.created: set[tuple[str, str]] | None = set() if chunked else None
        self.pending: list[tuple[int, int, str, str]] = []

    def feed(
        self, lines: list[bytes], overlong: list[tuple[int, bytes]], lineno: int, limit: int
    ) -> int:
        """Route one batch of lines following line ``lineno``; return the last line's number."""
        for index, head in overlong:
            error = f"line longer than the {limit}-byte limit"
            self.reject(lineno + index + 1, "line", error, head)
        skim, event = self.skim, self.event
        for line in lines:
            lineno += 1
            if line[:8] == b'{"did":"' and skim(line):
                continue
            if line:
                event(lineno, line)
        return lineno

    def skim(self, line: bytes) -> bool:
        """Count an unmapped commit from its bytes, without parsing it; False if not one.

        Most of the firehose is likes, which become no rows: parsing them would be most of
        the cost. Jetstream writes its fields in a fixed order (``did``, ``time_us``, ``kind``,
        ``commit`` = ``rev``, ``operation``, ``collection``, ...), so the first
        ``"operation":"`` is the commit's, followed directly by its collection. Anything not in
        exactly that shape, and every mapped collection, takes the full parse.
        """
        start = line.find(_OPERATION, 30) + 13
        if start < 13:
            return False
        end = line.find(b'"', start)
        if line[end + 1 : end + 16] != _THEN_COLLECTION:
            return False
        key = (line[end + 16 : line.find(b'"', end + 16)], line[start:end])
        if key in _MAPPED_BYTES or not line.rstrip(b"\r").endswith(b"}}"):
            return False
        self.skimmed[key] += 1
        return True

    def close(self) -> None:
        """Fold the byte-level counts into :attr:`stats` under their ``collection/op`` names."""
        for (collection, operation), count in self.skimmed.items():
            name = f"{collection.decode('utf-8', 'replace')}/{operation.decode('utf-8', 'replace')}"
            self.stats[name] += count
        self.skimmed.clear()

    def reject(self, lineno: int, field: str, error: str, line: bytes) -> None:
        self.stats["quarantined"] += 1
        self.quarantine.append(
            model.quarantine_row(
                self.source, f"{self.source}:{lineno}", field, error, decode_raw(line)
            )
        )

    def actor(self, did: str) -> None:
        if did not in self.accounts:
            self.accounts[did] = {"platform": rec.PLATFORM, "account_id": did}

    def event(self, lineno: int, line: bytes) -> None:
        """Route one decoded line; malformed input is quarantined here, never raised."""
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            if line.strip():  # blank lines are not records
                self.reject(lineno, "json", f"invalid JSON: {exc}", line)
            return
        if type(event) is not dict:
            self.reject(lineno, "event", "expected a JSON object", line)
            return
        did = event.get("did")
        time_us = event.get("time_us")
        if type(did) is not str or not did.startswith("did:"):
            self.reject(lineno, "did", "expected a DID string", line)
            return
        if type(time_us) is not int or not 0 <= time_us <= rec.MAX_MICROS:
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
        self.follows.append(
            {
                "followee_id": None,
                "created_at": time_us,
                "action": "unfollow",
                "platform": rec.PLATFORM,
                "follower_id": did,
                "observed_at": time_us,
            }
        )
        error = f"{UNKNOWN_UNFOLLOW} (rkey {rkey})"
        location = f"{self.source}:{lineno}"
        self.quarantine.append(
            model.quarantine_row(self.source, location, "commit.rkey", error, decode_raw(line))
        )

    def record(
        self, did: str, time_us: int, collection: str, operation: str, rkey: str, record: object
    ) -> None:
        """Map one commit of a mapped collection; raises RecordError for lexicon violations."""
        if collection == rec.FOLLOW:
            self.follow(did, time_us, operation, rkey, record)
        elif collection != rec.PROFILE:
            uri = f"at://{did}/{collection}/{rkey}"
            to_row = rec.post_row if collection == rec.POST else rec.repost_row
            row = to_row(uri, did, record)
            if row["created_at"] is None:
                row["created_at"] = time_us
            self.posts.append(row)
            self.actor(did)
        else:
            rec.merge_account(self.accounts, rec.profile_record_row(did, record))

    def follow(self, did: str, time_us: int, operation: str, rkey: str, record: object) -> None:
        observed = time_us  # Arrow reads integers in a timestamp[us] column as microseconds
        if operation == "delete":
            subject = self.follow_subjects.pop((did, rkey), None)
            if subject is None:
                if self.created is not None and (did, rkey) not in self.created:
                    raise _DeferredUnfollowError
                raise _UnknownFollowError(f"{UNKNOWN_UNFOLLOW} (rkey {rkey})")
            row = {"followee_id": subject, "created_at": observed, "action": "unfollow"}
        else:
            if type(record) is not dict or type(record.get("subject")) is not str:
                raise rec.RecordError("subject", "expected a DID string")
            subject = record["subject"]
            self.follow_subjects[(did, rkey)] = subject
            if self.created is not None:
                self.created.add((did, rkey))
            created = rec.parse_datetime(record.get("createdAt")) or observed
            row = {"followee_id": subject, "created_at": created, "action": "follow"}
        row.update(platform=rec.PLATFORM, follower_id=did, observed_at=observed)
        self.follows.append(row)
        self.actor(did)


class JetstreamAdapter(Adapter):
    """Jetstream JSON Lines (``.jsonl`` or zstd ``.zst``, detected by content, not suffix).

    After a read, :attr:`stats` counts every event by ``collection/operation`` (plus
    ``identity``, ``account/<status>``, ``kind/<unknown>`` and ``quarantined``), so what the
    model cannot hold (likes, deletes, unmapped collections) is visible, not silently lost;
    :meth:`unmapped` lists exactly those. Lines over :attr:`max_line_bytes` are quarantined.
    """

    name: ClassVar[str] = "bluesky-jetstream"
    description: ClassVar[str] = "Bluesky Jetstream events as JSON Lines (plain or zstd)"
    max_line_bytes: int = 1 << 20
    """No valid Bluesky record comes near 1 MiB (post text is capped at 3,000 bytes)."""
    workers: int = min(2, os.cpu_count() or 1)
    """Decoding processes for large files (1 reads in this process only)."""
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
        """Yield posts and follows every 50k rows, accounts (merged per DID) at the end."""
        self.stats = Counter()
        if self.workers > 1 and path.is_file() and path.stat().st_size >= self.parallel_bytes:
            from tigerblood.ingest.bluesky_parallel import read_parallel

            yield from read_parallel(path, self.stats, self.max_line_bytes, self.workers)
            return
        state = _Read(str(path), self.stats)
        posts, follows, feed, limit = state.posts, state.follows, state.feed, self.max_line_bytes
        lineno = 0
        with open_decompressed(path) as stream:
            try:
                for lines, overlong in line_batches(stream, limit):
                    lineno = feed(lines, overlong, lineno, limit)
                    if len(posts) >= BATCH_ROWS or len(follows) >= BATCH_ROWS:
                        yield from full_batches(state.buffers)
            except READ_ERRORS as exc:
                state.reject(lineno + 1, "file", f"stream ended unreadable: {exc}", b"")
            finally:
                state.close()
        yield from all_batches(state.buffers)
        yield from all_batches({"accounts": list(state.accounts.values())})

    def unmapped(self) -> dict[str, int]:
        """Counts from the last read that produced no rows: what this source loses."""
        return {
            key: count
            for key, count in self.stats.items()
            if "/" in key and key not in MAPPED and count
        }
