"""Who makes up an account's audience: its followers, the accounts that reply to it or mention
it, and the accounts that like its posts, each with its verdict. One query per role, whatever the
audience size.

A follow later undone (an ``unfollow`` event after it) does not count. Replies are matched on the
account id or the handle, because research CSVs only keep the handle a reply opened with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tigerblood.reports.addressed import AddressIndex
from tigerblood.reports.target import Target
from tigerblood.store import Store

TEXT_LIMIT = 280


@dataclass
class Member:
    """One account of the audience and what tigerblood thinks of it (``judged`` False: no data)."""

    platform: str
    account_id: str
    handle: str | None
    judged: bool
    flagged: bool
    score: float | None
    patterns: list[str]
    why: str | None
    followed_at: str | None = None
    posts: list[dict[str, Any]] = field(default_factory=list)
    scored_by: str | None = None
    """``model`` when the score is the model's calibrated probability; ``rules`` when the rules
    judged (no posts and no profile counts: the score is the rules', not a probability)."""

    @property
    def calibrated(self) -> bool:
        """Whether the score is a calibrated probability (what an expected share may average)."""
        return self.judged and self.score is not None and self.scored_by == "model"


_VERDICT_COLS = """
    v.account_id IS NOT NULL AS judged, coalesce(v.flagged, false) AS flagged, v.score,
    coalesce(CAST(json_extract(v.verdict, '$.patterns') AS VARCHAR[]), []) AS patterns,
    json_extract_string(v.verdict, '$.findings[0].summary') AS why,
    json_extract_string(v.verdict, '$.scored_by') AS scored_by
"""

FOLLOWERS_SQL = f"""
WITH f AS (
    SELECT platform, follower_id AS account_id, min(created_at) AS followed_at
    FROM follows f
    WHERE platform = $platform AND followee_id = $id AND coalesce(action, 'follow') = 'follow'
      AND NOT EXISTS (
        SELECT 1 FROM follows u
        WHERE u.platform = f.platform AND u.follower_id = f.follower_id
          AND u.followee_id = f.followee_id AND u.action = 'unfollow'
          AND (u.created_at IS NULL OR f.created_at IS NULL OR u.created_at >= f.created_at))
    GROUP BY ALL
)
SELECT f.platform, f.account_id, coalesce(v.handle, a.handle) AS handle, f.followed_at,
       {_VERDICT_COLS}
FROM f LEFT JOIN verdicts v USING (platform, account_id)
       LEFT JOIN accounts a USING (platform, account_id)
ORDER BY f.followed_at NULLS LAST, f.account_id
"""

_REPLIES = f"""
WITH p AS (
    SELECT platform, account_id, post_id, created_at, text,
           (reply_to_account_id = $id OR lower(ltrim(reply_to_account_id, '@')) = $handle)
               IS TRUE AS is_reply
    FROM posts
    WHERE {{only}}platform = $platform AND account_id <> $id AND (
        reply_to_account_id = $id OR lower(ltrim(reply_to_account_id, '@')) = $handle
        OR list_contains(mentions, $id)
        OR list_contains(list_transform(coalesce(mentions, []), lambda x: lower(ltrim(x, '@'))),
                         $handle))
)
SELECT p.platform, p.account_id, coalesce(v.handle, a.handle) AS handle, p.post_id,
       p.created_at, p.text, p.is_reply, {_VERDICT_COLS}
FROM p LEFT JOIN verdicts v USING (platform, account_id)
       LEFT JOIN accounts a USING (platform, account_id)
ORDER BY p.account_id, p.created_at, p.post_id
"""
REPLIES_SQL = _REPLIES.replace("{only}", "")
"""Posts that reply to or mention the account ``$id`` / ``$handle``, with their authors."""


LIKES_SQL = f"""
WITH l AS (
    SELECT platform, account_id, post_id, created_at
    FROM likes
    WHERE platform = $platform AND account_id <> $id AND (
        post_account_id = $id
        OR post_id IN (SELECT post_id FROM posts WHERE platform = $platform AND account_id = $id))
)
SELECT l.platform, l.account_id, coalesce(v.handle, a.handle) AS handle, l.post_id,
       l.created_at, p.text, {_VERDICT_COLS}
FROM l LEFT JOIN posts p USING (platform, post_id)
       LEFT JOIN verdicts v ON v.platform = l.platform AND v.account_id = l.account_id
       LEFT JOIN accounts a ON a.platform = l.platform AND a.account_id = l.account_id
ORDER BY l.account_id, l.created_at NULLS LAST, l.post_id
"""
"""A like counts when it names the target as the liked post's author, or when the liked post is
one of the target's stored posts (sources that give only the post id)."""


def _params(target: Target, with_handle: bool = True) -> dict[str, Any]:
    params: dict[str, Any] = {"platform": target.platform, "id": target.account_id}
    if with_handle:
        params["handle"] = (target.handle or "").lower() or None
    return params


def _rows(store: Store, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return store.con.sql(sql, params=params).to_arrow_table().to_pylist()


def _member(row: dict[str, Any]) -> Member:
    return Member(
        platform=row["platform"],
        account_id=row["account_id"],
        handle=row["handle"],
        judged=bool(row["judged"]),
        flagged=bool(row["flagged"]),
        score=row["score"],
        patterns=list(row["patterns"] or []),
        why=row["why"],
        scored_by=row.get("scored_by"),
    )


def followers(store: Store, target: Target) -> list[Member]:
    """Accounts observed following ``target`` (oldest follow first), with their verdicts."""
    rows = _rows(store, FOLLOWERS_SQL, _params(target, with_handle=False))
    out = []
    for row in rows:
        member = _member(row)
        when = row["followed_at"]
        member.followed_at = when.isoformat() if when is not None else None
        out.append(member)
    return out


def repliers(store: Store, target: Target, index: AddressIndex | None = None) -> list[Member]:
    """Accounts that replied to or mentioned ``target``, each with the posts that did; an
    ``index`` of the store's posts narrows the rows read, not the answer."""
    params = _params(target)
    if index is None:
        rows = _rows(store, REPLIES_SQL, params)
    else:
        rows_read = index.candidates(store, target.account_id, params["handle"])
        # No candidate, no reply (and DuckDB would scan every post for an empty list).
        sql = replies_sql(indexed=True)
        rows = _rows(store, sql, {**params, "rows": rows_read}) if rows_read else []
    return _grouped(rows, lambda row: "reply" if row["is_reply"] else "mention")


def replies_sql(indexed: bool = False) -> str:
    """:data:`REPLIES_SQL`, reading only the rows ``$rows`` when ``indexed`` (the candidates of
    an :class:`~tigerblood.reports.addressed.AddressIndex`; every condition still applies)."""
    return _REPLIES.replace("{only}", "rowid = ANY($rows) AND " if indexed else "")


def likers(store: Store, target: Target) -> list[Member]:
    """Accounts that liked posts of ``target``; each member's ``posts`` are the posts it liked
    (``kind`` "like", the text when the liked post is stored, ``created_at`` of the like)."""
    rows = _rows(store, LIKES_SQL, _params(target, with_handle=False))
    return _grouped(rows, lambda row: "like")


def _grouped(rows: list[dict[str, Any]], kind: Callable[[dict[str, Any]], str]) -> list[Member]:
    """One member per account, holding every post row that put it in the audience."""
    members: dict[str, Member] = {}
    for row in rows:
        member = members.get(row["account_id"])
        if member is None:
            member = members[row["account_id"]] = _member(row)
        text = row["text"]
        if text is not None and len(text) > TEXT_LIMIT:
            text = text[:TEXT_LIMIT] + "…"
        member.posts.append(
            {
                "post_id": row["post_id"],
                "kind": kind(row),
                "created_at": row["created_at"].isoformat() if row["created_at"] else None,
                "text": text,
            }
        )
    return list(members.values())
