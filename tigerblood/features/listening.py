"""Listening: whether an account answers people or talks at them.

The field report: what works is "a combination of listening and testing and being real"; what a
reply spammer does is the opposite, every post a reply to a stranger who never spoke to it. The
reply features already say *how much* an account replies; these say whether its replies answer
anyone, whether it comes back when answered, and whether the people it addresses are people it
talks with or people it sends its link, contact or pitch to.

Threads come from the stored ``conversation_turns`` (:mod:`tigerblood.conversations`, which
resolves every reply's thread and whom it answered); a reply whose parent post is not in the data
and that does not continue a thread the account was in cannot be judged and is left out of
``answering_reply_share`` (null when none can be judged). Research CSVs that keep only the handle
a reply opened with have no threads: those features are null there, not zero.

Whom a post addresses comes from :mod:`tigerblood.features.addressing`. The borrowed-reach
features (:mod:`tigerblood.features.borrowed`) read the same table and are computed in this family,
so the wide feature table is joined once for both (each join onto it repeats all its columns in
the query, and the query's size is most of the time features take on small data).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tigerblood.conversations import PITCH_THRESHOLD
from tigerblood.features import borrowed
from tigerblood.features.addressing import addresses
from tigerblood.features.base import KEYS, ModelTables, share
from tigerblood.features.stored import stored_table

LISTENING = {
    "answering_reply_share": "share of its replies (whose parent post is in the data, or in a "
    "thread it was already in) that answer a post addressed to it or continue a thread it was "
    "already in (null: no such reply)",
    "returns_after_answer_share": "share of the threads where someone answered it in which it "
    "posted again afterwards (null: never answered in a thread)",
    "talked_with_accounts": "different accounts it replied to that also replied to it",
    "pitched_to_accounts": "different accounts it replied to or mentioned in a post carrying a "
    f"link, a contact or a sales pitch (pitch score >= {PITCH_THRESHOLD})",
    "pitched_account_share": "share of the different accounts it replied to or mentioned that "
    "got a link, a contact or a pitch from it (null: it addressed no one)",
}
FEATURES = {**LISTENING, **borrowed.FEATURES}

TURNS = {
    "platform": "string",
    "conversation_id": "string",
    "post_id": "string",
    "account_id": "string",
    "turn": "int64",
    "parent_post_id": "string",
    "parent_account_id": "string",
}


def answering(tables: ModelTables) -> tuple[ir.Table, ir.Table]:
    """Per account: replies judged and those answering; threads where it was answered and
    those it came back to (two tables: an account may have either without the other)."""
    turns = stored_table(tables, "conversation_turns", TURNS)
    first = turns.group_by(["platform", "conversation_id", "account_id"]).aggregate(
        first_turn=turns.turn.min(), last_turn=turns.turn.max()
    )
    replies = turns.filter(
        turns.parent_post_id.notnull()
        & turns.parent_account_id.notnull()
        & (turns.parent_account_id != turns.account_id)
    )
    parents = turns.select(
        "platform",
        "conversation_id",
        parent_post_id=turns.post_id,
        parent_to=turns.parent_account_id,
        parent_seen=ibis.literal(1),
    )
    mentions = tables.posts.select(
        "platform", parent_post_id=tables.posts.post_id, parent_mentions=tables.posts.mentions
    )
    judged = (
        replies.join(first, ["platform", "conversation_id", "account_id"])
        .left_join(parents, ["platform", "conversation_id", "parent_post_id"])
        .drop("platform_right", "conversation_id_right", "parent_post_id_right")
        .left_join(mentions, ["platform", "parent_post_id"])
        .drop("platform_right", "parent_post_id_right")
    )
    in_thread = judged.first_turn < judged.turn
    addressed = (judged.parent_to == judged.account_id).fill_null(
        False
    ) | judged.parent_mentions.contains(judged.account_id).fill_null(False)
    known = in_thread | judged.parent_seen.notnull()
    counted = judged.filter(known).mutate(answers=(in_thread | addressed).cast("int64"))
    per_reply = counted.group_by(list(KEYS)).aggregate(
        judged_replies=counted.count(), answering_replies=counted.answers.sum()
    )
    answered = turns.filter(
        turns.parent_account_id.notnull() & (turns.parent_account_id != turns.account_id)
    )
    first_answer = answered.group_by(
        platform=answered.platform,
        conversation_id=answered.conversation_id,
        account_id=answered.parent_account_id,
    ).aggregate(answered_turn=answered.turn.min())
    threads = first_answer.join(first, ["platform", "conversation_id", "account_id"])
    threads = threads.mutate(back=(threads.last_turn > threads.answered_turn).cast("int64"))
    per_thread = threads.group_by(list(KEYS)).aggregate(
        answered_threads=threads.count(), returned_threads=threads.back.sum()
    )
    return per_reply, per_thread


def partners(sent: ir.Table) -> ir.Table:
    """Per account: accounts addressed, accounts sent a promotion, and two-way reply partners,
    from :func:`~tigerblood.features.addressing.addresses`."""
    per_target = sent.group_by([*KEYS, "target"]).aggregate(promoted=sent.promo.cast("int64").max())
    counts = per_target.group_by(list(KEYS)).aggregate(
        addressed_accounts=per_target.count(), pitched_to_accounts=per_target.promoted.sum()
    )
    replies = sent.filter(sent.reply)
    edges = replies.select(*KEYS, "target").distinct()
    back = edges.select(
        "platform", account_id=edges.target, target=edges.account_id, both=ibis.literal(1)
    )
    two_way = edges.join(back, ["platform", "account_id", "target"])
    talked = two_way.group_by(list(KEYS)).aggregate(talked_with_accounts=two_way.count())
    return counts.left_join(talked, list(KEYS)).select(
        counts.platform,
        counts.account_id,
        counts.addressed_accounts,
        counts.pitched_to_accounts,
        talked_with_accounts=talked.talked_with_accounts,
    )


def combined(parts: list[ir.Table]) -> ir.Table:
    """Per-account tables joined side by side on every account any of them has, so the wide
    feature table is joined once (each join onto it repeats all its columns in the query)."""
    keys = parts[0].select(*KEYS)
    for part in parts[1:]:
        keys = keys.union(part.select(*KEYS), distinct=True)
    out = keys
    for part in parts:
        out = out.left_join(part, list(KEYS)).drop("platform_right", "account_id_right")
    return out


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add listening and borrowed-reach columns to ``base``."""
    per_reply, per_thread = answering(tables)
    sent = addresses(tables)
    parts = [per_reply, per_thread, partners(sent), borrowed.reach(tables, sent)]
    joined = base.left_join(combined(parts), list(KEYS))
    joined = borrowed.shares(joined.drop("platform_right", "account_id_right"))
    return joined.mutate(
        answering_reply_share=share(joined.answering_replies, joined.judged_replies),
        returns_after_answer_share=share(joined.returned_threads, joined.answered_threads),
        talked_with_accounts=joined.talked_with_accounts.fill_null(0),
        pitched_to_accounts=joined.pitched_to_accounts.fill_null(0),
        pitched_account_share=share(joined.pitched_to_accounts, joined.addressed_accounts),
    ).drop(
        "judged_replies",
        "answering_replies",
        "answered_threads",
        "returned_threads",
        "addressed_accounts",
    )
