"""Bluesky records and views -> model rows, shared by the Jetstream and AppView adapters.

A post record is the same object whether it arrives on the Jetstream firehose (``commit.record``)
or inside an AppView ``postView`` (``post.record``), so the mapping lives here once. Functions are
pure (no I/O) and raise :class:`RecordError` naming the offending field, so each adapter can
quarantine the record with its own location. Lexicons followed: ``app.bsky.feed.post``,
``app.bsky.richtext.facet``, ``app.bsky.embed.{external,record,recordWithMedia}``,
``app.bsky.feed.repost``, ``app.bsky.feed.like``, ``app.bsky.actor.profile`` and
``app.bsky.actor.defs#profileView*``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

PLATFORM = "bluesky"

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
LIKE = "app.bsky.feed.like"
FOLLOW = "app.bsky.graph.follow"
PROFILE = "app.bsky.actor.profile"

FACET_LINK = "app.bsky.richtext.facet#link"
FACET_MENTION = "app.bsky.richtext.facet#mention"
FACET_TAG = "app.bsky.richtext.facet#tag"
EMBED_EXTERNAL = "app.bsky.embed.external"
EMBED_RECORD = "app.bsky.embed.record"
EMBED_RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia"

SELF_LABELS = "com.atproto.label.defs#selfLabels"
BOT_LABEL = "bot"
"""The self-label an account puts on its own profile to say it is automated."""

INVALID_HANDLE = "handle.invalid"
"""What the AppView returns when a handle fails verification: no handle is known, so null."""

MAX_MICROS = 253_402_300_799_999_999
"""9999-12-31T23:59:59.999999Z in Unix microseconds: the last instant a datetime can hold."""
_POST_PATH = f"/{POST}/"
RECORD_URI = re.compile(r"at://[^/\s]+/[^/\s]+/[^/\s]+")


class RecordError(ValueError):
    """A record that breaks its lexicon in a field we map: quarantined, never guessed around."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_datetime(value: object) -> datetime | None:
    """An atproto ``datetime`` string as an aware datetime; None when absent or not valid.

    atproto datetimes must carry a timezone, so a naive value is treated as invalid rather than
    guessed to be UTC. Fractions past microseconds are accepted and truncated.

    >>> parse_datetime("2024-11-25T13:11:00.123Z").isoformat()
    '2024-11-25T13:11:00.123000+00:00'
    >>> parse_datetime("2024-11-25T13:11:00") is None
    True
    """
    if type(value) is not str:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.year in (1, 9999):  # an offset could push these outside datetime's range
            parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else None


def at_uri_did(uri: str) -> str | None:
    """The DID that owns an ``at://`` URI, or None when the authority is not a DID.

    >>> at_uri_did("at://did:plc:abc/app.bsky.feed.post/3k")
    'did:plc:abc'
    """
    if not uri.startswith("at://"):
        return None
    authority = uri[5:].split("/", 1)[0]
    return authority if authority.startswith("did:") else None


def _strong_ref_uri(value: object, field: str) -> str:
    """The ``uri`` of a ``com.atproto.repo.strongRef``, raising when it is not one."""
    if type(value) is not dict:
        raise RecordError(field, "expected a strongRef object")
    uri = value.get("uri")
    if type(uri) is not str:
        raise RecordError(f"{field}.uri", "expected an at-uri string")
    return uri


def is_record_uri(uri: str) -> bool:
    """True for an ``at://AUTHORITY/COLLECTION/RKEY`` URI: what a like or repost can point at.

    >>> is_record_uri("at://did:plc:abc/app.bsky.feed.post/3k"), is_record_uri("at://did:plc:abc")
    (True, False)
    """
    return RECORD_URI.fullmatch(uri) is not None


def like_subject(record: object) -> str:
    """The URI of what an ``app.bsky.feed.like`` record likes (its ``subject`` strongRef).

    >>> like_subject({"subject": {"uri": "at://did:plc:a/app.bsky.feed.post/3k", "cid": "b"}})
    'at://did:plc:a/app.bsky.feed.post/3k'
    """
    if type(record) is not dict:
        raise RecordError("record", "expected an object")
    uri = _strong_ref_uri(record.get("subject"), "subject")
    if not is_record_uri(uri):
        raise RecordError("subject.uri", "expected an at:// URI naming a record")
    return uri


def _string(value: object, field: str) -> str:
    if type(value) is not str:
        raise RecordError(field, "expected a string")
    return value


def _optional_string(record: dict, key: str, field: str | None = None) -> str | None:
    value = record.get(key)
    if value is None or type(value) is str:
        return value
    raise RecordError(field or key, "expected a string")


def _facets(facets: object, urls: list[str], mentions: list[str], hashtags: list[str]) -> None:
    """Collect links, mention DIDs and tags from ``app.bsky.richtext.facet`` features."""
    if type(facets) is not list:
        raise RecordError("facets", "expected an array")
    for i, facet in enumerate(facets):
        features = facet.get("features") if type(facet) is dict else None
        if type(features) is not list:
            raise RecordError(f"facets[{i}].features", "expected an array")
        for j, feature in enumerate(features):
            if type(feature) is not dict:
                raise RecordError(f"facets[{i}].features[{j}]", "expected an object")
            kind = feature.get("$type")
            if kind == FACET_LINK:
                urls.append(_string(feature.get("uri"), f"facets[{i}].features[{j}].uri"))
            elif kind == FACET_MENTION:
                mentions.append(_string(feature.get("did"), f"facets[{i}].features[{j}].did"))
            elif kind == FACET_TAG:
                hashtags.append(_string(feature.get("tag"), f"facets[{i}].features[{j}].tag"))


def _entities(entities: object, urls: list[str], mentions: list[str], hashtags: list[str]) -> None:
    """The deprecated pre-facet ``entities`` array, still present on early-2023 posts."""
    if type(entities) is not list:
        raise RecordError("entities", "expected an array")
    targets = {"link": urls, "mention": mentions, "hashtag": hashtags}
    for i, entity in enumerate(entities):
        if type(entity) is not dict:
            raise RecordError(f"entities[{i}]", "expected an object")
        kind = entity.get("type")
        target = targets.get(kind) if type(kind) is str else None
        if target is not None:
            target.append(_string(entity.get("value"), f"entities[{i}].value"))


def _embed(embed: object, urls: list[str]) -> str | None:
    """Add an external link card's URI to ``urls``; return the quoted post's URI, if any.

    Record embeds can also point at feed generators, lists or starter packs: only a post is a
    quote, so other collections leave ``quote_of_post_id`` null.
    """
    if type(embed) is not dict:
        raise RecordError("embed", "expected an object")
    kind = embed.get("$type")
    quoted: str | None = None
    if kind == EMBED_EXTERNAL:
        _external(embed, "embed", urls)
    elif kind == EMBED_RECORD:
        quoted = _strong_ref_uri(embed.get("record"), "embed.record")
    elif kind == EMBED_RECORD_WITH_MEDIA:
        inner = embed.get("record")
        if type(inner) is not dict:
            raise RecordError("embed.record", "expected an app.bsky.embed.record object")
        quoted = _strong_ref_uri(inner.get("record"), "embed.record.record")
        media = embed.get("media")
        if type(media) is dict and media.get("$type") == EMBED_EXTERNAL:
            _external(media, "embed.media", urls)
    if quoted is not None and _POST_PATH not in quoted:
        quoted = None
    return quoted


def _external(embed: dict, field: str, urls: list[str]) -> None:
    external = embed.get("external")
    if type(external) is not dict:
        raise RecordError(f"{field}.external", "expected an object")
    urls.append(_string(external.get("uri"), f"{field}.external.uri"))


def post_row(uri: str, author: str, record: object) -> dict:
    """One ``posts`` row from an ``app.bsky.feed.post`` record.

    ``created_at`` is None when ``createdAt`` is missing or invalid: the caller fills in its
    source's own time (Jetstream's ``time_us``, the AppView's ``indexedAt``). Links from facets
    and link cards are deduplicated in order, since a link card normally repeats the link in the
    text. The non-lexicon ``via`` field some third-party clients write becomes ``client``.

    >>> link = {"$type": FACET_LINK, "uri": "https://example.org"}
    >>> record = {"text": "see example.org", "facets": [{"features": [link]}],
    ...           "createdAt": "2025-03-04T15:00:00Z"}
    >>> post_row("at://did:plc:a/app.bsky.feed.post/3k", "did:plc:a", record)["urls"]
    ['https://example.org']
    """
    if type(record) is not dict:
        raise RecordError("record", "expected an object")
    text = record.get("text")
    if type(text) is not str:
        raise RecordError("text", "expected a string (required by app.bsky.feed.post)")
    urls: list[str] = []
    mentions: list[str] = []
    hashtags: list[str] = []
    facets = record.get("facets")
    if facets is not None:
        _facets(facets, urls, mentions, hashtags)
    elif record.get("entities") is not None:
        _entities(record["entities"], urls, mentions, hashtags)
    tags = record.get("tags")
    if tags is not None:
        if type(tags) is not list or any(type(tag) is not str for tag in tags):
            raise RecordError("tags", "expected an array of strings")
        hashtags.extend(tags)
    embed = record.get("embed")
    quoted = _embed(embed, urls) if embed is not None else None
    reply_to = reply_account = root = None
    reply = record.get("reply")
    if reply is not None:
        if type(reply) is not dict:
            raise RecordError("reply", "expected a replyRef object")
        reply_to = _strong_ref_uri(reply.get("parent"), "reply.parent")
        root = _strong_ref_uri(reply.get("root"), "reply.root")
        reply_account = at_uri_did(reply_to)
    langs = record.get("langs")
    lang = langs[0] if type(langs) is list and langs and type(langs[0]) is str else None
    via = record.get("via")
    return {
        "platform": PLATFORM,
        "post_id": uri,
        "account_id": author,
        "created_at": parse_datetime(record.get("createdAt")),
        "text": text,
        "lang": lang,
        "reply_to_post_id": reply_to,
        "reply_to_account_id": reply_account,
        "root_post_id": root,
        "quote_of_post_id": quoted,
        "repost_of_post_id": None,
        "urls": list(dict.fromkeys(urls)) if len(urls) > 1 else urls,
        "mentions": list(dict.fromkeys(mentions)) if len(mentions) > 1 else mentions,
        "hashtags": list(dict.fromkeys(hashtags)) if len(hashtags) > 1 else hashtags,
        "client": via if type(via) is str else None,
    }


def repost_row(uri: str, author: str, record: object) -> dict:
    """One ``posts`` row for an ``app.bsky.feed.repost`` record: no text, only what it boosts.

    As for :func:`post_row`, the caller fills ``created_at`` when ``createdAt`` is unusable.
    """
    if type(record) is not dict:
        raise RecordError("record", "expected an object")
    subject = _strong_ref_uri(record.get("subject"), "subject")
    return {
        "platform": PLATFORM,
        "post_id": uri,
        "account_id": author,
        "created_at": parse_datetime(record.get("createdAt")),
        "repost_of_post_id": subject,
        "urls": [],
        "mentions": [],
        "hashtags": [],
    }


def profile_record_row(did: str, record: object) -> dict:
    """An ``accounts`` row from an ``app.bsky.actor.profile`` record (no counts: it has none).

    The record is the whole profile, so a missing avatar means the account has none (False),
    and missing self-labels mean it does not declare itself a bot (False).
    """
    if type(record) is not dict:
        raise RecordError("record", "expected an object")
    website = _optional_string(record, "website")
    return {
        "platform": PLATFORM,
        "account_id": did,
        "display_name": _optional_string(record, "displayName"),
        "bio": _optional_string(record, "description"),
        "created_at": parse_datetime(record.get("createdAt")),
        "has_avatar": record.get("avatar") is not None,
        "declared_bot": record_declares_bot(record),
        "profile_urls": [website] if website else None,
    }


def record_declares_bot(record: dict) -> bool | None:
    """Whether a profile record self-labels the account ``bot`` (``labels`` is a union whose
    only member today is ``com.atproto.label.defs#selfLabels``; another member is unknown: None).

    >>> record_declares_bot({"labels": {"$type": SELF_LABELS, "values": [{"val": "bot"}]}})
    True
    >>> record_declares_bot({}), record_declares_bot({"labels": {"$type": "x#other"}})
    (False, None)
    """
    labels = record.get("labels")
    if labels is None:
        return False
    if type(labels) is not dict:
        raise RecordError("labels", "expected a selfLabels object")
    if labels.get("$type", SELF_LABELS) != SELF_LABELS:
        return None
    values = labels.get("values")
    if type(values) is not list:
        raise RecordError("labels.values", "expected a list of self-labels")
    return any(type(v) is dict and v.get("val") == BOT_LABEL for v in values)


def view_declares_bot(view: dict, did: str) -> bool | None:
    """Whether a profile view carries the account's own ``bot`` label: one whose ``src`` is the
    account itself (labels from moderation services name their own DID and are their say, not
    the account's); a negated label retracts it. None when the view has no ``labels``.

    >>> view_declares_bot({"labels": [{"src": "did:plc:a", "val": "bot"}]}, "did:plc:a")
    True
    >>> view_declares_bot({"labels": [{"src": "did:plc:mod", "val": "bot"}]}, "did:plc:a")
    False
    """
    labels = view.get("labels")
    if labels is None:
        return None
    if type(labels) is not list or any(type(label) is not dict for label in labels):
        raise RecordError("labels", "expected a list of label objects")
    return any(
        label.get("src") == did and label.get("val") == BOT_LABEL and not label.get("neg")
        for label in labels
    )


def _count(view: dict, key: str) -> int | None:
    value = view.get(key)
    if value is None or (type(value) is int and 0 <= value < 1 << 63):
        return value
    raise RecordError(key, "expected a non-negative 64-bit integer")


def profile_view_row(view: object, observed_at: datetime | None) -> dict:
    """An ``accounts`` row from an ``app.bsky.actor.defs#profileView{Basic,,Detailed}``.

    Counts exist only on the detailed view; ``observed_at`` is set only when the row carries
    counts, since it says when they were read. ``verified`` follows the AppView's own
    ``verification.verifiedStatus``; the AppView omits ``avatar`` when there is none.
    ``declared_bot`` is the account's own ``bot`` self-label (:func:`view_declares_bot`).
    """
    if type(view) is not dict:
        raise RecordError("", "expected a profile view object")
    did = view.get("did")
    if type(did) is not str:
        raise RecordError("did", "expected a DID string")
    handle = _optional_string(view, "handle")
    followers = _count(view, "followersCount")
    following = _count(view, "followsCount")
    posts = _count(view, "postsCount")
    has_counts = followers is not None or following is not None or posts is not None
    verification = view.get("verification")
    status = verification.get("verifiedStatus") if type(verification) is dict else None
    website = _optional_string(view, "website")
    return {
        "platform": PLATFORM,
        "account_id": did,
        "handle": None if handle == INVALID_HANDLE else handle,
        "display_name": _optional_string(view, "displayName"),
        "bio": _optional_string(view, "description"),
        "created_at": parse_datetime(view.get("createdAt")),
        "observed_at": observed_at if has_counts else None,
        "followers_count": followers,
        "following_count": following,
        "posts_count": posts,
        "verified": None if type(status) is not str else status == "valid",
        "has_avatar": bool(view.get("avatar")),
        "declared_bot": view_declares_bot(view, did),
        "profile_urls": [website] if website else None,
    }


def merge_account(accounts: dict[str, dict[str, Any]], row: dict[str, Any]) -> None:
    """Fold ``row`` into ``accounts`` by id: later non-null values win, nulls never erase.

    One read sees the same DID many times (profile, identity, post author); merging keeps one
    row per account with everything any of them said.

    >>> accounts = {}
    >>> merge_account(accounts, {"account_id": "did:plc:a", "handle": "a.example.com"})
    >>> merge_account(accounts, {"account_id": "did:plc:a", "handle": None, "bio": "hi"})
    >>> accounts["did:plc:a"]
    {'account_id': 'did:plc:a', 'handle': 'a.example.com', 'bio': 'hi'}
    """
    current = accounts.get(row["account_id"])
    if current is None:
        accounts[row["account_id"]] = row
        return
    for key, value in row.items():
        if value is not None:
            current[key] = value
