"""Automod-style safety limits in front of a sink: quotas, no repeats, a held queue.

A detector that goes wrong on a live feed (a new pattern of genuine behaviour, a bad model
update) would otherwise push hundreds of labels onto real people before anyone looked, as
Bluesky's own automod guards against with its action quotas. So every sink has a :class:`Gate`:

- **quotas**: at most ``per_hour`` and ``per_day`` changes that apply a label (a new flag, or a
  new pattern on a flagged account) are let through in any sliding hour and day. Beyond that a
  change is *held*: kept (the latest per account), counted and reported, not emitted; it goes out
  when the quota allows again, and never if the account is cleared first. Withdrawals (a clear,
  a pattern gone) are never held: taking a label back is always safe;
- **no repeats**: a label applied to an account is not applied to it again within ``no_repeat_s``
  (24 h), so an account that flaps between flagged and cleared costs a moderator one item, not
  one per flap;
- **what is live**: the gate remembers which labels it let through for each account, so a clear
  withdraws exactly those, and a change that alters nothing a receiver holds is not sent at all.

Time is the injectable ``clock`` (wall-clock seconds by default): the limits protect the people
and services that receive the changes, which live in real time, also when a capture is replayed.
Dry run is the sinks' business (they count instead of emitting); the gate works the same, so a dry
run shows exactly what the limits would have let through.

Example::

    gate = Gate(sink, Limits(per_hour=50, per_day=500))
    gate.offer(verdict)      # sends, holds, or drops a repeat; never blocks
    gate.release()           # held changes the quota now allows, sent (call it now and then)
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tigerblood.stream.sinks.base import Change, Key, Sink

HOUR_S = 3600.0
DAY_S = 86400.0

FLAGGED_VALUE = "flagged"
"""The label value of an account flagged without a named pattern (the learned model alone)."""


@dataclass
class Limits:
    """One sink's limits; None means no limit of that kind."""

    per_hour: int | None = None
    """Changes applying a label let through in any sliding hour."""
    per_day: int | None = None
    """... and in any sliding 24 hours."""
    no_repeat_s: float | None = DAY_S
    """A label is not applied to the same account again within this many seconds."""
    held_max: int = 10_000
    """Accounts held over quota at most; a change beyond that is dropped (counted)."""


def label_value(pattern: str, prefix: str = "") -> str:
    """A pattern's label value: lowercase letters, digits and ``-`` as labelers declare them.

    >>> label_value("link_reply_spam"), label_value("automation", prefix="tb-")
    ('link-reply-spam', 'tb-automation')
    """
    return prefix + pattern.lower().replace("_", "-")


def values_of(verdict: dict[str, Any], prefix: str = "") -> set[str]:
    """The label values a verdict asks for: one per pattern when flagged, none when not."""
    if not verdict.get("flagged"):
        return set()
    patterns = verdict.get("patterns") or []
    return {label_value(str(p), prefix) for p in patterns} or {prefix + FLAGGED_VALUE}


class Gate:
    """The limits of one sink, and what it let through (see the module docstring)."""

    def __init__(
        self,
        sink: Sink,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] = time.time,
        prefix: str = "",
    ) -> None:
        self.sink, self.limits, self.clock, self.prefix = sink, limits or Limits(), clock, prefix
        self.stats = sink.stats
        self.live: dict[Key, set[str]] = {}
        self.applied: dict[tuple[Key, str], float] = {}
        """When each label was last applied to each account, within the no-repeat time."""
        self.applied_order: deque[tuple[float, Key, str]] = deque()
        self.hour: deque[float] = deque()
        self.day: deque[float] = deque()
        self.held: OrderedDict[Key, dict[str, Any]] = OrderedDict()

    # -- the feed's side ---------------------------------------------------------------------

    def offer(self, verdict: dict[str, Any]) -> None:
        """Send ``verdict``'s change through the limits: emitted, held, or nothing to send."""
        now = self.clock()
        self.stats.offered += 1
        self.release(now)
        key = (str(verdict["platform"]), str(verdict["account_id"]))
        if key in self.held:
            if values_of(verdict, self.prefix):
                self.held[key] = verdict  # the latest state waits, in the place of the first
                return
            del self.held[key]  # cleared before it was ever emitted: nothing to tell anyone
            self.stats.withdrawn += 1
            self.stats.held = len(self.held)
        self._consider(key, verdict, now)

    def release(self, now: float | None = None) -> None:
        """Emit the held changes the quotas now allow, oldest first."""
        if not self.held:
            return
        now = self.clock() if now is None else now
        while self.held and self._quota_left(now):
            key, verdict = self.held.popitem(last=False)
            self.stats.held = len(self.held)
            self._consider(key, verdict, now)

    # -- deciding ----------------------------------------------------------------------------

    def _consider(self, key: Key, verdict: dict[str, Any], now: float) -> None:
        wanted = values_of(verdict, self.prefix)
        live = self.live.get(key, set())
        adds, removes = wanted - live, live - wanted
        repeats = {value for value in adds if self._applied_recently(key, value, now)}
        if repeats:
            self.stats.repeats += len(repeats)
            adds -= repeats
        if adds and not self._quota_left(now):
            self.stats.over_quota += 1
            if len(self.held) >= self.limits.held_max:
                self.stats.dropped += 1
                return
            self.held[key] = verdict
            self.stats.held = len(self.held)
            return
        if not adds and not removes:
            return  # nothing a receiver holds would change
        if adds:
            self.hour.append(now)
            self.day.append(now)
            for value in adds:
                self.applied[(key, value)] = now
                self.applied_order.append((now, key, value))
        now_live = (live | adds) - removes
        if now_live:
            self.live[key] = now_live
        else:
            self.live.pop(key, None)
        self.sink.send(Change(verdict, tuple(sorted(adds)), tuple(sorted(removes)), now))

    def _quota_left(self, now: float) -> bool:
        for window, span, limit in (
            (self.hour, HOUR_S, self.limits.per_hour),
            (self.day, DAY_S, self.limits.per_day),
        ):
            while window and window[0] <= now - span:
                window.popleft()
            if limit is not None and len(window) >= limit:
                return False
        return True

    def _applied_recently(self, key: Key, value: str, now: float) -> bool:
        period = self.limits.no_repeat_s
        if period is None:
            return False
        order, applied = self.applied_order, self.applied
        while order and order[0][0] <= now - period:
            at, old_key, old_value = order.popleft()
            if applied.get((old_key, old_value)) == at:
                del applied[(old_key, old_value)]
        return (key, value) in applied

    # -- saved with the checkpoint -----------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """What the gate remembers, as plain JSON: restored after a restart so a clear still
        withdraws the labels applied before it, and the quotas and no-repeat times hold."""
        return {
            "live": [[k[0], k[1], sorted(values)] for k, values in self.live.items()],
            "applied": [[at, k[0], k[1], value] for at, k, value in self.applied_order],
            "hour": list(self.hour),
            "day": list(self.day),
            "held": [[k[0], k[1], verdict] for k, verdict in self.held.items()],
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Take back what :meth:`to_json` saved."""
        self.live = {(p, a): set(values) for p, a, values in data["live"]}
        self.applied_order = deque((float(at), (p, a), v) for at, p, a, v in data["applied"])
        self.applied = {(k, v): at for at, k, v in self.applied_order}
        self.hour, self.day = deque(data["hour"]), deque(data["day"])
        self.held = OrderedDict(((p, a), verdict) for p, a, verdict in data["held"])
        self.stats.held = len(self.held)
