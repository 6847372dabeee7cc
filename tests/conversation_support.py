"""Helpers for the conversation, campaign and scenario tests: posts by hand, and the feature
table with the conversation and campaign families whether or not they are wired into
``tigerblood.features.compute`` yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from tigerblood import model
from tigerblood.detectors.base import Detector
from tigerblood.detectors.coordinated_campaign import CoordinatedCampaignDetector
from tigerblood.detectors.pitch_conversation import PitchConversationDetector
from tigerblood.detectors.registry import build_detectors
from tigerblood.features import campaigns as campaign_features
from tigerblood.features import compute
from tigerblood.features import conversations as conversation_features
from tigerblood.store import Store

T0 = datetime(2025, 3, 3, tzinfo=UTC)


def post(pid: str, account: str, minutes: float, text: str = "", **extra) -> dict:
    """A posts row ``minutes`` after T0 (lists default to empty, as adapters write them)."""
    return {
        "platform": "bluesky",
        "post_id": pid,
        "account_id": account,
        "created_at": T0 + timedelta(minutes=minutes),
        "text": text,
        "urls": extra.pop("urls", []),
        "mentions": extra.pop("mentions", []),
        "hashtags": extra.pop("hashtags", []),
        **extra,
    }


def store_with(posts: list[dict]) -> Store:
    """An in-memory store holding ``posts``."""
    store = Store()
    store.load("posts", model.to_table("posts", posts))
    return store


def feature_table(store: Store) -> pa.Table:
    """Every family's features, the two new families included exactly once."""
    tables = compute.tables_of(store)
    table = compute.account_base(tables)
    families = list(compute.FAMILIES)
    families += [f for f in (conversation_features, campaign_features) if f not in families]
    for family in families:
        table = family.compute(tables, table)
    return table.to_pyarrow()


def all_detectors() -> list[Detector]:
    """Registered detectors, plus the two new ones when not registered yet."""
    detectors = build_detectors()
    names = {d.name for d in detectors}
    for extra in (PitchConversationDetector(), CoordinatedCampaignDetector()):
        if extra.name not in names:
            detectors.append(extra)
    return detectors
