"""The posts behind flagged findings, found by Spark joins and attached to the verdicts.

:mod:`tigerblood.evidence` answers five questions of the store for the accounts it is given (their
link posts, latest posts, repeated texts, pitched conversations, campaigns). Here the same
questions are Spark SQL over the registered views, joined with the flagged accounts that need
them, and each account's rows travel with its verdict row; a partition then writes them into
each finding's evidence as ``attach_posts`` does, worded (truncation, times) the same way.
The ordering and row limits are DuckDB's, nulls placed as DuckDB places them (last).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

from tigerblood.conversations import PITCH_THRESHOLD
from tigerblood.evidence import EXAMPLES, KINDS, TEXT_LIMIT
from tigerblood.spark.judge import JUDGED, JUDGED_DDL

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SPACE_RUNS = r"[\t\n\f\r ]{2,}|[\t\n\f\r]"
""":data:`tigerblood.features.text.SPACE_RUNS` as DuckDB's RE2 reads it (``\\s`` there is these
five characters; Java's ``\\s`` adds the vertical tab), written with the regex's own escapes."""
SPACE_RUNS_SQL = "'" + SPACE_RUNS.replace("\\", "\\\\") + "'"
""":data:`SPACE_RUNS` as a Spark SQL string literal (its backslashes doubled), inlined rather than
bound as a named parameter: under Spark Connect a parameterised query's arguments are lost once
its DataFrame is joined into a larger plan (the evidence joins), and the query fails with
UNBOUND_SQL_PARAMETER. The pattern is our constant, never data."""
_SPACES_IN_TEMPLATE = SPACE_RUNS_SQL.replace("{", "{{").replace("}", "}}")
"""The literal inside :data:`LOOKUPS`, whose ``{detectors}`` is filled in by ``str.format``."""

LIMITED = f"WHERE rn <= {EXAMPLES}"
NEEDING = (
    "(SELECT DISTINCT platform, account_id FROM _evidence_needs WHERE detector IN ({detectors}))"
)

LOOKUPS: dict[str, str] = {
    "link_posts": f"""
        SELECT * FROM (
            SELECT p.platform, p.account_id, p.post_id, p.created_at, p.text, p.urls, p.contacts,
                   p.reply_to_account_id AS reply_to,
                   row_number() OVER (PARTITION BY p.platform, p.account_id ORDER BY
                       (p.reply_to_account_id IS NOT NULL OR p.reply_to_post_id IS NOT NULL) DESC,
                       p.created_at DESC NULLS LAST, p.post_id ASC NULLS LAST) AS rn
            FROM posts p JOIN {NEEDING} a ON a.platform = p.platform AND a.account_id = p.account_id
            WHERE size(coalesce(p.urls, array())) > 0 OR size(coalesce(p.contacts, array())) > 0
        ) {LIMITED}""",
    "latest_posts": f"""
        SELECT * FROM (
            SELECT p.platform, p.account_id, p.post_id, p.created_at, p.text,
                   row_number() OVER (PARTITION BY p.platform, p.account_id
                       ORDER BY p.created_at DESC NULLS LAST, p.post_id ASC NULLS LAST) AS rn
            FROM posts p JOIN {NEEDING} a ON a.platform = p.platform AND a.account_id = p.account_id
        ) {LIMITED}""",
    "repeated_texts": f"""
        WITH t AS (
            SELECT p.platform, p.account_id, p.post_id, p.text,
                   trim(regexp_replace(lower(coalesce(p.text, '')),
                                       {_SPACES_IN_TEMPLATE}, ' ')) AS norm
            FROM posts p JOIN {NEEDING} a ON a.platform = p.platform AND a.account_id = p.account_id
        ), g AS (
            SELECT platform, account_id, min(text) AS text, count(*) AS times,
                   slice(array_sort(collect_list(post_id)), 1, {EXAMPLES}) AS post_ids
            FROM t WHERE norm <> '' GROUP BY platform, account_id, norm HAVING count(*) > 1
        )
        SELECT * FROM (
            SELECT *, row_number() OVER (PARTITION BY platform, account_id
                                         ORDER BY times DESC, text ASC NULLS LAST) AS rn
            FROM g
        ) WHERE rn <= 3""",
    "pitch_conversation_posts": f"""
        WITH last AS (
            SELECT t.platform, t.account_id, t.conversation_id,
                   max_by(t.post_id, t.turn) AS post_id, count(*) AS own_turns
            FROM conversation_turns t
            JOIN {NEEDING} a ON a.platform = t.platform AND a.account_id = t.account_id
            GROUP BY t.platform, t.account_id, t.conversation_id
        )
        SELECT * FROM (
            SELECT l.platform, l.account_id, l.conversation_id, l.post_id, t.created_at,
                   p.text, p.urls, t.parent_account_id AS replied_to, s.pitch_score,
                   l.own_turns, c.turns, c.participants,
                   row_number() OVER (PARTITION BY l.platform, l.account_id
                       ORDER BY t.created_at DESC NULLS LAST, l.post_id ASC NULLS LAST) AS rn
            FROM last l
            JOIN conversation_turns t ON t.platform = l.platform
                 AND t.conversation_id = l.conversation_id AND t.post_id = l.post_id
            JOIN conversations c ON c.platform = l.platform
                 AND c.conversation_id = l.conversation_id
            JOIN post_pitch s ON s.platform = l.platform AND s.post_id = l.post_id
            JOIN posts p ON p.platform = l.platform AND p.post_id = l.post_id
            WHERE s.pitch_score >= {PITCH_THRESHOLD}
        ) {LIMITED}""",
    "campaign_evidence": f"""
        SELECT * FROM (
            SELECT m.platform, m.account_id, c.campaign_id, c.kind, c.key, c.accounts, c.posts,
                   c.first_at, c.last_at, c.links, c.sample_texts,
                   slice(m.post_ids, 1, {EXAMPLES}) AS post_ids,
                   substring(p.text, 1, {TEXT_LIMIT}) AS text,
                   row_number() OVER (PARTITION BY m.platform, m.account_id
                       ORDER BY c.accounts DESC NULLS LAST, c.campaign_id ASC NULLS LAST) AS rn
            FROM campaign_members m
            JOIN {NEEDING} a ON a.platform = m.platform AND a.account_id = m.account_id
            JOIN campaigns c ON c.campaign_id = m.campaign_id
            LEFT JOIN posts p ON p.platform = m.platform
                 AND p.post_id = try_element_at(m.post_ids, 1)
        ) {LIMITED}""",
}
"""Per lookup of :data:`tigerblood.evidence.KINDS` (named after its function), its rows for the
accounts that need it, numbered ``rn`` in DuckDB's order."""

TRUNCATED = frozenset({"link_posts", "latest_posts", "repeated_texts", "pitch_conversation_posts"})
"""Lookups whose texts are cut at :data:`TEXT_LIMIT` with an ellipsis (campaign texts are cut in
SQL, without one)."""


def lookup_of(detector: str) -> tuple[str, str]:
    """The evidence key and lookup name of a detector's findings."""
    key, function = KINDS[detector]
    return key, function.__name__


def worded(lookup: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An account's rows of ``lookup`` as the DuckDB evidence words them, in DuckDB's order."""
    out = []
    for row in sorted(rows, key=lambda r: r["rn"]):
        row = {k: v for k, v in row.items() if k != "rn"}
        text = row.get("text")
        if lookup in TRUNCATED and isinstance(text, str) and len(text) > TEXT_LIMIT:
            row["text"] = text[:TEXT_LIMIT] + "…"
        for stamp in ("created_at", "first_at", "last_at"):
            if row.get(stamp) is not None:
                row[stamp] = row[stamp].isoformat()
        if row.get("pitch_score") is not None:
            row["pitch_score"] = round(row["pitch_score"], 4)
        out.append(row)
    return out


def attach(row: dict[str, Any]) -> dict[str, Any]:
    """The verdict of a joined row with every rule finding's posts in its evidence."""
    if not row["evidence_for"]:
        return {name: row[name] for name in JUDGED.names}
    verdict = orjson.loads(row["verdict"])
    for finding in verdict["findings"]:
        if finding["detector"] in KINDS:
            key, lookup = lookup_of(finding["detector"])
            finding["evidence"][key] = worded(lookup, row[lookup] or [])
    return {**{name: row[name] for name in JUDGED.names}, "verdict": orjson.dumps(verdict).decode()}


def _attaching(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        rows = [attach(row) for row in batch.to_pylist()]
        yield pa.RecordBatch.from_pylist(rows, schema=JUDGED)


def with_evidence(session: SparkSession, judged: DataFrame) -> DataFrame:
    """``judged`` with the posts behind each flagged account's findings in its verdict."""
    from pyspark.sql import functions as F  # noqa: N812 (pyspark's own convention)

    needs = judged.select("platform", "account_id", F.explode("evidence_for").alias("detector"))
    needs.createOrReplaceTempView("_evidence_needs")
    frame = judged
    for lookup, query in LOOKUPS.items():
        detectors = sorted(d for d in KINDS if lookup_of(d)[1] == lookup)
        quoted = ", ".join(f"'{d}'" for d in detectors)
        rows = session.sql(query.format(detectors=quoted))
        fields = [c for c in rows.columns if c not in ("platform", "account_id")]
        grouped = rows.groupBy("platform", "account_id").agg(
            F.collect_list(F.struct(*fields)).alias(lookup)
        )
        frame = frame.join(grouped, ["platform", "account_id"], "left")
    attached: Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]] = _attaching
    return frame.mapInArrow(attached, JUDGED_DDL)
