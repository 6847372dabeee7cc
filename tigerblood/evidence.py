"""The posts and links behind a finding, so a person can check a verdict in a minute.

Features say "41 posts carry the same link"; evidence lists which posts. Looked up only for the
accounts that carry findings, in one query per kind of evidence.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from tigerblood.campaigns import campaign_evidence
from tigerblood.conversations import pitch_conversation_posts
from tigerblood.detectors.base import Finding
from tigerblood.features.text import SPACE_RUNS
from tigerblood.store import Store

EXAMPLES = 5
"""Posts quoted per finding: enough to see the habit, few enough to read."""

TEXT_LIMIT = 280


def _accounts_table(store: Store, findings: list[Finding]) -> None:
    keys = sorted({(f.platform, f.account_id) for f in findings})
    table = pa.table({"platform": [k[0] for k in keys], "account_id": [k[1] for k in keys]})
    store.con.register("_evidence_accounts", table)


def _grouped(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        key = (row.pop("platform"), row.pop("account_id"))
        text = row.get("text")
        if isinstance(text, str) and len(text) > TEXT_LIMIT:
            row["text"] = text[:TEXT_LIMIT] + "…"
        if row.get("created_at") is not None:
            row["created_at"] = row["created_at"].isoformat()
        out[key].append(row)
    return out


def link_posts(store: Store) -> dict[tuple[str, str], list[dict]]:
    """Per account, its latest replies that carry a link or a contact (falling back to any post
    with one), each with its ``urls`` and ``contacts``."""
    rows = store.arrow(f"""
        SELECT p.platform, p.account_id, p.post_id, p.created_at, p.text, p.urls, p.contacts,
               p.reply_to_account_id AS reply_to
        FROM posts p JOIN _evidence_accounts USING (platform, account_id)
        WHERE len(coalesce(p.urls, [])) > 0 OR len(coalesce(p.contacts, [])) > 0
        QUALIFY row_number() OVER (PARTITION BY p.platform, p.account_id
            ORDER BY (p.reply_to_account_id IS NOT NULL OR p.reply_to_post_id IS NOT NULL) DESC,
                     p.created_at DESC, p.post_id) <= {EXAMPLES}
    """).to_pylist()
    return _grouped(rows)


def latest_posts(store: Store) -> dict[tuple[str, str], list[dict]]:
    """Per account, its latest posts."""
    rows = store.arrow(f"""
        SELECT p.platform, p.account_id, p.post_id, p.created_at, p.text
        FROM posts p JOIN _evidence_accounts USING (platform, account_id)
        QUALIFY row_number() OVER (PARTITION BY p.platform, p.account_id
            ORDER BY p.created_at DESC, p.post_id) <= {EXAMPLES}
    """).to_pylist()
    return _grouped(rows)


def repeated_texts(store: Store) -> dict[tuple[str, str], list[dict]]:
    """Per account, its most repeated texts with how often and which posts."""
    rows = store.arrow(f"""
        WITH t AS (
            SELECT p.platform, p.account_id, p.post_id, p.text,
                   trim(regexp_replace(lower(coalesce(p.text, '')), '{SPACE_RUNS}', ' ', 'g'))
                       AS norm
            FROM posts p JOIN _evidence_accounts USING (platform, account_id)
        )
        SELECT platform, account_id, min(text) AS text, count(*) AS times,
               list(post_id ORDER BY post_id)[1:{EXAMPLES}] AS post_ids
        FROM t WHERE norm <> '' GROUP BY platform, account_id, norm HAVING count(*) > 1
        QUALIFY row_number() OVER (PARTITION BY platform, account_id
            ORDER BY count(*) DESC, min(text)) <= 3
    """).to_pylist()
    return _grouped(rows)


KINDS = {
    "pitch_conversation": ("conversations", pitch_conversation_posts),
    "coordinated_campaign": ("campaigns", campaign_evidence),
    "link_reply_spam": ("posts", link_posts),
    "link_mention_spam": ("posts", link_posts),
    "follow_farming": ("latest_posts", latest_posts),
    "follow_harvesting": ("latest_posts", latest_posts),
    "promotional_broadcast": ("posts", link_posts),
    "automation": ("repeated_texts", repeated_texts),
}


def attach_posts(store: Store, findings: list[Finding]) -> None:
    """Add example posts to each finding's evidence (in place), by the detector's kind.

    Each lookup reads the posts of the accounts with a finding of its detector only: the
    repeated-text lookup normalises every text it reads, and it was reading the posts of every
    account with any finding (200k posts for 14 accounts with repeated texts on Cresci-2015).
    """
    by_detector: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.detector in KINDS:
            by_detector[finding.detector].append(finding)
    for detector, group in by_detector.items():
        key, lookup = KINDS[detector]
        _accounts_table(store, group)
        try:
            found = lookup(store)
        finally:
            store.con.unregister("_evidence_accounts")
        for finding in group:
            empty: list[dict[str, Any]] = []
            finding.evidence[key] = found.get((finding.platform, finding.account_id), empty)
