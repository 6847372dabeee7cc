"""The one query layer under the pages and ``/api/v1``: verdicts, accounts and the overview.

Pages and the API call the same functions with the same filters, so a number on a page and the
API's answer cannot drift apart. Every value from the request reaches DuckDB as a bound
parameter; only column names picked from fixed tables (:data:`SORTS`) are spliced into SQL.
Campaign queries live in :mod:`tigerblood.web.campaigns`, the review queue in
:mod:`tigerblood.web.reviews`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

from tigerblood.reports.target import Target, has_table, resolve, verdict_of
from tigerblood.store import Store

PATTERNS_SQL = "coalesce(CAST(json_extract(verdict, '$.patterns') AS VARCHAR[]), [])"
SORTS = {"score": "score", "handle": "lower(handle)", "platform": "platform", "id": "account_id"}
"""Sortable columns of the accounts list: the request names a key, never a column."""
HISTOGRAM_BINS = 10


@dataclass(frozen=True)
class VerdictFilter:
    """Which verdicts to list; None means "any"."""

    flagged: bool | None = None
    pattern: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    platform: str | None = None
    search: str | None = None
    """Part of a handle or an account id, case-insensitive."""
    patterns_table: str | None = None
    """A table of (platform, account_id, patterns) already read from the verdicts' JSON (a
    server's, :func:`extract_patterns`); without it each verdict's JSON is read per filter."""

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters."""
        parts: list[str] = ["true"]
        params: list[Any] = []
        if self.flagged is not None:
            parts.append("flagged = ?")
            params.append(self.flagged)
        if self.pattern and self.patterns_table:
            parts.append(
                "(platform, account_id) IN (SELECT platform, account_id FROM "
                f"{self.patterns_table} WHERE list_contains(patterns, ?))"
            )
            params.append(self.pattern)
        elif self.pattern:
            parts.append(f"list_contains({PATTERNS_SQL}, ?)")
            params.append(self.pattern)
        if self.min_score is not None:
            parts.append("score >= ?")
            params.append(self.min_score)
        if self.max_score is not None:
            parts.append("score <= ?")
            params.append(self.max_score)
        if self.platform:
            parts.append("platform = ?")
            params.append(self.platform)
        if self.search:
            needle = self.search.lstrip("@").lower()
            parts.append("(contains(lower(handle), ?) OR contains(account_id, ?))")
            params += [needle, needle]
        return " AND ".join(parts), params


PATTERNS_TABLE = "tigerblood_web.verdict_patterns"
"""Where :func:`extract_patterns` puts them: an in-memory database attached to the server's
connection (every cursor sees it; the store file is not touched)."""


def extract_patterns(store: Store) -> str:
    """Read every verdict's patterns once into :data:`PATTERNS_TABLE` and return its name.

    A pattern filter otherwise parses all verdicts' JSON twice per page (the rows and the
    count: 0.1 s on 5,301 verdicts); verdicts do not change while a server holds the store.
    """
    schema = PATTERNS_TABLE.split(".")[0]
    store.sql(f"ATTACH IF NOT EXISTS ':memory:' AS {schema}")
    store.sql(
        f"CREATE OR REPLACE TABLE {PATTERNS_TABLE} AS "
        f"SELECT platform, account_id, {PATTERNS_SQL} AS patterns FROM verdicts"
    )
    return PATTERNS_TABLE


def encode_cursor(score: float, platform: str, account_id: str) -> str:
    """An opaque cursor naming the last verdict of a page (keyset paging: no OFFSET scan)."""
    return base64.urlsafe_b64encode(orjson.dumps([score, platform, account_id])).decode()


def decode_cursor(cursor: str) -> tuple[float, str, str]:
    """The cursor's (score, platform, account_id); ValueError when it is not one of ours."""
    try:
        score, platform, account_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, orjson.JSONDecodeError, ValueError, TypeError) as error:
        raise ValueError("not a cursor returned by this API") from error
    if not (isinstance(score, int | float) and isinstance(platform, str)):
        raise ValueError("not a cursor returned by this API")
    if not isinstance(account_id, str):
        raise ValueError("not a cursor returned by this API")
    return float(score), platform, account_id


def verdicts(
    store: Store, where: VerdictFilter, after: str | None = None, limit: int = 50
) -> tuple[list[dict[str, Any]], str | None]:
    """Verdicts as ``scan`` writes them, highest score first, and the cursor of the next page."""
    condition, params = where.where()
    if after:  # an empty cursor is the first page, as no cursor is
        score, platform, account_id = decode_cursor(after)
        condition += (
            " AND (score < ? OR (score = ? AND "
            "(platform > ? OR (platform = ? AND account_id > ?))))"
        )
        params += [score, score, platform, platform, account_id]
    rows = store.sql(
        f"SELECT verdict, score, platform, account_id FROM verdicts WHERE {condition} "
        "ORDER BY score DESC, platform, account_id LIMIT ?",
        [*params, limit + 1],
    )
    items = [orjson.loads(row[0]) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return items, encode_cursor(last[1], last[2], last[3]) if last else None


def account_rows(
    store: Store,
    where: VerdictFilter,
    sort: str = "score",
    descending: bool = True,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """One line per account for the accounts list (with its first finding's summary), and how
    many accounts match in all."""
    condition, params = where.where()
    order = f"{SORTS.get(sort, 'score')} {'DESC' if descending else 'ASC'} NULLS LAST"
    # The page is chosen on plain columns first; only its rows' JSON is then read (reading
    # every verdict's JSON costs tens of milliseconds on 5,000 accounts).
    rows = store.arrow(
        f"SELECT platform, account_id, handle, score, flagged, {PATTERNS_SQL} AS patterns, "
        "json_extract_string(verdict, '$.findings[0].summary') AS summary FROM ("
        f"SELECT * FROM verdicts WHERE {condition} ORDER BY {order}, platform, account_id "
        f"LIMIT ? OFFSET ?) ORDER BY {order}, platform, account_id",
        [*params, limit, offset],
    ).to_pylist()
    total = store.sql(f"SELECT count(*) FROM verdicts WHERE {condition}", params)[0][0]
    return rows, int(total)


def overview(store: Store) -> dict[str, Any]:
    """The scan at a glance: accounts, flagged per pattern, the score histogram, quarantined
    records per source, campaigns, and where the review queue stands."""
    accounts, flagged = store.sql("SELECT count(*), count(*) FILTER (flagged) FROM verdicts")[0]
    patterns = store.sql(
        f"SELECT p, count(*) FROM (SELECT unnest({PATTERNS_SQL}) AS p FROM verdicts "
        "WHERE flagged) GROUP BY p ORDER BY count(*) DESC, p"
    )
    bins = dict(
        store.sql(
            f"SELECT least(floor(score * {HISTOGRAM_BINS}), {HISTOGRAM_BINS - 1})::INT AS b, "
            "count(*) FROM verdicts GROUP BY b"
        )
    )
    quarantine = store.sql(
        "SELECT source, count(*) FROM quarantine GROUP BY source ORDER BY count(*) DESC, source"
    )
    platforms = store.sql("SELECT platform, count(*) FROM verdicts GROUP BY 1 ORDER BY 2 DESC")
    campaigns = store.count("campaigns") if has_table(store, "campaigns") else 0
    return {
        "patterns": sorted({p for p, _ in patterns}),
        "accounts": int(accounts),
        "flagged": int(flagged),
        "flagged_by_pattern": {p: int(n) for p, n in patterns},
        "unnamed_flagged": int(
            store.sql(f"SELECT count(*) FROM verdicts WHERE flagged AND len({PATTERNS_SQL}) = 0")[
                0
            ][0]
        ),
        "score_histogram": [
            {
                "low": b / HISTOGRAM_BINS,
                "high": (b + 1) / HISTOGRAM_BINS,
                "count": int(bins.get(b, 0)),
            }
            for b in range(HISTOGRAM_BINS)
        ],
        "platforms": {p: int(n) for p, n in platforms},
        "quarantined": sum(int(n) for _, n in quarantine),
        "quarantined_by_source": {s: int(n) for s, n in quarantine},
        "campaigns": campaigns,
    }


POST_COLUMNS = "post_id, created_at, text, urls, contacts, reply_to_account_id"
RECENT_POSTS = 20
THREADS = 20


def account(store: Store, name: str) -> dict[str, Any] | None:
    """Everything the account page and ``/api/v1/accounts/{account}`` show, or None: verdict
    (findings and their evidence), profile, latest posts, threads, campaigns, reviews."""
    target = resolve(store, name)
    if target is None:
        return None
    key = [target.platform, target.account_id]
    profile = store.arrow(
        "SELECT handle, display_name, bio, created_at, followers_count, following_count, "
        "posts_count, verified, declared_bot FROM accounts WHERE platform = ? AND account_id = ?",
        key,
    ).to_pylist()
    posts = store.arrow(
        f"SELECT {POST_COLUMNS} FROM posts WHERE platform = ? AND account_id = ? "
        "ORDER BY created_at DESC NULLS LAST, post_id LIMIT ?",
        [*key, RECENT_POSTS],
    ).to_pylist()
    from tigerblood.web.campaigns import campaigns_of
    from tigerblood.web.reviews import history

    return {
        "platform": target.platform,
        "account_id": target.account_id,
        "key": target.key,
        "handle": target.handle,
        "profile": _plain(profile[0]) if profile else None,
        "verdict": verdict_of(store, target),
        "posts": [_plain(p) for p in posts],
        "threads": threads(store, target),
        "campaigns": campaigns_of(store, target),
        "reviews": history(store, target),
        "links": {"profile": profile_url(target.platform, target.account_id)},
    }


def threads(store: Store, target: Target) -> list[dict[str, Any]]:
    """Reply threads the account took part in, latest first."""
    if not has_table(store, "conversations"):
        return []
    rows = store.arrow(
        "SELECT conversation_id, root_account_id, participants, turns, last_speaker, "
        "started_at, ended_at FROM conversations "
        "WHERE platform = ? AND list_contains(participant_ids, ?) "
        "ORDER BY started_at DESC NULLS LAST, conversation_id LIMIT ?",
        [target.platform, target.account_id, THREADS],
    ).to_pylist()
    return [_plain(r) for r in rows]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as ISO strings, so pages and JSON show the same text."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}


def post_url(platform: str, post_id: str) -> str | None:
    """The post on its platform, where its id says enough to link to it.

    >>> post_url("bluesky", "at://did:plc:abc/app.bsky.feed.post/3k")
    'https://bsky.app/profile/did:plc:abc/post/3k'
    """
    if platform == "bluesky" and post_id.startswith("at://"):
        did, _, rest = post_id[5:].partition("/app.bsky.feed.post/")
        return f"https://bsky.app/profile/{did}/post/{rest}" if rest else None
    if platform == "twitter" and post_id.isdigit():
        return f"https://x.com/i/status/{post_id}"
    if post_id.startswith("https://"):
        return post_id
    return None


def profile_url(platform: str, account_id: str) -> str | None:
    """The account on its platform, where its id says enough to link to it."""
    if platform == "bluesky" and account_id.startswith("did:"):
        return f"https://bsky.app/profile/{account_id}"
    if platform == "twitter" and account_id.isdigit():
        return f"https://x.com/i/user/{account_id}"
    return None
