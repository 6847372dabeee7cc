"""Who pushed a campaign: throwaway accounts, or established ones (issue 14, item 5).

The same text from many accounts in a day is two very different things. Twelve local newspapers
running one wire story, or a petition real people post, are accounts with audiences and years of
history doing what they always do. Eight accounts created last week, with no followers and one
post each, all writing "Hey @someone, check my profile, link in bio!" are a template run through
disposable accounts, which is manufactured engagement even though each is seen only once.

So each campaign's members are judged by who they are, from what the store knows of them (the
profile's creation time and counts where a source gives them; posts observed otherwise), and the
campaign gets a verdict with the reason in words. :class:`MemberJudge` holds the thresholds;
they are set by reasoning about accounts, not fitted on any data set this repository reports on.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from tigerblood.store import Store

THROWAWAY = "throwaway_accounts"
ESTABLISHED = "established_accounts"
MIXED = "mixed_accounts"
NOTHING_PUSHED = "nothing_pushed"
VERDICTS = (THROWAWAY, ESTABLISHED, MIXED, NOTHING_PUSHED)
SHOWN_MEMBERS = 10
"""Member names quoted in a campaign's record and findings; the JSON listing has them all."""


class MemberJudge:
    """Thresholds that call a member throwaway or established, and a campaign one or the other.

    A member is **throwaway** when at least two of these hold (unknown counts as not holding):

    - ``NEW_DAYS`` 30: created within a month of the campaign's first post. Accounts bought or
      registered for a push are days old; a month is generous to a real newcomer's first weeks.
    - ``FEW_FOLLOWERS`` 10: fewer than ten followers. A real person's friends and family, or
      one Bluesky starter pack, give more within weeks; an account made to post has nobody.
    - ``FEW_POSTS`` 10: fewer than ten posts in its whole history (the profile's declared count,
      or the posts observed when the source declares none).

    A member is **established** when none of those holds and at least two of these do:

    - ``AUDIENCE`` 100 followers: an audience beyond one's circle (a local outlet has thousands).
    - ``OLD_DAYS`` 365: a year of existence before the post, longer than any campaign we know of
      keeps its accounts.
    - ``LONG_HISTORY`` 100 posts: a history of its own, declared or observed.
    - ``verified``: an affiliation the platform (or a trusted verifier) vouches for.

    A campaign is throwaway when more than ``MOSTLY`` (half) of its members are, established
    when more than half are established, and mixed otherwise (then only a crew that acts together
    again makes it coordination, as before).

    Whoever its members, a campaign must also push something: at least ``PUSHING`` (half) of its
    posts carry a link, an off-platform contact, a hashtag, or a mention of someone other than
    the account replied to, or are a sales pitch by the pitch classifier ("check my profile, link
    in bio" under strangers' posts promotes the account itself, with nothing to click).
    Manufactured engagement promotes an item or reaches for strangers;
    five young accounts that happen to write the same 30-character reply on one day ("yes the
    notebook saved me more than once") push nothing, nor do the many people who answer with a
    stock phrase day after day, meeting each other again by chance. On a live feed, where every
    account's history is the few posts the window saw, "little history" holds for nearly
    everyone, so the members alone cannot tell. Such a burst gets ``nothing_pushed`` and counts
    for neither path, as an established one does.
    """

    NEW_DAYS = 30.0
    FEW_FOLLOWERS = 10
    FEW_POSTS = 10
    AUDIENCE = 100
    OLD_DAYS = 365.0
    LONG_HISTORY = 100
    MOSTLY = 0.5
    PUSHING = 0.5

    @classmethod
    def members_sql(cls) -> str:
        """Per member of each campaign: what is known of it and the two judgements."""
        return f"""
        CREATE OR REPLACE TEMP TABLE _cj_members AS
        WITH observed AS (
            SELECT p.platform, p.account_id, count(*) AS observed_posts FROM posts p
            SEMI JOIN campaign_members m USING (platform, account_id)
            GROUP BY ALL
        ), facts AS (
            SELECT m.campaign_id, m.platform, m.account_id,
                   coalesce(a.handle, m.account_id) AS name,
                   epoch(c.first_at - a.created_at) / 86400.0 AS age_days,
                   a.followers_count AS followers,
                   coalesce(a.posts_count, o.observed_posts, 0) AS history,
                   coalesce(a.verified, false) AS verified
            FROM campaign_members m JOIN campaigns c USING (campaign_id)
            LEFT JOIN accounts a ON a.platform = m.platform AND a.account_id = m.account_id
            LEFT JOIN observed o ON o.platform = m.platform AND o.account_id = m.account_id
        ), marked AS (
            SELECT *,
                   coalesce(age_days < {cls.NEW_DAYS}, false)::INT
                   + coalesce(followers < {cls.FEW_FOLLOWERS}, false)::INT
                   + (history < {cls.FEW_POSTS})::INT AS throwaway_marks,
                   coalesce(age_days >= {cls.OLD_DAYS}, false)::INT
                   + coalesce(followers >= {cls.AUDIENCE}, false)::INT
                   + (history >= {cls.LONG_HISTORY})::INT + verified::INT AS established_marks
            FROM facts
        )
        SELECT *, throwaway_marks >= 2 AS throwaway,
               throwaway_marks = 0 AND established_marks >= 2 AS established
        FROM marked
        """

    @classmethod
    def pushing_sql(cls) -> str:
        """Each member post of each campaign, and whether it carries an item or reaches for
        someone, as a view to count from (the pitch test is in :func:`_pushing_counts`)."""
        return """
        CREATE OR REPLACE TEMP VIEW _cj_pushing AS
        SELECT m.campaign_id, p.text,
               len(coalesce(p.urls, [])) > 0
                   OR len(coalesce(p.contacts, [])) > 0
                   OR len(coalesce(p.hashtags, [])) > 0
                   OR len(list_filter(coalesce(p.mentions, []),
                                      lambda x: x IS DISTINCT FROM p.reply_to_account_id)) > 0
                   AS carries
        FROM (SELECT campaign_id, platform, unnest(post_ids) AS post_id FROM campaign_members) m
        JOIN posts p USING (platform, post_id)
        """

    @classmethod
    def verdict(
        cls, accounts: int, throwaway: int, established: int, pushing_share: float = 1.0
    ) -> str:
        """The campaign's verdict from how many of its members are which, and the share of its
        posts that push something.

        >>> MemberJudge.verdict(8, 8, 0), MemberJudge.verdict(5, 0, 0, pushing_share=0.0)
        ('throwaway_accounts', 'nothing_pushed')
        """
        if pushing_share < cls.PUSHING:
            return NOTHING_PUSHED
        if throwaway > cls.MOSTLY * accounts:
            return THROWAWAY
        if established > cls.MOSTLY * accounts:
            return ESTABLISHED
        return MIXED


def _years_or_days(days: float | None) -> str | None:
    if days is None:
        return None
    if days >= 365:
        years = days / 365.25
        return f"{years:.0f} year{'s' if round(years) != 1 else ''}"
    return f"{days:.0f} day{'s' if round(days) != 1 else ''}"


def _facts(row: dict[str, Any]) -> str:
    """The members' medians in words, leaving out what no source told."""
    parts = []
    if row["median_followers"] is not None:
        parts.append(f"a median of {row['median_followers']:,.0f} followers")
    age = _years_or_days(row["median_age_days"])
    if age is not None:
        parts.append(f"{age} of history")
    posts = row["median_history"]
    parts.append(f"{posts:,.0f} post{'' if round(posts) == 1 else 's'}")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def reason(row: dict[str, Any]) -> str:
    """Why the campaign got its verdict, in one sentence a reader can check."""
    n, facts = row["accounts"], _facts(row)
    if row["verdict"] == THROWAWAY:
        return (
            f"{row['throwaway']} of {n} accounts are new, audience-less or have little history "
            f"({facts}): one template pushed through throwaway accounts, coordinated even if "
            "each posted once"
        )
    if row["verdict"] == NOTHING_PUSHED:
        return (
            f"{n} accounts ({facts}; {row['throwaway']} new, audience-less or with little "
            f"history) wrote the same words, but {row['pushing_posts']} of {row['member_posts']} "
            "posts push anything (a link, a contact, a hashtag, a mention of someone else, a "
            "sales pitch): a phrase many write, not a push"
        )
    if row["verdict"] == ESTABLISHED:
        return (
            f"{n} accounts with {facts} posted the same item: syndication or a shared post by "
            "established accounts, not manufactured engagement"
        )
    return (
        f"{row['throwaway']} of {n} accounts are throwaway and {row['established']} established "
        f"({facts}): coordination only if the same accounts act together again"
    )


def _pushing_counts(store: Store) -> dict[str, dict[str, int]]:
    """Per campaign, its member posts and how many push something (:class:`MemberJudge`).

    Only the posts that carry nothing, of campaigns that carrying alone leaves short of
    ``PUSHING``, are scored for a pitch: the classifier's cost goes where it can decide a
    verdict."""
    store.sql(MemberJudge.pushing_sql())
    counts = {
        r["campaign_id"]: {"member_posts": r["member_posts"], "pushing_posts": r["pushing_posts"]}
        for r in store.arrow("""
            SELECT campaign_id, count(*) AS member_posts,
                   count(*) FILTER (WHERE carries) AS pushing_posts
            FROM _cj_pushing GROUP BY campaign_id
        """).to_pylist()
    }
    bare = store.arrow(f"""
        SELECT campaign_id, text, count(*) AS posts FROM _cj_pushing
        WHERE NOT carries AND coalesce(text, '') <> '' AND campaign_id IN (
            SELECT campaign_id FROM _cj_pushing GROUP BY campaign_id
            HAVING count(*) FILTER (WHERE carries) < {MemberJudge.PUSHING} * count(*))
        GROUP BY campaign_id, text
    """).to_pylist()
    if not bare:
        return counts
    from tigerblood.conversations import PITCH_THRESHOLD
    from tigerblood.pitch import score_texts  # scikit-learn: imported only when there is work

    scores = score_texts([row["text"] for row in bare])  # each distinct text scored once
    for row, score in zip(bare, scores, strict=True):
        if score >= PITCH_THRESHOLD:
            counts[row["campaign_id"]]["pushing_posts"] += row["posts"]
    return counts


def judge_campaigns(store: Store) -> None:
    """Mark each member of ``campaign_members`` throwaway or established, and give each row of
    ``campaigns`` its verdict, reason and a sample of member names (tables already filled)."""
    store.sql(MemberJudge.members_sql())
    store.sql("""
        UPDATE campaign_members m SET throwaway = j.throwaway, established = j.established
        FROM _cj_members j
        WHERE j.campaign_id = m.campaign_id AND j.platform = m.platform
          AND j.account_id = m.account_id
    """)
    rows = store.arrow(f"""
        SELECT campaign_id, count(*) AS accounts,
               count(*) FILTER (WHERE throwaway) AS throwaway,
               count(*) FILTER (WHERE established) AS established,
               median(followers) AS median_followers, median(age_days) AS median_age_days,
               median(history) AS median_history,
               list(name ORDER BY name)[1:{SHOWN_MEMBERS}] AS names
        FROM _cj_members GROUP BY campaign_id
    """).to_pylist()
    pushing = _pushing_counts(store)
    for row in rows:
        counted = pushing.get(row["campaign_id"], {"member_posts": 0, "pushing_posts": 0})
        row.update(member_posts=counted["member_posts"], pushing_posts=counted["pushing_posts"])
        share = counted["pushing_posts"] / counted["member_posts"] if counted["member_posts"] else 0
        row["verdict"] = MemberJudge.verdict(
            row["accounts"], row["throwaway"], row["established"], share
        )
        row["reason"] = reason(row)
        more = row["accounts"] - len(row["names"])
        row["member_names"] = ", ".join(row["names"]) + (f" and {more:,} more" if more else "")
    table = pa.table(
        {
            "campaign_id": pa.array([r["campaign_id"] for r in rows], pa.string()),
            "verdict": pa.array([r["verdict"] for r in rows], pa.string()),
            "reason": pa.array([r["reason"] for r in rows], pa.string()),
            "member_names": pa.array([r["member_names"] for r in rows], pa.string()),
        }
    )
    store.con.register("_cj_verdicts", table)
    try:
        store.sql("""
            UPDATE campaigns c SET verdict = v.verdict, reason = v.reason,
                                   member_names = v.member_names
            FROM _cj_verdicts v WHERE v.campaign_id = c.campaign_id
        """)
    finally:
        store.con.unregister("_cj_verdicts")
    store.sql("DROP TABLE IF EXISTS _cj_members")
