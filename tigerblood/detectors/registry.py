"""Detectors by name. Built-ins register through the same ``tigerblood.detectors`` entry-point
group as third-party detectors; the dictionary below only keeps a source checkout working before
the package is installed.
"""

from __future__ import annotations

import inspect
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml

from tigerblood.detectors.base import Detector
from tigerblood.detectors.norms import Norms

BUILTIN = {
    "link_reply_spam": "tigerblood.detectors.link_reply_spam:LinkReplySpamDetector",
    "link_mention_spam": "tigerblood.detectors.link_mention_spam:LinkMentionSpamDetector",
    "follow_farming": "tigerblood.detectors.follow_farming:FollowFarmingDetector",
    "follow_harvesting": "tigerblood.detectors.follow_harvesting:FollowHarvestingDetector",
    "promotional_broadcast": (
        "tigerblood.detectors.promotional_broadcast:PromotionalBroadcastDetector"
    ),
    "automation": "tigerblood.detectors.automation:AutomationDetector",
    "pitch_conversation": "tigerblood.detectors.pitch_conversation:PitchConversationDetector",
    "coordinated_campaign": "tigerblood.detectors.coordinated_campaign:CoordinatedCampaignDetector",
}


def _load(spec: str) -> type[Detector]:
    module_name, _, attr = spec.partition(":")
    return getattr(__import__(module_name, fromlist=[attr]), attr)


@cache
def detector_classes() -> dict[str, type[Detector]]:
    """Every registered detector class by name."""
    found = {ep.name: ep.load() for ep in entry_points(group="tigerblood.detectors")}
    for name, spec in BUILTIN.items():
        found.setdefault(name, _load(spec))
    return dict(sorted(found.items()))


def load_config(path: Path | None) -> dict[str, dict[str, float]]:
    """Threshold overrides from YAML: ``{detector_name: {threshold: value}}``."""
    if path is None:
        return {}
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of detector name to thresholds")
    detectors = data.get("detectors", data)
    unknown = set(detectors) - set(detector_classes())
    if unknown:
        raise ValueError(f"{path}: unknown detector(s) {', '.join(sorted(unknown))}")
    return {name: dict(values or {}) for name, values in detectors.items()}


def build_detectors(
    config: dict[str, dict[str, float]] | None = None, norms: Norms | None = None
) -> list[Detector]:
    """One instance of every registered detector, with overrides from ``config`` applied;
    detectors whose thresholds follow platform norms get ``norms`` (default: the shipped ones)."""
    config = config or {}
    out = []
    for name, cls in detector_classes().items():
        if norms is not None and "norms" in inspect.signature(cls.__init__).parameters:
            out.append(cls(norms=norms, **config.get(name, {})))  # type: ignore[arg-type]
        else:
            out.append(cls(**config.get(name, {})))
    return out
