"""When a live verdict becomes a report: sufficient, stable evidence, and hysteresis.

A batch verdict is read once, at the end; a live flag is a moderator's work item the moment it is
raised, and a flag raised and cleared an hour later still cost someone a look. A feed that is right
four times in ten gets muted (issue 15). So a verdict that flips to flagged is not reported at once:

- it must **hold** for ``confirm_s`` of feed time (re-judged then even if the account did nothing
  new), so one burst that the next events explain away never reaches anyone;
- a flag that rests only on **following** (``follow_farming``, ``follow_harvesting``) waits until
  the account has been watched for ``follow_settle_s``: a newcomer who follows a starter pack of
  150 accounts in five minutes has had no time to be followed back, and on Bluesky that is the
  normal first hour, not farming;
- once reported, a flag is **cleared** only on counter-evidence: the score below the threshold by
  ``clear_margin``, on a window holding at least as much of the account as when it was flagged,
  and after the account did at least that much since the flag (posts, follows given and
  received). "As much of the account" is counted in the medium of what flagged it: its posts
  for a pattern read from posts (a link-reply spammer's window padded with a few follows holds
  less of its replying, not more), its follows given for ``follow_farming`` and
  ``follow_harvesting``, both for the model alone. Evidence that merely slid out of the window
  is not exoneration (a spammer who paused, or slowed to a few replies a day, is still one),
  and a score wobbling around the threshold does not flap.

The learned model's own gate (enough posts, declared counts) is in
:mod:`tigerblood.learn.combine`; this adds what only a feed has: time.

Example::

    policy = AlarmPolicy()
    change = policy.decide(key, verdict, posts=8, follows=4, seen=40, first_seen_s=t0,
                           now_s=t0 + 7200)
    # "flagged", "cleared", "patterns_changed", or None (nothing to report yet)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, str]

FOLLOW_PATTERNS = frozenset({"follow_farming", "follow_harvesting"})
"""Patterns whose evidence is whom an account follows: they wait for follow-backs."""


@dataclass
class Alarm:
    """One account's reporting state."""

    flagged: bool = False
    patterns: tuple[str, ...] = ()
    candidate_since: float | None = None
    """Feed time the verdict first turned flagged without being reported yet."""
    volume_at_flag: int = 0
    """Posts and follows in the window when the flag was reported."""
    seen_at_flag: int = 0
    """Events ever seen of the account when the flag was reported."""
    posts_at_flag: int = 0
    """Posts in the window when the flag was reported."""
    follows_at_flag: int = 0
    """Follows given in the window when the flag was reported."""

    def held_again(self, posts: int, follows: int) -> bool:
        """Whether the window holds at least as much of the account, in the medium of the
        reported patterns, as when it was flagged (module docstring)."""
        by_posts = not self.patterns or any(p not in FOLLOW_PATTERNS for p in self.patterns)
        by_follows = not self.patterns or any(p in FOLLOW_PATTERNS for p in self.patterns)
        need_posts = self.posts_at_flag if by_posts else 0
        need_follows = self.follows_at_flag if by_follows else 0
        return (
            posts >= need_posts
            and follows >= need_follows
            and posts * by_posts + follows * by_follows >= max(1, need_posts + need_follows)
        )


@dataclass
class AlarmPolicy:
    """The reporting rules of the module docstring; the defaults are documented in
    docs/stream.md and were set before the scenario figures were read."""

    confirm_s: float = 600.0
    follow_settle_s: float = 6 * 3600.0
    clear_margin: float = 0.15
    alarms: dict[Key, Alarm] = field(default_factory=dict)
    due: dict[Key, float] = field(default_factory=dict)
    """Accounts to judge again at a feed time even if nothing new arrives for them."""

    def reported(self, key: Key) -> tuple[bool, tuple[str, ...]]:
        """What was last reported for ``key`` (not flagged, no patterns, if nothing)."""
        alarm = self.alarms.get(key)
        return (alarm.flagged, alarm.patterns) if alarm is not None else (False, ())

    def watching(self, key: Key) -> bool:
        """True when ``key`` is flagged or a candidate: it must be judged whatever its state."""
        alarm = self.alarms.get(key)
        return alarm is not None and (alarm.flagged or alarm.candidate_since is not None)

    def forget(self, key: Key) -> None:
        """Drop an evicted account."""
        self.alarms.pop(key, None)
        self.due.pop(key, None)

    def take_due(self, now_s: float) -> list[Key]:
        """Accounts whose confirmation time has come."""
        return list(self.take_due_times(now_s))

    def take_due_times(self, now_s: float) -> dict[Key, float]:
        """Accounts whose confirmation time has come, with that time."""
        ready = {key: at for key, at in self.due.items() if at <= now_s}
        for key in ready:
            del self.due[key]
        return ready

    def decide(
        self,
        key: Key,
        verdict: dict[str, Any],
        *,
        posts: int,
        follows: int,
        seen: int,
        first_seen_s: float,
        now_s: float,
    ) -> str | None:
        """The change to report for ``verdict`` now, or None. ``posts`` and ``follows``: the
        account's posts and follows given in the window; ``seen``: its events ever seen (never
        decreases)."""
        alarm = self.alarms.setdefault(key, Alarm())
        patterns = tuple(verdict["patterns"])
        if alarm.flagged:
            if verdict["flagged"]:
                if patterns == alarm.patterns or not patterns:
                    return None
                alarm.patterns = patterns
                return "patterns_changed"
            threshold = float(verdict.get("threshold", 0.5))
            since = seen - alarm.seen_at_flag
            if (
                verdict["score"] < threshold - self.clear_margin
                and since >= max(1, alarm.volume_at_flag)
                and alarm.held_again(posts, follows)
            ):
                alarm.flagged, alarm.patterns = False, ()
                alarm.candidate_since = None
                return "cleared"
            return None
        if not verdict["flagged"]:
            self.due.pop(key, None)
            del self.alarms[key]
            return None
        if alarm.candidate_since is None:
            alarm.candidate_since = now_s
        ready_at = alarm.candidate_since + self.confirm_s
        if patterns and set(patterns) <= FOLLOW_PATTERNS:
            ready_at = max(ready_at, first_seen_s + self.follow_settle_s)
        if now_s < ready_at:
            self.due[key] = ready_at
            return None
        self.due.pop(key, None)
        alarm.flagged, alarm.patterns = True, patterns
        alarm.candidate_since = None
        alarm.volume_at_flag, alarm.seen_at_flag = posts + follows, seen
        alarm.posts_at_flag, alarm.follows_at_flag = posts, follows
        return "flagged"

    def to_json(self) -> list[list[Any]]:
        """The alarms and due times, for checkpoints."""
        return [
            [
                key[0],
                key[1],
                a.flagged,
                list(a.patterns),
                a.candidate_since,
                a.volume_at_flag,
                self.due.get(key),
                a.seen_at_flag,
                a.posts_at_flag,
                a.follows_at_flag,
            ]
            for key, a in self.alarms.items()
        ]

    def load(self, rows: list[list[Any]]) -> None:
        """Inverse of :meth:`to_json`."""
        for platform, account_id, flagged, patterns, since, volume, due, *rest in rows:
            key = (platform, account_id)
            seen = rest[0] if rest else 0
            # A checkpoint written before the per-medium counts: the whole volume in each medium
            # (the stricter reading: never clears sooner than that checkpoint's rule did).
            posts, follows = rest[1:3] if len(rest) >= 3 else (volume, volume)
            self.alarms[key] = Alarm(flagged, tuple(patterns), since, volume, seen, posts, follows)
            if due is not None:
                self.due[key] = due
