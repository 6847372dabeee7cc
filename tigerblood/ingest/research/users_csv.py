"""Research CSVs in the Twitter API v1.1 user-field layout (Cresci-2015 ``users.csv`` and kin).

Most public bot datasets of the 2010s ship their accounts this way: the v1.1 user object flattened
to columns, with Twitter's own date format. We rename onto the model and reuse the tabular
reader's casting, so a bad value quarantines its row with the field named.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tigerblood.ingest.base import Adapter, Batch, head_bytes, header_names
from tigerblood.ingest.tabular import csv_reader, csv_rejects, reader_connection, typed_batches

TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
"""Twitter v1.1 ``created_at``, e.g. ``Fri Apr 06 10:58:22 +0000 2007``."""

COLUMN_MAP = {
    "account_id": "id",
    "handle": "screen_name",
    "display_name": "name",
    "bio": "description",
    "followers_count": "followers_count",
    "following_count": "friends_count",
    "posts_count": "statuses_count",
    "likes_count": "favourites_count",
    "listed_count": "listed_count",
    "verified": "verified",
}


class TwitterV1CsvAdapter(Adapter):
    """CSV whose header carries the v1.1 user fields ``screen_name`` and ``friends_count``."""

    name = "twitter-v1-csv"
    description = "research CSV of Twitter API v1.1 user objects (Cresci-2015 raw, MIB, ...)"

    def sniff(self, path: Path) -> bool:
        """A CSV file whose first line names v1.1 user fields."""
        if not path.is_file() or not path.name.endswith((".csv", ".csv.gz")):
            return False
        names = {n.lower() for n in header_names(head_bytes(path))}
        return {"screen_name", "friends_count"} <= names  # exact: not in_reply_to_screen_name

    def read(self, path: Path) -> Iterator[Batch]:
        """Account batches (and quarantine rows) from one v1.1 user CSV."""
        con = reader_connection()
        source = str(path)
        header = {
            r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {csv_reader(path)}").fetchall()
        }
        selects = ["'twitter' AS platform"]
        for model_name, column in COLUMN_MAP.items():
            if column in header:
                selects.append(f'"{column}" AS {model_name}')
        if "created_at" in header:
            parsed = f"CAST(try_strptime(created_at, '{TWITTER_TIME}') AS VARCHAR)"
            selects.append(f"coalesce({parsed}, created_at) AS created_at")
        if "updated" in header:
            selects.append("updated AS observed_at")
        if "default_profile_image" in header:
            # Cresci exports write the flag as "1" or leave it empty (meaning false).
            selects.append(
                "CASE WHEN default_profile_image IN ('1', 'true', 'True') THEN 'false' "
                "ELSE 'true' END AS has_avatar"
            )
        if "url" in header:
            selects.append("url AS profile_urls")
        relation = (
            f"(SELECT {', '.join(selects)}, row_number() OVER () AS _row FROM {csv_reader(path)})"
        )
        columns = {r[0]: r[1] for r in con.execute(f"DESCRIBE {relation}").fetchall()}
        yield from typed_batches(con, relation, "accounts", columns, source)
        yield from csv_rejects(con, source)
