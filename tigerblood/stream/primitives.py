"""Streaming aggregates with ``update``, ``revert`` and ``get`` (after river's design).

A sliding window adds each event when it arrives and takes it back out when it falls off the end,
so every aggregate here can forget exactly what it learned: a window is then nothing more than a
queue of events replayed through ``revert`` (see :mod:`tigerblood.stream.engine`).

>>> tally = Tally()
>>> for link in ["a.org/x", "b.org/y", "a.org/x"]:
...     tally.update(link)
>>> tally.top(), tally.distinct()
(('a.org/x', 2), 2)
>>> tally.revert("a.org/x"); tally.top()
('a.org/x', 1)
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Tally(Generic[K]):
    """How many times each item was seen: distinct items, totals and the most frequent one."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        # A plain dict, not a Counter: the stream makes several of these per account it meets
        # on the firehose, and Counter's constructor costs 20 us each.
        self.counts: dict[K, int] = {}
        self.total = 0

    def update(self, item: K) -> None:
        """Count ``item`` once more."""
        counts = self.counts
        counts[item] = counts.get(item, 0) + 1
        self.total += 1

    def revert(self, item: K) -> None:
        """Forget one sighting of ``item`` (an item counted zero times is dropped)."""
        left = self.counts[item] - 1
        if left > 0:
            self.counts[item] = left
        else:
            del self.counts[item]
        self.total -= 1

    def get(self) -> dict[K, int]:
        """Counts per item."""
        return self.counts

    def distinct(self) -> int:
        """Items seen at least once."""
        return len(self.counts)

    def __contains__(self, item: object) -> bool:
        return item in self.counts

    def top(self) -> tuple[K, int] | None:
        """The most frequent item and its count; ties go to the smallest item, as the batch
        feature does (``tigerblood.features.base.top_by``), so both paths name the same link."""
        if not self.counts:
            return None
        best = max(self.counts.values())
        return min(k for k, v in self.counts.items() if v == best), best  # type: ignore[type-var]


class SortedTimes:
    """Post times kept in order, for the gap statistics of the activity features."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def update(self, t: float) -> None:
        """Add one time (Unix seconds)."""
        bisect.insort(self.times, t)

    def revert(self, t: float) -> None:
        """Remove one occurrence of ``t``."""
        at = bisect.bisect_left(self.times, t)
        if at < len(self.times) and self.times[at] == t:
            del self.times[at]

    def get(self) -> list[float]:
        """The times, oldest first."""
        return self.times

    def gaps(self) -> GapStats:
        """Median, mean and sample spread of the gaps between consecutive times."""
        gaps = [b - a for a, b in zip(self.times, self.times[1:], strict=False)]
        return GapStats.of(gaps)


@dataclass(frozen=True)
class GapStats:
    """What the batch activity features read from the gaps: count, mean, std (sample), median."""

    count: int
    mean: float | None
    std: float | None
    median: float | None

    @classmethod
    def of(cls, gaps: list[float]) -> GapStats:
        """Statistics of ``gaps`` (None where they are undefined, as SQL gives NULL)."""
        if not gaps:
            return cls(0, None, None, None)
        n = len(gaps)
        mean = math.fsum(gaps) / n
        # Two passes in floats, as close to SQL's stddev_samp as the parity tests ask (1e-9);
        # statistics.stdev is exact in fractions and cost a tenth of the feed's time.
        std = math.sqrt(math.fsum((g - mean) ** 2 for g in gaps) / (n - 1)) if n > 1 else None
        return cls(n, mean, std, statistics.median(gaps))
