"""The labels sink: AT Protocol labels (``com.atproto.label.defs#label``) for a labeler service.

On Bluesky a moderation decision reaches people as a label: a record naming who labels (``src``,
the labeler's DID), what (``uri``: for an account, its DID), the value (``val``: here one per
pattern, ``link-reply-spam``, ``follow-farming``...), and whether it is applied or taken back
(``neg``), with its creation time (``cts``) and optionally an expiry (``exp``). So each change
becomes label records: one per label applied (``neg: false``), one per label withdrawn
(``neg: true``, the account was cleared or a pattern went away), written as JSON Lines and/or
sent to the labeler's moderation service (Ozone) as a ``tools.ozone.moderation.emitEvent`` with a
``#modEventLabel`` event (its create and negate values for the account), delivered as the webhook
is (a background queue, retries, never holding up the feed).

"Signed off by configuration": nothing is emitted without a configured labeler DID, and the
records are unsigned (no ``sig``): the labeler service signs the labels it publishes with its own
key, which tigerblood never holds. Accounts that are not AT Protocol accounts (no DID: Mastodon)
are skipped, counted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import orjson

from tigerblood.stream.sinks.base import Change, SinkStats
from tigerblood.stream.sinks.delivery import Delivery
from tigerblood.stream.sinks.webhook import idempotency_key

LABEL_VERSION = 1
"""``ver`` of ``com.atproto.label.defs#label``: the version of the label format."""
MAX_VALUE_BYTES = 128
"""The lexicon's ``maxLength`` for ``val`` (in UTF-8 bytes)."""
DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")
"""The AT Protocol DID syntax (atproto.com/specs/did); at most 2,048 characters."""
LABEL_EVENT = "tools.ozone.moderation.defs#modEventLabel"
REPO_REF = "com.atproto.admin.defs#repoRef"


def is_did(text: str) -> bool:
    """Whether ``text`` is a DID by the AT Protocol's syntax.

    >>> is_did("did:plc:z72i7hdynmk6r22z27h6tvur"), is_did("1093@mastodon.social")
    (True, False)
    """
    return len(text) <= 2048 and DID.fullmatch(text) is not None


def timestamp(seconds: float) -> str:
    """An AT Protocol datetime: RFC 3339, UTC, milliseconds, ``Z``.

    >>> timestamp(1741009454.4723)
    '2025-03-03T13:44:14.472Z'
    """
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def label_record(
    src: str, uri: str, val: str, *, neg: bool, cts: float, exp: float | None = None
) -> dict[str, Any]:
    """One ``com.atproto.label.defs#label`` record (unsigned)."""
    if len(val.encode()) > MAX_VALUE_BYTES:
        raise ValueError(f"label value {val!r} is over {MAX_VALUE_BYTES} bytes")
    record: dict[str, Any] = {
        "ver": LABEL_VERSION,
        "src": src,
        "uri": uri,
        "val": val,
        "neg": neg,
        "cts": timestamp(cts),
    }
    if exp is not None and not neg:
        record["exp"] = timestamp(exp)
    return record


def label_records(change: Change, src: str, expire_s: float | None = None) -> list[dict[str, Any]]:
    """The records of one change: the labels applied, then the labels withdrawn."""
    did = change.key[1]
    exp = change.at + expire_s if expire_s is not None else None
    applied = [label_record(src, did, v, neg=False, cts=change.at, exp=exp) for v in change.adds]
    withdrawn = [label_record(src, did, v, neg=True, cts=change.at) for v in change.removes]
    return applied + withdrawn


def ozone_event(change: Change, created_by: str, expire_s: float | None = None) -> dict[str, Any]:
    """The ``tools.ozone.moderation.emitEvent`` input that applies and negates the change's
    labels on its account, with the finding that decided it as the comment."""
    verdict = change.verdict
    findings = verdict.get("findings") or []
    summary = str(findings[0].get("summary", "")) if findings else ""
    event: dict[str, Any] = {
        "$type": LABEL_EVENT,
        "createLabelVals": list(change.adds),
        "negateLabelVals": list(change.removes),
        "comment": f"tigerblood: {verdict.get('change', 'change')}"
        + (f" (score {verdict['score']:.2f}): {summary}" if "score" in verdict else ""),
    }
    if expire_s is not None and change.adds:
        event["durationInHours"] = max(1, round(expire_s / 3600))
    return {
        "event": event,
        "subject": {"$type": REPO_REF, "did": change.key[1]},
        "createdBy": created_by,
        "modTool": {"name": "tigerblood", "meta": {"patterns": list(verdict.get("patterns", []))}},
        "externalId": idempotency_key(change),
    }


class LabelSink:
    """Label records of each change, to ``path`` (JSON Lines) and/or ``endpoint`` (Ozone).

    ``src`` is the labeler's DID; ``created_by`` the moderator account Ozone records the event
    under (default: ``src``); ``expire_s`` sets ``exp`` on applied labels. With an endpoint, a
    change counts ``emitted`` once the endpoint accepted it; without, once it is written.
    """

    name = "labels"

    def __init__(
        self,
        src: str,
        *,
        path: Path | None = None,
        endpoint: str | None = None,
        headers: Mapping[str, str] | None = None,
        created_by: str | None = None,
        expire_s: float | None = None,
        dry_run: bool = False,
        queue_size: int = 1000,
        timeout_s: float = 5.0,
        retries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
    ) -> None:
        if not is_did(src):
            raise ValueError(f"labeler {src!r} is not a DID (did:plc:... or did:web:...)")
        if path is None and endpoint is None:
            raise ValueError("labels need a file (path) or a labeler endpoint, or both")
        self.src, self.path, self.endpoint = src, path, endpoint
        self.created_by, self.expire_s, self.dry_run = created_by or src, expire_s, dry_run
        self.stats = SinkStats()
        self.stream: IO[bytes] | None = None
        self.delivery: Delivery | None = None
        if dry_run:
            return
        if path is not None:
            self.stream = path.open("ab")
        if endpoint is not None:
            self.delivery = Delivery(
                self.name,
                endpoint,
                self.stats,
                headers=headers,
                queue_size=queue_size,
                timeout_s=timeout_s,
                retries=retries,
                backoff_base_s=backoff_base_s,
                backoff_max_s=backoff_max_s,
            )

    def send(self, change: Change) -> None:
        if not is_did(change.key[1]):
            self.stats.skipped += 1
            return
        try:
            records = label_records(change, self.src, self.expire_s)
        except ValueError as error:
            self.stats.failed += 1
            self.stats.last_error = str(error)
            return
        self.stats.records += len(records)
        if self.dry_run:
            self.stats.dry_run += 1
            return
        if self.stream is not None:
            try:
                self.stream.write(b"".join(orjson.dumps(r) + b"\n" for r in records))
                self.stream.flush()
            except OSError as error:
                self.stats.failed += 1
                self.stats.last_error = f"{type(error).__name__}: {error}"
                return
            if self.delivery is None:
                self.stats.emitted += 1
        if self.delivery is not None:
            body = orjson.dumps(ozone_event(change, self.created_by, self.expire_s))
            self.delivery.put(body, idempotency_key(change))

    def close(self, timeout_s: float) -> None:
        if self.delivery is not None:
            self.delivery.close(timeout_s)
        if self.stream is not None:
            self.stream.close()
            self.stream = None
