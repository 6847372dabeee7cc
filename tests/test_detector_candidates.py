"""The column-wise pre-selection of rule detectors (``RuleDetector.candidates``) loses nothing:
on any table, every row that judging it row by row would make a finding is a candidate."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from tigerblood.detectors.base import RuleDetector
from tigerblood.detectors.registry import build_detectors
from tigerblood.stream.engine import feature_schema

DETECTORS = [d for d in build_detectors(None) if isinstance(d, RuleDetector)]


def _read_columns() -> dict[str, pa.DataType]:
    """Every column a rule detector reads, with its type in the feature table."""
    schema = feature_schema()
    # What overridden judge methods read besides their signals and evidence.
    names = {"throwaway_campaign_accounts", "talked_with_accounts", "pitched_to_accounts"}
    for detector in DETECTORS:
        names |= {s.feature for s in detector.SIGNALS} | set(detector.EVIDENCE)
    return {n: schema.field(n).type for n in sorted(names) if n in schema.names}


COLUMNS = _read_columns()
EDGES = sorted(
    {
        float(value) + delta
        for detector in DETECTORS
        for value in detector.thresholds.values()
        for delta in (-1.0, -1e-9, 0.0, 1e-9, 1.0)
    }
)
"""Values at and around every threshold, where a pre-selection would slip if it could."""


def _value(kind: pa.DataType) -> st.SearchStrategy[Any]:
    if pa.types.is_boolean(kind):
        return st.one_of(st.none(), st.booleans())
    if pa.types.is_integer(kind):
        return st.one_of(
            st.none(), st.sampled_from([int(e) for e in EDGES if e >= 0]), st.integers(0, 10**6)
        )
    if pa.types.is_floating(kind):
        return st.one_of(st.none(), st.just(math.nan), st.sampled_from(EDGES), st.floats(0, 1e4))
    return st.one_of(st.none(), st.sampled_from(["example.org/a", "tel:+15551234567", "x"]))


ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "platform": st.sampled_from(["twitter", "bluesky", "instagram", "mastodon"]),
            "account_id": st.uuids().map(str),
            **{name: _value(kind) for name, kind in COLUMNS.items()},
        }
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(ROWS)
def test_every_row_judge_would_find_is_a_candidate(rows: list[dict[str, Any]]) -> None:
    schema = pa.schema([pa.field("platform", pa.string()), pa.field("account_id", pa.string())])
    for name, kind in COLUMNS.items():
        schema = schema.append(pa.field(name, kind))
    table = pa.Table.from_pylist(rows, schema=schema)
    for detector in DETECTORS:
        maybe = detector.candidates(table)
        assert maybe is not None, detector.name  # every built-in one is pre-selected
        for row, candidate in zip(table.to_pylist(), maybe, strict=True):
            score, met = detector.judge(row)
            found = score >= detector.thresholds["min_score"] and bool(met)
            assert candidate or not found, (detector.name, row)


def test_a_subclass_that_overrides_judge_alone_is_judged_row_by_row() -> None:
    class Lenient(DETECTORS[0].__class__):  # type: ignore[misc,name-defined]
        def judge(self, row: dict[str, Any]) -> tuple[float, list[Any]]:
            return 1.0, [replace(self.SIGNALS[0], phrase="")]  # what no signal would find

    table = pa.Table.from_pylist([{"platform": "bluesky", "account_id": "a"}])
    assert Lenient().candidates(table) is None
    assert [f.account_id for f in Lenient().detect(table)] == ["a"]
