"""What campaign clustering finds on Cresci-2015, against the accounts' labels (a measurement).

Protocol: every post of the 5,301 accounts (2.83 M), clustered by `find_campaigns` with its
defaults (5 accounts, 24 h window, text Jaccard 0.7); then the campaign features and the
`coordinated_campaign` detector with its default thresholds, which were set by reasoning before
this was run. Labels are read only here, to count what share of the accounts found are the
purchased fake followers (label 1). Prints clusters, accounts and fake shares.

Usage: python bench/campaigns_cresci.py STORE.duckdb [--include-reposts]
  STORE.duckdb: a store written by `tigerblood scan ../shared/data/cresci-2015 --db ...`, with
  labels loaded (`learn` loads them); it is copied, never modified.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from tigerblood.campaigns import find_campaigns
from tigerblood.detectors.coordinated_campaign import CoordinatedCampaignDetector
from tigerblood.features import activity
from tigerblood.features import campaigns as campaign_features
from tigerblood.features.compute import account_base, tables_of
from tigerblood.store import Store


def fake_share(store: Store, table: str) -> tuple[int, int, float]:
    """Accounts in ``table`` (platform, account_id), labelled ones, share labelled fake."""
    row = store.sql(f"""
        SELECT count(*), count(l.label), avg(l.label)
        FROM (SELECT DISTINCT platform, account_id FROM {table}) a
        LEFT JOIN labels l USING (platform, account_id)
    """)[0]
    return int(row[0]), int(row[1]), float(row[2] or 0.0)


def main() -> None:
    """Copy the store, cluster, detect, print."""
    source = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "copy.duckdb"
        shutil.copy(source, path)
        store = Store(path)
        start = time.perf_counter()
        found = find_campaigns(store, include_reposts="--include-reposts" in sys.argv)
        wall = time.perf_counter() - start
        print(f"posts {store.count('posts'):,}; clustered in {wall:.1f} s; campaigns {found:,}")
        print(
            store.sql(
                "SELECT kind, count(*), sum(accounts), max(accounts) FROM campaigns "
                "GROUP BY kind ORDER BY kind"
            )
        )
        n, labelled, fake = fake_share(store, "campaign_members")
        print(f"accounts in any campaign: {n:,} ({labelled:,} labelled), fake share {fake:.3f}")
        base_fake = store.sql("SELECT avg(label) FROM labels")[0][0]
        print(f"fake share among all labelled accounts: {base_fake:.3f}")
        tables = tables_of(store)
        features = campaign_features.compute(tables, activity.compute(tables, account_base(tables)))
        table = features.to_pyarrow()
        findings = CoordinatedCampaignDetector().detect(table)
        rows = [(f.platform, f.account_id) for f in findings]
        store.con.register(
            "_flagged",
            __import__("pyarrow").table(
                {"platform": [r[0] for r in rows], "account_id": [r[1] for r in rows]}
            ),
        )
        n, labelled, fake = fake_share(store, "_flagged")
        print(f"coordinated_campaign findings: {n:,} accounts, fake share {fake:.3f}")
        mostly_fake = store.sql("""
            SELECT count(*) FILTER (WHERE f > 0.5), count(*) FROM (
                SELECT avg(l.label) AS f FROM campaign_members m
                JOIN labels l ON l.platform = m.platform AND l.account_id = m.account_id
                GROUP BY m.campaign_id)
        """)[0]
        print(f"campaigns whose members are mostly fake: {mostly_fake[0]:,} of {mostly_fake[1]:,}")
        per_campaign = store.sql("""
            SELECT c.campaign_id, c.kind, c.accounts, round(avg(l.label), 2) AS fake,
                   c.sample_texts[1] AS sample
            FROM campaigns c JOIN campaign_members m USING (campaign_id)
            LEFT JOIN labels l ON l.platform = m.platform AND l.account_id = m.account_id
            GROUP BY ALL ORDER BY c.accounts DESC, c.campaign_id LIMIT 15
        """)
        for row in per_campaign:
            print(row)
        store.close()


if __name__ == "__main__":
    main()
