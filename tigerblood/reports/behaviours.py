"""The behaviours the mirror shows, each tied to one feature, with its wording and its advice.

One table, so adding a behaviour (pitch endings, once the pitch detector exposes a feature) is
one entry. ``suspicious`` says which side detectors look at: ``high`` (more links is worse) or
``low`` (more regular timing, fewer followers per followed, is worse). Messages are marked with
``N_`` and translated when shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from tigerblood.reports.i18n import N_


@dataclass(frozen=True)
class Behaviour:
    """One behaviour: its feature, how to show its value, and what to say about it."""

    feature: str
    label: str
    suspicious: str  # "high" | "low"
    unit: str  # "share" (0-1, shown as %), "ratio" or "rate" (shown to 2 decimals)
    scale: str  # "linear" (0-1 axis) or "log" (ratios and rates spanning decades)
    advice: str  # formatted with value, limit (reference p95, or p5 when suspicious is low)
    tip: str
    evidence: str  # which posts stand behind the value (see tigerblood.reports.posts)
    optional: bool = False  # shown only once the feature exists in the features table


BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour(
        "replies_with_link_share",
        N_("Links in replies"),
        "high",
        "share",
        "linear",
        N_("%(value)s of your replies carry a link; genuine accounts stay under %(limit)s."),
        N_("Answer in words; keep links for your own posts or your profile."),
        "replies_with_links",
    ),
    Behaviour(
        "top_url_share",
        N_("The same link again"),
        "high",
        "share",
        "linear",
        N_("%(value)s of your posts carry the same link; genuine accounts stay under %(limit)s."),
        N_("Link to different pages, and less often."),
        "top_url_posts",
    ),
    Behaviour(
        "reply_to_non_followers_share",
        N_("Replies to people who don't follow you"),
        "high",
        "share",
        "linear",
        N_(
            "%(value)s of your replies go to people who don't follow you; genuine accounts stay "
            "under %(limit)s."
        ),
        N_("Reply mostly in conversations you already take part in."),
        "replies_to_non_followers",
    ),
    Behaviour(
        "followers_per_following",
        N_("Following versus followers"),
        "low",
        "ratio",
        "log",
        N_(
            "You have %(value)s followers per account you follow; genuine accounts rarely go "
            "below %(limit)s."
        ),
        N_("Unfollow accounts you don't read: mass following reads as follow farming."),
        "none",
    ),
    Behaviour(
        "interval_cv",
        N_("Posting rhythm: regularity"),
        "low",
        "ratio",
        "log",
        N_(
            "The gaps between your posts have a spread (deviation over mean) of %(value)s; "
            "genuine accounts rarely go below %(limit)s."
        ),
        N_("Posting at fixed intervals looks automated; post when you have something to say."),
        "latest_posts",
    ),
    Behaviour(
        "posts_per_day",
        N_("Posting rhythm: posts per day"),
        "high",
        "rate",
        "log",
        N_("You post %(value)s times a day; genuine accounts stay under %(limit)s."),
        N_("Post less often."),
        "latest_posts",
    ),
    Behaviour(
        "duplicate_text_share",
        N_("Repeated text"),
        "high",
        "share",
        "linear",
        N_(
            "%(value)s of your posts repeat an earlier text; genuine accounts stay under %(limit)s."
        ),
        N_("Don't post the same words again; say it differently or not at all."),
        "repeated_texts",
    ),
    Behaviour(
        "pitch_ending_share",
        N_("Pitch endings"),
        "high",
        "share",
        "linear",
        N_(
            "%(value)s of your conversations end with your sales pitch; genuine accounts stay "
            "under %(limit)s."
        ),
        N_("Let conversations end without an offer; keep offers for your own posts."),
        "none",
        optional=True,  # computed by the pitch and conversation features when they are wired
    ),
)

BY_FEATURE = {b.feature: b for b in BEHAVIOURS}

STANDING = {
    "trips": N_("meets a detector threshold"),
    "near": N_("close to a detector threshold"),
    "unusual": N_("unusual for genuine accounts"),
    "typical": N_("typical of genuine accounts"),
    "unknown": N_("not measurable in this data"),
}

PATTERNS = {
    "link_reply_spam": N_("link-reply spam"),
    "follow_farming": N_("follow farming"),
    "pitch_conversation": N_("pitch conversation"),
    "coordinated_campaign": N_("coordinated campaign"),
    "audience_inflation": N_("audience inflation"),
    "automation": N_("automation"),
    "unspecified": N_("flagged, no pattern named"),
}
"""Display names of the patterns of DESIGN §3.3 (the JSON keeps the identifiers)."""

BURST_KINDS = {
    "bought": N_("bought audience"),
    "mixed": N_("mixed"),
    "genuine": N_("genuine attention"),
    "unknown": N_("unknown (no follower judged)"),
}

SIGNAL_STATUS = {
    "trips": N_("meets"),
    "near": N_("nearly meets"),
    "clear": N_("clear"),
    "unknown": N_("not measurable"),
}

ANOMALY_KINDS = {"jump": N_("follower jump"), "drop": N_("follower drop")}

POST_KINDS = {"reply": N_("reply"), "mention": N_("mention"), "like": N_("like")}
