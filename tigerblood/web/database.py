"""The store the app serves: one DuckDB connection for the process, one cursor per request.

A DuckDB connection must not be used by two threads at once, and FastAPI runs each request's
synchronous handlers in a thread pool; a cursor is a cheap second connection to the same
database, with its own transaction, so requests read and write side by side without a lock.
The file is opened read-write (reviews are written) and therefore held by this process alone,
which is also why reports can be cached while it runs: nothing else can change the verdicts.

For the same reason the work every first look at an account would repeat is done once, in the
background, as the server starts (:meth:`Database.warm_up`): the index of who addresses whom
(the audit's repliers), the mirror's compiled evidence queries and the unflagged accounts it
compares with, every campaign's posts, the verdicts' patterns (for the accounts filter), the
reports' templates and the overview. Requests that come before it is done are answered the slow
way, with the same content.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import orjson

from tigerblood.reports import posts
from tigerblood.reports.addressed import AddressIndex
from tigerblood.reports.i18n import LANGUAGES
from tigerblood.reports.mirror import measured
from tigerblood.reports.populations import Populations
from tigerblood.reports.render import environment
from tigerblood.reports.target import ensure_judged
from tigerblood.store import Store
from tigerblood.web import campaigns, queries
from tigerblood.web.templating import templates


class CursorStore(Store):
    """A :class:`Store` over a cursor of an already open store (the base class opens a file),
    with the store's tables listed once (``known_tables``, read by
    :func:`~tigerblood.reports.target.has_table`): no table is created while serving."""

    def __init__(self, parent: Store, known_tables: frozenset[str] | None = None) -> None:
        self.path = parent.path  # the parent already created the tables
        self.con = parent.con.cursor()
        self.known_tables = known_tables
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


log = logging.getLogger(__name__)
CAMPAIGNS = 1000
"""Campaigns kept in memory for the list (the API's largest page)."""


class Database:
    """The served store: judged on opening when it holds no verdicts yet, warmed up in the
    background (``warm=False`` leaves that to the caller: :meth:`warm_up`)."""

    def __init__(self, path: Path, warm: bool = True) -> None:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such database (build one with `scan --db`)")
        self.path = path
        self.store = Store(path)
        ensure_judged(self.store)
        self.tables = frozenset(
            row[0]
            for row in self.store.sql(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database()"
            )
        )
        self.model_version = model_version()
        self._overview: dict[str, Any] | None = None
        self._campaigns: list[dict[str, Any]] | None = None
        self.address_index: AddressIndex | None = None
        """Set once built; reports read it when it is there."""
        self.campaign_items: campaigns.Items | None = None
        """Every campaign's posts, once read."""
        self.populations = Populations()
        """The unflagged accounts the mirrors compare with, read once (at the warm-up)."""
        self.patterns_table: str | None = None
        """The verdicts' patterns, once read (:func:`tigerblood.web.queries.extract_patterns`)."""
        self.warmed = threading.Event()
        self.warm_seconds: float | None = None
        self._warming: Store | None = None
        self._thread = threading.Thread(target=self.warm_up, name="tigerblood-warm", daemon=True)
        if warm:
            self._thread.start()

    def warm_up(self) -> None:
        """Build what first looks at accounts need (see the module's docstring); errors are
        logged, never raised: the server answers without it, only slower."""
        start = time.perf_counter()
        try:
            with self.cursor() as store:
                self._warming = store
                self.overview(store)
                self.patterns_table = queries.extract_patterns(store)
                posts.prepare(store)
                columns = set(store.arrow("SELECT * FROM features LIMIT 0").column_names)
                self.populations.prepare(store, measured(columns))
                for code in LANGUAGES:  # the templates of a first look, compiled
                    for name in ("audit.html", "mirror.html", "behaviour_charts.html"):
                        environment(code).get_template(name)
                    templates(code).env.get_template("account.html")
                self.campaign_items = campaigns.all_items(store)
                self.address_index = AddressIndex.build(store)
        except Exception:  # a closed or interrupted store: serve without the index
            log.exception("warming up %s failed; first looks at accounts will be slower", self)
        finally:
            self._warming = None
            self.warm_seconds = time.perf_counter() - start
            self.warmed.set()

    def overview(self, store: Store) -> dict[str, Any]:
        """:func:`tigerblood.web.queries.overview`, computed once: it reads every verdict's
        JSON, and verdicts cannot change while this process holds the file."""
        if self._overview is None:
            self._overview = queries.overview(store)
        return self._overview

    def campaign_list(self, store: Store, limit: int) -> list[dict[str, Any]]:
        """:func:`tigerblood.web.campaigns.campaign_list`: the largest :data:`CAMPAIGNS` read
        once (campaigns cannot change while this process holds the file either), then cut."""
        if limit > CAMPAIGNS:
            return campaigns.campaign_list(store, limit)
        if self._campaigns is None:
            self._campaigns = campaigns.campaign_list(store, CAMPAIGNS)
        return self._campaigns[:limit]

    @contextmanager
    def cursor(self) -> Iterator[Store]:
        """A store for one request, closed after it."""
        store = CursorStore(self.store, self.tables)
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        """Release the file (another process may open it afterwards), stopping the warm-up."""
        warming = self._warming
        if warming is not None:
            warming.con.interrupt()
        if self._thread.is_alive():
            self._thread.join(30)
        self.store.close()
