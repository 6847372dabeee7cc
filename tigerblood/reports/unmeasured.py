"""Why a behaviour of the mirror cannot be measured, in words a person can act on.

An account known only from others' follows, one whose source gives no counts, one whose posts
carry no times: each leaves some lines empty, and "not measurable" alone leaves a person guessing
whether the data or tigerblood is at fault. Each behaviour names what it needs
(:attr:`tigerblood.reports.behaviours.Behaviour.needs`); the first need the feature row lacks is
the reason given.

A rate needs times: ``posts_per_day`` falls back to observed posts per day even when the posts
carry no dates (a span of 0 is floored at one day), so the mirror treats a rate as measured only
when dated posts (``median_interval_s``) or the account's age (``account_age_days``) stand behind
it (:func:`supported`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tigerblood.reports.i18n import N_

REASONS = {
    "no_row": N_(
        "This account has no posts and no profile in the data: it appears only in others' "
        "posts or follows."
    ),
    "posts": N_("No posts of this account are in the data."),
    "replies": N_("None of its posts in the data is a reply."),
    "follows": N_("No follows toward it are in the data, so who follows it is unknown."),
    "counts": N_(
        "Its follower and following counts are unknown: the profile gives none and no follows "
        "of it are in the data."
    ),
    "times": N_(
        "Its posts carry too few dates (six are needed for a rhythm) and its age is unknown, "
        "so no rhythm or rate can be given."
    ),
    "threads": N_(
        "None of its replies can be placed in a thread: the posts it answered are not in the "
        "data (sources that keep only the name a reply opened with have no threads)."
    ),
    "answered": N_("Nobody answered it in a thread in the data."),
    "addressed": N_("It replies to and mentions no one in the data."),
    "targets": N_(
        "The follower counts of the accounts it addresses, or its own, are not in the data."
    ),
}
"""Every reason a line can give, by the need the row lacks."""


def _empty(row: Mapping[str, Any], name: str) -> bool:
    value = row.get(name)
    return value is None or value == 0


LACKS: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "posts": lambda row: _empty(row, "observed_posts"),
    "replies": lambda row: _empty(row, "reply_share"),
    "follows": lambda row: row.get("reply_to_non_followers_share") is None,
    "counts": lambda row: row.get("followers_count") is None or row.get("following_count") is None,
    "times": lambda row: not supported(row),
    "threads": lambda row: _empty(row, "conversations_joined"),
    "answered": lambda row: row.get("returns_after_answer_share") is None,
    "addressed": lambda row: row.get("pitched_account_share") is None,
    "targets": lambda row: row.get("big_target_share") is None,
}
"""Whether a feature row lacks each need (a need no feature column tells is assumed met)."""


def supported(row: Mapping[str, Any]) -> bool:
    """Whether times stand behind the row's rates: dated posts, or the account's age."""
    return row.get("median_interval_s") is not None or row.get("account_age_days") is not None


def reason(needs: tuple[str, ...], row: Mapping[str, Any]) -> str:
    """The code (a key of :data:`REASONS`) of why a value of a behaviour needing ``needs`` is
    missing from ``row``: the first need it lacks, else the last need.

    >>> reason(("posts", "replies"), {"observed_posts": 3, "reply_share": 0.0})
    'replies'
    >>> reason(("posts",), {})
    'no_row'
    """
    if not row:
        return "no_row"
    for need in needs:
        if LACKS.get(need, lambda _row: False)(row):
            return need
    return needs[-1] if needs else "posts"
