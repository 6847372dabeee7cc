"""Checkpoints: the feed's cursor and the window's events, saved together, so a restart neither
loses nor double-counts an event (DESIGN §3.6).

The window is its events: every aggregate is rebuilt by replaying them, so the checkpoint holds
the events still in the window (compact facts, not raw records), the profiles, what was last
reported per account, and the cursor of the last event applied. JSON, never pickle: a
checkpoint file is data, and loading it must not run code. Written to a temporary file and
renamed, so a crash mid-write leaves the previous checkpoint whole.
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from tigerblood.stream import cross
from tigerblood.stream.engine import Event, StreamEngine, StreamSettings, feature_schema
from tigerblood.stream.facts import PostFacts

FORMAT = "tigerblood-stream-checkpoint"
VERSION = 1


def to_json(engine: StreamEngine, cursor: int | None) -> dict[str, Any]:
    """Everything needed to resume ``engine`` after ``cursor`` (the last applied time_us)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "cursor": cursor,
        "now_s": engine.now_s,
        "window_s": engine.settings.window_s,
        "profiles": [
            [key[0], key[1], {k: _plain(v) for k, v in state.profile.items()}]
            for key, state in engine.states.items()
            if state.profile
        ],
        "events": [_event_json(engine, event) for event in engine.events],
        "alarms": engine.alarms.to_json(),
        "first_seen": [
            [k[0], k[1], s.first_seen_s, s.seen_events] for k, s in engine.states.items()
        ],
        "stats": dict(engine.stats),
    }


def save(path: Path, engine: StreamEngine, cursor: int | None) -> None:
    """Write the checkpoint atomically, the cross-account window's rows beside it."""
    data = to_json(engine, cursor)
    data["cross"] = cross.save(engine.cross, path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(orjson.dumps(data, default=_number))
    temporary.replace(path)


def load(path: Path, settings: StreamSettings) -> tuple[StreamEngine, int | None]:
    """An engine rebuilt from ``path`` and the cursor to resume after. The window length is
    the checkpoint's (the events were kept for it); other settings are the caller's."""
    data = orjson.loads(path.read_bytes())
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError(f"{path}: not a tigerblood stream checkpoint (version {VERSION})")
    settings.window_s = float(data["window_s"])
    engine = StreamEngine(settings)
    for platform, account_id, profile in data["profiles"]:
        engine._touch((platform, account_id)).set_profile(
            {k: _datetime(k, v) for k, v in profile.items()}
        )
    for arrival, platform, account_id, live, post, other, other_live in data["events"]:
        engine.now_s = max(engine.now_s, arrival)
        _replay(engine, arrival, (platform, account_id), live, post, other, other_live)
    engine.now_s = max(engine.now_s, float(data["now_s"]))
    for platform, account_id, flagged, patterns in data.get("reported", []):
        engine.alarms.load([[platform, account_id, flagged, patterns, None, 0, None]])
    engine.alarms.load(data.get("alarms", []))
    for platform, account_id, first_seen, *seen in data.get("first_seen", []):
        state = engine.states.get((platform, account_id))
        if state is not None:
            state.first_seen_s = first_seen
            state.seen_events = seen[0] if seen else state.seen_events
    if "cross" in data:
        cross.restore(engine.cross, path, data["cross"])
        decimals = [f.name for f in feature_schema() if pa.types.is_decimal(f.type)]
        for values in engine.cross.values.values():
            for name in decimals:
                if values.get(name) is not None:
                    values[name] = decimal.Decimal(str(values[name]))
    engine.stats.update(data.get("stats", {}))
    return engine, data.get("cursor")


DEAD = -1
"""Generation of a side whose account was evicted: no state ever has it, so expiry skips it."""


def _replay(
    engine: StreamEngine,
    arrival: float,
    key: tuple[str, str],
    live: bool,
    post: list | None,
    other: list | None,
    other_live: bool,
) -> None:
    """Apply one saved event to the sides that still counted it when it was saved."""
    state = engine._touch(key) if live else None
    generation = state.generation if state is not None else DEAD
    if post is not None:
        facts = PostFacts.from_json(post)
        if state is not None:
            state.add_post(facts)
            engine.posts_seen[(facts.platform, facts.post_id)] = arrival
            engine.events.append(Event(arrival, key, generation, post=facts))
        return
    assert other is not None
    target_key = (other[0], other[1])
    target = engine._touch(target_key) if other_live else None
    if state is not None:
        state.add_following(target_key[1])
    if target is not None:
        target.add_follower(key[1])
    if state is not None or target is not None:
        other_generation = target.generation if target is not None else DEAD
        engine.events.append(Event(arrival, key, generation, None, target_key, other_generation))


def _event_json(engine: StreamEngine, event: Event) -> list[Any]:
    """An event and which of its sides still count it (an evicted account's do not)."""
    post = event.post.to_json() if event.post is not None else None
    other = list(event.other) if event.other is not None else None
    live = engine._live(event.key, event.generation) is not None
    other_live = other is not None and engine._live(event.other, event.other_generation) is not None
    return [event.arrival_s, event.key[0], event.key[1], live, post, other, other_live]


def _number(value: Any) -> Any:
    """JSON for the decimals of the feature table (restored as decimals by :func:`load`)."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _datetime(key: str, value: Any) -> Any:
    if key in ("created_at", "observed_at") and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value
