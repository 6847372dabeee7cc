"""Conversations rebuilt from reply chains, and the pitch score of each account's last turn.

The pitch-conversation pattern lives in threads, not in single posts: an account that really talks
with people, then closes each exchange with a sales pitch and a link. Seeing it needs the thread
(who took part, in what order, who spoke last), and the posts carry only pointers: Bluesky gives
every reply its root, Twitter its ``conversation_id`` (mapped to ``root_post_id``), Mastodon only
the parent (``reply_to_post_id``). So threads are rebuilt once per scan as a stored step, and the
per-account features (:mod:`tigerblood.features.conversations`) read the tables:

- ``conversation_turns``: every post of a thread (the root if present, and the replies), its turn
  number in time order, and whom it answered (``parent_account_id``: the parent post's author, else
  the platform's ``reply_to_account_id``).
- ``conversations``: one row per thread with at least two participants (a self-thread is a
  monologue): participants, turns, last speaker, start and end.
- ``post_pitch``: the pitch score (:func:`tigerblood.pitch.score_texts`) of each post that is some
  account's last turn in a conversation, the only posts the features need. Scores are kept across
  runs, so a post is scored once.

A root is resolved by walking ``reply_to_post_id`` upward (a recursive query) when the post does
not name it; the walk stops at a post that names its root, at a parent missing from the data
(whose id then names the conversation), or after :data:`MAX_DEPTH` steps (a cycle in bad data).
Replies known only by ``reply_to_account_id`` (a research CSV's leading mention) have no thread
to join and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from tigerblood.store import Store

MAX_DEPTH = 1_000
"""Steps up a reply chain before giving up: deeper than any real thread, bounds a cycle."""

PITCH_THRESHOLD = 0.5
"""A turn is a pitch when its score reaches this: the ``tigerblood pitch`` default for is_pitch."""

SCORE_BATCH = 5_000
EXAMPLES = 5
TEXT_LIMIT = 280

TURNS_DDL = (
    "CREATE OR REPLACE TABLE conversation_turns (platform VARCHAR, conversation_id VARCHAR, "
    "post_id VARCHAR, account_id VARCHAR, created_at TIMESTAMPTZ, turn BIGINT, "
    "parent_post_id VARCHAR, parent_account_id VARCHAR, urls VARCHAR[])"
)
CONVERSATIONS_DDL = (
    "CREATE OR REPLACE TABLE conversations (platform VARCHAR, conversation_id VARCHAR, "
    "root_account_id VARCHAR, participants BIGINT, participant_ids VARCHAR[], turns BIGINT, "
    "last_speaker VARCHAR, started_at TIMESTAMPTZ, ended_at TIMESTAMPTZ)"
)
PITCH_DDL = (
    "CREATE TABLE IF NOT EXISTS post_pitch (platform VARCHAR, post_id VARCHAR, pitch_score DOUBLE)"
)

_THREADS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _cv_links AS
SELECT platform, post_id, reply_to_post_id AS parent,
       CASE WHEN root_post_id = post_id THEN NULL ELSE root_post_id END AS root
FROM posts
WHERE repost_of_post_id IS NULL
  AND (reply_to_post_id IS NOT NULL OR (root_post_id IS NOT NULL AND root_post_id <> post_id));
CREATE OR REPLACE TEMP TABLE _cv_roots AS
WITH RECURSIVE walk(platform, post_id, cur, done, depth) AS (
    SELECT platform, post_id, coalesce(root, parent), root IS NOT NULL, 0 FROM _cv_links
    UNION ALL
    SELECT w.platform, w.post_id, coalesce(l.root, l.parent), l.root IS NOT NULL, w.depth + 1
    FROM walk w JOIN _cv_links l ON l.platform = w.platform AND l.post_id = w.cur
    WHERE NOT w.done AND w.depth < {MAX_DEPTH}
)
SELECT platform, post_id, arg_max(cur, depth) AS conversation_id FROM walk GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE _cv_turns AS
WITH turns AS (
    SELECT r.platform, r.conversation_id, p.post_id, p.account_id, p.created_at,
           p.reply_to_post_id AS parent_post_id, p.reply_to_account_id, p.urls
    FROM _cv_roots r JOIN posts p USING (platform, post_id)
    UNION ALL
    SELECT p.platform, p.post_id, p.post_id, p.account_id, p.created_at, NULL, NULL, p.urls
    FROM posts p SEMI JOIN (SELECT DISTINCT platform, conversation_id AS post_id FROM _cv_roots)
         USING (platform, post_id)
    WHERE p.repost_of_post_id IS NULL
)
SELECT t.platform, t.conversation_id, t.post_id, t.account_id, t.created_at,
       row_number() OVER (PARTITION BY t.platform, t.conversation_id
                          ORDER BY t.created_at NULLS LAST, t.post_id) AS turn,
       t.parent_post_id, coalesce(pp.account_id, t.reply_to_account_id) AS parent_account_id,
       t.urls
FROM turns t LEFT JOIN posts pp ON pp.platform = t.platform AND pp.post_id = t.parent_post_id;
{CONVERSATIONS_DDL};
INSERT INTO conversations
WITH people AS (
    SELECT platform, conversation_id, account_id AS who FROM _cv_turns
    UNION
    SELECT platform, conversation_id, parent_account_id FROM _cv_turns
    WHERE parent_account_id IS NOT NULL
), counted AS (
    SELECT platform, conversation_id, count(*) AS participants, list(who ORDER BY who) AS ids
    FROM people GROUP BY ALL HAVING count(*) >= 2
)
SELECT t.platform, t.conversation_id,
       coalesce(any_value(t.account_id) FILTER (WHERE t.post_id = t.conversation_id),
                any_value(t.parent_account_id) FILTER (WHERE t.parent_post_id = t.conversation_id)),
       any_value(c.participants), any_value(c.ids), count(*), arg_max(t.account_id, t.turn),
       min(t.created_at), max(t.created_at)
FROM _cv_turns t JOIN counted c USING (platform, conversation_id) GROUP BY ALL;
{TURNS_DDL};
INSERT INTO conversation_turns
SELECT * FROM _cv_turns SEMI JOIN conversations USING (platform, conversation_id);
DROP TABLE _cv_turns;
DROP TABLE _cv_roots;
DROP TABLE _cv_links
"""

_UNSCORED_SQL = """
SELECT DISTINCT t.platform, t.post_id, p.text
FROM (SELECT platform, arg_max(post_id, turn) AS post_id FROM conversation_turns
      GROUP BY platform, conversation_id, account_id) t
JOIN posts p USING (platform, post_id)
ANTI JOIN post_pitch USING (platform, post_id)
WHERE p.text IS NOT NULL AND p.text <> ''
"""


def ensure_tables(store: Store) -> None:
    """Create the three tables empty when absent, so features can always read them."""
    store.sql(CONVERSATIONS_DDL.replace("OR REPLACE TABLE", "TABLE IF NOT EXISTS"))
    store.sql(TURNS_DDL.replace("OR REPLACE TABLE", "TABLE IF NOT EXISTS"))
    store.sql(PITCH_DDL)


def score_last_turns(store: Store) -> int:
    """Pitch-score every account's last turn not scored yet; returns how many were scored.

    Each distinct text of a batch is scored once (spam repeats itself; the classifier's
    ``predict_proba`` deduplicates).
    """
    from tigerblood.pitch import score_texts  # scikit-learn: imported only when there is work

    store.sql(PITCH_DDL)
    todo = store.arrow(_UNSCORED_SQL)
    scored = 0
    for start in range(0, todo.num_rows, SCORE_BATCH):
        batch = todo.slice(start, SCORE_BATCH)
        scores = score_texts(batch.column("text").to_pylist())
        table = pa.table(
            {
                "platform": batch.column("platform"),
                "post_id": batch.column("post_id"),
                "pitch_score": pa.array(scores, pa.float64()),
            }
        )
        store.con.register("_cv_scores", table)
        try:
            store.sql("INSERT INTO post_pitch SELECT * FROM _cv_scores")
        finally:
            store.con.unregister("_cv_scores")
        scored += batch.num_rows
    return scored


def build_conversations(store: Store, *, score: bool = True) -> int:
    """Rebuild ``conversations`` and ``conversation_turns`` from the store's posts, then score
    last turns into ``post_pitch`` (unless ``score`` is False); returns the conversations found.

    >>> from tigerblood.store import Store
    >>> build_conversations(Store())
    0
    """
    for statement in _THREADS_SQL.split(";\n"):
        if statement.strip():
            store.sql(statement)
    if score:
        score_last_turns(store)
    else:
        store.sql(PITCH_DDL)
    return store.count("conversations")


def pitch_conversation_posts(store: Store) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Per account, the conversations it closed with a pitch: conversation, post, text, links.

    An ``evidence.KINDS`` lookup: reads the ``_evidence_accounts`` view that ``attach_posts``
    registers. Latest first, at most :data:`EXAMPLES` per account.
    """
    rows = store.arrow(f"""
        WITH last AS (
            SELECT platform, account_id, conversation_id, arg_max(post_id, turn) AS post_id,
                   count(*) AS own_turns
            FROM conversation_turns JOIN _evidence_accounts USING (platform, account_id)
            GROUP BY ALL
        )
        SELECT l.platform, l.account_id, l.conversation_id, l.post_id, t.created_at,
               p.text, p.urls, t.parent_account_id AS replied_to, s.pitch_score,
               l.own_turns, c.turns, c.participants
        FROM last l
        JOIN conversation_turns t USING (platform, conversation_id, post_id)
        JOIN conversations c USING (platform, conversation_id)
        JOIN post_pitch s USING (platform, post_id)
        JOIN posts p USING (platform, post_id)
        WHERE s.pitch_score >= {PITCH_THRESHOLD}
        QUALIFY row_number() OVER (PARTITION BY l.platform, l.account_id
                                   ORDER BY t.created_at DESC, l.post_id) <= {EXAMPLES}
    """).to_pylist()
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = (row.pop("platform"), row.pop("account_id"))
        text = row.get("text")
        if isinstance(text, str) and len(text) > TEXT_LIMIT:
            row["text"] = text[:TEXT_LIMIT] + "…"
        if row["created_at"] is not None:
            row["created_at"] = row["created_at"].isoformat()
        row["pitch_score"] = round(row["pitch_score"], 4)
        out[key].append(row)
    return out
