"""Conversations and campaigns over the live window, by the batch code itself.

``pitch_conversation`` and ``coordinated_campaign`` read what no single account's state holds:
threads across speakers, and the same link or near-identical text pushed by several accounts
within a day. Rewriting the thread builder and the MinHash clustering for the stream would give
two definitions that drift, so the window keeps its posts, follows and profiles as model rows,
and every ``every_s`` of feed time (when posts arrived since) loads them into an in-memory store
and runs exactly what ``scan`` runs on a store: ``build_conversations``, ``find_campaigns`` and
the feature expressions, with the campaigns of past runs the window no longer holds put back
(:mod:`tigerblood.stream.campaign_memory`: a crew pushing again a week later meets its partners
again, as in ``scan`` over the week). The columns of the
cross-account families then join each account's own windowed features, and the accounts whose
cross-account values changed are judged again. Parity with ``scan`` on the same events is then a
matter of construction, and a test checks it.

The cost is a batch run over the window each time, so the window's posts are bounded
(``max_posts``, oldest first out): fine for a community's feed or a filtered firehose; on the
whole Bluesky firehose a 24-hour window holds millions of posts, and the cadence must be hours
(docs/stream.md says what was measured).

Example::

    window = CrossWindow(every_s=3600)
    window.add(batches, arrival_s)
    changed = window.run(now_s, horizon_s)   # {key: {column: value}} of accounts that changed
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc

from tigerblood import model
from tigerblood.features import campaigns, conversations, listening
from tigerblood.ingest.base import Batch
from tigerblood.stream.campaign_memory import CampaignMemory

Key = tuple[str, str]

CROSS_FEATURES: tuple[str, ...] = tuple(
    name for family in (conversations, campaigns, listening) for name in family.FEATURES
)
"""The feature columns the stream takes from the cross-account run (the rest it computes itself
per account, :mod:`tigerblood.stream.account`)."""

KEPT_TABLES = ("posts", "follows")


@dataclass
class CrossWindow:
    """The window's model rows and the latest cross-account features (module docstring)."""

    every_s: float = 3600.0
    max_posts: int = 200_000
    rows: dict[str, deque[tuple[float, pa.Table]]] = field(
        default_factory=lambda: {name: deque() for name in KEPT_TABLES}
    )
    profiles: dict[Key, dict[str, Any]] = field(default_factory=dict)
    values: dict[Key, dict[str, Any]] = field(default_factory=dict)
    last_run_s: float = -math.inf
    posts_since_run: int = 0
    runs: int = 0
    posts_held: int = 0
    """Posts in :attr:`rows` (kept as a count: summing the queue on every micro-batch would
    cost a pass over a day of batches each time)."""
    changed: set[Key] = field(default_factory=set)
    """Accounts whose cross-account values changed at the last run."""
    pitch: pa.Table | None = None
    """Pitch scores of the window's posts from past runs (``post_pitch`` rows): a score is a
    function of the text, so a run scores only the thread endings it has not seen, instead of
    every ending of a week's look-back every time."""
    memory: CampaignMemory = field(default_factory=CampaignMemory)
    """Campaigns of past runs, so a crew coming back after the window is seen to
    (:mod:`tigerblood.stream.campaign_memory`)."""

    def add(
        self,
        batches: Iterable[Batch],
        arrival_s: float,
        profiles: Iterable[tuple[Key, dict[str, Any]]] | None = None,
    ) -> None:
        """Keep a micro-batch's posts, follows and profiles (posts already enriched).
        ``profiles``: its accounts batches already read by :func:`profile_rows` (the engine
        reads them for its own state too); None reads them here."""
        for batch in batches:
            if batch.table in KEPT_TABLES and batch.data.num_rows:
                self.rows[batch.table].append((arrival_s, batch.data))
                if batch.table == "posts":
                    self.posts_since_run += batch.data.num_rows
                    self.posts_held += batch.data.num_rows
            elif batch.table == "accounts" and profiles is None:
                self._profiles(profile_rows(batch.data))
        if profiles is not None:
            self._profiles(profiles)
        self._bound()

    def _profiles(self, rows: Iterable[tuple[Key, dict[str, Any]]]) -> None:
        known = self.profiles
        for key, values in rows:
            held = known.get(key)
            if held is None:
                known[key] = dict(values)
            else:
                held.update(values)

    def _bound(self) -> None:
        posts = self.rows["posts"]
        while posts and self.posts_held > self.max_posts:
            self.posts_held -= posts.popleft()[1].num_rows

    def expire(self, horizon_s: float) -> None:
        """Forget rows that arrived before ``horizon_s`` (the engine's window edge)."""
        for name, queue in self.rows.items():
            while queue and queue[0][0] < horizon_s:
                rows = queue.popleft()[1].num_rows
                self.posts_held -= rows if name == "posts" else 0

    def due(self, now_s: float) -> bool:
        """Whether a run is due: posts arrived since the last, and ``every_s`` has passed since
        it (or since the feed started)."""
        if self.last_run_s == -math.inf:
            self.last_run_s = now_s
        return self.posts_since_run > 0 and now_s - self.last_run_s >= self.every_s

    def run(self, now_s: float, alive: Collection[Key]) -> set[Key]:
        """Run the batch cross-account steps over the window; the keys whose values changed
        (also kept in :attr:`changed`). Profiles of accounts no longer held (``alive``) go."""
        from tigerblood.campaigns import find_campaigns
        from tigerblood.conversations import PITCH_DDL, build_conversations
        from tigerblood.features.compute import compute_features
        from tigerblood.store import Store

        self.last_run_s, self.posts_since_run = now_s, 0
        self.runs += 1
        self.profiles = {k: v for k, v in self.profiles.items() if k in alive}
        store = Store()
        try:
            for name, queue in self.rows.items():
                if queue:
                    rows = pa.concat_tables([t for _, t in queue], promote_options="default")
                    store.load(name, rows)
            if self.profiles:
                store.load("accounts", model.to_table("accounts", list(self.profiles.values())))
            if self.pitch is not None and self.pitch.num_rows:
                store.sql(PITCH_DDL)
                store.con.register("_cw_pitch", self.pitch)
                try:
                    store.sql("INSERT INTO post_pitch SELECT * FROM _cw_pitch")
                finally:
                    store.con.unregister("_cw_pitch")
            build_conversations(store)
            self.pitch = store.arrow(
                "SELECT * FROM post_pitch SEMI JOIN posts USING (platform, post_id)"
            )
            find_campaigns(store)
            self.memory.recall(store, self.memory.remember(store, now_s), now_s)
            features = compute_features(store)
        finally:
            store.close()
        keys = zip(
            features.column("platform").to_pylist(),
            features.column("account_id").to_pylist(),
            strict=True,
        )
        columns = [features.column(name).to_pylist() for name in CROSS_FEATURES]
        fresh = {
            key: dict(zip(CROSS_FEATURES, values, strict=True))
            for key, *values in zip(keys, *columns, strict=True)
        }
        self.changed = {
            k for k in fresh.keys() | self.values.keys() if fresh.get(k) != self.values.get(k)
        }
        self.values = fresh
        return self.changed


ARRIVAL = "_arrival_s"
"""Column holding each row's arrival time in a saved window (not a model column)."""


def save(window: CrossWindow, stem: Path) -> dict[str, Any]:
    """Write the window's rows beside a checkpoint (``STEM.posts.arrow``, ...; Arrow IPC, data
    only, written then renamed); the rest, JSON-able, is returned for the checkpoint itself."""
    for name, queue in window.rows.items():
        path = stem.with_name(f"{stem.name}.{name}.arrow")
        if not queue:
            path.unlink(missing_ok=True)
            continue
        tables = [
            t.append_column(ARRIVAL, pa.array([at] * t.num_rows, pa.float64())) for at, t in queue
        ]
        table = pa.concat_tables(tables, promote_options="default")
        temporary = path.with_name(path.name + ".tmp")
        with pa.OSFile(str(temporary), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
            out.write_table(table)
        temporary.replace(path)
    return {
        "last_run_s": window.last_run_s if math.isfinite(window.last_run_s) else None,
        "posts_since_run": window.posts_since_run,
        "runs": window.runs,
        "profiles": [[k[0], k[1], _plain(v)] for k, v in window.profiles.items()],
        "values": [[k[0], k[1], v] for k, v in window.values.items()],
        "campaigns": window.memory.to_json(),
    }


def restore(window: CrossWindow, stem: Path, meta: dict[str, Any]) -> None:
    """Inverse of :func:`save`."""
    for name in KEPT_TABLES:
        path = stem.with_name(f"{stem.name}.{name}.arrow")
        if not path.exists():
            continue
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
        arrivals = table.column(ARRIVAL).to_pylist()
        table = table.drop_columns([ARRIVAL])
        start = 0
        for i in range(1, len(arrivals) + 1):
            if i == len(arrivals) or arrivals[i] != arrivals[start]:
                window.rows[name].append((arrivals[start], table.slice(start, i - start)))
                window.posts_held += i - start if name == "posts" else 0
                start = i
    last = meta.get("last_run_s")
    window.last_run_s = -math.inf if last is None else float(last)
    window.posts_since_run = int(meta.get("posts_since_run", 0))
    window.runs = int(meta.get("runs", 0))
    window.profiles = {(p, a): _timed(v) for p, a, v in meta.get("profiles", [])}
    window.values = {(p, a): v for p, a, v in meta.get("values", [])}
    window.memory.load(meta.get("campaigns", []))


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in row.items()}


def _timed(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: dt.datetime.fromisoformat(v) if k in ("created_at", "observed_at") and v else v
        for k, v in row.items()
    }


def profile_rows(table: pa.Table) -> list[tuple[Key, dict[str, Any]]]:
    """Each row of an accounts ``table`` as its key and its non-null values, in order.

    Columns null in every row are not read at all: most accounts rows on a feed are actors
    known by their id alone (:func:`tigerblood.ingest.bluesky.jetstream.account_batches`), and
    converting a dozen null columns for each cost more than everything done with them."""
    n, identity = table.num_rows, ("platform", "account_id")
    names = [
        name for name in table.column_names if name in identity or table.column(name).null_count < n
    ]
    columns = table.select(names).to_pydict()
    platforms, ids = columns["platform"], columns["account_id"]
    if len(names) == 2 and not any(table.column(name).null_count for name in identity):
        # identity only: the common case, no per-row filtering
        return [
            ((p, a), {"platform": p, "account_id": a}) for p, a in zip(platforms, ids, strict=True)
        ]
    out = []
    for i, values in enumerate(zip(*(columns[name] for name in names), strict=True)):
        row = {k: v for k, v in zip(names, values, strict=True) if v is not None}
        out.append(((platforms[i], ids[i]), row))
    return out
