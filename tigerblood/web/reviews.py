"""The review queue and the ``reviews`` table: people confirm, dismiss or skip verdicts.

A decision is the best training data tigerblood can get, so each one is stored with the score
and model version that prompted it (``learn --reviews`` reads them as labels). The queue is the
flagged accounts nobody has decided on yet, highest score first; a skipped account goes to the
back of the queue instead of blocking it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import orjson

from tigerblood import model
from tigerblood.reports.i18n import N_
from tigerblood.reports.target import Target
from tigerblood.store import Store

Decision = Literal["confirm", "dismiss", "skip"]
DECISIONS: tuple[Decision, ...] = ("confirm", "dismiss", "skip")
DECISION_NAMES = {"confirm": N_("confirm"), "dismiss": N_("dismiss"), "skip": N_("skip")}
"""The decisions as pages show them (translated when displayed)."""

_DECIDED = (
    "EXISTS (SELECT 1 FROM reviews r WHERE r.platform = v.platform "
    "AND r.account_id = v.account_id AND r.decision IN ('confirm', 'dismiss'))"
)
_SKIPPED = (
    "EXISTS (SELECT 1 FROM reviews r WHERE r.platform = v.platform "
    "AND r.account_id = v.account_id AND r.decision = 'skip')"
)


def queue(store: Store, limit: int = 1) -> list[dict[str, Any]]:
    """The next ``limit`` verdicts to review (flagged, undecided; skipped ones last)."""
    rows = store.sql(
        f"SELECT verdict FROM verdicts v WHERE flagged AND NOT {_DECIDED} "
        f"ORDER BY {_SKIPPED}, score DESC, platform, account_id LIMIT ?",
        [limit],
    )
    return [orjson.loads(row[0]) for row in rows]


def next_up(store: Store) -> tuple[dict[str, Any] | None, int]:
    """The next verdict to review and how many are left, in one pass (the queue page's two
    questions: :func:`queue` and :func:`queue_size` would read the verdicts twice)."""
    rows = store.sql(
        f"SELECT verdict, count(*) OVER () FROM verdicts v WHERE flagged AND NOT {_DECIDED} "
        f"ORDER BY {_SKIPPED}, score DESC, platform, account_id LIMIT 1"
    )
    return (orjson.loads(rows[0][0]), int(rows[0][1])) if rows else (None, 0)


def queue_size(store: Store) -> int:
    """Flagged accounts nobody has confirmed or dismissed yet."""
    return int(store.sql(f"SELECT count(*) FROM verdicts v WHERE flagged AND NOT {_DECIDED}")[0][0])


def record(
    store: Store,
    target: Target,
    decision: Decision,
    *,
    reviewer: str,
    note: str | None,
    model_version: str,
) -> dict[str, Any]:
    """Store one decision on ``target`` with its verdict's score now; returns the row."""
    scores = store.sql(
        "SELECT score FROM verdicts WHERE platform = ? AND account_id = ?",
        [target.platform, target.account_id],
    )
    now = dt.datetime.now(dt.UTC)
    row: dict[str, Any] = {
        "platform": target.platform,
        "account_id": target.account_id,
        "decision": decision,
        "reviewer": reviewer,
        "note": note or None,
        "decided_at": now,
        "score": float(scores[0][0]) if scores else None,
        "model_version": model_version,
    }
    store.load("reviews", model.to_table("reviews", [row]))
    return {**row, "account": target.key, "decided_at": now.isoformat()}


def history(store: Store, target: Target | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Decisions, latest first: all of them, or one account's."""
    where, params = (
        ("platform = ? AND account_id = ?", [target.platform, target.account_id])
        if (target is not None)
        else ("true", [])
    )
    rows = store.arrow(
        "SELECT platform || ':' || account_id AS account, platform, account_id, decision, "
        "reviewer, note, decided_at, score, model_version FROM reviews "
        f"WHERE {where} ORDER BY decided_at DESC LIMIT ?",
        [*params, limit],
    ).to_pylist()
    for row in rows:
        row["decided_at"] = row["decided_at"].isoformat()
    return rows


def counts(store: Store) -> dict[str, int]:
    """Decisions stored, per kind."""
    return {d: int(n) for d, n in store.sql("SELECT decision, count(*) FROM reviews GROUP BY 1")}
