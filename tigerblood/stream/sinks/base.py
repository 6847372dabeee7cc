"""What every sink is: something that takes a change and delivers it without ever holding up the
feed, and counts what became of it.

A live flag is a moderator's work item, and the feed must keep up with the firehose whatever a
receiver does: so :meth:`Sink.send` must return at once (a sink that talks to a network queues
and delivers from its own thread) and must not raise (a failure is counted, and logged, not
propagated). What reaches a sink has already passed its limits (:class:`.limits.Gate`): a
:class:`Change` names the labels it applies and withdraws, so each sink says it in its own form
(the verdict as JSON, or ``com.atproto.label.defs#label`` records).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Protocol

Key = tuple[str, str]
"""An account: ``(platform, account_id)``."""


@dataclass(frozen=True)
class Change:
    """One verdict change as a sink receives it, after the limits.

    ``adds`` are the label values newly applied to the account (one per pattern), ``removes`` the
    ones withdrawn (the account was cleared, or a pattern went away); ``at`` is the clock time the
    limits let it through (Unix seconds), which is when a label record says it was created.
    """

    verdict: dict[str, Any]
    adds: tuple[str, ...]
    removes: tuple[str, ...]
    at: float

    @property
    def key(self) -> Key:
        return (str(self.verdict["platform"]), str(self.verdict["account_id"]))


@dataclass
class SinkStats:
    """What became of the changes offered to one sink; read by the summary and ``--metrics``.

    Counted in changes (one verdict change each), except ``records``, the label records a labels
    sink produced. Written by one thread each (the feed's, or the sink's delivery thread), read
    by any: plain integers under the GIL.
    """

    offered: int = 0
    """Verdict changes offered to the sink's limits."""
    emitted: int = 0
    """Delivered: written, or accepted by the receiver (2xx)."""
    failed: int = 0
    """Given up on: a write error, a refusal (4xx), or every retry failed."""
    retries: int = 0
    """Attempts made again after a failure (a 5xx, a timeout, a refused connection)."""
    dropped: int = 0
    """Never attempted: the delivery queue was full, or still held it at exit."""
    dry_run: int = 0
    """Computed and counted, not emitted (``--dry-run``)."""
    repeats: int = 0
    """Labels not applied again: the same label on the same account within the no-repeat time."""
    over_quota: int = 0
    """Changes held back because the hourly or daily quota was used up (each time it happened)."""
    held: int = 0
    """Changes held over quota right now, waiting for the quota (a gauge, not a count)."""
    withdrawn: int = 0
    """Held changes never emitted because the account was cleared meanwhile."""
    skipped: int = 0
    """Changes a sink cannot express (a labels sink given a non-AT Protocol account)."""
    records: int = 0
    """Label records produced (labels sink)."""
    queued: int = 0
    """Changes waiting in the delivery queue right now (a gauge)."""
    last_error: str = field(default="", compare=False)

    def counts(self) -> dict[str, int]:
        """Every integer field by name (for the summary and the metrics)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "last_error"}


class Sink(Protocol):
    """A destination for changes (see the module docstring for the contract)."""

    name: str
    """How the summary and the metrics name it: ``jsonl``, ``webhook``, ``labels``."""
    stats: SinkStats

    def send(self, change: Change) -> None:
        """Deliver ``change``, or queue it for delivery; return at once, never raise."""
        ...

    def close(self, timeout_s: float) -> None:
        """Deliver what is queued within ``timeout_s`` seconds, count the rest dropped, let go of
        files and connections."""
        ...
