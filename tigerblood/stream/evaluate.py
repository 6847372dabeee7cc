"""Does the live feed cry wolf? Replay a generated scenario through ``watch`` and count.

A live flag is a moderator's work item, so the figure that matters is not the verdict at the end
but every flag ever raised: a genuine account flagged for an hour and cleared still cost someone a
look. This replays a scenario (:mod:`tigerblood.testing.scenarios`, exact Jetstream format, known
truth, with starter-pack newcomers and bursty repliers among the genuine accounts) through the
stream engine as ``watch`` runs it and reports:

- genuine accounts ever flagged (share, and by variant: plain, newcomer, chatty), with the
  patterns they were flagged for;
- manipulative accounts flagged at some point and at the end, per pattern;
- time to flag per pattern: from the account's first follow (a follow farmer) or first post (any
  other) in the capture to its first flag, in feed time (the capture's own clock); and from its
  first manipulative act (a link reply, a follow of a spree, a closing pitch, a push), with how
  many such acts it had made by then: the harm done before the flag, and the part of the delay
  that is the behaviour's own pace rather than the feed's (a crew posts normally for days
  before its first push; a slow spammer needs a day or two for the replies a flag rests on).

Generated data tests the machinery, never tunes it: the rules' thresholds and the live evidence
minimums were set before these figures were read (docs/stream.md).

    python -m tigerblood.stream.evaluate [--seed 7] [--genuine 400] [--json]
"""

from __future__ import annotations

import argparse
import bisect
import math
import statistics
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from tigerblood.stream.alarms import AlarmPolicy
from tigerblood.stream.engine import StreamEngine, StreamSettings
from tigerblood.stream.watch import watch
from tigerblood.testing.scenarios import Scenario, Sizes, generate

BATCH = 250
"""Messages per micro-batch at most, as the stream tests replay."""

BATCH_SPAN_S = 600.0
"""Feed time a micro-batch spans at most: a live feed cuts one every ``flush_s`` of wall time,
so a sparse generated capture cut by count alone would judge hours of feed time at once."""

ACTIVITY = ("app.bsky.feed.post", "app.bsky.graph.follow")
"""What counts as an account's activity for the time to flag (a profile is dated at sign-up)."""
ACT_NAMES = {
    "link_reply_spam": ("link reply", "link replies"),
    "follow_farming": ("follow", "follows"),
    "pitch_conversation": ("closing pitch", "closing pitches"),
    "coordinated_campaign": ("push", "pushes"),
}
"""What each kind's manipulative acts are (:attr:`Scenario.acts`), for the report."""


def first_seen(lines: list[bytes]) -> dict[str, dict[str, float]]:
    """Each DID's first post and first follow in the capture (seconds), by collection."""
    seen: dict[str, dict[str, float]] = defaultdict(dict)
    for line in lines:
        event = orjson.loads(line)
        collection = event.get("commit", {}).get("collection")
        if collection in ACTIVITY:
            seen[event["did"]].setdefault(collection, event["time_us"] / 1e6)
    return seen


def activity_start(pattern: str, seen: dict[str, float]) -> float:
    """When an account started doing what its pattern is about: a farmer its following, any
    other its posting (a farmer's lone "hi" a week before its sprees is not farming yet)."""
    first = ACTIVITY[1] if pattern == "follow_farming" else ACTIVITY[0]
    return seen.get(first, min(seen.values()))


def replay(
    scenario: Scenario, settings: StreamSettings, alarms: AlarmPolicy | None = None
) -> dict[str, Any]:
    """Every change ``watch`` reports on the scenario, and the figures above."""
    lines = scenario.events.read_bytes().splitlines()
    engine = StreamEngine(settings, alarms=alarms or AlarmPolicy())
    changes: list[dict[str, Any]] = []
    for chunk in micro_batches(lines):
        watch(
            chunk,
            engine,
            batch_size=len(chunk),
            flush_s=math.inf,
            on_change=changes.append,
            confirm_at_end=False,
        )
    changes.extend(engine.finish())
    return measure(scenario, changes, first_seen(lines))


def micro_batches(lines: list[bytes]) -> list[list[bytes]]:
    """``lines`` cut as a live feed would: :data:`BATCH` messages or :data:`BATCH_SPAN_S` of
    feed time, whichever comes first."""
    chunks: list[list[bytes]] = []
    start_us: int | None = None
    for line in lines:
        time_us = orjson.loads(line)["time_us"]
        if not chunks or len(chunks[-1]) >= BATCH or time_us - (start_us or 0) > BATCH_SPAN_S * 1e6:
            chunks.append([])
            start_us = time_us
        chunks[-1].append(line)
    return chunks


def measure(
    scenario: Scenario, changes: list[dict[str, Any]], seen: dict[str, dict[str, float]]
) -> dict[str, Any]:
    """The figures of :func:`replay` from its list of changes."""
    ever: dict[str, set[str]] = defaultdict(set)
    first_flag: dict[str, float] = {}
    final: dict[str, bool] = {}
    for change in changes:
        did = change["account_id"]
        final[did] = bool(change["flagged"])
        if change["flagged"]:
            ever[did].update(change["patterns"] or ["(model)"])
            first_flag.setdefault(did, float(change["window_end"]))
    genuine = scenario.accounts("genuine")
    by_variant: dict[str, dict[str, Any]] = {}
    for variant in ("plain", "newcomer", "chatty"):
        members = {d for d in genuine if scenario.variants.get(d, "plain") == variant}
        cried = members & set(ever)
        by_variant[variant] = {
            "accounts": len(members),
            "ever_flagged": len(cried),
            "patterns": sorted({p for d in cried for p in ever[d]}),
        }
    wolves = genuine & set(ever)
    patterns: dict[str, dict[str, Any]] = {}
    for pattern in sorted(set(scenario.truth.values()) - {"genuine"}):
        members = scenario.accounts(pattern)
        delays = [
            (first_flag[d] - activity_start(pattern, seen[d])) / 3600
            for d in members
            if d in first_flag
        ]
        flagged = [d for d in members if d in first_flag and scenario.acts.get(d)]
        harm = [bisect.bisect_right(scenario.acts[d], first_flag[d]) for d in flagged]
        since_act = [(first_flag[d] - scenario.acts[d][0]) / 3600 for d in flagged]
        patterns[pattern] = {
            "accounts": len(members),
            "ever_flagged": sum(d in ever for d in members),
            "flagged_at_end": sum(final.get(d, False) for d in members),
            "named_for_it": sum(pattern in ever.get(d, ()) for d in members),
            "hours_to_flag_median": round(statistics.median(delays), 2) if delays else None,
            "hours_to_flag_max": round(max(delays), 2) if delays else None,
            "hours_from_first_act_median": _median(since_act),
            "hours_from_first_act_max": round(max(since_act), 2) if since_act else None,
            "acts_before_flag_median": _median(harm),
            "acts_before_flag_min": min(harm) if harm else None,
            "acts_before_flag_max": max(harm) if harm else None,
        }
    return {
        "genuine": len(genuine),
        "genuine_ever_flagged": len(wolves),
        "genuine_ever_flagged_share": len(wolves) / len(genuine) if genuine else 0.0,
        "genuine_by_variant": by_variant,
        "manipulative": patterns,
        "changes": len(changes),
    }


def _median(values: list[float] | list[int]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def render(result: dict[str, Any]) -> str:
    """The figures as a few lines of text."""
    lines = [
        f"genuine ever flagged: {result['genuine_ever_flagged']} of {result['genuine']} "
        f"({result['genuine_ever_flagged_share']:.1%})"
    ]
    for variant, row in result["genuine_by_variant"].items():
        lines.append(
            f"  {variant:<9} {row['ever_flagged']} of {row['accounts']}"
            + (f" ({', '.join(row['patterns'])})" if row["patterns"] else "")
        )
    lines.append("manipulative: ever flagged / at the end / named for its pattern, hours to flag")
    for pattern, row in result["manipulative"].items():
        lines.append(
            f"  {pattern:<22} {row['ever_flagged']}/{row['accounts']} "
            f"{row['flagged_at_end']}/{row['accounts']} {row['named_for_it']}/{row['accounts']}"
            f"  median {row['hours_to_flag_median']} h, max {row['hours_to_flag_max']} h"
        )
        if row.get("acts_before_flag_median") is not None:
            act, acts = ACT_NAMES.get(pattern, ("act", "acts"))
            lines.append(
                f"  {'':<22} from its first {act}: median {row['hours_from_first_act_median']} h,"
                f" max {row['hours_from_first_act_max']} h; {acts} by the flag: median "
                f"{row['acts_before_flag_median']:g}, max {row['acts_before_flag_max']}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Generate a scenario, replay it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--genuine", type=int, default=400)
    parser.add_argument("--window-hours", type=float, default=24.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--report-at-once",
        action="store_true",
        help="report every flip at once (no confirmation, no settling, no hysteresis margin): "
        "what the alarm policy saves",
    )
    args = parser.parse_args(argv)
    base = Sizes()
    scale = args.genuine / base.genuine
    sizes = replace(
        base,
        genuine=args.genuine,
        newcomers=max(1, round(base.newcomers * scale)),
        chatty=max(2, round(base.chatty * scale)),
        link_reply_spam=max(1, round(base.link_reply_spam * scale)),
        follow_farming=max(1, round(base.follow_farming * scale)),
        pitch_conversation=max(1, round(base.pitch_conversation * scale)),
        campaign=max(3, round(base.campaign * min(scale, 3))),
    )
    with tempfile.TemporaryDirectory() as tmp:
        scenario = generate(Path(tmp), seed=args.seed, sizes=sizes)
        at_once = AlarmPolicy(confirm_s=0.0, follow_settle_s=0.0, clear_margin=0.0)
        result = replay(
            scenario,
            StreamSettings(window_s=args.window_hours * 3600.0),
            at_once if args.report_at_once else None,
        )
    result["protocol"] = {
        "seed": args.seed,
        "sizes": vars(sizes),
        "window_hours": args.window_hours,
        "alarms": "at once" if args.report_at_once else "default policy",
    }
    print(orjson.dumps(result).decode() if args.json else render(result))


if __name__ == "__main__":
    main()
