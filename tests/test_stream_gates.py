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
    expected = Gates(posts=10, partners=5, following=150, replies_with_link=3, item_repeat=3)
    assert Gates.of(build_detectors()) == expected


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"link_reply_spam": {"min_replies_with_link": 2}}, Gates(10, 5, 150, 2, 3)),
        ({"link_mention_spam": {"min_top_url_repeat": 2}}, Gates(10, 5, 150, 3, 2)),
        ({"automation": {"min_observed_posts": 6}}, Gates(6, 5, 150, 3, 3)),
        ({"pitch_conversation": {"min_partners": 3}}, Gates(10, 3, 150, 3, 3)),
        ({"follow_farming": {"min_following": 80}}, Gates(10, 5, 80, 3, 3)),
    ],
)
def test_a_config_that_lowers_a_threshold_lowers_the_gate(config: dict, expected: Gates) -> None:
    engine = StreamEngine(StreamSettings(config=config))
    assert Gates.of(engine._detectors()) == expected


def test_an_unknown_detector_is_judged_from_the_first_post() -> None:
    class Plugin:
        name = "someone_elses_rule"
        thresholds: ClassVar[dict[str, float]] = {}

    assert Gates.of([*build_detectors(), Plugin()]) == Gates(1, 1, 1, 1, 1)


def test_doctests() -> None:
    assert doctest.testmod(gates_module).failed == 0


@pytest.mark.parametrize(
    ("posts", "replies_with_link", "items", "judged"),
    [
        (9, 0, {"a.org/x": 1, "b.org/y": 1}, False),  # posts, but nothing a post rule counts
        (10, 0, None, True),  # what the model reads
        (3, 3, {"a.org/x": 1, "b.org/y": 1, "c.org/z": 1}, True),  # link_reply_spam's count
        (3, 0, {"a.org/x": 3}, True),  # one link in three posts: link_mention_spam's count
        (5, 2, {"a.org/x": 2, "tel:+15551234567": 2}, False),
        (2, 0, {"a.org/x": 2}, False),
    ],
)
def test_an_account_is_judged_for_its_posts_once_a_post_rule_could_count_it(
    posts: int, replies_with_link: int, items: dict[str, int] | None, judged: bool
) -> None:
    gates = Gates.of(build_detectors())
    assert gates.by_posts(posts, replies_with_link, items) is judged
