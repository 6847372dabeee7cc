"""The reference population shipped with the package, and where an account stands in it.

``tigerblood/data/reference_genuine.json`` holds percentiles of every feature over the genuine
accounts of Cresci-2015 (built by :mod:`tigerblood.reports.build_reference`, which records its
provenance in the file). The scanned data gives a second, local reference: the accounts in the
store that tigerblood did not flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import orjson

from tigerblood.reports.stats import empirical_percentile, percentile_in, quantiles
from tigerblood.store import Store

MIN_LOCAL = 20
"""Fewest unflagged accounts in the scanned data for a local percentile to mean anything."""


@dataclass(frozen=True)
class Standing:
    """Where a value stands in a population: its percentile and the population's p5, p50, p95."""

    percentile: float
    n: int
    outside: int  # -1 below every known point, +1 above, 0 within (percentile then exact)
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float


@cache
def reference() -> dict[str, Any]:
    """The shipped reference file, parsed once."""
    raw = files("tigerblood.data").joinpath("reference_genuine.json").read_bytes()
    return orjson.loads(raw)


def provenance() -> dict[str, Any]:
    """Where the reference population comes from (name, size, citation, how it was built)."""
    return reference()["population"]


def _standing(points: dict[float, float], n: int, pct: float, outside: int = 0) -> Standing:
    return Standing(pct, n, outside, points[5], points[25], points[50], points[75], points[95])


def against_reference(feature: str, value: float) -> Standing | None:
    """Percentile of ``value`` among Cresci-2015's genuine accounts (None: no reference)."""
    entry = reference()["features"].get(feature)
    if not entry or not entry.get("percentiles"):
        return None
    points = {float(k[1:]): v for k, v in entry["percentiles"].items()}
    low, high = min(points.values()), max(points.values())
    outside = -1 if value < low else 1 if value > high else 0
    return _standing(points, entry["n"], percentile_in(points, value), outside)


def local_population(store: Store, feature: str, platform: str, account_id: str) -> list[float]:
    """Values of ``feature`` over the unflagged accounts of the store, the account excluded."""
    rows = store.sql(
        f'SELECT f."{feature}" FROM features f JOIN verdicts v USING (platform, account_id) '
        f'WHERE NOT v.flagged AND f."{feature}" IS NOT NULL '
        f"AND NOT (f.platform = ? AND f.account_id = ?)",
        [platform, account_id],
    )
    return [float(r[0]) for r in rows]


def against_local(population: list[float], value: float) -> Standing | None:
    """Percentile of ``value`` among the scanned unflagged accounts (None below MIN_LOCAL)."""
    if len(population) < MIN_LOCAL:
        return None
    points = quantiles(population, (5, 25, 50, 75, 95))
    return _standing(points, len(population), empirical_percentile(population, value))
