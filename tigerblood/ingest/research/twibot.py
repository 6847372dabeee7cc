"""TwiBot-20 and TwiBot-22: labelled Twitter bot-detection benchmarks, for training and evaluation.

TwiBot-20 (Feng et al., CIKM 2021) is a JSON array of users, each with a v1.1 profile whose values
were all written as strings with one trailing space (``"followers_count": "1234 "``, ``"verified":
"True "``, ``"entities": "{'url': ...} "`` as a Python literal), up to 200 tweet texts, 20
followers and followings, and a label ("1" bot, "0" human; none in ``support.json``).

TwiBot-22 (Feng et al., NeurIPS 2022) is a folder: ``user.json`` (v2 users, ids ``u<digits>``),
``tweet_<n>.json`` (v2 tweets, ids ``t<digits>``), ``label.csv`` and ``edge.csv`` (read by
:mod:`twibot22`).

Ids are kept as each dataset writes them (TwiBot-22's ``u``/``t`` prefixes stay, and bare ids
inside its tweets get them, so everything joins); TwiBot-20 tweets have no ids, so a post is named
``<user ID>:<index in the user's tweet list>``. docs/sources/twibot.md lists what is lost.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tigerblood.ingest.base import Adapter, Batch, SourceError
from tigerblood.ingest.jsonio import MAX_RECORD_BYTES, guarded, iter_records, open_binary, safe_head
from tigerblood.ingest.research.twibot22 import read_twibot22
from tigerblood.ingest.rows import Collector, RecordError, as_dict
from tigerblood.ingest.twitter.objects import PLATFORM, v1_user

LABELS = {"1": (1, "bot"), "0": (0, "human")}
_LITERAL_LIMIT = 100_000


def _clean(value: object) -> object:
    """Undo TwiBot-20's stringification: drop the one added trailing space, ``"None"`` -> null."""
    if not isinstance(value, str):
        return value
    value = value.removesuffix(" ")
    return None if value == "None" else value


def _entities(rows: Collector, text: object) -> dict | None:
    """``entities`` was saved as a Python literal; read it as a literal, never as code."""
    if not isinstance(text, str):
        return text if isinstance(text, dict) else None
    if len(text) > _LITERAL_LIMIT:
        rows.quarantine("profile.entities", "entities literal too long", text)
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        rows.quarantine("profile.entities", "not a Python literal", text)
        return None
    return value if isinstance(value, dict) else None


def twibot20_user(rows: Collector, user: Any, source_name: str = "twibot-20") -> None:
    """One TwiBot-20 user: account, tweets (as posts), neighbours (as follows) and label."""
    if not isinstance(user, dict):
        raise RecordError("record", "expected a TwiBot-20 user object")
    user_id = rows.ident(_clean(user.get("ID")), "ID")
    if not user_id:
        raise RecordError("ID", "user without an ID")
    profile = user.get("profile")
    if isinstance(profile, dict):
        cleaned = {key: _clean(value) for key, value in profile.items()}
        cleaned["entities"] = _entities(rows, cleaned.get("entities"))
        v1_user(rows, cleaned, account_id=user_id)
    else:
        rows.add("accounts", {"platform": PLATFORM, "account_id": user_id})
    tweets = user.get("tweet")
    for index, text in enumerate(tweets if isinstance(tweets, list) else []):
        rows.add(
            "posts",
            {
                "platform": PLATFORM,
                "post_id": f"{user_id}:{index}",
                "account_id": user_id,
                "text": rows.text(text, f"tweet[{index}]"),
            },
        )
    neighbor = as_dict(user.get("neighbor"))
    for key in ("following", "follower"):
        for other in neighbor.get(key) or []:
            other_id = rows.ident(_clean(other), f"neighbor.{key}")
            if other_id:
                pair = (user_id, other_id) if key == "following" else (other_id, user_id)
                rows.add(
                    "follows",
                    {
                        "platform": PLATFORM,
                        "follower_id": pair[0],
                        "followee_id": pair[1],
                        "action": "follow",
                    },
                )
    label = user.get("label")
    if label is not None:
        if _clean(label) not in LABELS:
            rows.quarantine("label", f"expected '1' (bot) or '0' (human), got {label!r}", label)
        else:
            value, kind = LABELS[_clean(label)]  # type: ignore[index]
            rows.add(
                "labels",
                {
                    "platform": PLATFORM,
                    "account_id": user_id,
                    "label": value,
                    "kind": kind,
                    "source": source_name,
                },
            )


class TwiBotAdapter(Adapter):
    """TwiBot-20 JSON files and TwiBot-22 folders -> accounts, posts, follows and labels."""

    name = "twibot"
    description = "TwiBot-20 JSON (train/dev/test/support.json) and TwiBot-22 folders"

    def __init__(self, max_record_bytes: int = MAX_RECORD_BYTES) -> None:
        self.limit = max_record_bytes

    def sniff(self, path: Path) -> bool:
        """A JSON array of ``{"ID", "profile", ...}``, or a folder with ``user.json`` (or
        ``node.json``) beside ``label.csv`` or ``edge.csv``."""
        if path.is_dir():
            nodes = (path / "user.json").is_file() or (path / "node.json").is_file()
            return nodes and ((path / "label.csv").is_file() or (path / "edge.csv").is_file())
        if not path.is_file():
            return False
        head = safe_head(path).lstrip()
        return head.startswith(b"[") and b'"ID"' in head[:200] and b'"profile"' in head

    def read(self, path: Path) -> Iterator[Batch]:
        """All rows of one TwiBot-20 file or one TwiBot-22 folder; bad records quarantined."""
        if path.is_dir():
            yield from read_twibot22(path, self.limit)
            return
        source = str(path)
        try:
            stream = open_binary(path)
        except OSError as exc:
            raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        rows = Collector(source, dedupe=("accounts", "follows", "labels"))
        with stream:
            records = guarded(iter_records(stream, source, self.limit), source)
            yield from rows.run(records, lambda user: twibot20_user(rows, user))
        yield from rows.flush()
