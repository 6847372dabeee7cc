"""Campaigns: how often the account posted inside a coordinated burst, and how big the biggest.

Reads the tables :func:`tigerblood.campaigns.find_campaigns` stores; without that step every
account reads as in no campaign. A campaign pushed by established accounts (syndication, a
petition real people share: :mod:`tigerblood.campaigns.accounts`) is left out of every count, so
outlets running the same wire stories day after day are no crew. A campaign pushed by throwaway
accounts is counted separately (``throwaway_campaign_*``): there one post each is enough.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis.common.exceptions import TableNotFound

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
    "campaign_repeat_partners": "other accounts that were with it in two bursts for different "
    "items that share at least half of the smaller one's accounts: a crew acting together again",
    "throwaway_campaign_accounts": "accounts in the largest burst it joined whose members are "
    "mostly new, audience-less or without history (0 if none, or if it is established itself)",
    "throwaway_campaign_id": "id of that burst",
    "throwaway_campaign_key": "the template (text with names, links and numbers replaced) or link "
    "that burst pushed",
    "throwaway_campaign_members": "names of that burst's members (the first ten)",
    "throwaway_campaign_reason": "why that burst's members read as throwaway accounts",
}

MEMBERS = {
    "campaign_id": "string",
    "platform": "string",
    "account_id": "string",
    "post_ids": "array<string>",
}
CAMPAIGNS = {"campaign_id": "string", "kind": "string", "key": "string", "accounts": "int64"}
JUDGED = {"verdict": "string", "reason": "string", "member_names": "string"}
"""Campaign columns added by issue 14; a store written before reads them as null."""
MEMBER_JUDGED = {"throwaway": "boolean", "established": "boolean"}


def _with_columns(
    tables: ModelTables, name: str, schema: dict[str, str], added: dict[str, str]
) -> ir.Table:
    """Stored table ``name`` with ``added`` columns, null where an older store lacks them."""
    whole = {**schema, **added}
    try:
        have = set(tables.posts.get_backend().table(name).columns)
    except TableNotFound:
        return stored_table(tables, name, whole)
    table = stored_table(tables, name, {k: v for k, v in whole.items() if k in have})
    return table.mutate(**{k: ibis.null(v) for k, v in added.items() if k not in have})


MIN_CREW_OVERLAP = 0.5
"""Share of the smaller of two bursts (different items) whose accounts are also in the other, for
the two to be one crew acting again: a crew reuses its accounts, so its bursts overlap almost
whole; two viral moments share a sliver of their crowds (two links each shared by a thousand
people in a week may have fifty sharers in common, 5%), and those fifty are no crew."""


def repeat_partners(members: ir.Table) -> ir.Table:
    """Per account: how many other accounts were with it again, in two bursts for different
    items that share at least :data:`MIN_CREW_OVERLAP` of the smaller one's accounts.

    Strangers meet in one viral moment; a crew meets again, on the next item it pushes. Items,
    not bursts: players of one game whose share template bursts every day meet again on the same
    item, which is no crew. And the bursts must be the same group: on a feed where thousands
    share each viral link, the few who shared two of them met each other again by numbers alone
    (they would all read as a crew of dozens), while a crew's second push is its first one's
    accounts again.
    """
    left = members.select("platform", "account_id", "campaign_id", "item")
    sizes = left.group_by("campaign_id").aggregate(size=left.account_id.nunique())
    right = left.view()
    both = left.join(
        right,
        [
            left.platform == right.platform,
            left.account_id == right.account_id,
            left.item < right.item,
        ],
    ).select(left.platform, left.account_id, first=left.campaign_id, second=right.campaign_id)
    shared = both.group_by(["first", "second"]).aggregate(shared=both.account_id.nunique())
    first_size, second_size = sizes.view(), sizes.view()
    sized = shared.join(first_size, shared.first == first_size.campaign_id).join(
        second_size, shared.second == second_size.campaign_id
    )
    smaller = ibis.least(sized.size, sized.size_right)
    crews = sized.filter(sized.shared >= MIN_CREW_OVERLAP * smaller).select("first", "second")
    again = both.join(crews, ["first", "second"]).select(
        "platform", "account_id", "first", "second"
    )
    other = again.view()
    met = again.join(
        other,
        [
            again.platform == other.platform,
            again.first == other.first,
            again.second == other.second,
            again.account_id != other.account_id,
        ],
    ).select(again.platform, again.account_id, partner=other.account_id)
    return met.group_by(list(KEYS)).aggregate(campaign_repeat_partners=met.partner.nunique())


def throwaway_template(members: ir.Table, campaigns: ir.Table) -> ir.Table:
    """Per account that is not established itself: the largest campaign it joined whose members
    are mostly throwaway accounts, with that campaign's key, member names and reason."""
    throwaway = campaigns.filter(campaigns.verdict == "throwaway_accounts")
    joined = members.filter(members.established.fill_null(False) == False)  # noqa: E712
    sized = joined.join(throwaway, "campaign_id").select(
        joined.platform, joined.account_id, joined.campaign_id, throwaway.accounts
    )
    best = sized.group_by(list(KEYS)).aggregate(throwaway_campaign_accounts=sized.accounts.max())
    top = top_by(sized, "campaign_id", "accounts")
    picked = top.join(throwaway, top.top_item == throwaway.campaign_id).select(
        top.platform,
        top.account_id,
        throwaway_campaign_id=throwaway.campaign_id,
        throwaway_campaign_key=throwaway.key,
        throwaway_campaign_members=throwaway.member_names,
        throwaway_campaign_reason=throwaway.reason,
    )
    return best.join(picked, list(KEYS))


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add campaign columns to ``base`` (which already carries ``observed_posts``)."""
    members = _with_columns(tables, "campaign_members", MEMBERS, MEMBER_JUDGED)
    campaigns = _with_columns(tables, "campaigns", CAMPAIGNS, JUDGED)
    # Syndication by established accounts and words that push nothing count for neither path
    # (tigerblood.campaigns.accounts.MemberJudge).
    counted = campaigns.filter(
        ~campaigns.verdict.fill_null("").isin(["established_accounts", "nothing_pushed"])
    )
    sized = members.join(counted, "campaign_id").select(
        members.platform,
        members.account_id,
        members.campaign_id,
        counted.accounts,
        item=counted.kind.concat(":", counted.key),
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
        .left_join(throwaway_template(members, campaigns), list(KEYS))
        .drop("platform_right", "account_id_right")
    )
    return joined.mutate(
        campaign_repeat_partners=joined.campaign_repeat_partners.fill_null(0),
        campaign_count=joined.campaign_count.fill_null(0),
        campaign_items=joined.campaign_items.fill_null(0),
        largest_campaign_accounts=joined.largest_campaign_accounts.fill_null(0),
        campaign_post_share=share(joined.campaign_posts.fill_null(0), joined.observed_posts),
        throwaway_campaign_accounts=joined.throwaway_campaign_accounts.fill_null(0),
    ).drop("campaign_posts")
