"""Follower growth from count snapshots: what a profile's follower count did between readings.

Follow timestamps say who arrived when; many sources give only counts (a profile read today and
again next week, a research CSV, a collector run every day). Between two readings the follower
count changed by some amount over some days; a reading-to-reading change whose rate per day
stands far from the account's usual rate is an anomaly, in either direction:

- a **jump**: followers gained much faster than usual (bought followers are delivered in days);
- a **drop**: followers lost much faster than usual (a platform purge of fake accounts, or the
  seller's accounts being suspended, shows up as a drop after a jump).

"Far" uses the same robust z-score as the follow-date bursts (:mod:`tigerblood.reports.growth`):
rate >= median + K × sigma (or <= median - K × sigma), sigma = 1.4826 × MAD of the per-day
rates, and a change of at least ``MIN_BURST_DAY`` followers per day, so a small account's
noise is never an anomaly. It needs at least ``MIN_INTERVALS`` reading-to-reading intervals to
know what "usual" is. A jump is then characterised, when follows with dates fall inside it, by
the share of those new followers that tigerblood flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from tigerblood.reports.audience import Member
from tigerblood.reports.growth import MIN_BURST_DAY, K, kind_of
from tigerblood.reports.stats import robust_scale, wilson
from tigerblood.reports.target import Target
from tigerblood.store import Store

MIN_INTERVALS = 4
"""Fewest reading-to-reading intervals before any is called anomalous (three give no spread)."""

MIN_GAP = timedelta(hours=1)
"""Readings closer than this to the previous one replace it: the pages of one collection run,
seconds apart, are one reading, and a rate per day over seconds would be noise."""

SNAPSHOTS_SQL = """
SELECT observed_at, followers_count
FROM account_snapshots
WHERE platform = ? AND account_id = ? AND followers_count IS NOT NULL
ORDER BY observed_at
"""


@dataclass
class Interval:
    """The change of the follower count between two consecutive readings."""

    start: str
    end: str
    days: float
    before: int
    after: int
    gain: int
    per_day: float
    anomaly: str | None = None  # "jump" | "drop" | None
    judged: int = 0
    flagged: int = 0
    flagged_share: float | None = None
    interval: tuple[float, float] = (0.0, 1.0)
    kind: str = "unknown"
    members: list[str] = field(default_factory=list)


@dataclass
class CountGrowth:
    """Readings of the follower count, the intervals between them and the anomalous ones."""

    points: list[dict]
    intervals: list[Interval]
    median: float
    sigma: float
    enough: bool

    @property
    def anomalies(self) -> list[Interval]:
        """Intervals marked as a jump or a drop."""
        return [i for i in self.intervals if i.anomaly]


def readings(store: Store, target: Target) -> list[tuple[datetime, int]]:
    """The target's follower-count readings, oldest first, at least ``MIN_GAP`` apart."""
    rows = store.sql(SNAPSHOTS_SQL, [target.platform, target.account_id])
    kept: list[tuple[datetime, int]] = []
    for when, count in rows:
        if kept and when - kept[-1][0] < MIN_GAP:
            kept[-1] = (when, int(count))
        else:
            kept.append((when, int(count)))
    return kept


def count_growth(points: list[tuple[datetime, int]], followers: list[Member]) -> CountGrowth:
    """Intervals between readings, anomalies among them, jumps characterised by ``followers``.

    >>> from datetime import UTC, datetime as dt
    >>> days = [dt(2024, 1, d, tzinfo=UTC) for d in (1, 2, 3, 4, 5, 6)]
    >>> g = count_growth(list(zip(days, [100, 102, 104, 900, 902, 905])), [])
    >>> [(i.start[:10], i.gain, i.anomaly) for i in g.anomalies]
    [('2024-01-03', 796, 'jump')]
    """
    intervals = []
    for (t0, c0), (t1, c1) in pairwise(points):
        days = (t1 - t0).total_seconds() / 86_400
        if days <= 0:
            continue
        gain = c1 - c0
        intervals.append(
            Interval(t0.isoformat(), t1.isoformat(), round(days, 3), c0, c1, gain, gain / days)
        )
    series = [{"at": t.isoformat(), "followers": c} for t, c in points]
    enough = len(intervals) >= MIN_INTERVALS
    if not intervals:
        return CountGrowth(series, [], 0.0, 0.0, enough)
    centre, sigma = robust_scale([i.per_day for i in intervals])
    if enough and sigma > 0:
        for item in intervals:
            _mark(item, centre, sigma, followers)
    return CountGrowth(series, intervals, centre, sigma, enough)


def _mark(item: Interval, centre: float, sigma: float, followers: list[Member]) -> None:
    high, low = centre + K * sigma, centre - K * sigma
    if item.per_day >= high and item.per_day >= MIN_BURST_DAY:
        item.anomaly = "jump"
    elif item.per_day <= low and item.per_day <= -MIN_BURST_DAY:
        item.anomaly = "drop"
    if item.anomaly != "jump":
        return
    arrived = [m for m in followers if m.followed_at and item.start <= m.followed_at <= item.end]
    judged = [m for m in arrived if m.judged]
    item.judged = len(judged)
    item.flagged = sum(m.flagged for m in judged)
    item.flagged_share = item.flagged / item.judged if judged else None
    item.interval = wilson(item.flagged, item.judged)
    item.kind = kind_of(item.flagged_share)
    item.members = [m.account_id for m in arrived]
