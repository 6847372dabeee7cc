"""The parts of the feature expression read more than once, computed once on Spark.

DuckDB runs the feature expression as one plan and computes a common table expression once.
Spark inlines every deterministic CTE at each of its references, and the references nest (a part
read by a part that is read twice is read four times): on the demo sample the feature plan read
the posts 285 times and the accounts 77 times, with 761 exchanges, and on Cresci-2015 the feature
query took most of a 20-minute scan. So before the query runs, each part the expression reads in
more than one place, and that does real work (an aggregate, a join, a set operation, a distinct),
is written once as a table and read back by name, innermost parts first. The SQL that remains
reads those tables; the rows are the same (the parity tests compare them with DuckDB's).

A part that only filters or projects a stored table is left inline: reading the table again
costs what writing the copy would.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.common.graph import Graph
from ibis.common.patterns import InstanceOf

WORK = (ops.Aggregate, ops.JoinChain, ops.Set, ops.Distinct)
"""Relations that cost a shuffle: a part holding one is worth computing once."""

NOT_A_READ = InstanceOf((ops.Field, ops.CountStar, ops.CountDistinctStar))
"""Nodes that name a relation without reading it again (a column of it, a count of it), as
Ibis's own CTE extraction counts them."""


def shared_parts(root: ops.Node) -> list[ops.Relation]:
    """The relations under ``root`` read by more than one parent that do work, in no order."""
    graph = Graph.from_bfs(root, filter=~NOT_A_READ)
    return [
        node
        for node, readers in graph.invert().items()
        if len(readers) > 1
        and isinstance(node, ops.Relation)
        and not isinstance(node, (ops.PhysicalTable, ops.Reference))
        and any(isinstance(n, WORK) for n in Graph.from_bfs(node, filter=~NOT_A_READ))
    ]


def innermost(parts: list[ops.Relation]) -> ops.Relation:
    """A part that holds no other part: computed first, it is final."""
    others = set(parts)
    for part in parts:
        below = Graph.from_bfs(part, filter=~NOT_A_READ)
        if not any(node in others and node is not part for node in below):
            return part
    raise AssertionError("shared parts form a cycle")  # an expression graph is acyclic


def compute_shared_parts(
    expr: ir.Table, write: Callable[[str, ir.Table], ops.Relation], prefix: str = "_part"
) -> ir.Table:
    """``expr`` with every shared part replaced by the table ``write(name, part)`` returns
    after computing it, innermost first.

    >>> def write(name, part):  # doctest: +SKIP
    ...     spark.sql(backend.compile(part)).write.parquet(f"run/parts/{name}")
    ...     spark.read.parquet(f"run/parts/{name}").createOrReplaceTempView(name)
    ...     return backend.table(name).op()
    >>> compute_shared_parts(feature_expr(tables), write)  # doctest: +SKIP
    """
    root = expr.op()
    count = 0
    while parts := shared_parts(root):
        part = innermost(parts)
        table = write(f"{prefix}_{count}", part.to_expr())
        root = root.replace({part: table})
        count += 1
    return root.to_expr()
