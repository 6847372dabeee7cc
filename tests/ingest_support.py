"""Helpers shared by the adapter tests: read every batch into plain rows per table."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tigerblood import model
from tigerblood.ingest.base import Adapter

DATA = Path(__file__).resolve().parent / "data"


def read_all(adapter: Adapter, path: Path) -> dict[str, list[dict]]:
    """Every row the adapter yields for ``path``, by table; checks each batch's schema."""
    out: dict[str, list[dict]] = defaultdict(list)
    for batch in adapter.read(path):
        assert batch.data.schema.equals(model.SCHEMAS[batch.table]), batch.table
        out[batch.table].extend(batch.data.to_pylist())
    return out


def ids(rows: list[dict], column: str) -> set:
    return {row[column] for row in rows}


def pairs(rows: list[dict]) -> set[tuple[str, str]]:
    return {(row["follower_id"], row["followee_id"]) for row in rows}


def by_field(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        out[row["field"]].append(row)
    return out
