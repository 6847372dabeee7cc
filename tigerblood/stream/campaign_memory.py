"""Campaigns the live window has forgotten, remembered so a crew that comes back is seen to.

``scan`` over a week sees a crew push one link on Monday and another on Thursday and calls it
coordination (:class:`tigerblood.detectors.coordinated_campaign.CoordinatedCampaignDetector`:
the same accounts, two items). The live window holds a day of posts, so each push is one burst
in a window that never holds the other, and a crew of ordinary-looking accounts was never
flagged live (issue 15: 0 of 24 crew members on the generated week, all 24 in ``scan``).

So the window keeps a ledger of the campaigns its runs found: their item, verdict, time span and
members (with a few post ids each, to know a burst seen again by a later run), for
``horizon_s`` of feed time (a week by default, bounded in count too). At each run, the ledger's
campaigns that the window no longer holds are put back beside the ones it found, with their
members but no posts, so the campaign features count them exactly as ``scan`` counts a burst of
the past: bursts, items and partners met again, never the share of the posts the window holds.

A burst seen by two runs is one campaign: a new campaign is the ledger's when they share a post,
or when they push the same item with no gap over a day between them (the campaigns' own burst
rule), so a viral moment sliding through the window is never counted as two items.

Example::

    memory = CampaignMemory()
    current = memory.remember(store, now_s)    # after find_campaigns
    memory.recall(store, current, now_s)       # before the campaign features
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from tigerblood.store import Store

Member = dict[str, Any]
"""``post_ids`` (a few), ``throwaway``, ``established``."""

SAME_BURST_S = 24 * 3600.0
"""Two sightings of one item closer than this are one burst (``clusters.WINDOW_HOURS``)."""

POSTS_KEPT = 3
"""Post ids kept per member: enough to know the burst again, few enough to keep it small."""

SHOWN_MEMBERS = 10
"""Member ids quoted per campaign in a finding's evidence."""


@dataclass
class Remembered:
    """One campaign as the ledger keeps it."""

    campaign_id: str
    platform: str
    kind: str
    key: str
    verdict: str | None
    reason: str | None
    member_names: str | None
    first_s: float
    last_s: float
    members: dict[str, Member] = field(default_factory=dict)

    def post_ids(self) -> set[str]:
        return {p for m in self.members.values() for p in m["post_ids"]}

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "members": self.members}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Remembered:
        return cls(**data)


@dataclass
class CampaignMemory:
    """The ledger (module docstring)."""

    horizon_s: float = 7 * 24 * 3600.0
    max_campaigns: int = 20_000
    campaigns: dict[str, Remembered] = field(default_factory=dict)

    def remember(self, store: Store, now_s: float) -> set[str]:
        """Fold the campaigns ``find_campaigns`` just stored into the ledger; the ledger ids
        they are (the ones the window still holds)."""
        self._forget(now_s)
        by_post = {(c.platform, p): cid for cid, c in self.campaigns.items() for p in c.post_ids()}
        by_item: dict[tuple[str, str, str], list[str]] = {}
        for cid, c in self.campaigns.items():
            by_item.setdefault((c.platform, c.kind, c.key), []).append(cid)
        current: set[str] = set()
        for row in _stored(store):
            seen = self._match(row, by_post, by_item)
            if seen is None:
                self.campaigns[row.campaign_id] = row
                seen = row.campaign_id
            else:
                _merge(self.campaigns[seen], row)
            current.add(seen)
        self._bound()
        return current

    def recall(self, store: Store, current: set[str], now_s: float) -> int:
        """Put the remembered campaigns the window no longer holds into ``store``'s campaign
        tables, members without posts; how many."""
        past = [
            c
            for cid, c in self.campaigns.items()
            if cid not in current and c.last_s >= now_s - self.horizon_s
        ]
        if not past:
            return 0
        campaigns = pa.table(
            {
                "campaign_id": [c.campaign_id for c in past],
                "platform": [c.platform for c in past],
                "kind": [c.kind for c in past],
                "key": [c.key for c in past],
                "accounts": pa.array([len(c.members) for c in past], pa.int64()),
                "posts": pa.array([0] * len(past), pa.int64()),
                "first_at": [_time(c.first_s) for c in past],
                "last_at": [_time(c.last_s) for c in past],
                "verdict": pa.array([c.verdict for c in past], pa.string()),
                "reason": pa.array([c.reason for c in past], pa.string()),
                "member_names": pa.array([c.member_names for c in past], pa.string()),
            }
        )
        members = [
            (c.campaign_id, c.platform, account, m)
            for c in past
            for account, m in c.members.items()
        ]
        rows = pa.table(
            {
                "campaign_id": [m[0] for m in members],
                "platform": [m[1] for m in members],
                "account_id": [m[2] for m in members],
                "throwaway": pa.array([m[3]["throwaway"] for m in members], pa.bool_()),
                "established": pa.array([m[3]["established"] for m in members], pa.bool_()),
            }
        )
        store.con.register("_recalled_campaigns", campaigns)
        store.con.register("_recalled_members", rows)
        try:
            store.sql("""
                INSERT INTO campaigns BY NAME
                SELECT *, [] AS sample_texts, [] AS links FROM _recalled_campaigns
            """)
            store.sql("""
                INSERT INTO campaign_members BY NAME
                SELECT *, []::VARCHAR[] AS post_ids FROM _recalled_members
            """)
        finally:
            store.con.unregister("_recalled_campaigns")
            store.con.unregister("_recalled_members")
        return len(past)

    def of(self, key: tuple[str, str], limit: int) -> list[dict[str, Any]]:
        """The remembered campaigns ``key`` (platform, account) took part in, largest first: what
        a moderator opens to check a crew flag (the item, when, with whom, its own posts).

        >>> CampaignMemory().of(("bluesky", "did:plc:x"), 5)
        []
        """
        platform, account = key
        mine = [
            c for c in self.campaigns.values() if c.platform == platform and account in c.members
        ]
        mine.sort(key=lambda c: (-len(c.members), c.campaign_id))
        return [
            {
                "campaign_id": c.campaign_id,
                "kind": c.kind,
                "key": c.key,
                "accounts": len(c.members),
                "first_at": _time(c.first_s).isoformat(),
                "last_at": _time(c.last_s).isoformat(),
                "verdict": c.verdict,
                "members": sorted(c.members)[:SHOWN_MEMBERS],
                "post_ids": list(c.members[account]["post_ids"]),
            }
            for c in mine[:limit]
        ]

    def _match(
        self,
        row: Remembered,
        by_post: dict[tuple[str, str], str],
        by_item: dict[tuple[str, str, str], list[str]],
    ) -> str | None:
        for post in row.post_ids():
            if (row.platform, post) in by_post:
                return by_post[(row.platform, post)]
        for cid in by_item.get((row.platform, row.kind, row.key), []):
            held = self.campaigns[cid]
            if (
                row.first_s - held.last_s <= SAME_BURST_S
                and held.first_s - row.last_s <= SAME_BURST_S
            ):
                return cid
        return None

    def _forget(self, now_s: float) -> None:
        edge = now_s - self.horizon_s
        self.campaigns = {k: c for k, c in self.campaigns.items() if c.last_s >= edge}

    def _bound(self) -> None:
        if len(self.campaigns) > self.max_campaigns:
            newest = sorted(self.campaigns.values(), key=lambda c: c.last_s)[-self.max_campaigns :]
            self.campaigns = {c.campaign_id: c for c in newest}

    def to_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.campaigns.values()]

    def load(self, rows: list[dict[str, Any]]) -> None:
        self.campaigns = {r["campaign_id"]: Remembered.from_json(r) for r in rows}


def _merge(held: Remembered, seen: Remembered) -> None:
    """A later sighting of a remembered burst: its members joined, its judgement the latest."""
    held.first_s, held.last_s = min(held.first_s, seen.first_s), max(held.last_s, seen.last_s)
    held.kind, held.key = seen.kind, seen.key
    held.verdict, held.reason, held.member_names = seen.verdict, seen.reason, seen.member_names
    for account, member in seen.members.items():
        mine = held.members.setdefault(account, {**member, "post_ids": []})
        mine.update(throwaway=member["throwaway"], established=member["established"])
        kept = list(dict.fromkeys([*mine["post_ids"], *member["post_ids"]]))
        mine["post_ids"] = kept[-POSTS_KEPT:]


def _stored(store: Store) -> list[Remembered]:
    """The campaigns ``find_campaigns`` stored, as ledger rows."""
    rows = store.arrow("""
        SELECT c.campaign_id, c.platform, c.kind, c.key, c.verdict, c.reason, c.member_names,
               epoch(c.first_at) AS first_s, epoch(c.last_at) AS last_s,
               list({'account_id': m.account_id, 'post_ids': m.post_ids,
                     'throwaway': m.throwaway, 'established': m.established}) AS members
        FROM campaigns c JOIN campaign_members m USING (campaign_id)
        GROUP BY ALL
    """).to_pylist()
    out = []
    for row in rows:
        members = {
            m["account_id"]: {
                "post_ids": list(m["post_ids"] or [])[-POSTS_KEPT:],
                "throwaway": m["throwaway"],
                "established": m["established"],
            }
            for m in row.pop("members")
        }
        out.append(Remembered(**row, members=members))
    return out


def _time(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)
