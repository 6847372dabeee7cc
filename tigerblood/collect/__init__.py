"""Collectors that pull one account and its audience from live platforms into the store.

``collect_bluesky`` reads the public Bluesky AppView, ``collect_mastodon`` a Mastodon server's
public REST API. Both save a checkpoint after every page, so an interrupted run resumes, and map
every response with the same ingest adapter that ``scan`` uses on saved files.
"""

from tigerblood.collect.bluesky import collect_bluesky
from tigerblood.collect.http import CollectError, RetryPolicy
from tigerblood.collect.mastodon import collect_mastodon
from tigerblood.collect.session import CollectReport

__all__ = ["CollectError", "CollectReport", "RetryPolicy", "collect_bluesky", "collect_mastodon"]
