"""Tables that Python steps store beside the model tables, read by feature families.

MinHash, thread walking and a text classifier are not portable Ibis (DESIGN §3.5): they run once
as Python steps and store tables (``conversation_turns``, ``post_pitch``, ``campaign_members``...).
A family reads them from the same backend as the model tables. When a step has not run on this
store (an old file, a caller that only wants the core features), the table reads as empty, so its
features come out as "nothing seen" instead of failing the whole feature table.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis.common.exceptions import TableNotFound

from tigerblood.features.base import ModelTables


def stored_table(tables: ModelTables, name: str, schema: dict[str, str]) -> ir.Table:
    """Table ``name`` of the model tables' backend, or an empty table with ``schema``.

    >>> from tigerblood.features.compute import tables_of
    >>> from tigerblood.store import Store
    >>> empty = stored_table(tables_of(Store()), "nothing_here", {"post_id": "string"})
    >>> empty.count().execute()
    0
    """
    try:
        return tables.posts.get_backend().table(name).select(*schema)
    except TableNotFound:
        return ibis.memtable(ibis.schema(schema).to_pyarrow().empty_table())
