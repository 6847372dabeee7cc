"""The store the app serves: one DuckDB connection for the process, one cursor per request.

A DuckDB connection must not be used by two threads at once, and FastAPI runs each request's
synchronous handlers in a thread pool; a cursor is a cheap second connection to the same
database, with its own transaction, so requests read and write side by side without a lock.
The file is opened read-write (reviews are written) and therefore held by this process alone,
which is also why reports can be cached while it runs: nothing else can change the verdicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import orjson

from tigerblood.reports.target import ensure_judged
from tigerblood.store import Store
from tigerblood.web import queries


class CursorStore(Store):
    """A :class:`Store` over a cursor of an already open store (the base class opens a file)."""

    def __init__(self, parent: Store) -> None:  # the parent already created the tables
        self.path = parent.path
        self.con = parent.con.cursor()
        self.sql("SET TimeZone = 'UTC'")


@cache
def model_version() -> str:
    """What produced the verdicts being reviewed: tigerblood's version and the shipped model's
    date (a verdict does not record the model file ``scan --model-path`` was given)."""
    try:
        package = version("tigerblood")
    except PackageNotFoundError:
        package = "dev"
    from tigerblood.learn.detector import default_model_path

    path = default_model_path()
    created = orjson.loads(path.read_bytes()).get("created") if path.exists() else None
    return f"tigerblood {package}; model {created or 'none'}"


class Database:
    """The served store: judged on opening when it holds no verdicts yet."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such database (build one with `scan --db`)")
        self.path = path
        self.store = Store(path)
        ensure_judged(self.store)
        self.model_version = model_version()
        self._overview: dict[str, Any] | None = None

    def overview(self, store: Store) -> dict[str, Any]:
        """:func:`tigerblood.web.queries.overview`, computed once: it reads every verdict's
        JSON, and verdicts cannot change while this process holds the file."""
        if self._overview is None:
            self._overview = queries.overview(store)
        return self._overview

    @contextmanager
    def cursor(self) -> Iterator[Store]:
        """A store for one request, closed after it."""
        store = CursorStore(self.store)
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        """Release the file (another process may open it afterwards)."""
        self.store.close()
