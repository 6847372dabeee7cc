"""Credibility is not popularity: the follower count set beside what the audience does.

The field report: a record follower count "doesn't mean he knows what he's doing". So the audit
opens with a short paragraph in plain words ("1.2 M followers, of whom 0.4% ever reply; the
fastest week added 300k, 71% of them flagged"), built only from numbers the data supports:

- who interacts is counted among the followers the data holds, and only for what the data can
  show: replies and mentions among followers whose own posts are in the data, likes only when the
  data holds likes of this platform at all;
- the fastest week comes from follow dates (any 7 consecutive days); without them, from the
  fastest rise between two readings of the follower count, whose composition is unknown unless
  dated follows fall inside it;
- whatever cannot be measured is said, with why, instead of a number.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tigerblood.reports.audience import Member
from tigerblood.reports.count_growth import CountGrowth
from tigerblood.reports.growth import Growth
from tigerblood.reports.i18n import N_, Lang

WEEK = 7


@dataclass
class Rise:
    """The fastest rise of followers: 7 days of dated follows, or two readings of the count."""

    source: str  # "follows" | "readings"
    start: str
    end: str
    added: int
    judged: int = 0
    flagged: int = 0

    @property
    def flagged_share(self) -> float | None:
        """Flagged share of the new followers that could be judged."""
        return self.flagged / self.judged if self.judged else None


@dataclass
class Credibility:
    """The audience's size beside what it does (None: cannot be measured from this data)."""

    declared: int | None
    observed: int
    flagged: int
    judged: int
    posting: int  # followers in the data whose own posts are in the data
    replying: int  # of those, followers who replied to or mentioned the account
    likes_known: bool  # whether the data holds likes of this platform at all
    liking: int
    interacting_judged: int
    interacting_flagged: int
    rise: Rise | None
    bursts: int
    bought_bursts: int
    missing: list[str] = field(default_factory=list)
    expected: float | None = None
    """The mean score of the followers the model judged: the share of inauthentic accounts their
    calibrated scores add up to (docs/reports.md, "The expected share")."""
    expected_error: float | None = None
    """Its mean error on labelled sources the model never saw, from the model's card."""

    @property
    def replying_share(self) -> float | None:
        """Share of the followers whose posts are in the data that replied or mentioned."""
        return self.replying / self.posting if self.posting else None

    @property
    def liking_share(self) -> float | None:
        """Share of the followers in the data that liked a post (None without likes data)."""
        return self.liking / self.observed if self.observed and self.likes_known else None


def fastest_week(followers: list[Member]) -> Rise | None:
    """The 7 consecutive days (by follow date) that brought the most followers, with how many
    of them were judged and flagged; None without dated follows."""
    new: Counter[date] = Counter()
    judged: Counter[date] = Counter()
    flagged: Counter[date] = Counter()
    for m in followers:
        if m.followed_at:
            day = date.fromisoformat(m.followed_at[:10])
            new[day] += 1
            judged[day] += m.judged
            flagged[day] += m.judged and m.flagged
    if not new:
        return None
    first, last = min(new), max(new)
    best: Rise | None = None
    start = first
    while start <= max(first, last - timedelta(days=WEEK - 1)):
        days = [start + timedelta(days=i) for i in range(WEEK)]
        added = sum(new[d] for d in days)
        if best is None or added > best.added:
            best = Rise(
                "follows",
                start.isoformat(),
                min(days[-1], last).isoformat(),
                added,
                sum(judged[d] for d in days),
                sum(flagged[d] for d in days),
            )
        start += timedelta(days=1)
    return best


def fastest_reading(counts: CountGrowth, followers: list[Member]) -> Rise | None:
    """The interval between two readings with the largest gain per day (gains only), and the
    dated follows inside it; None with fewer than two readings or no gain."""
    rising = [i for i in counts.intervals if i.gain > 0]
    if not rising:
        return None
    top = max(rising, key=lambda i: i.per_day)
    inside = [m for m in followers if m.followed_at and top.start <= m.followed_at <= top.end]
    judged = [m for m in inside if m.judged]
    return Rise(
        "readings",
        top.start[:10],
        top.end[:10],
        top.gain,
        len(judged),
        sum(m.flagged for m in judged),
    )


def credibility(
    declared: int | None,
    followers: list[Member],
    repliers: list[Member],
    likers: list[Member],
    posting_ids: set[str],
    likes_known: bool,
    growth: Growth,
    counts: CountGrowth,
    expected_error: float | None = None,
) -> Credibility:
    """What the audit's paragraph says, from the audit's own groups. ``posting_ids`` are the
    followers whose own posts are in the data; ``likes_known`` whether any like of the
    platform is; ``expected_error`` the measured error of the expected share."""
    ids = {m.account_id for m in followers}
    replied = {m.account_id for m in repliers} & ids
    liked = {m.account_id for m in likers} & ids if likes_known else set()
    posting = ids & posting_ids
    together = (replied & posting) | liked
    interacting = [m for m in followers if m.account_id in together]
    judged = [m for m in followers if m.judged]
    scores = [float(m.score) for m in judged if m.calibrated and m.score is not None]
    rise = fastest_week(followers) or fastest_reading(counts, followers)
    missing = []
    if declared is None:
        missing.append("no_declared")
    if not followers:
        missing.append("no_followers")
    elif not posting:
        missing.append("no_follower_posts")
    if followers and not likes_known:
        missing.append("no_likes")
    if rise is None:
        missing.append("no_growth")
    return Credibility(
        declared=declared,
        observed=len(followers),
        flagged=sum(m.flagged for m in judged),
        judged=len(judged),
        posting=len(posting),
        replying=len(replied & posting),
        likes_known=likes_known,
        liking=len(liked),
        interacting_judged=sum(m.judged for m in interacting),
        interacting_flagged=sum(m.judged and m.flagged for m in interacting),
        rise=rise,
        bursts=len(growth.bursts),
        bought_bursts=sum(b.kind == "bought" for b in growth.bursts),
        missing=missing,
        expected=sum(scores) / len(scores) if scores else None,
        expected_error=expected_error if scores else None,
    )


SIZE = N_("%(declared)s followers on the profile; %(observed)s of them are in the data.")
SIZE_ALL = N_("%(observed)s followers, all of them in the data.")
SIZE_UNDECLARED = N_("%(observed)s followers in the data (the profile gives no count).")
SIZE_NONE_SEEN = N_(
    "%(declared)s followers on the profile, none of them in the data: who they are and what "
    "they do cannot be measured."
)
SIZE_NOTHING = N_(
    "Neither a follower count nor any follower is in the data: the audience's size cannot be "
    "measured."
)
FLAGGED = N_("%(share)s of the followers that could be judged are flagged.")
EXPECTED = N_(
    "Their scores add up to about %(share)s inauthentic, a figure that was off by %(error)s "
    "points on average on labelled data sets the model never saw."
)
EXPECTED_UNMEASURED = N_("Their scores add up to about %(share)s inauthentic.")
REPLYING = N_(
    "Of the %(posting)s followers whose own posts are in the data, %(share)s ever replied to "
    "it or mentioned it."
)
NO_FOLLOWER_POSTS = N_(
    "None of the followers' own posts are in the data, so whether they reply cannot be measured."
)
LIKING = N_("%(share)s of the followers in the data liked one of its posts.")
NO_LIKES = N_("No likes are in the data, so who likes its posts cannot be measured.")
INTERACTING_FLAGGED = N_("Among the followers who interact, %(share)s are flagged.")
WEEK_RISE = N_(
    "The fastest week (%(start)s – %(end)s) added %(added)s followers, %(share)s of them flagged."
)
WEEK_RISE_UNJUDGED = N_(
    "The fastest week (%(start)s – %(end)s) added %(added)s followers; none of them could be "
    "judged."
)
READING_RISE = N_(
    "The fastest rise between two readings of the count added %(added)s followers "
    "(%(start)s – %(end)s), %(share)s of those with a follow date flagged."
)
READING_RISE_UNKNOWN = N_(
    "The fastest rise between two readings of the count added %(added)s followers "
    "(%(start)s – %(end)s); who they are is unknown (no follow dates in it)."
)
NO_GROWTH = N_(
    "Growth over time cannot be measured: no follow dates, and the count was not read twice."
)
BURSTS = N_(
    "Bursts of new followers: %(n)s; read as bought audience (half or more of their new "
    "followers flagged): %(bought)s."
)
NO_BURST = N_("No burst: followers arrived at an ordinary pace.")


def _size(c: Credibility, lang: Lang) -> str:
    values = {"declared": lang.count(c.declared), "observed": lang.count(c.observed)}
    if c.observed == 0:
        return lang.gettext(SIZE_NOTHING if c.declared is None else SIZE_NONE_SEEN) % values
    if c.declared is None:
        return lang.gettext(SIZE_UNDECLARED) % values
    return lang.gettext(SIZE_ALL if c.declared <= c.observed else SIZE) % values


def _rise(rise: Rise, lang: Lang) -> str:
    values: dict[str, Any] = {
        "start": lang.day(rise.start),
        "end": lang.day(rise.end),
        "added": lang.count(rise.added),
        "share": lang.pct(rise.flagged_share),
    }
    if rise.source == "follows":
        message = WEEK_RISE if rise.judged else WEEK_RISE_UNJUDGED
    else:
        message = READING_RISE if rise.judged else READING_RISE_UNKNOWN
    return lang.gettext(message) % values


def plain_words(c: Credibility, lang: Lang) -> list[str]:
    """The paragraph, one sentence per item, in ``lang``; only numbers the data supports."""
    out = [_size(c, lang)]
    if c.judged:
        out.append(lang.gettext(FLAGGED) % {"share": lang.pct(c.flagged / c.judged, 1)})
    if c.expected is not None:
        share = lang.pct(c.expected, 1)
        if c.expected_error is None:
            out.append(lang.gettext(EXPECTED_UNMEASURED) % {"share": share})
        else:
            error = lang.num(100 * c.expected_error)
            out.append(lang.gettext(EXPECTED) % {"share": share, "error": error})
    if c.observed:
        if c.posting:
            share = lang.pct(c.replying_share, 1)
            out.append(lang.gettext(REPLYING) % {"posting": lang.count(c.posting), "share": share})
        else:
            out.append(lang.gettext(NO_FOLLOWER_POSTS))
        if c.likes_known:
            out.append(lang.gettext(LIKING) % {"share": lang.pct(c.liking_share, 1)})
        else:
            out.append(lang.gettext(NO_LIKES))
        if c.interacting_judged:
            share = lang.pct(c.interacting_flagged / c.interacting_judged)
            out.append(lang.gettext(INTERACTING_FLAGGED) % {"share": share})
    out.append(_rise(c.rise, lang) if c.rise else lang.gettext(NO_GROWTH))
    if c.rise is not None and c.rise.source == "follows":
        if c.bursts:
            values = {"n": lang.num(c.bursts), "bought": lang.num(c.bought_bursts)}
            out.append(lang.gettext(BURSTS) % values)
        else:
            out.append(lang.gettext(NO_BURST))
    return out
