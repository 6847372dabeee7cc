"""Build ``tigerblood/data/reference_genuine.json``: where genuine accounts stand, per feature.

The mirror compares an account with genuine accounts; people need that comparison to come from a
named, labelled population, not from whatever happens to be scanned. We use the genuine accounts
(label 0) of Cresci-2015, the feature code of this checkout, and record both in the file.

    python -m tigerblood.reports.build_reference [--data DIR] [--db FILE] [--out FILE]

``--db`` reuses a DuckDB store that already holds the data set's model tables (an earlier
``tigerblood scan --db``), which skips ingestion; features are always recomputed here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from tigerblood.features.compute import DESCRIPTIONS, compute_features
from tigerblood.ingest.pipeline import ingest
from tigerblood.store import Store

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cresci-2015"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "reference_genuine.json"
POINTS = (1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 99)
"""Percentiles stored per feature: every 5th, plus the 1st and 99th for the tails."""

CITATION = (
    'S. Cresci, R. Di Pietro, M. Petrocchi, A. Spognardi, M. Tesconi, "Fame for sale: Efficient '
    'detection of fake Twitter followers", Decision Support Systems 80:56-71, 2015.'
)


def load(store: Store, data: Path, db: Path | None) -> str:
    """Fill ``store`` with the data set's model tables; returns how (for the provenance)."""
    if db is None:
        report = ingest([data], store)
        return f"ingested from {data.name}/ by tigerblood.ingest ({report.quarantined} quarantined)"
    store.sql(f"ATTACH '{db}' AS src (READ_ONLY)")
    for table in ("accounts", "posts", "follows"):
        store.sql(f"INSERT INTO {table} SELECT * FROM src.{table}")
    store.sql("DETACH src")
    return "model tables copied from a DuckDB store built by tigerblood.ingest from the same files"


def numeric_features(store: Store) -> list[str]:
    """Feature columns that hold numbers (``top_url`` is text and has no percentile)."""
    types = dict(
        store.sql(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'features'"
        )
    )
    return [n for n in DESCRIPTIONS if types.get(n) in {"DOUBLE", "BIGINT", "INTEGER", "FLOAT"}]


def percentiles(store: Store, labels: Path) -> tuple[int, dict[str, Any]]:
    """Per feature over the genuine accounts: non-null count, mean and the :data:`POINTS`."""
    store.sql(
        f"CREATE OR REPLACE TEMP TABLE genuine AS SELECT f.* FROM features f JOIN "
        f"read_csv('{labels}', all_varchar=true) l USING (platform, account_id) "
        f"WHERE l.label = '0'"
    )
    total = int(store.sql("SELECT count(*) FROM genuine")[0][0])
    out: dict[str, Any] = {}
    qs = ", ".join(str(p / 100) for p in POINTS)
    for name in numeric_features(store):
        n, mean, values = store.sql(
            f"SELECT count({name}), avg({name}), quantile_cont({name}, [{qs}]) FROM genuine"
        )[0]
        if not n:
            out[name] = {"n": 0, "description": DESCRIPTIONS[name], "percentiles": None}
            continue
        out[name] = {
            "n": int(n),
            "description": DESCRIPTIONS[name],
            "mean": round(float(mean), 6),
            "percentiles": {
                f"p{p}": round(float(v), 6) for p, v in zip(POINTS, values, strict=True)
            },
        }
    return total, out


def build(data: Path, db: Path | None, out: Path, command: str = "") -> dict[str, Any]:
    """Compute the reference and write it to ``out``."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "reference.duckdb")
        how = load(store, data, db)
        compute_features(store)
        total, features = percentiles(store, data / "labels.csv")
        store.close()
    reference = {
        "population": {
            "name": "Cresci-2015 genuine accounts",
            "accounts": total,
            "selection": "label 0 (kind genuine) in labels.csv: groups E13 and TFP of the paper",
            "citation": CITATION,
            "data": "../shared/data/cresci-2015 (see its PROVENANCE.md): Twitter, 2013 snapshot",
            "loading": how,
            "features": "tigerblood.features.compute.compute_features of this checkout",
            "built_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "build_seconds": round(time.perf_counter() - started, 1),
            "command": command or "python -m tigerblood.reports.build_reference",
            "caveats": "No follow graph in this data set, so follow-based features "
            "(reply_to_non_followers_share) have no reference here. Posts carry no reply ids: "
            "replies are the tweets that open with a mention, as Twitter showed them then. "
            "Profiles carry no creation date, so posts_per_day is observed posts per day "
            "between the first and last post collected (at most ~3,200 recent tweets each).",
        },
        "points": list(POINTS),
        "features": features,
    }
    out.write_bytes(orjson.dumps(reference, option=orjson.OPT_INDENT_2) + b"\n")
    return reference


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Cresci-2015 folder")
    parser.add_argument("--db", type=Path, default=None, help="DuckDB store already holding it")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    shown = [a if not a.startswith("/") else Path(a).name for a in (argv or sys.argv[1:])]
    command = " ".join(["python -m tigerblood.reports.build_reference", *shown])
    reference = build(args.data, args.db, args.out, command)
    print(
        f"{args.out}: {reference['population']['accounts']} genuine accounts, "
        f"{len(reference['features'])} features, {reference['population']['build_seconds']} s"
    )


if __name__ == "__main__":
    main()
