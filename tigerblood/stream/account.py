"""One account's state over the window: aggregates of its posts and follow edges, and its profile.

Everything is kept as aggregates that can be taken back (:mod:`tigerblood.stream.primitives`),
so when the window slides the engine reverts the events that fell out, and :meth:`features`
reads the same columns, defined the same way, as the batch feature table (DESIGN §3.5, §3.6).
Features this state cannot know (conversations and campaigns need the whole store) stay null,
which the detectors and the model read as unknown.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from typing import Any

from tigerblood.features.activity import SECONDS_PER_DAY
from tigerblood.features.profile import on_own_site, own_site_of
from tigerblood.stream.facts import PostFacts
from tigerblood.stream.primitives import GapStats, SortedTimes, Tally

PROFILE_FIELDS = (
    "handle",
    "display_name",
    "created_at",
    "observed_at",
    "posts_count",
    "declared_bot",
    "profile_urls",
)
COUNT_FIELDS = ("followers_count", "following_count")


class _PostAggregates:
    """The aggregates an account has only once it posts."""

    __slots__ = ("reply_targets", "texts", "times", "urls", "window_posts")

    def __init__(self) -> None:
        self.urls: Tally[str] = Tally()
        self.reply_targets: Tally[str | None] = Tally()
        self.texts: Tally[str] = Tally()
        self.times = SortedTimes()
        self.window_posts: deque[PostFacts] = deque()


def share(part: float | None, whole: float | None) -> float | None:
    """part / whole, None when the whole is zero or unknown (as the batch ``share``)."""
    if not whole or part is None:
        return None
    return float(part) / float(whole)


class AccountState:
    """Windowed aggregates of one account. ``generation`` tells this state from an earlier one
    of the same account that was evicted: events of the old one must not revert the new one."""

    def __init__(
        self, platform: str, account_id: str, generation: int, first_seen_s: float = -math.inf
    ) -> None:
        self.platform, self.account_id, self.generation = platform, account_id, generation
        self.first_seen_s = first_seen_s
        """Feed time this state was created: how long the account has been watched."""
        self.seen_events = 0
        """Posts, follows given and follows received ever counted in (never decreases)."""
        self.profile: dict[str, Any] = {}
        self.posts = 0
        self.link_posts = self.reply_posts = self.replies_with_link = 0
        self.mention_posts = self.hashtag_posts = 0
        self.link_count = self.shortened_links = 0
        self.followers: Tally[str] = Tally()
        self.following: Tally[str] = Tally()
        self._posted: _PostAggregates | None = None
        self._posted_view: dict[str, Any] | None = None

    def _post_aggregates(self) -> _PostAggregates:
        # Made at the first post: most accounts met on the firehose only follow or are followed.
        if self._posted is None:
            self._posted = _PostAggregates()
        return self._posted

    @property
    def urls(self) -> Tally[str]:
        """Posts per promoted item (link or contact) in the window."""
        return self._post_aggregates().urls

    @property
    def item_counts(self) -> dict[str, int] | None:
        """Posts per promoted item in the window, or None before the first post (read by the
        gates for every touched account, so it makes no aggregates, unlike :attr:`urls`)."""
        return self._posted.urls.counts if self._posted is not None else None

    @property
    def reply_targets(self) -> Tally[str | None]:
        """Replies per replied-to account in the window."""
        return self._post_aggregates().reply_targets

    @property
    def texts(self) -> Tally[str]:
        """Posts per normalised text in the window."""
        return self._post_aggregates().texts

    @property
    def times(self) -> SortedTimes:
        """Post times in the window."""
        return self._post_aggregates().times

    @property
    def window_posts(self) -> deque[PostFacts]:
        """The posts in the window, oldest first."""
        return self._post_aggregates().window_posts

    @property
    def key(self) -> tuple[str, str]:
        """(platform, account_id)."""
        return self.platform, self.account_id

    # -- events ----------------------------------------------------------------------------

    def add_post(self, post: PostFacts, sign: int = 1) -> None:
        """Count a post in (``sign`` 1) or back out (``sign`` -1)."""
        self._posted_view = None
        self.posts += sign
        self.seen_events += sign > 0
        if sign > 0:
            self.window_posts.append(post)
        elif self.window_posts and self.window_posts[0] is post:
            self.window_posts.popleft()  # the window reverts oldest first
        link = bool(post.urls) or post.link_count > 0 or bool(post.contacts)
        self.link_posts += sign * link
        self.reply_posts += sign * post.is_reply
        self.replies_with_link += sign * (post.is_reply and link)
        self.mention_posts += sign * post.has_mention
        self.hashtag_posts += sign * post.has_hashtag
        self.link_count += sign * post.link_count
        self.shortened_links += sign * post.shortened_links
        step = (lambda t, x: t.update(x)) if sign > 0 else (lambda t, x: t.revert(x))
        for item in post.items:  # links and contacts alike, as the batch features count them
            step(self.urls, item)
        if post.is_reply:
            step(self.reply_targets, post.reply_target)
        if post.norm_text:
            step(self.texts, post.norm_text)
        if post.created_s is not None:
            step(self.times, post.created_s)

    def add_follower(self, follower: str, sign: int = 1) -> None:
        """A follow edge toward this account came in (or left the window)."""
        self.seen_events += sign > 0
        (self.followers.update if sign > 0 else self.followers.revert)(follower)

    def add_following(self, followee: str, sign: int = 1) -> None:
        """A follow edge from this account came in (or left the window)."""
        self.seen_events += sign > 0
        (self.following.update if sign > 0 else self.following.revert)(followee)

    def set_profile(self, row: dict[str, Any]) -> None:
        """Keep the newest known value of each profile field (a later event may omit some)."""
        for key in (*PROFILE_FIELDS, *COUNT_FIELDS):
            if row.get(key) is not None:
                self.profile[key] = row[key]
        if row.get("handle") is not None or row.get("profile_urls") is not None:
            p = self.profile
            p["own_site"] = own_site_of(self.platform, p.get("handle"), p.get("profile_urls"))

    def recent(self, n: int) -> list[PostFacts]:
        """The latest ``n`` posts in the window, newest first."""
        return [self.window_posts[-i] for i in range(1, min(n, len(self.window_posts)) + 1)]

    @property
    def idle(self) -> bool:
        """Nothing of this account is left in the window, and no profile to remember."""
        return not (self.posts or self.followers.total or self.following.total or self.profile)

    # -- features --------------------------------------------------------------------------

    def features(self) -> dict[str, Any]:
        """This account's row of the feature table (the columns the stream can know).

        What only the posts decide is computed once per change of them (:meth:`_post_columns`):
        most judgements of an account on the firehose follow a follow it gave or received, and
        the gap statistics and the top link of its posts did not move."""
        p = self.profile
        observed = self.posts
        posted = self._post_columns()
        first, last = posted["_first"], posted["_last"]
        end = _seconds(p.get("observed_at")) or last
        created = _seconds(p.get("created_at"))
        age = (end - created) / SECONDS_PER_DAY if end is not None and created is not None else None
        declared = p.get("posts_count")
        if declared is not None and age is not None and age > 0:
            per_day: float | None = declared / max(age, 1.0)
        elif observed > 0:
            span = (last - first) / SECONDS_PER_DAY if first is not None and last is not None else 0
            per_day = observed / max(span, 1.0)
        else:
            per_day = None
        followers = p.get("followers_count")
        followers = followers if followers is not None else (self.followers.distinct() or None)
        following = p.get("following_count")
        following = following if following is not None else (self.following.distinct() or None)
        if self.followers.total and self.reply_posts:
            known = self.followers.counts
            answered = sum(n for t, n in self.reply_targets.counts.items() if t in known)
            non_followers = share(self.reply_posts - answered, self.reply_posts)
        else:
            non_followers = None
        row = {
            "platform": self.platform,
            "account_id": self.account_id,
            "handle": p.get("handle"),
            "observed_posts": observed,
            "posts_count": declared if declared is not None else observed,
            "account_age_days": age,
            "posts_per_day": per_day,
            "reply_to_non_followers_share": non_followers,
            "followers_count": followers,
            "following_count": following,
            "followers_per_following": None
            if followers is None
            else float(followers) / float(max(following or 0, 1)),
            "counts_declared": all(p.get(name) is not None for name in COUNT_FIELDS),
            "declared_bot": p.get("declared_bot"),
        }
        row.update(posted["columns"])
        site, top_url = p.get("own_site"), row.get("top_url")
        own = site if isinstance(site, str) else None
        row["own_site"] = own
        row["top_url_on_own_site"] = on_own_site(top_url if isinstance(top_url, str) else None, own)
        return row

    def _post_columns(self) -> dict[str, Any]:
        """The feature columns only the posts decide, plus the first and last post time;
        kept until a post comes in or leaves (:meth:`add_post` drops it)."""
        if self._posted_view is not None:
            return self._posted_view
        observed = self.posts
        posted = self._posted
        if posted is None:  # never posted: every post column is empty (no aggregates made)
            times: list[float] = []
            urls: Tally[str] = Tally()
            targets: dict[str | None, int] = {}
            texts_total = texts_distinct = 0
        else:
            times = posted.times.get()
            urls = posted.urls
            targets = posted.reply_targets.counts
            texts_total, texts_distinct = posted.texts.total, posted.texts.distinct()
        gaps = GapStats.of([b - a for a, b in itertools.pairwise(times)])
        top = urls.top()
        top_count = top[1] if top else 0
        columns = {
            "interval_cv": gaps.std / gaps.mean
            if gaps.count >= 5 and gaps.mean and gaps.std is not None
            else None,
            "median_interval_s": gaps.median,
            "link_share": share(self.link_posts, observed),
            "replies_with_link_share": share(self.replies_with_link, self.reply_posts),
            "replies_with_link_count": self.replies_with_link,
            "distinct_urls": urls.distinct(),
            "top_url": top[0] if top else None,
            "top_url_repeat_count": top_count,
            "top_url_share": share(top_count, observed),
            "shortened_link_share": share(self.shortened_links, self.link_count),
            "reply_share": share(self.reply_posts, observed),
            "distinct_reply_targets": len([t for t in targets if t is not None]),
            "duplicate_text_share": share(texts_total - texts_distinct, texts_total),
            "mention_share": share(self.mention_posts, observed),
            "hashtag_share": share(self.hashtag_posts, observed),
        }
        first, last = (times[0], times[-1]) if times else (None, None)
        self._posted_view = {"columns": columns, "_first": first, "_last": last}
        return self._posted_view


def _seconds(value: Any) -> float | None:
    """A datetime (or None) as Unix seconds."""
    return None if value is None else value.timestamp()
