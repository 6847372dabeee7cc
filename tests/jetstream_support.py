"""A Jetstream capture written to the platform's schema, for tests that need a few accounts'
events: commit events (``models.Event`` / ``models.Commit`` field order) carrying ``app.bsky``
records as clients write them, and identity events giving handles."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from tigerblood.testing.scenarios import tid

BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
POST = "app.bsky.feed.post"
PROFILE = "app.bsky.actor.profile"


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def us(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


class Jetstream:
    """A Jetstream capture: commit events with ``app.bsky`` records, written in time order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.events: list[tuple[int, bytes]] = []

    def did(self) -> str:
        return "did:plc:" + "".join(self.rng.choice(BASE32) for _ in range(24))

    def commit(self, did: str, at: datetime, collection: str, rkey: str, record: dict) -> str:
        cid = "bafyrei" + "".join(self.rng.choice(BASE32) for _ in range(52))
        commit = {
            "rev": tid(us(at), 1),
            "operation": "create",
            "collection": collection,
            "rkey": rkey,
            "record": {"$type": collection, **record},
            "cid": cid,
        }
        event = {"did": did, "time_us": us(at), "kind": "commit", "commit": commit}
        self.events.append((us(at), orjson.dumps(event)))
        return cid

    def identity(self, did: str, handle: str, at: datetime) -> None:
        body = {"did": did, "handle": handle, "seq": len(self.events) + 1, "time": iso(at)}
        event = {"did": did, "time_us": us(at), "kind": "identity", "identity": body}
        self.events.append((us(at), orjson.dumps(event)))

    def profile(
        self, did: str, handle: str, at: datetime, *, bot: bool = False, website: str | None = None
    ) -> None:
        """An ``app.bsky.actor.profile`` create; ``bot`` adds the self-label as clients write it,
        ``website`` the profile's website field."""
        self.identity(did, handle, at)
        record: dict[str, Any] = {"displayName": handle.split(".")[0], "description": ""}
        if website is not None:
            record["website"] = website
        if bot:
            record["labels"] = {
                "$type": "com.atproto.label.defs#selfLabels",
                "values": [{"val": "bot"}],
            }
        record["createdAt"] = iso(at)
        self.commit(did, at, PROFILE, "self", record)

    def post(
        self,
        did: str,
        at: datetime,
        text: str,
        *,
        link: str | None = None,
        reply_to: tuple[str, str] | None = None,
    ) -> tuple[str, str]:
        """A post (a reply when ``reply_to`` is a parent's (uri, cid)); the link as a facet."""
        record: dict[str, Any] = {"text": text}
        if link is not None:
            label = link.split("://", 1)[1].encode()
            start = text.encode().find(label)
            index = {"byteStart": start, "byteEnd": start + len(label)}
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": link}
            record["facets"] = [{"index": index, "features": [feature]}]
        if reply_to is not None:
            ref = {"uri": reply_to[0], "cid": reply_to[1]}
            record["reply"] = {"root": ref, "parent": ref}
        record["langs"] = ["en"]
        record["createdAt"] = iso(at)
        rkey = tid(us(at), self.rng.randrange(1024))
        cid = self.commit(did, at, POST, rkey, record)
        return f"at://{did}/{POST}/{rkey}", cid

    def write(self, path: Path) -> Path:
        path.write_bytes(b"".join(line + b"\n" for _, line in sorted(self.events)))
        return path


def watched(path: Path, account_id: str) -> tuple[dict, list[dict]]:
    """Replay a capture through ``watch`` (rules only, one window over all of it): the stream's
    feature row of ``account_id`` and the flagging changes it reported."""
    from tigerblood.stream.engine import StreamEngine, StreamSettings
    from tigerblood.stream.watch import watch

    engine = StreamEngine(StreamSettings(window_s=1e10, use_model=False))
    changes: list[dict] = []
    watch(path.read_bytes().splitlines(), engine, on_change=changes.append)
    row = next(r for r in engine.features().to_pylist() if r["account_id"] == account_id)
    return row, [c for c in changes if c["account_id"] == account_id and c["flagged"]]
