"""Checkpoints of a collection, kept in the store itself: ``collect_state``.

A collection of a large account takes thousands of requests and can be cut by a rate limit, a
network fault or Ctrl-C. Its position is saved after every page, in the same transaction as the
page's rows, so the store and the checkpoint never disagree: a rerun of the same command goes on
from the last saved cursor, and a page loaded twice would be deduplicated anyway.

One row per (platform, target, step). ``cursor`` is what the step needs to go on (an API cursor,
a next-page path, a resolved id, or a JSON list of work left), ``items`` what it has fetched so far
(so limits hold across runs), ``done`` whether it finished. A finished collection leaves only a
``complete`` row; the next run then starts afresh (a new observation), not from the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from tigerblood.store import Store

TABLE = "collect_state"
COMPLETE = "complete"


@dataclass
class StepState:
    """Where one step of a collection stands."""

    step: str
    cursor: str | None = None
    items: int = 0
    done: bool = False


class Checkpoints:
    """The checkpoint rows of one (platform, target) in a store.

    >>> cp = Checkpoints(Store(), "bluesky", "alice.example.com")
    >>> cp.save(StepState("followers", cursor="abc", items=100))
    >>> cp.load()["followers"].cursor
    'abc'
    """

    def __init__(self, store: Store, platform: str, target: str) -> None:
        self.store, self.platform, self.target = store, platform, target
        store.sql(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (platform VARCHAR, target VARCHAR, "
            "step VARCHAR, cursor VARCHAR, items BIGINT, done BOOLEAN, updated_at TIMESTAMPTZ)"
        )

    def load(self) -> dict[str, StepState]:
        """Every saved step of this target."""
        rows = self.store.sql(
            f"SELECT step, cursor, items, done FROM {TABLE} WHERE platform = ? AND target = ?",
            [self.platform, self.target],
        )
        return {r[0]: StepState(r[0], r[1], int(r[2] or 0), bool(r[3])) for r in rows}

    def begin(self, fresh: bool = False) -> dict[str, StepState]:
        """The steps to resume from, or ``{}`` after a completed run, a new target or ``fresh``."""
        steps = self.load()
        if fresh or not steps or COMPLETE in steps:
            self.clear()
            return {}
        return steps

    def save(self, state: StepState) -> None:
        """Replace this step's row (callers wrap it in the page's transaction)."""
        self.store.sql(
            f"DELETE FROM {TABLE} WHERE platform = ? AND target = ? AND step = ?",
            [self.platform, self.target, state.step],
        )
        self.store.sql(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, now())",
            [self.platform, self.target, state.step, state.cursor, state.items, state.done],
        )

    def clear(self) -> None:
        """Forget this target's checkpoints."""
        self.store.sql(
            f"DELETE FROM {TABLE} WHERE platform = ? AND target = ?", [self.platform, self.target]
        )

    def complete(self) -> None:
        """Mark the run finished: the steps go, one ``complete`` row stays (with its time)."""
        self.clear()
        self.save(StepState(COMPLETE, done=True))
