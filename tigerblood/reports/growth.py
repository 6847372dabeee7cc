"""Follower growth from follow timestamps, with bursts found and characterised.

A burst is a run of consecutive days whose new followers stand far above the account's usual
day: count >= median + K × sigma, with sigma = 1.4826 × MAD of the daily counts (the robust
z-score of Iglewicz & Hoaglin, who suggest 3.5), and at least MIN_BURST_DAY followers so that a
quiet account gaining 3 followers once is not a "burst". Days without follows count as 0.
A burst is then characterised by the share of its new followers that tigerblood flags: bought
followers arrive together and look alike, genuine attention (a post that travelled) brings
ordinary accounts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from tigerblood.reports.audience import Member
from tigerblood.reports.stats import robust_scale, wilson

K = 3.5
"""Robust z-score above which a day is a burst (Iglewicz & Hoaglin's outlier cut-off)."""

MIN_BURST_DAY = 5
"""Fewest new followers in a day for it to count as a burst day."""

BOUGHT_SHARE = 0.5
"""A burst whose flagged share is at least this reads as bought audience."""

GENUINE_SHARE = 0.2
"""A burst whose flagged share is below this reads as genuine attention; between: mixed."""


@dataclass
class Burst:
    """Consecutive burst days and who arrived then."""

    start: str
    end: str
    new_followers: int
    judged: int
    flagged: int
    flagged_share: float | None
    interval: tuple[float, float]
    kind: str  # "bought" | "mixed" | "genuine" | "unknown"
    members: list[str] = field(default_factory=list)


@dataclass
class Growth:
    """New followers per day (dated follows only) and the bursts among them."""

    days: list[dict]
    bursts: list[Burst]
    median: float
    sigma: float
    cutoff: float
    undated: int
    baseline_flagged_share: float | None


def kind_of(share: float | None) -> str:
    """Bought, mixed or genuine by the flagged share of a burst ("unknown" when none judged)."""
    if share is None:
        return "unknown"
    if share >= BOUGHT_SHARE:
        return "bought"
    return "genuine" if share < GENUINE_SHARE else "mixed"


def daily(members: list[Member]) -> list[dict]:
    """Every day from the first follow to the last: new followers and how many are flagged."""
    new: Counter[date] = Counter()
    flagged: Counter[date] = Counter()
    for m in members:
        if m.followed_at:
            day = date.fromisoformat(m.followed_at[:10])
            new[day] += 1
            flagged[day] += m.flagged
    if not new:
        return []
    first, last = min(new), max(new)
    span = (last - first).days + 1
    days = (first + timedelta(days=i) for i in range(span))
    return [{"day": d.isoformat(), "new": new[d], "flagged": flagged[d]} for d in days]


def growth(members: list[Member]) -> Growth:
    """Daily series and its bursts for the followers ``members``."""
    days = daily(members)
    undated = sum(1 for m in members if not m.followed_at)
    if not days:
        return Growth([], [], 0.0, 0.0, 0.0, undated, None)
    centre, sigma = robust_scale([d["new"] for d in days])
    cutoff = max(centre + K * sigma, MIN_BURST_DAY) if sigma > 0 else float("inf")
    by_day: dict[str, list[Member]] = {}
    for m in members:
        if m.followed_at:
            by_day.setdefault(m.followed_at[:10], []).append(m)
    runs: list[list[dict]] = []
    for d in days:
        d["burst"] = d["new"] >= cutoff
        if d["burst"]:
            if runs and runs[-1][-1]["day"] == _yesterday(d["day"]):
                runs[-1].append(d)
            else:
                runs.append([d])
    bursts = [_burst(run, by_day) for run in runs]
    in_bursts = {a for b in bursts for a in b.members}
    rest = [m for m in members if m.judged and m.account_id not in in_bursts]
    baseline = sum(m.flagged for m in rest) / len(rest) if rest else None
    return Growth(days, bursts, centre, sigma, cutoff, undated, baseline)


def _yesterday(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def _burst(run: list[dict], by_day: dict[str, list[Member]]) -> Burst:
    members = [m for d in run for m in by_day.get(d["day"], [])]
    judged = [m for m in members if m.judged]
    flagged = sum(m.flagged for m in judged)
    share = flagged / len(judged) if judged else None
    return Burst(
        start=run[0]["day"],
        end=run[-1]["day"],
        new_followers=len(members),
        judged=len(judged),
        flagged=flagged,
        flagged_share=share,
        interval=wilson(flagged, len(judged)),
        kind=kind_of(share),
        members=[m.account_id for m in members],
    )
