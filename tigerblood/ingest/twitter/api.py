"""X/Twitter API dumps: v1.1 tweet and user objects, and v2 response pages, as JSON or JSON Lines.

Researchers hold years of collected API data (twarc, tweepy, academic archives) in these shapes,
often mixed: a v1.1 timeline array, a stream of one tweet per line, users/lookup results, or v2
pages ``{"data", "includes", "meta"}`` one per line as twarc2 writes them. Every object is
recognised by its keys, so one file may mix them. Stream notices (``delete``, ``limit``) and
API ``errors`` blocks describe the collection, not accounts, and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tigerblood.ingest.base import Adapter, Batch, SourceError
from tigerblood.ingest.jsonio import MAX_RECORD_BYTES, guarded, iter_records, open_binary, safe_head
from tigerblood.ingest.rows import Collector, RecordError
from tigerblood.ingest.twitter.objects import (
    is_v2_tweet,
    v1_tweet,
    v1_user,
    v2_response,
    v2_tweet,
    v2_user,
)

_NOTICES = frozenset(
    {"delete", "limit", "scrub_geo", "status_withheld", "user_withheld", "warning"}
)


def looks_like_twibot20(head: bytes) -> bool:
    """TwiBot-20 files hold v1.1 profiles too: ``[{"ID": ..., "profile": {...}}]``."""
    return b'"ID"' in head and b'"profile"' in head


class TwitterApiAdapter(Adapter):
    """API v1.1 and v2 objects in JSON or JSON Lines files."""

    name = "twitter-api"
    description = "X/Twitter API v1.1 objects and v2 responses (JSON, JSON Lines)"

    def __init__(self, max_record_bytes: int = MAX_RECORD_BYTES) -> None:
        self.limit = max_record_bytes

    def sniff(self, path: Path) -> bool:
        """A file whose first bytes show v1.1 (``id_str`` with ``screen_name`` or text) or v2
        (``author_id``; ``data`` with ``username``/``text``; ``username`` with
        ``public_metrics``) keys, and no other format's."""
        if not path.is_file():
            return False
        head = safe_head(path)
        if head.lstrip().startswith(b"window.") or looks_like_twibot20(head) or b'"acct"' in head:
            return False
        v1 = b'"id_str"' in head and any(
            k in head for k in (b'"screen_name"', b'"text"', b'"full_text"')
        )
        v2 = (
            b'"author_id"' in head
            or (b'"data"' in head and (b'"username"' in head or b'"text"' in head))
            or (b'"username"' in head and b'"public_metrics"' in head)
        )
        return v1 or v2

    def read(self, path: Path) -> Iterator[Batch]:
        """Accounts and posts from every object in the file; bad records as quarantine rows."""
        source = str(path)
        try:
            stream = open_binary(path)
        except OSError as exc:
            raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        rows = Collector(source)
        with stream:
            records = guarded(iter_records(stream, source, self.limit), source)
            yield from rows.run(records, lambda value: handle(rows, value))
        yield from rows.flush()


def handle(rows: Collector, value: Any) -> None:
    """Map one JSON value of an API dump, whatever v1.1 or v2 shape it has."""
    if isinstance(value, list):
        for item in value:
            handle(rows, item)
        return
    if not isinstance(value, dict):
        raise RecordError("record", f"expected a JSON object, got {type(value).__name__}")
    if "data" in value or "includes" in value:
        v2_response(rows, value)
    elif "errors" in value or (len(value) == 1 and next(iter(value)) in _NOTICES):
        return
    elif isinstance(value.get("statuses"), list):  # v1.1 search/tweets
        handle(rows, value["statuses"])
    elif isinstance(value.get("users"), list):  # v1.1 users/lookup, followers/list pages
        for user in value["users"]:
            v1_user(rows, user)
    elif "id_str" in value and ("text" in value or "full_text" in value):
        v1_tweet(rows, value)
    elif "screen_name" in value:
        v1_user(rows, value)
    elif is_v2_tweet(value):
        v2_tweet(rows, value)
    elif "username" in value:
        v2_user(rows, value)
    else:
        raise RecordError("record", f"not a v1.1 or v2 object (keys: {sorted(value)[:12]})")
