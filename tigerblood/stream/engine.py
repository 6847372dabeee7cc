"""The stream engine: events in, windowed state per account, the batch detectors, changes out.

Each micro-batch of model rows (any adapter's output: a Jetstream feed, a replayed file) updates
the accounts it touches; events older than the window are reverted, idle or least recently seen
accounts are evicted past ``max_accounts`` (memory stays bounded on a firehose), and the touched
accounts are judged by the same detectors, model and scoring as ``scan``. Only changes are
reported (an account newly flagged, its patterns changed, or cleared), because a moderator
watching a live feed needs the news, not every account again after every post; and a change is
reported only on sufficient, stable evidence (:mod:`tigerblood.stream.alarms`).

An account is judged only when a detector could flag it: it has posted enough in the window for
a post rule to read it, or follows enough accounts for a follow rule, or its profile declares
counts, or the last cross-account run put it in a campaign or in threads with enough partners,
or it is flagged or awaiting confirmation ("enough" is read off the detectors in use, config
included: :mod:`tigerblood.stream.gates`). An account seen posting once or twice, only
following a handful of accounts, or only being followed, has nothing any detector can flag (the
model needs ten posts or declared counts), and on the firehose that is most accounts of most
micro-batches. Of the accounts judged, those the rules alone score (too few posts for the
model) and on which no rule could find anything are passed over: their score is 0, so there is
nothing to report (:meth:`StreamEngine._quiet`).

Example::

    engine = StreamEngine(StreamSettings(window_s=3600))
    changes = engine.apply(batches, arrival_s=time.time())   # verdict dicts that changed
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from tigerblood import model
from tigerblood.detectors.base import RuleDetector
from tigerblood.detectors.registry import build_detectors
from tigerblood.ingest.base import Batch
from tigerblood.ingest.entity_words import fill_entities
from tigerblood.scoring import DEFAULT_THRESHOLD, verdicts
from tigerblood.stream.account import AccountState
from tigerblood.stream.alarms import AlarmPolicy
from tigerblood.stream.cross import CrossWindow, profile_rows
from tigerblood.stream.facts import PostFacts, post_facts, warm_facts
from tigerblood.stream.gates import Gates
from tigerblood.stream.memo import VerdictMemo, own

Key = tuple[str, str]

EVIDENCE_POSTS = 5
"""Latest posts in the window quoted with a flagged account's findings."""

EVIDENCE_CAMPAIGNS = 5
"""Campaigns quoted with a flagged crew member's finding, largest first (``scan`` quotes as many):
the ledger's, so bursts the window no longer holds are named too."""


@dataclass
class StreamSettings:
    """How the stream judges: window length, memory bound, and the scan's scoring options."""

    window_s: float = 24 * 3600.0
    max_accounts: int = 200_000
    threshold: float | None = None
    """Flag at this score; None: as ``scan`` does, the model's threshold for each account's
    platform (0.5 without the model)."""
    use_model: bool = True
    model_path: Path | None = None
    config: dict[str, dict[str, float]] | None = None
    cross_every_s: float | None = 6 * 3600.0
    """Feed time between two runs of the conversation and campaign steps over the window
    (:mod:`tigerblood.stream.cross`); None: never (those features stay unknown). Each run is a
    batch run over the window's posts (seconds on a small window, mostly fixed cost), so this
    is hours, not minutes: a pitch or a campaign is reported within this delay."""
    cross_max_posts: int = 200_000
    cross_window_s: float = 7 * 24 * 3600.0
    """Feed time the conversation and campaign steps look back over (at least ``window_s``):
    a pitcher holds a conversation or two a day and a crew pushes every few days, so a day
    of threads and bursts shows neither habit (``scan`` over the week sees both). Bounded by
    ``cross_max_posts`` as well, oldest first out."""


@dataclass(slots=True)
class Event:
    """One event in the window: a post of ``key``, or a follow from ``key`` to ``other``."""

    arrival_s: float
    key: Key
    generation: int
    post: PostFacts | None = None
    other: Key | None = None
    other_generation: int = 0


@dataclass
class StreamEngine:
    """Windowed per-account state plus the detectors (see the module docstring)."""

    settings: StreamSettings = field(default_factory=StreamSettings)
    states: OrderedDict[Key, AccountState] = field(default_factory=OrderedDict)
    events: deque[Event] = field(default_factory=deque)
    posts_seen: dict[tuple[str, str], float] = field(default_factory=dict)
    alarms: AlarmPolicy = field(default_factory=AlarmPolicy)
    cross: CrossWindow = field(default_factory=CrossWindow)
    _rules: list[Any] | None = field(default=None, init=False, repr=False)
    _gates: Gates | None = field(default=None, init=False, repr=False)
    _verdicts: VerdictMemo | None = field(default=None, init=False, repr=False)
    _warm: bool = field(default=False, init=False, repr=False)
    _rule_columns: pa.Schema | None = field(default=None, init=False, repr=False)
    stats: Counter[str] = field(default_factory=Counter)
    now_s: float = -math.inf
    next_generation: int = 0

    # -- events ----------------------------------------------------------------------------

    def apply(self, batches: Iterable[Batch], arrival_s: float) -> list[dict[str, Any]]:
        """Take one micro-batch of model rows that arrived at ``arrival_s``; return the verdicts
        that changed."""
        self.now_s = max(self.now_s, arrival_s)
        touched: dict[Key, None] = {}
        kept: list[Batch] = []
        profiles: list[tuple[Key, dict[str, Any]]] = []
        for batch in batches:
            if batch.table == "posts":
                kept.append(Batch("posts", self._posts(batch.data, touched)))
            elif batch.table == "follows":
                self._follows(batch.data, touched)
                kept.append(batch)
            elif batch.table == "accounts":
                rows = profile_rows(batch.data)
                for key, known in rows:
                    state = self._state(key)
                    if len(known) > 2:  # more than its identity (most rows: an actor's id)
                        state.set_profile(known)
                    touched[key] = None
                profiles += rows
                kept.append(batch)
            elif batch.table == "quarantine":
                self.stats["quarantined"] += batch.data.num_rows
            else:
                self.stats[f"{batch.table}_ignored"] += batch.data.num_rows
        self._recent(touched)
        self._expire()
        self._bound(touched)
        for key in self.alarms.take_due(self.now_s):
            touched[key] = None
        if self.settings.cross_every_s is not None:
            self._cross(kept, profiles, touched)
        return self.judge(self._judgeable_of(touched))

    def _cross(
        self,
        kept: list[Batch],
        profiles: list[tuple[Key, dict[str, Any]]],
        touched: dict[Key, None],
    ) -> None:
        """Keep the micro-batch's rows for the cross-account steps; run them when due, and
        judge again the accounts whose conversations or campaigns changed. ``profiles`` are
        the accounts rows :meth:`apply` already read (read once for both)."""
        window = self.cross
        window.every_s = self.settings.cross_every_s or math.inf
        window.max_posts = self.settings.cross_max_posts
        window.add(kept, self.now_s, profiles)
        window.expire(self.now_s - max(self.settings.window_s, self.settings.cross_window_s))
        if window.due(self.now_s):
            self.refresh_cross()
            for key in window.changed:
                touched[key] = None

    def refresh_cross(self) -> None:
        """Run the cross-account steps over the window now (also at the end of a replay)."""
        self.cross.run(self.now_s, alive=self.states.keys())
        self.stats["cross_runs"] += 1

    def finish(self) -> list[dict[str, Any]]:
        """The end of the input: conversations and campaigns brought up to date, then the flags
        still waiting confirmed (nothing more will come)."""
        changes: list[dict[str, Any]] = []
        if self.settings.cross_every_s is not None and self.cross.posts_since_run:
            self.refresh_cross()
            changes = self.judge_cross_changes()
        return changes + self.confirm_due(math.inf)

    def judge_cross_changes(self) -> list[dict[str, Any]]:
        """Judge the accounts the last cross-account run changed, those a detector can read
        (what a micro-batch does after a run, :meth:`_cross`)."""
        return self.judge(self._judgeable_of(k for k in self.cross.changed if k in self.states))

    def confirm_due(self, at_s: float) -> list[dict[str, Any]]:
        """Judge the accounts whose confirmation fell due by ``at_s``, as if the feed had been
        quiet until then: a quiet live feed passes its wall clock, the end of a replay passes
        infinity (with no event after the last, waiting longer would change nothing)."""
        due = {k: t for k, t in self.alarms.take_due_times(at_s).items() if k in self.states}
        if not due:
            return []
        clock = self.now_s
        self.now_s = max(clock, max(due.values()))
        try:
            return self.judge(list(due))
        finally:
            self.now_s = clock

    def _judgeable_of(self, keys: Iterable[Key]) -> list[Key]:
        """The ``keys`` held that :meth:`_judgeable` accepts, in order (inlined: this runs
        for every account a micro-batch touches)."""
        states, watching, cross = self.states, self.alarms.watching, self.cross.values
        if self._gates is None:
            self._gates = Gates.of(self._detectors())
        gates = self._gates
        out = []
        for key in keys:
            state = states.get(key)
            if state is not None and (
                (
                    state.posts
                    and gates.by_posts(state.posts, state.replies_with_link, state.item_counts)
                )
                or state.following.total >= gates.following
                or state.profile.get("followers_count") is not None
                or watching(key)
                or (state.posts and _cross_flaggable(cross.get(key), gates.partners))
            ):
                out.append(key)
        return out

    def _judgeable(self, key: Key) -> bool:
        """Whether any detector can read ``key`` now (see the module docstring)."""
        return bool(self._judgeable_of([key]))

    def _posts(self, table: pa.Table, touched: dict[Key, None]) -> pa.Table:
        """Count the micro-batch's new posts in; the posts with their entities filled."""
        posts = fill_entities(_entity_connection(), model.conform("posts", table))
        for post in post_facts(posts):
            key = (post.platform, post.account_id)
            if (post.platform, post.post_id) in self.posts_seen:
                self.stats["posts_repeated"] += 1  # an edit: the batch path keeps the first too
                continue
            self.posts_seen[(post.platform, post.post_id)] = self.now_s
            state = self._state(key)
            state.add_post(post)
            self.events.append(Event(self.now_s, key, state.generation, post=post))
            touched[key] = None
            self.stats["posts"] += 1
        return posts

    def _follows(self, table: pa.Table, touched: dict[Key, None]) -> None:
        columns = table.select(["platform", "follower_id", "followee_id", "action"]).to_pydict()
        get, new = self.states.get, self._state
        append, now, follows = self.events.append, self.now_s, 0
        for platform, follower_id, followee_id, action in zip(
            columns["platform"],
            columns["follower_id"],
            columns["followee_id"],
            columns["action"],
            strict=True,
        ):
            if (action or "follow") != "follow" or followee_id is None:
                self.stats["unfollows"] += 1  # the batch features count follow edges only
                continue
            source = (platform, follower_id)
            target = (platform, followee_id)
            follower = get(source) or new(source)
            followee = get(target) or new(target)
            follower.add_following(followee_id)
            followee.add_follower(follower_id)
            append(Event(now, source, follower.generation, None, target, followee.generation))
            touched[source] = touched[target] = None
            follows += 1
        if follows:
            self.stats["follows"] += follows

    def _state(self, key: Key) -> AccountState:
        """``key``'s state, made if it has none. Its recency is :meth:`_recent`'s business."""
        state = self.states.get(key)
        if state is None:
            state = AccountState(key[0], key[1], self.next_generation, self.now_s)
            self.next_generation += 1
            self.states[key] = state
        return state

    def _touch(self, key: Key) -> AccountState:
        """``key``'s state, made the most recent now (a checkpoint's replay, event by event)."""
        state = self._state(key)
        self.states.move_to_end(key)
        return state

    def _recent(self, touched: dict[Key, None]) -> None:
        """The accounts a micro-batch touched become the most recent, in the order it first
        touched them: recency is kept per micro-batch, not per event (one move per account
        instead of one per follow, post or profile; :meth:`_bound` evicts by it)."""
        move, held = self.states.move_to_end, self.states
        for key in touched:
            if key in held:
                move(key)

    def _live(self, key: Key | None, generation: int) -> AccountState | None:
        state = self.states.get(key) if key is not None else None
        return state if state is not None and state.generation == generation else None

    def _expire(self) -> None:
        """Revert every event that arrived more than the window before the newest one."""
        horizon = self.now_s - self.settings.window_s
        while self.events and self.events[0].arrival_s < horizon:
            event = self.events.popleft()
            state = self._live(event.key, event.generation)
            if event.post is not None:
                self.posts_seen.pop((event.post.platform, event.post.post_id), None)
                if state is not None:
                    state.add_post(event.post, -1)
            else:
                other = self._live(event.other, event.other_generation)
                if state is not None and event.other is not None:
                    state.add_following(event.other[1], -1)
                if other is not None:
                    other.add_follower(event.key[1], -1)
            self.stats["expired"] += 1

    def _bound(self, keep: dict[Key, None]) -> None:
        """Evict least recently touched accounts beyond ``max_accounts`` (never one just
        touched; recency is per micro-batch, :meth:`_recent`); their events still in the
        window are then skipped by generation."""
        over = len(self.states) - self.settings.max_accounts
        if over <= 0:
            return
        for key in list(itertools.islice(self.states, over)):
            if key in keep:
                continue
            del self.states[key]
            self.alarms.forget(key)
            self.stats["accounts_evicted"] += 1

    # -- judging ---------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load and compile, before the feed opens, what judging needs: the detectors, the
        learned model (importing LightGBM and scikit-learn alone takes seconds), the feature
        schema and the per-post SQL. Left to the first judgement, that cost lands on one
        micro-batch of a live feed, which then starts seconds behind. Idempotent."""
        if self._warm:
            return
        _entity_connection()
        warm_facts()
        probe = {"platform": "bluesky", "account_id": "did:plc:warm-up", "posts_count": 50}
        probe |= {"followers_count": 10, "following_count": 100, "counts_declared": True}
        self._run([probe | {"observed_posts": 10}])  # a row the model judges, result unused
        self._gates = Gates.of(self._detectors())
        self._warm = True

    def _detectors(self) -> list[Any]:
        """The rule detectors, built once (norms and config are read at construction)."""
        if self._rules is None:
            self._rules = build_detectors(self.settings.config)
        return self._rules

    def features(self, keys: Iterable[Key] | None = None) -> pa.Table:
        """The feature table of ``keys`` (default: every account held), batch schema."""
        return _table(self._rows(self.states if keys is None else keys))

    def _rows(self, keys: Iterable[Key]) -> list[dict[str, Any]]:
        """Feature rows of ``keys``: each account's own windowed columns, and the
        conversation and campaign columns of the last cross-account run."""
        cross = self.cross.values
        states = self.states
        rows = []
        for key in keys:
            row = states[key].features()
            extra = cross.get(key)
            if extra:
                row.update(extra)
            rows.append(row)
        return rows

    def assess(self, keys: list[Key]) -> list[dict[str, Any]]:
        """The verdicts of ``keys`` as ``scan`` would give them on the window (no alarms)."""
        rows = self._rows(keys)
        templates = self._memo().verdicts(rows, self._run)
        return [own(t, row) for t, row in zip(templates, rows, strict=True)]

    def _memo(self) -> VerdictMemo:
        if self._verdicts is None:
            self._verdicts = VerdictMemo()
        return self._verdicts

    def _run(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The detectors, model and scoring of ``scan`` on ``rows``, one verdict per row."""
        table = _table(rows)
        findings = [f for d in self._detectors() for f in d.detect(table)]
        if self.settings.use_model:
            from tigerblood.learn.combine import model_verdicts

            detector = _detector(self.settings.model_path)
            return model_verdicts(table, findings, detector, self.settings.threshold)
        threshold = self.settings.threshold
        return verdicts(table, findings, DEFAULT_THRESHOLD if threshold is None else threshold)

    def judge(self, keys: list[Key]) -> list[dict[str, Any]]:
        """Verdicts of ``keys`` whose flag or patterns changed, on evidence the alarm policy
        finds sufficient and stable. Verdicts come from the memo (:mod:`tigerblood.stream.memo`)
        and are copied only when reported: most judgements report nothing."""
        if not keys:
            return []
        rows = self._rows(keys)
        quiet = self._quiet(keys, rows)
        if quiet:
            keys = [k for k, q in zip(keys, quiet, strict=True) if not q]
            rows = [r for r, q in zip(rows, quiet, strict=True) if not q]
            self.stats["judgements_quiet"] += len(quiet) - len(keys)
        templates = self._memo().verdicts(rows, self._run)
        changed = []
        for key, template, row in zip(keys, templates, rows, strict=True):
            state = self.states[key]
            change = self.alarms.decide(
                key,
                template,
                posts=state.posts,
                follows=state.following.total,
                seen=state.seen_events,
                first_seen_s=state.first_seen_s,
                now_s=self.now_s,
            )
            if change is None:
                continue
            verdict = own(template, row)
            verdict["change"] = change
            verdict["window_end"] = self.now_s
            if verdict["flagged"]:
                self._attach_posts(verdict)
            changed.append(verdict)
        return changed

    def _quiet(self, keys: list[Key], rows: list[dict[str, Any]]) -> list[bool]:
        """Which rows cannot change what was reported (empty: none known): the account is not
        flagged nor awaiting confirmation, the rules alone score it (the model judges only
        accounts with posts enough or declared counts, as in ``scan``), and no rule detector
        could find anything on it (:meth:`~tigerblood.detectors.base.RuleDetector.candidates`).
        Its score is then 0, below any threshold, so judging it would report nothing; on a
        busy feed that is nearly every account judged (99.8% on the stream bench), and judging
        each cost more than keeping its state. With a detector that cannot pre-select its rows,
        or a threshold of 0, every row is judged."""
        threshold = self.settings.threshold
        if threshold is not None and threshold <= 0:
            return []
        watching = self.alarms.watching
        if self.settings.use_model:
            from tigerblood.learn.combine import rules_reason

            profiles = _detector(self.settings.model_path).model.judges_profiles
            quiet = [
                not watching(key)
                and rules_reason(row.get("observed_posts"), row.get("counts_declared"), profiles)
                is not None
                for key, row in zip(keys, rows, strict=True)
            ]
        else:
            quiet = [not watching(key) for key in keys]
        ask = [row for row, q in zip(rows, quiet, strict=True) if q]
        if not ask:
            return []
        detectors = self._detectors()
        if not all(isinstance(d, RuleDetector) for d in detectors):
            return []
        if self._rule_columns is None:
            self._rule_columns = _rule_schema(detectors)
        table = pa.Table.from_pylist(ask, schema=self._rule_columns)
        found = np.zeros(len(ask), bool)
        for detector in detectors:
            maybe = detector.candidates(table)
            if maybe is None:
                return []
            found |= maybe
        answers = iter(~found)
        return [bool(next(answers)) if q else False for q in quiet]

    def _attach_posts(self, verdict: dict[str, Any]) -> None:
        """The account's latest posts in the window, as evidence a moderator can open."""
        state = self.states[(verdict["platform"], verdict["account_id"])]
        latest = state.recent(EVIDENCE_POSTS)
        posts = [
            {"post_id": p.post_id, "links": list(p.urls), "contacts": list(p.contacts)}
            for p in latest
        ]
        for finding in verdict["findings"]:
            evidence = finding.setdefault("evidence", {})
            evidence.setdefault("posts", posts)
            if finding.get("detector") == "coordinated_campaign":
                key = (verdict["platform"], verdict["account_id"])
                evidence.setdefault("campaigns", self.cross.memory.of(key, EVIDENCE_CAMPAIGNS))


def _cross_flaggable(values: dict[str, Any] | None, partners: int) -> bool:
    """Whether the last cross-account run read something a detector could flag on few posts:
    a campaign (a throwaway template needs one post), or threads with enough partners."""
    if not values:
        return False
    return bool(
        values.get("campaign_count")
        or values.get("throwaway_campaign_accounts")
        or (values.get("distinct_partners") or 0) >= partners
    )


@cache
def _entity_connection() -> duckdb.DuckDBPyConnection:
    """One DuckDB connection for entity extraction, kept: opening one per micro-batch cost
    60 ms, more than extracting a batch's entities. One thread, as the per-post facts'
    (:mod:`tigerblood.stream.facts`): a micro-batch is a few hundred posts, and more threads
    only add scheduling on the feed's two cores."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET threads = 1")
    return con


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    """Feature rows as the batch feature table (columns the stream cannot know are null)."""
    return pa.Table.from_pylist(rows, schema=feature_schema())


def _rule_schema(detectors: list[Any]) -> pa.Schema:
    """The feature table's columns that ``detectors`` read (a narrower table is quicker to
    build, and :meth:`StreamEngine._quiet` builds one per micro-batch)."""
    read = {"platform", "account_id"}
    for detector in detectors:
        read |= {s.feature for s in detector.SIGNALS} | set(detector.EVIDENCE)
    schema = feature_schema()
    return pa.schema([field for field in schema if field.name in read])


@cache
def _detector(path: Path | None) -> Any:
    from tigerblood.learn.detector import LearnedDetector

    return LearnedDetector(path)


@cache
def feature_schema() -> pa.Schema:
    """The batch feature table's schema, read off an empty store: same columns, same types."""
    from tigerblood.features.compute import compute_features
    from tigerblood.store import Store

    store = Store()
    try:
        return compute_features(store).schema
    finally:
        store.close()
