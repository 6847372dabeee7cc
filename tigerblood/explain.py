"""One account's verdict, looked up by any name a user might type, rendered for a terminal.

Every value from the data goes through rich's escaping, so a handle like ``[red]x`` or a bio full
of markup is shown as the text it is.
"""

from __future__ import annotations

from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tigerblood.model import split_account_key
from tigerblood.store import Store


def find_verdict(store: Store, account: str) -> dict[str, Any] | None:
    """The stored verdict for ``platform:id``, a bare id, or a handle (with or without ``@``)."""
    platform, ident = split_account_key(account)
    handle = ident.lstrip("@").lower()
    rows = store.sql(
        "SELECT verdict FROM verdicts WHERE (? IS NULL OR platform = ?) "
        "AND (account_id = ? OR lower(handle) = ?) ORDER BY account_id = ? DESC LIMIT 1",
        [platform, platform, ident, handle, ident],
    )
    return orjson.loads(rows[0][0]) if rows else None


DECLARED_AS = {"bot": "Declared bot", "service": "Brand or service account"}
"""How each kind of declaration (``tigerblood.scoring.Declaration``) is introduced."""


def render_verdict(verdict: dict[str, Any], console: Console) -> None:
    """The verdict, each finding's summary, its numbers, and the posts behind it."""
    name = f"{verdict['platform']}:{verdict['account_id']}"
    handle = f" (@{verdict['handle']})" if verdict.get("handle") else ""
    state = "[red]FLAGGED[/red]" if verdict["flagged"] else "[green]not flagged[/green]"
    console.print(f"{escape(name + handle)}: {state}, score {verdict['score']:.2f}")
    if verdict.get("declared"):
        what = DECLARED_AS.get(str(verdict["declared"]), f"Declared {verdict['declared']}")
        console.print(
            f"{escape(what)} by its own profile: "
            f"{escape(verdict.get('declared_reason', ''))} (score without the declaration "
            f"{verdict.get('undeclared_score', verdict['score']):.2f})."
        )
    if verdict.get("scored_by") == "rules":
        console.print(
            f"Scored by the rules alone ({escape(verdict.get('scored_by_reason', ''))}); "
            f"the model would have said {verdict.get('model_score', 0.0):.2f}."
        )
    if not verdict["findings"]:
        console.print("No detector found anything.")
    for finding in verdict["findings"]:
        console.print(
            f"\n[bold]{escape(finding['pattern'])}[/bold] ({finding['score']:.2f}): "
            f"{escape(finding['summary'])}"
        )
        numbers = Table(show_header=False, box=None, padding=(0, 2))
        for key, value in finding["evidence"].items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                continue
            numbers.add_row(escape(key), escape(str(value)))
        console.print(numbers)
        for key, value in finding["evidence"].items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                console.print(f"  {escape(key)}:")
                for item in value:
                    ident = item.get("post_id") or ", ".join(item.get("post_ids") or [])
                    extra = f" ×{item['times']}" if "times" in item else ""
                    console.print(
                        f"    - {escape(str(ident))}{extra}: {escape(str(item.get('text')))}"
                    )
                    if item.get("urls"):
                        console.print(f"      links: {escape(' '.join(item['urls']))}")
                    if item.get("contacts"):
                        console.print(f"      contacts: {escape(' '.join(item['contacts']))}")
