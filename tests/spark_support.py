"""What the Spark parity tests share: when a feature value on Spark counts as DuckDB's."""

from __future__ import annotations

import math

SUM_ORDER = 1e-12
"""Relative difference allowed in a float feature: sums and deviations added up in another order
differ in the last digits."""

DAY_SPANS = {"posts_per_day": 1e-7, "account_age_days": 1e-7}
"""Features over spans in days: Spark divides by the day's length in decimal arithmetic and
rounds to about ten significant digits (seen: 2e-8 relative)."""


def same(column: str, left: object, right: object) -> bool:
    """Equal, or floats equal but for :data:`SUM_ORDER` and :data:`DAY_SPANS`."""
    if left == right or (left is None and right is None):
        return True
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) and math.isnan(right):
            return True
        return math.isclose(left, right, rel_tol=DAY_SPANS.get(column, SUM_ORDER))
    return False
