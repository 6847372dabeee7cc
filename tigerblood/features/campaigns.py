"""Campaigns: how often the account posted inside a coordinated burst, and how big the biggest.

Reads the tables :func:`tigerblood.campaigns.find_campaigns` stores; without that step every
account reads as in no campaign.
"""

from __future__ import annotations

import ibis.expr.types as ir

from tigerblood.features.base import KEYS, ModelTables, share, top_by
from tigerblood.features.stored import stored_table

FEATURES = {
    "campaign_count": "coordinated bursts it posted in: one link or near-duplicate text posted by "
    "5+ accounts with no gap over 24 h",
    "largest_campaign_accounts": "accounts in the largest coordinated burst it posted in",
    "largest_campaign_id": "id of that burst (`tigerblood campaigns` lists them)",
    "campaign_post_share": "share of observed posts that belong to a coordinated burst",
    "campaign_items": "different links or texts among those bursts (one app's share template "
    "bursting every day is one item)",
    "campaign_repeat_partners": "other accounts that were in its bursts for at least two different "
    "items: a crew acting together again",
}

MEMBERS = {
    "campaign_id": "string",
    "platform": "string",
    "account_id": "string",
    "post_ids": "array<string>",
}
CAMPAIGNS = {"campaign_id": "string", "kind": "string", "key": "string", "accounts": "int64"}


def repeat_partners(members: ir.Table) -> ir.Table:
    """Per account: how many other accounts were in its bursts for two different items or more.

    Strangers meet in one viral moment; a crew meets again, on the next item it pushes. In a large
    population two random bursts share almost no accounts, so this stays near 0 for people caught
    up by chance. Items, not bursts: players of one game whose share template bursts every day
    meet again on the same item, which is no crew.
    """
    left = members.select("platform", "account_id", "campaign_id", "item")
    right = left.view()
    pairs = left.join(
        right,
        [
            left.platform == right.platform,
            left.campaign_id == right.campaign_id,
            left.account_id != right.account_id,
        ],
    ).select(left.platform, left.account_id, partner=right.account_id, item=left.item)
    shared = pairs.group_by(["platform", "account_id", "partner"]).aggregate(
        together=pairs.item.nunique()
    )
    again = shared.filter(shared.together >= 2)
    return again.group_by(list(KEYS)).aggregate(campaign_repeat_partners=again.partner.count())


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add campaign columns to ``base`` (which already carries ``observed_posts``)."""
    members = stored_table(tables, "campaign_members", MEMBERS)
    campaigns = stored_table(tables, "campaigns", CAMPAIGNS)
    sized = members.join(campaigns, "campaign_id").select(
        members.platform,
        members.account_id,
        members.campaign_id,
        campaigns.accounts,
        item=campaigns.kind.concat(":", campaigns.key),
        posts=members.post_ids.length(),
    )
    stats = sized.group_by(list(KEYS)).aggregate(
        campaign_count=sized.campaign_id.nunique(),
        campaign_items=sized.item.nunique(),
        largest_campaign_accounts=sized.accounts.max(),
        campaign_posts=sized.posts.sum(),
    )
    largest = top_by(sized, "campaign_id", "accounts").rename(largest_campaign_id="top_item")
    stats = stats.join(largest, list(KEYS))
    joined = (
        base.left_join(stats, list(KEYS))
        .drop("platform_right", "account_id_right")
        .left_join(repeat_partners(sized), list(KEYS))
        .drop("platform_right", "account_id_right")
    )
    return joined.mutate(
        campaign_repeat_partners=joined.campaign_repeat_partners.fill_null(0),
        campaign_count=joined.campaign_count.fill_null(0),
        campaign_items=joined.campaign_items.fill_null(0),
        largest_campaign_accounts=joined.largest_campaign_accounts.fill_null(0),
        campaign_post_share=share(joined.campaign_posts.fill_null(0), joined.observed_posts),
    ).drop("campaign_posts")
