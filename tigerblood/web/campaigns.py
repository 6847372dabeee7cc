"""Campaign queries for the pages and the API: the list, one cluster, an account's campaigns.

The list reuses :func:`tigerblood.campaigns.commands.load_campaigns` (what ``tigerblood
campaigns`` prints); a cluster adds its members with their verdicts, and its items (the members'
posts in the cluster) in time order, which is the campaign's time line.

Finding a cluster's posts means looking for a few post ids among the members' posts, spread
over the whole posts table (0.3-0.5 s for Cresci-2015's largest cluster), so a server reads every
cluster's items in one pass as it starts (:func:`all_items`, the same rows as :data:`ITEMS_SQL`)
and serves them from memory.
"""

from __future__ import annotations

from typing import Any

from tigerblood.campaigns.commands import load_campaigns
from tigerblood.reports.target import Target, has_table
from tigerblood.store import Store

ITEMS = 500
"""Posts shown on a campaign's page (the largest Cresci-2015 cluster holds thousands)."""


Items = dict[str, list[dict[str, Any]]]
"""Campaign id -> its posts, oldest first."""

# Filtering posts by the members' accounts before their post ids lets DuckDB skip most of the
# posts table: 0.2 s instead of 1 s on Cresci-2015's largest cluster (2.8 M posts).
ITEMS_SQL = """
SELECT p.platform, p.post_id, p.account_id, p.created_at, p.text, p.urls, p.contacts
FROM posts p
WHERE p.account_id IN (SELECT account_id FROM campaign_members WHERE campaign_id = $1)
  AND p.platform IN (SELECT platform FROM campaign_members WHERE campaign_id = $1)
  AND p.post_id IN (SELECT unnest(post_ids) FROM campaign_members WHERE campaign_id = $1)
ORDER BY p.created_at NULLS LAST, p.post_id LIMIT $2
"""

ALL_ITEMS_SQL = """
WITH wanted AS (
    SELECT DISTINCT campaign_id, unnest(post_ids) AS post_id FROM campaign_members
)
SELECT w.campaign_id, p.platform, p.post_id, p.account_id, p.created_at, p.text, p.urls,
       p.contacts
FROM posts p JOIN wanted w USING (post_id)
WHERE (w.campaign_id, p.account_id) IN (SELECT campaign_id, account_id FROM campaign_members)
  AND (w.campaign_id, p.platform) IN (SELECT campaign_id, platform FROM campaign_members)
QUALIFY row_number() OVER (
    PARTITION BY w.campaign_id ORDER BY p.created_at NULLS LAST, p.post_id) <= $1
ORDER BY w.campaign_id, p.created_at NULLS LAST, p.post_id
"""
""":data:`ITEMS_SQL` for every cluster at once: a post is a cluster's when its id is one of the
cluster's post ids and its account and platform are those of one of its members."""


def all_items(store: Store) -> Items:
    """Every cluster's posts (at most :data:`ITEMS` each), oldest first, in one pass."""
    if not _stored(store):
        return {}
    out: Items = {}
    for row in store.arrow(ALL_ITEMS_SQL, [ITEMS]).to_pylist():
        out.setdefault(row.pop("campaign_id"), []).append(row)
    return out


def _stored(store: Store) -> bool:
    return has_table(store, "campaigns") and has_table(store, "campaign_members")


def campaign_list(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """Campaigns, largest first, each with its members' ids."""
    return load_campaigns(store, limit) if _stored(store) else []


def campaign(store: Store, campaign_id: str, items: Items | None = None) -> dict[str, Any] | None:
    """One cluster: its row, its members (handle, verdict) and its posts, oldest first
    (``items``: every cluster's, from :func:`all_items`, read once)."""
    if not _stored(store):
        return None
    rows = store.arrow("SELECT * FROM campaigns WHERE campaign_id = ?", [campaign_id]).to_pylist()
    if not rows:
        return None
    members = store.arrow(
        """
        SELECT m.platform, m.account_id, coalesce(v.handle, a.handle) AS handle, v.score,
               coalesce(v.flagged, false) AS flagged, m.throwaway, m.established,
               len(m.post_ids) AS posts
        FROM campaign_members m
        LEFT JOIN verdicts v USING (platform, account_id)
        LEFT JOIN accounts a USING (platform, account_id)
        WHERE m.campaign_id = ? ORDER BY v.score DESC NULLS LAST, m.account_id
        """,
        [campaign_id],
    ).to_pylist()
    if items is None:
        found = store.arrow(ITEMS_SQL, [campaign_id, ITEMS]).to_pylist()
    else:
        found = items.get(campaign_id, [])
    return {**_iso(rows[0]), "members": members, "items": [_iso(i) for i in found]}


def campaigns_of(store: Store, target: Target) -> list[dict[str, Any]]:
    """The campaigns an account took part in, largest first."""
    if not _stored(store):
        return []
    rows = store.arrow(
        """
        SELECT c.campaign_id, c.kind, c.key, c.accounts, c.posts, c.first_at, c.last_at,
               c.verdict, len(m.post_ids) AS own_posts
        FROM campaign_members m JOIN campaigns c USING (campaign_id)
        WHERE m.platform = ? AND m.account_id = ?
        ORDER BY c.accounts DESC, c.campaign_id
        """,
        [target.platform, target.account_id],
    ).to_pylist()
    return [_iso(r) for r in rows]


def _iso(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
