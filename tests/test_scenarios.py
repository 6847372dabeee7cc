"""End to end on a generated scenario: Jetstream events through the real ingest pipeline, threads,
campaigns, features and every detector; precision and recall per seed pattern.

The bars are for the machinery (does each pattern, as the field report describes it, come out
of the pipeline as that pattern and nothing else), not figures to quote: generated data is easy,
and no threshold is tuned on it (the detectors' defaults are argued in their docstrings).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.conversation_support import all_detectors, feature_table
from tigerblood.campaigns import find_campaigns
from tigerblood.conversations import build_conversations
from tigerblood.ingest.pipeline import ingest
from tigerblood.ingest.registry import detect
from tigerblood.store import Store
from tigerblood.testing.scenarios import PATTERNS, Scenario, Sizes, generate

MIN_PRECISION = 0.8
MIN_RECALL = 0.8


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, dict[str, set[str]], Store]:
    scenario = generate(tmp_path_factory.mktemp("scenario"), seed=0)
    store = Store()
    report = ingest([scenario.events], store)
    assert not report.failed_sources and report.quarantined == 0
    build_conversations(store)
    find_campaigns(store)
    features = feature_table(store)
    found: dict[str, set[str]] = defaultdict(set)
    for detector in all_detectors():
        for finding in detector.detect(features):
            found[finding.pattern].add(finding.account_id)
    return scenario, found, store


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_pattern_is_found_with_precision_and_recall(run, pattern: str) -> None:
    scenario, found, _ = run
    truth, predicted = scenario.accounts(pattern), found[pattern]
    hits = len(truth & predicted)
    assert truth, pattern
    assert hits / len(truth) >= MIN_RECALL, (pattern, len(truth), len(predicted), hits)
    assert predicted and hits / len(predicted) >= MIN_PRECISION, (pattern, predicted - truth)


def test_genuine_accounts_are_rarely_found_at_all(run) -> None:
    scenario, found, _ = run
    genuine = scenario.accounts("genuine")
    flagged = genuine & set().union(*found.values())
    assert len(flagged) <= 0.05 * len(genuine), flagged


def test_the_campaign_cites_the_shortened_link_by_its_destination(run) -> None:
    _, _, store = run
    keys = {row[0] for row in store.sql("SELECT key FROM campaigns WHERE kind LIKE 'link%'")}
    assert "moonr-airdrop.example.org/bonus" in keys  # bit.ly expanded from the link cards
    assert "moonr-airdrop.example.org/claim" in keys  # ?ref= tags removed


def test_events_are_jetstream_every_account_is_labelled_and_the_seed_repeats(
    tmp_path: Path,
) -> None:
    sizes = Sizes(
        genuine=10, link_reply_spam=1, follow_farming=1, pitch_conversation=1, campaign=5, days=3
    )
    first = generate(tmp_path / "a", seed=7, sizes=sizes)
    second = generate(tmp_path / "b", seed=7, sizes=sizes)
    assert first.events.read_bytes() == second.events.read_bytes()
    assert first.labels.read_text() == second.labels.read_text()
    assert detect(first.events).name == "bluesky-jetstream"
    store = Store()
    ingest([first.events], store)
    stored = {row[0] for row in store.sql("SELECT account_id FROM accounts")}
    assert stored == set(first.truth)
    assert len(first.labels.read_text().splitlines()) == len(first.truth) + 1


def test_every_manipulative_account_and_none_other_has_its_acts_on_record(run) -> None:
    """The acts the feed's harm figure counts (``Scenario.acts``): each is one of the
    account's own events in the capture, in time order, and only manipulative accounts have
    any."""
    scenario, _, store = run
    manipulative = {d for d, kind in scenario.truth.items() if kind != "genuine"}
    assert set(scenario.acts) == manipulative
    for did, acts in scenario.acts.items():
        assert acts == sorted(acts)
        table = "follows" if scenario.truth[did] == "follow_farming" else "posts"
        column = "follower_id" if table == "follows" else "account_id"
        rows = store.sql(f"SELECT epoch_ms(created_at) FROM {table} WHERE {column} = ?", [did])
        own = sorted(ms for (ms,) in rows)
        # The records carry milliseconds; each act is one of them (matched in order).
        assert all(any(abs(ms - at * 1000) < 1 for ms in own) for at in acts), did
        assert len(own) >= len(acts)
