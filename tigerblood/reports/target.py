"""Which account a report is about, and making sure the store holds verdicts to report on.

A person types a handle, ``platform:id`` or a bare id; the account may have a profile, only
posts, or appear only as someone others follow or reply to (an audit of a Bluesky account read
from its followers list has no profile row for the account itself). All of those are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tigerblood.model import split_account_key
from tigerblood.scan import judge
from tigerblood.store import Store


@dataclass(frozen=True)
class Target:
    """The account a report is about, with what its profile declares (None when unknown)."""

    platform: str
    account_id: str
    handle: str | None
    followers_count: int | None = None
    following_count: int | None = None
    display_name: str | None = None
    bio: str | None = None

    @property
    def key(self) -> str:
        """``platform:account_id``."""
        return f"{self.platform}:{self.account_id}"

    @property
    def name(self) -> str:
        """What to call the account: ``@handle`` when known, else its key."""
        return f"@{self.handle}" if self.handle else self.key


def has_table(store: Store, name: str) -> bool:
    """Whether the store holds table ``name`` (verdicts and features exist only after a judge).

    A store whose tables cannot change (a server's, which holds the file) may list them once
    as ``known_tables``: a report asks this several times, each a catalogue query otherwise.
    """
    known = getattr(store, "known_tables", None)
    if known is not None:
        return name in known
    rows = store.sql("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
    return bool(rows[0][0])


def ensure_judged(store: Store, **judge_options: Any) -> None:
    """Run :func:`tigerblood.scan.judge` unless verdicts and features are already stored."""
    if not (has_table(store, "verdicts") and has_table(store, "features")):
        judge(store, **judge_options)


_PROFILE = "followers_count, following_count, display_name, bio"
_NONE = "NULL, NULL, NULL, NULL"
_LOOKUPS = (  # table, id column, handle column, profile columns
    ("accounts", "account_id", "handle", _PROFILE),
    ("verdicts", "account_id", "handle", _NONE),
    ("follows", "followee_id", None, _NONE),
    ("posts", "account_id", None, _NONE),
)


def resolve(store: Store, account: str) -> Target | None:
    """The account named ``platform:id``, a bare id, or a handle (``@`` optional), else None.

    Profiles are tried first, then verdicts, then accounts seen only as followees or authors.
    """
    platform, ident = split_account_key(account.strip())
    handle = ident.lstrip("@").lower()
    for table, id_col, handle_col, profile in _LOOKUPS:
        if not has_table(store, table):
            continue
        match = f"({id_col} = ? OR lower({handle_col}) = ?)" if handle_col else f"{id_col} = ?"
        params: list[Any] = [ident, handle] if handle_col else [ident]
        rows = store.sql(
            f"SELECT platform, {id_col}, {handle_col or 'NULL'}, {profile} FROM {table} "
            f"WHERE (? IS NULL OR platform = ?) AND {match} ORDER BY {id_col} = ? DESC LIMIT 1",
            [platform, platform, *params, ident],
        )
        if rows:
            p, a, h, *details = rows[0]
            return Target(p, a, h or _handle_of(store, p, a), *details)
    return None


def _handle_of(store: Store, platform: str, account_id: str) -> str | None:
    rows = store.sql(
        "SELECT handle FROM accounts WHERE platform = ? AND account_id = ? LIMIT 1",
        [platform, account_id],
    )
    return rows[0][0] if rows else None


def verdict_of(store: Store, target: Target) -> dict[str, Any] | None:
    """The stored verdict of the target account, if it has one."""
    rows = store.sql(
        "SELECT verdict FROM verdicts WHERE platform = ? AND account_id = ?",
        [target.platform, target.account_id],
    )
    return orjson.loads(rows[0][0]) if rows else None
