"""The feature query's shared parts are computed once, innermost first, and the rows stay the same.

Engine-independent: the parts are written as DuckDB tables here (on Spark they are Parquet
folders, covered by tests/test_spark_scan.py's parity with DuckDB).
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from tigerblood.features.compute import feature_expr, tables_of
from tigerblood.scan import scan
from tigerblood.spark.shared_parts import compute_shared_parts, shared_parts
from tigerblood.store import Store

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cresci-2015-sample"


def test_a_part_read_twice_is_written_once_and_a_filter_read_twice_stays_inline() -> None:
    con = ibis.duckdb.connect()
    con.con.register("posts", pa.table({"account_id": ["a", "a", "b", "c"], "n": [1, 2, 3, 4]}))
    posts = con.table("posts")
    big = posts.filter(posts.n > 1)  # read twice below, but only a filter: left inline
    per_account = big.group_by("account_id").aggregate(total=big.n.sum())  # read twice
    best = per_account.aggregate(top=per_account.total.max())
    expr = per_account.cross_join(best).filter(lambda t: t.total == t.top)
    assert shared_parts(expr.op()) == [per_account.op()]

    written: list[str] = []

    def write(name: str, part: ir.Table) -> ops.Relation:
        written.append(name)
        con.con.register(name, part.to_pyarrow())
        return con.table(name).op()

    rewritten = compute_shared_parts(expr, write)
    assert written == ["_part_0"]
    assert rewritten.to_pyarrow().to_pylist() == [{"account_id": "c", "total": 4, "top": 4}]
    assert "_part_0" in ibis.to_sql(rewritten, dialect="duckdb")
    assert shared_parts(rewritten.op()) == []


@pytest.mark.slow
def test_the_feature_query_over_its_parts_gives_the_feature_rows() -> None:
    store = Store()
    scan([SAMPLE], store)
    tables = tables_of(store)
    expr = feature_expr(tables)
    backend = tables.posts.get_backend()
    names: list[str] = []

    def write(name: str, part: ir.Table) -> ops.Relation:
        names.append(name)
        store.con.register(name, part.to_pyarrow())
        return ops.DatabaseTable(name=name, schema=part.schema(), source=backend)

    rewritten = compute_shared_parts(expr, write)
    assert len(names) >= 5  # conversations, campaigns and listening each share a part
    assert rewritten.to_pyarrow().equals(store.arrow("SELECT * FROM features"))
    store.close()
