"""The mirror on generated ground truth and on the bundled sample (issue 18's targets): every
behaviour line is compared with a named population or says it has none, and the mirror of each
generated manipulative account puts the behaviour it was generated with among its top two lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tigerblood.ingest.pipeline import ingest
from tigerblood.reports.mirror import BehaviourResult, MirrorReport, mirror
from tigerblood.reports.target import ensure_judged
from tigerblood.store import Store
from tigerblood.testing.scenarios import PATTERNS, Scenario, Sizes, generate

SIZES = Sizes(genuine=20, link_reply_spam=2, follow_farming=2, pitch_conversation=2, campaign=5)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Store]:
    made = generate(tmp_path_factory.mktemp("mirror-scenario"), seed=18, sizes=SIZES)
    store = Store()
    ingest([made.events], store)
    ensure_judged(store)
    return made, store


@pytest.fixture(scope="module")
def sample() -> Store:
    store = Store()
    ingest([Path(SAMPLE)], store)
    ensure_judged(store)
    return store


def honest(line: BehaviourResult) -> None:
    """A standing names its population; a line without one says so (or trips a detector)."""
    if line.standing in {"typical", "unusual"}:
        population = line.population
        assert population is not None and population.accounts > 0, line.behaviour.feature
        assert population.platform and population.source, line.behaviour.feature
    elif line.value is not None and line.population is None:
        assert line.standing in {"no_reference", "trips", "near"}, line.behaviour.feature
    elif line.value is None:
        assert line.standing == "unknown" and line.reason, line.behaviour.feature


def top_patterns(report: MirrorReport, n: int = 2) -> set[str]:
    return {p for line in report.ranked()[:n] for p in line.behaviour.patterns}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_generated_account_sees_its_own_behaviour_among_its_top_two_lines(
    scenario: tuple[Scenario, Store], pattern: str
) -> None:
    made, store = scenario
    for did in sorted(made.accounts(pattern)):
        report = mirror(store, f"bluesky:{did}")
        assert pattern in top_patterns(report), (did, [r.standing for r in report.ranked()])
        for line in report.behaviours:
            honest(line)


def test_every_line_on_the_sample_has_a_reference_or_says_it_has_none(sample: Store) -> None:
    rows = sample.sql("SELECT account_id FROM verdicts ORDER BY flagged, score DESC, account_id")
    picks = [rows[0][0], rows[len(rows) // 2][0], rows[-1][0]]  # genuine-looking to flagged
    for account in picks:
        report = mirror(sample, f"twitter:{account}")
        assert report.behaviours
        for line in report.behaviours:
            honest(line)
