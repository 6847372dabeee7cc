"""The webhook sink: an HTTP POST of each change, the verdict as JSON (the same object as a line
of the JSON Lines sink), for a chat channel, a ticket queue, or a moderator's own tools.

Delivery is :class:`.delivery.Delivery`'s: a bounded queue and a background thread with retries,
so a receiver that is down, slow or failing never holds up the feed; what became of each change
is counted (``emitted``, ``failed``, ``retries``, ``dropped``). The ``Idempotency-Key`` of a
change is the same on every retry: the account, the change and its window time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import orjson

from tigerblood.stream.sinks.base import Change, SinkStats
from tigerblood.stream.sinks.delivery import Delivery


def idempotency_key(change: Change) -> str:
    """The same for every delivery of one change, different for the next change."""
    verdict = change.verdict
    parts = (
        verdict["platform"],
        verdict["account_id"],
        verdict.get("change"),
        verdict.get("window_end"),
        change.adds,
        change.removes,
    )
    return hashlib.sha256(orjson.dumps(parts)).hexdigest()[:32]


class WebhookSink:
    """POSTs each change's verdict to ``url`` (see the module docstring)."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        dry_run: bool = False,
        queue_size: int = 1000,
        timeout_s: float = 5.0,
        retries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
    ) -> None:
        self.url, self.dry_run = url, dry_run
        self.stats = SinkStats()
        self.delivery: Delivery | None = None
        if not dry_run:
            self.delivery = Delivery(
                self.name,
                url,
                self.stats,
                headers=headers,
                queue_size=queue_size,
                timeout_s=timeout_s,
                retries=retries,
                backoff_base_s=backoff_base_s,
                backoff_max_s=backoff_max_s,
            )

    def send(self, change: Change) -> None:
        body = orjson.dumps(change.verdict)
        if self.delivery is None:
            self.stats.dry_run += 1
            return
        self.delivery.put(body, idempotency_key(change))

    def close(self, timeout_s: float) -> None:
        if self.delivery is not None:
            self.delivery.close(timeout_s)
