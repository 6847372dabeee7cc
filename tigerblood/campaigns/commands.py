"""The body of ``tigerblood campaigns --db PATH``: the stored campaign clusters, largest first.

Kept out of ``cli.py`` so the command stays a thin wrapper and tests can call it directly. Every
value from the data (texts, links, keys) is escaped: a post that says ``[red]`` prints as written.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tigerblood.store import Store

SHOWN_TEXT = 90
"""Characters of a key or sample text in the table: a glance; ``--json`` has the whole."""


def load_campaigns(store: Store, limit: int) -> list[dict[str, Any]]:
    """Campaigns with their members' ids, largest (by accounts) first."""
    rows = store.arrow(
        """
        SELECT c.*, list(m.account_id ORDER BY m.account_id) AS members
        FROM campaigns c LEFT JOIN campaign_members m USING (campaign_id)
        GROUP BY ALL ORDER BY c.accounts DESC, c.posts DESC, c.campaign_id LIMIT ?
        """,
        [limit],
    ).to_pylist()
    for row in rows:
        for stamp in ("first_at", "last_at"):
            row[stamp] = row[stamp].isoformat() if row[stamp] is not None else None
    return rows


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1] + "…"


def _span(row: dict[str, Any]) -> str:
    """How long the campaign lasted, in the unit that reads best."""
    if row["first_at"] is None or row["last_at"] is None:
        return ""
    seconds = (
        datetime.fromisoformat(row["last_at"]) - datetime.fromisoformat(row["first_at"])
    ).total_seconds()
    if seconds < 5_400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3_600:.1f} h" if seconds < 172_800 else f"{seconds / 86_400:.1f} d"


def render(rows: list[dict[str, Any]], total: int, console: Console) -> None:
    """A table of clusters: id, kind and size, when and how long, key, links and a sample."""
    table = Table(title=f"{total:,} coordinated campaigns (largest {len(rows):,} shown)")
    table.add_column("campaign", no_wrap=True)
    table.add_column("kind, size", no_wrap=True)
    table.add_column("first seen, span", no_wrap=True)
    table.add_column("key / links / sample", overflow="fold", ratio=1, min_width=20)
    for row in rows:
        sample = row["sample_texts"][0] if row["sample_texts"] else ""
        links = ", ".join(row["links"][:2])
        detail = escape(_short(row["key"]))
        if links and links != row["key"]:
            detail += f"\n[dim]{escape(_short(links))}[/dim]"
        if sample:
            detail += f"\n[italic]{escape(_short(sample))}[/italic]"
        table.add_row(
            escape(row["campaign_id"]),
            f"{escape(row['kind'])}\n{row['accounts']:,} accounts\n{row['posts']:,} posts",
            f"{escape(str(row['first_at'])[:16].replace('T', ' '))}\n{_span(row)}",
            detail,
        )
    console.print(table)


def campaigns_command(
    db: Path,
    *,
    limit: int = 30,
    as_json: bool = False,
    console: Console | None = None,
    err_console: Console | None = None,
) -> int:
    """List stored campaigns; returns the exit code (1 when the file or the table is missing).

    ``as_json`` writes one JSON object per campaign (with members) to standard output instead.
    """
    err = err_console or Console(stderr=True, soft_wrap=True)
    if not db.exists():
        err.print(f"[red]error:[/red] {escape(str(db))}: no such database")
        return 1
    store = Store(db, read_only=True)
    try:
        present = store.sql(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name IN "
            "('campaigns', 'campaign_members')"
        )[0][0]
        if present < 2:
            err.print(
                f"[red]error:[/red] {escape(str(db))} holds no campaigns: "
                "run `tigerblood scan ... --db` with this version first"
            )
            return 1
        total = store.count("campaigns")
        rows = load_campaigns(store, limit)
    finally:
        store.close()
    if as_json:
        for row in rows:
            sys.stdout.write(orjson.dumps(row).decode() + "\n")
        return 0
    render(rows, total, console or Console())
    return 0
