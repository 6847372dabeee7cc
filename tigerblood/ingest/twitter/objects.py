"""X/Twitter user and tweet objects (API v1.1 and v2) mapped onto model rows.

The archive, API dumps and both TwiBot datasets carry the same two object families: v1.1 objects
(the archive's tweets, TwiBot-20 profiles, old API dumps) and v2 objects (new API dumps,
TwiBot-22). Mapping each family once keeps the four adapters consistent: the same field always
lands in the same column, and what the platform did not send stays null.

Field names follow the v1.1 "Tweet object"/"User object" and the v2 "Tweet"/"User" data
dictionaries of the X developer documentation.

>>> from tigerblood.ingest.rows import Collector
>>> c = Collector("t.jsonl")
>>> c.begin("t.jsonl:1")
>>> v2_tweet(c, {"id": "20", "author_id": "12", "text": "just setting up my twttr",
...              "referenced_tweets": [{"type": "replied_to", "id": "19"}]})
'20'
>>> c.pending("posts")[0]["reply_to_post_id"]
'19'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tigerblood.ingest.htmltext import anchor_text
from tigerblood.ingest.rows import Collector, RecordError, parse_twitter_time
from tigerblood.ingest.rows import as_dict as _dict

PLATFORM = "twitter"
DEFAULT_AVATAR = "default_profile_images/"
"""Path part of the egg/silhouette image X serves to accounts that never set a picture."""


def _same(value: str) -> str:
    return value


@dataclass(frozen=True)
class Ids:
    """How ids are written in a source: TwiBot-22 prefixes users with ``u`` and tweets with
    ``t`` in its own files but not inside the tweet objects, so it passes prefixing functions."""

    user: Callable[[str], str] = _same
    tweet: Callable[[str], str] = _same


PLAIN = Ids()


def _first(*values: object) -> object:
    """The first value that is present (an empty text is present: it is not null)."""
    return next((value for value in values if value is not None), None)


def _list(value: object) -> list:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def expanded(urls: object) -> list[str]:
    """The targets of url entities: ``unwound_url`` (v2, after redirects), else ``expanded_url``,
    else the ``t.co`` link itself when X gave nothing better."""
    out: list[str] = []
    for entity in _list(urls):
        for key in ("unwound_url", "expanded_url", "url"):
            value = entity.get(key)
            if isinstance(value, str) and value:
                if value not in out:
                    out.append(value)
                break
    return out


def _has_avatar(rows: Collector, default_flag: object, image_url: object) -> bool | None:
    flag = rows.boolean(default_flag, "default_profile_image")
    if flag is not None:
        return not flag
    if isinstance(image_url, str) and image_url:
        return DEFAULT_AVATAR not in image_url
    return None


def _required(rows: Collector, value: object, field: str, ids: Callable[[str], str]) -> str:
    found = rows.ident(value, field)
    if not found:
        raise RecordError(field, f"{field} missing")
    return ids(found)


def _optional(rows: Collector, value: object, field: str, ids: Callable[[str], str]) -> str | None:
    found = rows.ident(value, field)
    return ids(found) if found else None


def v1_user(rows: Collector, u: dict, account_id: str | None = None) -> str:
    """One v1.1 user object; returns its account id (``account_id`` overrides the object's)."""
    r = rows
    account_id = account_id or _required(r, u.get("id_str") or u.get("id"), "user.id_str", _same)
    entities = _dict(u.get("entities"))
    links = expanded(_dict(entities.get("url")).get("urls"))
    links += [x for x in expanded(_dict(entities.get("description")).get("urls")) if x not in links]
    image = u.get("profile_image_url_https") or u.get("profile_image_url")
    r.add(
        "accounts",
        {
            "platform": PLATFORM,
            "account_id": account_id,
            "handle": r.text(u.get("screen_name"), "screen_name"),
            "display_name": r.text(u.get("name"), "name"),
            "bio": r.text(u.get("description"), "description"),
            "created_at": r.when(u.get("created_at"), "created_at", parse_twitter_time),
            "followers_count": r.integer(u.get("followers_count"), "followers_count"),
            "following_count": r.integer(u.get("friends_count"), "friends_count"),
            "posts_count": r.integer(u.get("statuses_count"), "statuses_count"),
            "likes_count": r.integer(u.get("favourites_count"), "favourites_count"),
            "listed_count": r.integer(u.get("listed_count"), "listed_count"),
            "verified": r.boolean(u.get("verified"), "verified"),
            "has_avatar": _has_avatar(r, u.get("default_profile_image"), image),
            "profile_urls": links,
        },
    )
    return account_id


def v1_tweet(rows: Collector, t: dict, author: str | None = None) -> str:
    """One v1.1 tweet (with its user, retweeted and quoted tweets); returns its post id.

    ``author`` is for sources whose tweets carry no user (the archive: all are the owner's).
    """
    r = rows
    post_id = _required(r, t.get("id_str") or t.get("id"), "id_str", _same)
    if author is None:
        if not isinstance(t.get("user"), dict):
            raise RecordError("user", "tweet without its user")
        author = v1_user(r, t["user"])
    repost = (
        v1_tweet(r, t["retweeted_status"]) if isinstance(t.get("retweeted_status"), dict) else None
    )
    quote = v1_tweet(r, t["quoted_status"]) if isinstance(t.get("quoted_status"), dict) else None
    quote = quote or _optional(r, t.get("quoted_status_id_str"), "quoted_status_id_str", _same)
    extended = _dict(t.get("extended_tweet"))
    text = _first(extended.get("full_text"), t.get("full_text"), t.get("text"))
    entities = _dict(extended.get("entities") or t.get("entities"))
    mentions = (m.get("id_str") or m.get("id") for m in _list(entities.get("user_mentions")))
    reply_to = r.ident(
        t.get("in_reply_to_status_id_str") or t.get("in_reply_to_status_id"),
        "in_reply_to_status_id_str",
    )
    source = r.text(t.get("source"), "source")
    r.add(
        "posts",
        {
            "platform": PLATFORM,
            "post_id": post_id,
            "account_id": author,
            "created_at": r.when(t.get("created_at"), "created_at", parse_twitter_time),
            "text": r.text(text, "full_text"),
            "lang": r.text(t.get("lang"), "lang"),
            "reply_to_post_id": reply_to,
            "reply_to_account_id": r.ident(
                t.get("in_reply_to_user_id_str") or t.get("in_reply_to_user_id"),
                "in_reply_to_user_id_str",
            ),
            "quote_of_post_id": quote,
            "repost_of_post_id": repost,
            "urls": expanded(entities.get("urls")),
            "mentions": r.strings(mentions, "user_mentions.id_str"),
            "hashtags": r.strings(
                (h.get("text") for h in _list(entities.get("hashtags"))), "hashtags.text"
            ),
            "client": anchor_text(source) if source else None,
        },
    )
    return post_id


def v2_user(rows: Collector, u: dict, ids: Ids = PLAIN) -> str:
    """One v2 user object; returns its account id."""
    r = rows
    account_id = _required(r, u.get("id"), "user.id", ids.user)
    metrics = _dict(u.get("public_metrics"))
    entities = _dict(u.get("entities"))
    links = expanded(_dict(entities.get("url")).get("urls"))
    links += [x for x in expanded(_dict(entities.get("description")).get("urls")) if x not in links]
    r.add(
        "accounts",
        {
            "platform": PLATFORM,
            "account_id": account_id,
            "handle": r.text(u.get("username"), "username"),
            "display_name": r.text(u.get("name"), "name"),
            "bio": r.text(u.get("description"), "description"),
            "created_at": r.when(u.get("created_at"), "created_at"),
            "followers_count": r.integer(
                metrics.get("followers_count"), "public_metrics.followers_count"
            ),
            "following_count": r.integer(
                metrics.get("following_count"), "public_metrics.following_count"
            ),
            "posts_count": r.integer(metrics.get("tweet_count"), "public_metrics.tweet_count"),
            "likes_count": r.integer(metrics.get("like_count"), "public_metrics.like_count"),
            "listed_count": r.integer(metrics.get("listed_count"), "public_metrics.listed_count"),
            "verified": r.boolean(u.get("verified"), "verified"),
            "has_avatar": _has_avatar(r, None, u.get("profile_image_url")),
            "profile_urls": links,
        },
    )
    return account_id


def v2_tweet(rows: Collector, t: dict, ids: Ids = PLAIN) -> str:
    """One v2 tweet; returns its post id. ``note_tweet`` (long posts) gives the full text."""
    r = rows
    post_id = _required(r, t.get("id"), "id", ids.tweet)
    author = _required(r, t.get("author_id"), "author_id", ids.user)
    if isinstance(t.get("author"), dict):  # twarc2 "flattened" output embeds the author
        v2_user(r, t["author"], ids)
    refs: dict[str, str] = {}
    for ref in _list(t.get("referenced_tweets")):
        kind, ref_id = (
            ref.get("type"),
            _optional(r, ref.get("id"), "referenced_tweets.id", ids.tweet),
        )
        if isinstance(kind, str) and ref_id:
            refs.setdefault(kind, ref_id)
    note = _dict(t.get("note_tweet"))
    entities = _dict(note.get("entities") or t.get("entities"))
    mentions = (m.get("id") or m.get("username") for m in _list(entities.get("mentions")))
    r.add(
        "posts",
        {
            "platform": PLATFORM,
            "post_id": post_id,
            "account_id": author,
            "created_at": r.when(t.get("created_at"), "created_at"),
            "text": r.text(_first(note.get("text"), t.get("text")), "text"),
            "lang": r.text(t.get("lang"), "lang"),
            "reply_to_post_id": refs.get("replied_to"),
            "reply_to_account_id": _optional(
                r, t.get("in_reply_to_user_id"), "in_reply_to_user_id", ids.user
            ),
            "root_post_id": _optional(r, t.get("conversation_id"), "conversation_id", ids.tweet),
            "quote_of_post_id": refs.get("quoted"),
            "repost_of_post_id": refs.get("retweeted"),
            "urls": expanded(entities.get("urls")),
            "mentions": [_prefix_id(x, ids) for x in r.strings(mentions, "entities.mentions")],
            "hashtags": r.strings(
                (h.get("tag") for h in _list(entities.get("hashtags"))), "entities.hashtags"
            ),
            "client": r.text(t.get("source"), "source"),
        },
    )
    return post_id


def _prefix_id(value: str, ids: Ids) -> str:
    """Mention ids get the source's user-id form; usernames (no id given) stay as they are."""
    return ids.user(value) if value.isdigit() else value


def is_v2_tweet(obj: dict) -> bool:
    """v2 tweets have ``author_id`` (when requested) or ``id`` + ``text`` and no ``id_str``."""
    return "author_id" in obj or ("text" in obj and "id" in obj and "id_str" not in obj)


def v2_objects(rows: Collector, objects: Iterable[Any], ids: Ids = PLAIN) -> None:
    """Tweets and users mixed (a response's ``data``, ``includes`` or a TwiBot node file)."""
    for obj in objects:
        try:
            if not isinstance(obj, dict):
                rows.quarantine("data", "expected a tweet or user object", obj)
            elif "username" in obj or ("public_metrics" in obj and "text" not in obj):
                v2_user(rows, obj, ids)
            elif is_v2_tweet(obj):
                v2_tweet(rows, obj, ids)
            else:
                rows.quarantine("data", "neither a v2 tweet nor a v2 user", obj)
        except RecordError as exc:  # one bad object in a page costs that object only
            rows.quarantine(exc.field, str(exc), obj)


def v2_response(rows: Collector, doc: dict, ids: Ids = PLAIN) -> None:
    """A v2 response page: ``data`` (one object or a list), ``includes.users``/``tweets``."""
    data = doc.get("data")
    v2_objects(rows, data if isinstance(data, list) else [data] if data is not None else [], ids)
    includes = _dict(doc.get("includes"))
    v2_objects(rows, _list(includes.get("users")), ids)
    v2_objects(rows, _list(includes.get("tweets")), ids)
