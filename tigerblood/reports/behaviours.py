"""The behaviours the mirror shows, each tied to one feature, with its wording and its advice.

One table, so adding a behaviour is one entry. ``suspicious`` says which side detectors look at:
``high`` (more links is worse) or ``low`` (more regular timing, fewer followers per followed, is
worse). ``patterns`` names the manipulation patterns (DESIGN §3.3) a line is about, so the mirror
can put first the lines of the patterns a detector finds. ``needs`` says what data the value
needs, so an unmeasurable line says why (:mod:`tigerblood.reports.unmeasured`). Advice is said
as the field report would: listen, answer, stop pitching strangers, build your own audience.
Messages are marked with ``N_`` and translated when shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from tigerblood.reports.i18n import N_


@dataclass(frozen=True)
class Companion:
    """A second number said with a behaviour ("and 60% of them carry your link")."""

    feature: str
    unit: str
    says: str  # formatted with companion


@dataclass(frozen=True)
class Behaviour:
    """One behaviour: its feature, how to show its value, and what to say about it."""

    feature: str
    label: str
    suspicious: str  # "high" | "low"
    unit: str  # "share" (0-1, shown as %), "ratio" or "rate" (2 decimals), "count"
    scale: str  # "linear" (0-1 axis) or "log" (ratios and rates spanning decades)
    says: str  # the account's value in a sentence, formatted with value (and ratio)
    tip: str  # what to do about it
    evidence: str  # which posts stand behind the value (see tigerblood.reports.posts)
    patterns: tuple[str, ...] = ()
    needs: tuple[str, ...] = ("posts",)  # see tigerblood.reports.unmeasured.REASONS
    companion: Companion | None = None
    optional: bool = False  # shown only once the feature exists in the features table


BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour(
        "replies_with_link_share",
        N_("Links or contacts in replies"),
        "high",
        "share",
        "linear",
        N_(
            "%(value)s of your replies carry a link or a contact (a phone number, WhatsApp, "
            "Telegram, an e-mail address…)."
        ),
        N_("Answer in words; keep links and contact details for your own posts or your profile."),
        "replies_with_links",
        ("link_reply_spam",),
        ("posts", "replies"),
    ),
    Behaviour(
        "top_url_share",
        N_("The same link or contact again"),
        "high",
        "share",
        "linear",
        N_("%(value)s of your posts carry the same link or contact."),
        N_("Link to different pages, and less often."),
        "top_url_posts",
        ("link_reply_spam", "promotional_broadcast"),
    ),
    Behaviour(
        "reply_to_non_followers_share",
        N_("Replies to people who don't follow you"),
        "high",
        "share",
        "linear",
        N_("%(value)s of your replies go to people who don't follow you."),
        N_("Reply mostly in conversations you already take part in."),
        "replies_to_non_followers",
        ("link_reply_spam",),
        ("posts", "replies", "follows"),
    ),
    Behaviour(
        "answering_reply_share",
        N_("Listening: replies that answer"),
        "low",
        "share",
        "linear",
        N_(
            "%(value)s of your replies answer someone who spoke to you or continue a "
            "conversation you were in; the others go to strangers."
        ),
        N_(
            "Listen before you post: answer the people who talk to you, and join a "
            "conversation before you add to it."
        ),
        "none",
        ("link_reply_spam",),
        ("posts", "replies", "threads"),
    ),
    Behaviour(
        "returns_after_answer_share",
        N_("Listening: coming back when answered"),
        "low",
        "share",
        "linear",
        N_("When someone answers you, you come back in %(value)s of those conversations."),
        N_("When people answer you, answer them back: a conversation is more than one reply."),
        "none",
        ("link_reply_spam",),
        ("posts", "replies", "threads", "answered"),
    ),
    Behaviour(
        "pitched_account_share",
        N_("Talking with people, or pitching them"),
        "high",
        "share",
        "linear",
        N_(
            "%(value)s of the accounts you replied to or mentioned got your link, contact or pitch."
        ),
        N_(
            "Stop pitching strangers: talk with people, and let those who are interested find "
            "the offer on your profile."
        ),
        "none",
        ("link_reply_spam", "pitch_conversation"),
        ("posts", "addressed"),
        Companion(
            "talked_with_accounts",
            "count",
            N_("You had a back-and-forth (replies both ways) with %(companion)s accounts."),
        ),
    ),
    Behaviour(
        "big_target_share",
        N_("Borrowed reach"),
        "high",
        "share",
        "linear",
        N_(
            "%(value)s of your replies and mentions go to accounts with %(ratio)s times your "
            "followers or more."
        ),
        N_(
            "Build your own audience: post things worth following on your own account instead "
            "of riding under bigger accounts' posts with your offer."
        ),
        "none",
        ("link_reply_spam",),
        ("posts", "addressed", "counts", "targets"),
        Companion(
            "big_target_promo_share",
            "share",
            N_("%(companion)s of those carry your link, contact or pitch."),
        ),
    ),
    Behaviour(
        "following_count",
        N_("Accounts followed"),
        "high",
        "count",
        "log",
        N_("You follow %(value)s accounts."),
        N_(
            "Follow the people you read; following hundreds to be followed back reads as follow "
            "farming."
        ),
        "none",
        ("follow_farming", "follow_harvesting"),
        ("counts",),
    ),
    Behaviour(
        "followers_per_following",
        N_("Following versus followers"),
        "low",
        "ratio",
        "log",
        N_("You have %(value)s followers per account you follow."),
        N_("Unfollow accounts you don't read: mass following reads as follow farming."),
        "none",
        ("follow_farming", "follow_harvesting"),
        ("counts",),
    ),
    Behaviour(
        "interval_cv",
        N_("Posting rhythm: regularity"),
        "low",
        "ratio",
        "log",
        N_("The gaps between your posts have a spread (deviation over mean) of %(value)s."),
        N_("Posting at fixed intervals looks automated; post when you have something to say."),
        "latest_posts",
        ("automation",),
        ("posts", "times"),
    ),
    Behaviour(
        "posts_per_day",
        N_("Posting rhythm: posts per day"),
        "high",
        "rate",
        "log",
        N_("You post %(value)s times a day."),
        N_("Post less often."),
        "latest_posts",
        ("automation",),
        ("posts", "times"),
    ),
    Behaviour(
        "duplicate_text_share",
        N_("Repeated text"),
        "high",
        "share",
        "linear",
        N_("%(value)s of your posts repeat an earlier text."),
        N_("Don't post the same words again; say it differently or not at all."),
        "repeated_texts",
        ("automation", "promotional_broadcast"),
    ),
    Behaviour(
        "pitch_ending_share",
        N_("Pitch endings"),
        "high",
        "share",
        "linear",
        N_("%(value)s of your conversations end with your sales pitch."),
        N_("Let conversations end without an offer; keep offers for your own posts."),
        "none",
        ("pitch_conversation",),
        ("posts", "threads"),
        optional=True,  # computed by the pitch and conversation features when they are wired
    ),
    Behaviour(
        "campaign_post_share",
        N_("Posting in coordinated bursts"),
        "high",
        "share",
        "linear",
        N_(
            "%(value)s of your posts went out in bursts of accounts pushing the same link or "
            "text together."
        ),
        N_(
            "Say things in your own words when you mean them: posting on cue with a group "
            "reads as a campaign, not as support."
        ),
        "none",
        ("coordinated_campaign",),
        optional=True,  # computed by the campaign features when they are wired
    ),
)

BY_FEATURE = {b.feature: b for b in BEHAVIOURS}

STANDING = {
    "trips": N_("meets a detector threshold"),
    "near": N_("close to a detector threshold"),
    "unusual": N_("unusual for genuine accounts"),
    "typical": N_("typical of genuine accounts"),
    "no_reference": N_("no reference: no population to compare with"),
    "unknown": N_("not measurable in this data"),
}

SCANNED_STANDING = {
    "unusual": N_("unusual among the unflagged accounts scanned"),
    "typical": N_("typical of the unflagged accounts scanned"),
}
"""A standing against the scanned data names it: those accounts are unflagged, not known genuine."""

PATTERNS = {
    "link_reply_spam": N_("link-reply spam"),
    "follow_farming": N_("follow farming"),
    "follow_harvesting": N_("follow harvesting"),
    "promotional_broadcast": N_("promotional broadcast"),
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
