"""One collection run: pages into the store and the raw log, with their checkpoint, atomically.

Every page goes the same way: appended to the raw log (``--raw``), mapped by the platform's ingest
adapter, loaded, and the step's checkpoint saved, the last two in one transaction. A run cut
anywhere therefore leaves the store and its checkpoint in step; the raw log may hold a page twice,
which a rescan deduplicates like the store does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from tigerblood import model
from tigerblood.collect.http import HttpClient
from tigerblood.collect.state import Checkpoints, StepState
from tigerblood.ingest.base import Batch
from tigerblood.ingest.entity_words import fill_entities
from tigerblood.store import Store

_TABLES = ("accounts", "posts", "follows", "likes", "account_snapshots", "quarantine")


@dataclass
class CollectReport:
    """What a run did: rows mapped and rows new to the store per table, requests, resumption."""

    platform: str
    target: str
    account_id: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    """Rows mapped from the responses, per table (a row seen twice counts twice)."""
    new_rows: dict[str, int] = field(default_factory=dict)
    """Rows the store did not hold before this run, per table."""
    steps: dict[str, int] = field(default_factory=dict)
    """Items fetched per step in this run (followers, posts, threads, profiles...)."""
    pages: int = 0
    requests: int = 0
    retries: int = 0
    resumed: bool = False
    raw_path: Path | None = None


class Session:
    """The store, client, checkpoints, raw log and report of one run.

    ``on_progress(step, items)`` is called after every saved page (for a progress display).

    ``merge_accounts`` folds a new account row into the stored one (non-null values win), as the
    AppView adapter does inside one file: a follower first seen in a list has no counts, which its
    ``getProfiles`` view adds later. Without it the first row seen is kept, as everywhere else.
    """

    def __init__(
        self,
        platform: str,
        target: str,
        store: Store,
        client: HttpClient,
        *,
        raw_dir: Path | None = None,
        fresh: bool = False,
        merge_accounts: bool = False,
        on_progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self.store, self.client, self.merge = store, client, merge_accounts
        self.on_progress = on_progress
        self.checkpoints = Checkpoints(store, platform, target)
        self.states = self.checkpoints.begin(fresh)
        self.report = CollectReport(platform, target, resumed=bool(self.states))
        self.source = f"collect:{platform}:{target}"
        self._before = {table: store.count(table) for table in _TABLES}
        self.raw: Path | None = None
        if raw_dir is not None:
            Path(raw_dir).mkdir(parents=True, exist_ok=True)
            safe = re.sub(r"[^A-Za-z0-9._@-]+", "_", target)
            self.raw = Path(raw_dir) / f"{platform}-{safe}.jsonl"
            self.report.raw_path = self.raw

    def state(self, step: str) -> StepState:
        """The saved state of ``step`` (a fresh one when it never ran)."""
        return self.states.setdefault(step, StepState(step))

    def save(self, raw: Any, batches: Iterable[Batch], *states: StepState, items: int = 0) -> None:
        """Log ``raw``, load ``batches`` and save ``states``; ``items`` counts toward the step."""
        if self.raw is not None:
            with self.raw.open("ab") as handle:
                handle.write(orjson.dumps(raw) + b"\n")
        self.store.sql("BEGIN TRANSACTION")
        try:
            for batch in batches:
                self._load(batch.table, batch.data)
            for state in states:
                self.checkpoints.save(state)
            self.store.sql("COMMIT")
        except BaseException:
            self.store.sql("ROLLBACK")
            raise
        self.states.update((state.step, state) for state in states)
        self.report.pages += 1
        if states:
            step = states[0].step
            self.report.steps[step] = self.report.steps.get(step, 0) + items
            if self.on_progress is not None:
                self.on_progress(step, states[0].items)

    def queue(self, step: str, items: Iterable[str], limit: int) -> StepState:
        """``step``'s state with ``items`` added to its work list (a JSON list kept as cursor),
        up to ``limit`` entries, without repeats. Saved with the page that found them."""
        state = self.state(step)
        todo: list[str] = orjson.loads(state.cursor) if state.cursor else []
        for item in items:
            if len(todo) >= limit:
                break
            if item not in todo:
                todo.append(item)
        return StepState(step, orjson.dumps(todo).decode(), state.items, False)

    def skip(self, state: StepState, counter: str) -> None:
        """Move past an item the server no longer has (counted under ``counter``)."""
        self.checkpoints.save(state)
        self.states[state.step] = state
        self.report.steps[counter] = self.report.steps.get(counter, 0) + 1

    def _load(self, table: str, data: pa.Table) -> None:
        self.report.rows[table] = self.report.rows.get(table, 0) + data.num_rows
        if table == "posts":  # as the ingest pipeline does: entities for new posts only
            data = fill_entities(self.store.con, self.store.unseen("posts", data))
        if table == "accounts" and self.merge:
            merge_accounts(self.store, data)
        else:
            self.store.load(table, data)

    def finish(self) -> CollectReport:
        """Mark the collection complete and fill in the request and new-row counts."""
        self.checkpoints.complete()
        return self.close()

    def close(self) -> CollectReport:
        """The report so far (also for a run that failed part-way)."""
        self.report.requests = self.client.requests
        self.report.retries = self.client.retries
        self.report.new_rows = {
            table: self.store.count(table) - before for table, before in self._before.items()
        }
        return self.report


def merge_accounts(store: Store, data: pa.Table) -> None:
    """Upsert account rows: each column takes the new value unless it is null.

    This is :func:`tigerblood.ingest.bluesky.records.merge_account` applied across pages, so a
    collection stored page by page equals its raw log scanned as one file.
    """
    if data.num_rows == 0:
        return
    data = model.conform("accounts", data)
    columns = [f.name for f in model.ACCOUNTS]
    pick = ", ".join(f"coalesce(i.{c}, s.{c}) AS {c}" for c in columns)
    on = "s.platform = i.platform AND s.account_id = i.account_id"
    store.con.register("_new_accounts", data)
    try:
        merged = store.arrow(
            f"SELECT {pick} FROM _new_accounts i LEFT JOIN accounts s ON {on} "
            "QUALIFY row_number() OVER (PARTITION BY i.platform, i.account_id) = 1"
        )
        store.sql(f"DELETE FROM accounts s USING _new_accounts i WHERE {on}")
    finally:
        store.con.unregister("_new_accounts")
    store.load("accounts", merged)
