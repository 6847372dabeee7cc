"""What is normal on each platform, measured on its genuine accounts, not assumed.

Following 500 accounts is ordinary on Instagram (the median genuine InstaFake account follows
420) and on Bluesky, where a starter pack makes a newcomer follow 150 before its first post; a
genuine Instagram account posts a few dozen pictures in all, where a Twitter user of 2013 posted
hundreds of tweets. A rule that reads one platform's numbers flags the other's ordinary users
(the follow-farming rule with Twitter's thresholds fired on 55% of InstaFake's genuine accounts).

So the thresholds that depend on a platform's habits come from a reference population: the
labelled genuine accounts of that platform in the training sources, summarised as a few
quantiles (:func:`build_norms`, run by ``make model`` and stored beside the model). A platform
without a reference is judged with the strictest thresholds of the platforms we know
(:meth:`Norms.strictest`), and the verdict says there was no reference.

Example::

    norms = Norms.load()
    norms.for_platform("instagram").following_p25       # 267.0
    norms.for_platform("bluesky")                       # None: no reference
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

NORMS_FILE = "platform_norms.json"
MIN_REFERENCE_ACCOUNTS = 100
"""Fewer genuine accounts than this make no reference: their quantiles would be noise."""


@dataclass(frozen=True)
class PlatformNorm:
    """Quantiles of a platform's genuine accounts (from profile counts)."""

    platform: str
    accounts: int
    sources: tuple[str, ...]
    following_p25: float
    following_median: float
    following_p90: float
    posts_p10: float
    posts_median: float
    followers_median: float

    def describe(self) -> str:
        """Where the numbers come from, for a finding's evidence.

        >>> PlatformNorm("x", 10, ("a",), 1, 2, 3, 4, 5, 6).describe()
        '10 genuine x accounts of a'
        """
        return f"{self.accounts:,} genuine {self.platform} accounts of {', '.join(self.sources)}"


@dataclass
class Norms:
    """Per-platform norms; a platform absent here has no reference."""

    platforms: dict[str, PlatformNorm] = field(default_factory=dict)

    def for_platform(self, platform: str | None) -> PlatformNorm | None:
        """The platform's norm, or None when tigerblood has no reference for it."""
        return self.platforms.get(platform or "")

    def strictest(self) -> PlatformNorm | None:
        """The most cautious thresholds among known platforms, for a platform without a
        reference: the largest following quantiles and the smallest posting ones."""
        if not self.platforms:
            return None
        known = list(self.platforms.values())
        return PlatformNorm(
            "unknown",
            0,
            (),
            max(n.following_p25 for n in known),
            max(n.following_median for n in known),
            max(n.following_p90 for n in known),
            min(n.posts_p10 for n in known),
            min(n.posts_median for n in known),
            max(n.followers_median for n in known),
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (lists for tuples)."""
        return {name: asdict(norm) for name, norm in sorted(self.platforms.items())}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Norms:
        """Inverse of :meth:`to_json`."""
        return cls(
            {
                name: PlatformNorm(**{**value, "sources": tuple(value["sources"])})
                for name, value in data.items()
            }
        )

    def save(self, path: Path) -> Path:
        """Write as JSON."""
        path.write_bytes(orjson.dumps(self.to_json(), option=orjson.OPT_INDENT_2))
        return path

    @classmethod
    def load(cls, path: Path | None = None) -> Norms:
        """The shipped norms (``tigerblood/data/platform_norms.json``) or those at ``path``;
        none when the file is missing (every platform is then without a reference)."""
        path = path or Path(str(files("tigerblood.data").joinpath(NORMS_FILE)))
        if not path.exists():
            return cls()
        return cls.from_json(orjson.loads(path.read_bytes()))


@cache
def default_norms() -> Norms:
    """The shipped norms, read once."""
    return Norms.load()


def build_norms(accounts: pd.DataFrame) -> Norms:
    """Norms from labelled accounts: columns platform, source, label, following_count,
    posts_count, followers_count (one row per account). Only genuine accounts (label 0) with
    declared counts count; a platform with fewer than :data:`MIN_REFERENCE_ACCOUNTS` gets none.
    """
    genuine = accounts[(accounts["label"] == 0) & accounts["following_count"].notna()]
    out = {}
    for platform, group in genuine.groupby("platform"):
        if len(group) < MIN_REFERENCE_ACCOUNTS:
            continue
        following, posts = group["following_count"], group["posts_count"]
        out[str(platform)] = PlatformNorm(
            str(platform),
            len(group),
            tuple(sorted(group["source"].astype(str).unique())),
            float(following.quantile(0.25)),
            float(following.median()),
            float(following.quantile(0.9)),
            float(posts.quantile(0.1)),
            float(posts.median()),
            float(group["followers_count"].median()),
        )
    return Norms(out)
