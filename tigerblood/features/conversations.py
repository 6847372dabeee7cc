"""Conversations: how many, with how many people, how much back-and-forth, and how they end.

Reads the tables :func:`tigerblood.conversations.build_conversations` stores (threads rebuilt from
reply chains, and the pitch score of each account's last turn), so it needs that step to have run;
without it every account reads as having no conversations.
"""

from __future__ import annotations

import ibis.expr.types as ir

from tigerblood.conversations import PITCH_THRESHOLD
from tigerblood.features.base import KEYS, ModelTables, has_items, normalized_url, share
from tigerblood.features.stored import stored_table

FEATURES = {
    "conversations_joined": "threads with at least two participants in which the account posted",
    "distinct_partners": "different accounts it replied to or that replied to it in threads",
    "turns_per_conversation": "mean posts (all speakers) per thread it took part in",
    "own_turns_per_conversation": "mean posts of its own per thread it took part in: above 1 "
    "means it came back to talk",
    "pitch_ending_share": "share of its threads where its last post is a sales pitch or call to "
    f"action (pitch score >= {PITCH_THRESHOLD})",
    "link_ending_share": "share of its threads where its last post carries a link",
    "same_link_across_partners": "the most different accounts it sent one same link to in "
    "replies (normalized link)",
}

TURNS = {
    "platform": "string",
    "conversation_id": "string",
    "post_id": "string",
    "account_id": "string",
    "turn": "int64",
    "parent_account_id": "string",
    "urls": "array<string>",
}
CONVERSATIONS = {"platform": "string", "conversation_id": "string", "turns": "int64"}
PITCH = {"platform": "string", "post_id": "string", "pitch_score": "float64"}
THREAD = ("platform", "conversation_id")


def thread_stats(turns: ir.Table, convs: ir.Table, pitch: ir.Table) -> ir.Table:
    """Per account: threads joined, mean turns (all and own), pitch and link endings."""
    mine = turns.group_by([*KEYS, "conversation_id"]).aggregate(
        own_turns=turns.count(), last_turn=turns.turn.max()
    )
    other = turns.view()
    last = mine.join(
        other,
        [
            mine.platform == other.platform,
            mine.conversation_id == other.conversation_id,
            mine.last_turn == other.turn,
        ],
    ).select(
        mine.platform,
        mine.account_id,
        mine.conversation_id,
        mine.own_turns,
        other.post_id,
        other.urls,
    )
    last = last.left_join(pitch, ["platform", "post_id"]).select(
        last.platform,
        last.account_id,
        last.conversation_id,
        last.own_turns,
        last.urls,
        pitch.pitch_score,
    )
    last = last.join(convs, list(THREAD)).select(last, convs.turns)
    return last.group_by(list(KEYS)).aggregate(
        conversations_joined=last.count(),
        turns_per_conversation=last.turns.mean(),
        own_turns_per_conversation=last.own_turns.mean(),
        pitch_endings=(last.pitch_score.fill_null(0) >= PITCH_THRESHOLD).cast("int64").sum(),
        link_endings=has_items(last.urls).cast("int64").sum(),
    )


def partner_stats(turns: ir.Table) -> ir.Table:
    """Per account: distinct partners, and the most partners one same link went to."""
    replies = turns.filter(
        turns.parent_account_id.notnull() & (turns.parent_account_id != turns.account_id)
    )
    outgoing = replies.select(
        platform=replies.platform, account_id=replies.account_id, partner=replies.parent_account_id
    )
    incoming = replies.select(
        platform=replies.platform, account_id=replies.parent_account_id, partner=replies.account_id
    )
    edges = outgoing.union(incoming)
    partners = edges.group_by(list(KEYS)).aggregate(distinct_partners=edges.partner.nunique())
    linked = replies.filter(has_items(replies.urls))
    unnested = linked.select(*KEYS, partner=linked.parent_account_id, raw=linked.urls.unnest())
    sent = unnested.select(*KEYS, "partner", link=normalized_url(unnested.raw))
    per_link = sent.group_by([*KEYS, "link"]).aggregate(receivers=sent.partner.nunique())
    same = per_link.group_by(list(KEYS)).aggregate(
        same_link_across_partners=per_link.receivers.max()
    )
    return partners.left_join(same, list(KEYS)).select(
        partners.platform,
        partners.account_id,
        partners.distinct_partners,
        same.same_link_across_partners,
    )


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add conversation columns to ``base``."""
    turns = stored_table(tables, "conversation_turns", TURNS)
    convs = stored_table(tables, "conversations", CONVERSATIONS)
    pitch = stored_table(tables, "post_pitch", PITCH)
    joined = (
        base.left_join(thread_stats(turns, convs, pitch), list(KEYS))
        .drop("platform_right", "account_id_right")
        .left_join(partner_stats(turns), list(KEYS))
        .drop("platform_right", "account_id_right")
    )
    joined_count = joined.conversations_joined.fill_null(0)
    return joined.mutate(
        conversations_joined=joined_count,
        distinct_partners=joined.distinct_partners.fill_null(0),
        pitch_ending_share=share(joined.pitch_endings, joined_count),
        link_ending_share=share(joined.link_endings, joined_count),
        same_link_across_partners=joined.same_link_across_partners.fill_null(0),
        turns_per_conversation=joined.turns_per_conversation.cast("float64"),
        own_turns_per_conversation=joined.own_turns_per_conversation.cast("float64"),
    ).drop("pitch_endings", "link_endings")
