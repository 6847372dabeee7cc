"""Plot geometry for the inline SVG charts: numbers in, shapes out; the templates draw them.

Hand-built SVG keeps a report one offline file that any browser (a phone included) renders, and
keeps every label inside Jinja's autoescaping. Charts use a fixed viewBox and scale to the page
width; each bar carries a ``<title>`` (the numbers on hover or long-press) and, where accounts
stand behind it, a link to the list of them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 28


def growth(days: list[dict], bursts: list[Any]) -> dict[str, Any]:
    """Stacked daily bars (flagged part on top), burst days banded, three date labels."""
    if not days:
        return {
            "bars": [],
            "bands": [],
            "ticks": [],
            "labels": [],
            "width": WIDTH,
            "height": HEIGHT,
        }
    top = max(d["new"] for d in days) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(days)
    gap = 1 if step > 3 else 0
    bars = []
    for i, d in enumerate(days):
        x = LEFT + i * step
        h_all = plot_h * d["new"] / top
        h_flag = plot_h * d["flagged"] / top
        bars.append(
            {
                "x": round(x, 2),
                "w": round(max(step - gap, 0.5), 2),
                "y": round(TOP + plot_h - h_all, 2),
                "h": round(h_all, 2),
                "fy": round(TOP + plot_h - h_flag, 2),
                "fh": round(h_flag, 2),
                "day": d["day"],
                "new": d["new"],
                "flagged": d["flagged"],
                "burst": d.get("burst"),
            }
        )
    index = {d["day"]: i for i, d in enumerate(days)}
    bands = []
    for n, b in enumerate(bursts):
        first, last = index[b.start], index[b.end]
        width = max((last - first + 1) * step + 2, 8)
        centre = LEFT + (first + last + 1) * step / 2
        bands.append(
            {
                "x": round(centre - width / 2, 2),
                "w": round(width, 2),
                "cx": round(centre, 2),
                "y": TOP,
                "h": plot_h,
                "anchor": f"burst-{n + 1}",
                "n": n + 1,
            }
        )
    ticks = [
        {"y": round(TOP + plot_h - plot_h * v / top, 2), "v": v} for v in sorted({0, top // 2, top})
    ]
    picks = sorted({0, len(days) // 2, len(days) - 1})
    labels = [
        {
            "x": round(LEFT + (i + 0.5) * step, 2),
            "day": days[i]["day"],
            "anchor": "start" if i == 0 else "end" if i == len(days) - 1 else "middle",
        }
        for i in picks
    ]
    return {
        "bars": bars,
        "bands": bands,
        "ticks": ticks,
        "labels": labels,
        "width": WIDTH,
        "height": HEIGHT,
        "base": TOP + plot_h,
    }


def hbars(rows: list[dict]) -> dict[str, Any]:
    """Horizontal bars: ``rows`` of ``{"label", "count", "anchor", "kind"}`` scaled to the max."""
    row_h, label_w = 26, 190
    top = max((r["count"] for r in rows), default=0) or 1
    span = WIDTH - label_w - 60
    out = [
        {**r, "y": i * row_h, "w": round(span * r["count"] / top, 2)} for i, r in enumerate(rows)
    ]
    return {
        "rows": out,
        "x0": label_w,
        "width": WIDTH,
        "height": max(len(rows) * row_h, row_h),
        "row_h": row_h,
    }


class Axis:
    """Maps a value onto the strip's width, linearly on [0, 1] or by decades on a log scale."""

    def __init__(self, scale: str, values: list[float]) -> None:
        self.scale = scale
        self.x0, self.x1 = LEFT, WIDTH - RIGHT - 40
        if scale == "log":
            positive = [v for v in values if v > 0] or [1.0]
            self.lo = 10.0 ** math.floor(math.log10(min(positive)))
            self.hi = 10.0 ** math.ceil(math.log10(max(positive)))
            if self.hi <= self.lo:
                self.hi = self.lo * 10
        else:
            self.lo, self.hi = 0.0, max(1.0, *values)

    def __call__(self, value: float) -> float:
        """x coordinate of ``value`` (clamped to the axis)."""
        if self.scale == "log":
            v = min(max(value, self.lo), self.hi)
            frac = math.log10(v / self.lo) / math.log10(self.hi / self.lo)
        else:
            frac = (min(max(value, self.lo), self.hi) - self.lo) / (self.hi - self.lo)
        return round(self.x0 + frac * (self.x1 - self.x0), 2)

    def ticks(self) -> list[dict[str, float]]:
        """Tick positions: every decade on a log axis, quarters on a linear one."""
        if self.scale == "log":
            n = round(math.log10(self.hi / self.lo))
            values = [self.lo * 10**i for i in range(n + 1)]
        else:
            values = [self.lo + (self.hi - self.lo) * i / 4 for i in range(5)]
        return [{"x": self(v), "v": v} for v in values]


def strip(result: Any) -> dict[str, Any] | None:
    """The genuine distribution (p5-p95 whiskers, p25-p75 box, median), the thresholds, the
    scanned accounts' median and the account itself, on one axis. None when nothing to draw."""
    ref, local, value = result.reference, result.local, result.value
    basis = ref or local
    if value is None and basis is None:
        return None
    thresholds = [s.threshold for s in result.signals]
    values = [v for v in [value, *thresholds] if v is not None]
    if basis is not None:
        values += [basis.p5, basis.p95]
    axis = Axis(result.behaviour.scale, values)
    box = None
    if basis is not None:
        box = {k: axis(getattr(basis, k)) for k in ("p5", "p25", "p50", "p75", "p95")}
    return {
        "width": WIDTH,
        "height": 64,
        "mid": 26,
        "box": box,
        "local": axis(local.p50) if local is not None and ref is not None else None,
        "value": axis(value) if value is not None else None,
        "thresholds": [{"x": axis(s.threshold), "s": s} for s in result.signals],
        "ticks": axis.ticks(),
    }


def count_line(points: list[dict], intervals: list[Any]) -> dict[str, Any]:
    """The follower count at each reading as a line on a time axis; anomalous intervals banded
    (jumps red, drops amber), each band linking to its row in the table below the chart."""
    chart: dict[str, Any] = {"width": WIDTH, "height": HEIGHT, "path": "", "dots": [], "bands": []}
    if len(points) < 2:
        return {**chart, "ticks": [], "labels": []}
    times = [dt.datetime.fromisoformat(p["at"]).timestamp() for p in points]
    counts = [p["followers"] for p in points]
    t0, t1 = times[0], times[-1]
    lo, hi = min(counts), max(counts)
    if hi == lo:
        lo, hi = max(lo - 1, 0), hi + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT - 14, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return round(LEFT + 14 + plot_w * (t - t0) / ((t1 - t0) or 1), 2)

    def y(c: float) -> float:
        return round(TOP + plot_h - plot_h * (c - lo) / (hi - lo), 2)

    xy = [(x(t), y(c)) for t, c in zip(times, counts, strict=True)]
    chart["path"] = "M" + " L".join(f"{a} {b}" for a, b in xy)
    chart["dots"] = [
        {"x": a, "y": b, "at": p["at"], "followers": p["followers"]}
        for (a, b), p in zip(xy, points, strict=True)
    ]
    for n, item in enumerate([i for i in intervals if i.anomaly], start=1):
        a = x(dt.datetime.fromisoformat(item.start).timestamp())
        b = x(dt.datetime.fromisoformat(item.end).timestamp())
        chart["bands"].append(
            {
                "x": a,
                "w": max(round(b - a, 2), 4),
                "y": TOP,
                "h": plot_h,
                "n": n,
                "kind": item.anomaly,
                "anchor": f"count-anomaly-{n}",
            }
        )
    chart["ticks"] = [{"y": y(v), "v": v} for v in sorted({lo, (lo + hi) // 2, hi})]
    picks = sorted({0, len(points) - 1})
    chart["labels"] = [
        {"x": xy[i][0], "day": points[i]["at"][:10], "anchor": "start" if i == 0 else "end"}
        for i in picks
    ]
    return chart
