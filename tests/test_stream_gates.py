"""The live feed's judging gates follow the detectors in use (:mod:`tigerblood.stream.gates`):
the built-ins' defaults, a config that lowers a threshold, a third-party detector."""

from __future__ import annotations

import doctest
from typing import ClassVar

import pytest

from tigerblood.detectors.registry import build_detectors
from tigerblood.stream import gates as gates_module
from tigerblood.stream.engine import StreamEngine, StreamSettings
from tigerblood.stream.gates import Gates


def test_the_defaults_are_the_fewest_posts_partners_and_follows_a_builtin_rule_reads() -> None:
    assert Gates.of(build_detectors()) == Gates(posts=3, partners=5, following=150)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"link_reply_spam": {"min_replies_with_link": 2}}, Gates(2, 5, 150)),
        ({"pitch_conversation": {"min_partners": 3}}, Gates(3, 3, 150)),
        ({"follow_farming": {"min_following": 80}}, Gates(3, 5, 80)),
    ],
)
def test_a_config_that_lowers_a_threshold_lowers_the_gate(config: dict, expected: Gates) -> None:
    engine = StreamEngine(StreamSettings(config=config))
    assert Gates.of(engine._detectors()) == expected


def test_an_unknown_detector_is_judged_from_the_first_post() -> None:
    class Plugin:
        name = "someone_elses_rule"
        thresholds: ClassVar[dict[str, float]] = {}

    assert Gates.of([*build_detectors(), Plugin()]) == Gates(1, 1, 1)


def test_doctests() -> None:
    assert doctest.testmod(gates_module).failed == 0
