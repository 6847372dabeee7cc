"""Small, dependency-free statistics the reports rely on, kept apart so each is tested alone.

Why these: the Wilson interval stays inside [0, 1] and behaves at small counts, where the usual
normal interval does not (a sample of 12 followers with 0 flagged must not read as "0 % ± 0");
the median and MAD ignore the very bursts we look for, where a mean and standard deviation would
be dragged up by them and hide them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

Z95 = 1.959964
"""Two-sided 95 % normal quantile."""

MAD_TO_SIGMA = 1.4826
"""MAD × 1.4826 estimates the standard deviation of normal data (the consistency constant)."""

MEANAD_TO_SIGMA = 1.253314
"""Mean absolute deviation × sqrt(pi/2): the scale used when the MAD is 0 (Iglewicz & Hoaglin)."""


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion; ``(0, 1)`` when there is nothing to judge.

    >>> [round(x, 3) for x in wilson(0, 12)]
    [0.0, 0.243]
    """
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence.

    >>> median([3, 1, 2, 10])
    2.5
    """
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def robust_scale(values: Sequence[float]) -> tuple[float, float]:
    """``(median, sigma)`` where sigma is 1.4826 × MAD, or 1.2533 × mean absolute deviation
    when the MAD is 0 (most days alike), or 0 when every value is the same."""
    centre = median(values)
    deviations = [abs(v - centre) for v in values]
    mad = median(deviations)
    if mad > 0:
        return centre, MAD_TO_SIGMA * mad
    mean_ad = sum(deviations) / len(deviations)
    return centre, MEANAD_TO_SIGMA * mean_ad


def percentile_in(quantiles: Mapping[float, float], value: float) -> float:
    """Where ``value`` falls among known quantiles ``{q (0-100): x}``, by linear interpolation.

    Ties (many genuine accounts at exactly 0) give the middle of the tied range, so a value
    shared by the bottom half reads as the 25th percentile, not the 1st or the 50th. Outside the
    known range the nearest end is returned.

    >>> percentile_in({5: 0.0, 50: 0.0, 95: 1.0}, 0.0)
    27.5
    >>> percentile_in({5: 0.0, 50: 0.5, 95: 1.0}, 0.25)
    27.5
    """
    points = sorted(quantiles.items())
    tied = [q for q, x in points if x == value]
    if tied:
        return (tied[0] + tied[-1]) / 2
    if value < points[0][1]:
        return points[0][0]
    if value > points[-1][1]:
        return points[-1][0]
    for (q0, x0), (q1, x1) in itertools.pairwise(points):
        if x0 <= value <= x1:
            return q0 + (q1 - q0) * (value - x0) / (x1 - x0)
    return points[-1][0]  # unreachable for sorted quantiles; keeps the type checker calm


def empirical_percentile(population: Sequence[float], value: float) -> float:
    """Mid-rank percentile of ``value`` in ``population``: share below plus half the ties, × 100.

    >>> empirical_percentile([1, 2, 3, 4], 3)
    62.5
    """
    below = sum(1 for x in population if x < value)
    equal = sum(1 for x in population if x == value)
    return 100.0 * (below + 0.5 * equal) / len(population)


def quantiles(population: Sequence[float], qs: Sequence[float]) -> dict[float, float]:
    """Linear-interpolation quantiles (the same definition as DuckDB's ``quantile_cont``)."""
    ordered = sorted(population)
    out: dict[float, float] = {}
    for q in qs:
        pos = (len(ordered) - 1) * q / 100
        low = math.floor(pos)
        high = min(low + 1, len(ordered) - 1)
        out[q] = ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
    return out
