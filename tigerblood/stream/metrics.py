"""``watch --metrics``: Prometheus metrics of a running watch, for the people who keep it running.

What an operator needs to see from outside: that messages come in (``messages_total``), that
judging keeps up with the feed (``lag_seconds``: now minus the newest message time judged, which
grows when the feed is faster than the judging or the connection is gone), what is being flagged
(``flags_total`` per pattern, ``changes_total`` per kind), bad input (``quarantined_total``), and
whether the sinks deliver (per sink: emitted, failed, retries, dropped, held over quota...).

The feed's thread only adds to plain integers (:class:`Tally`, the sinks' stats); the values are
read when Prometheus scrapes, by a custom collector on the server's thread, so counting costs the
feed next to nothing (a Prometheus ``Counter`` takes a lock on every increment, and the feed
counts every message). The endpoint is prometheus-client's own HTTP server, on its own thread.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from tigerblood.stream.sinks.limits import Gate

PREFIX = "tigerblood_watch"
GAUGES = frozenset({"held", "queued"})
"""Sink stats that are levels, not counts."""
HELP = {
    "offered": "Verdict changes offered to the sink's limits.",
    "emitted": "Changes delivered (written, or accepted by the receiver).",
    "failed": "Changes given up on (write error, refusal, or every retry failed).",
    "retries": "Delivery attempts made again after a failure.",
    "dropped": "Changes never attempted (delivery queue full, or left at exit).",
    "dry_run": "Changes computed and counted but not emitted (dry run).",
    "repeats": "Labels not applied again within the no-repeat time.",
    "over_quota": "Times a change was held because a quota was used up.",
    "held": "Changes held over quota now.",
    "withdrawn": "Held changes dropped because the account was cleared first.",
    "skipped": "Changes the sink cannot express (e.g. labels for a non-AT Protocol account).",
    "records": "Label records produced.",
    "queued": "Changes waiting in the delivery queue now.",
}


@dataclass
class Tally:
    """What the feed counts as it goes; plain values, written by the feed's thread only."""

    messages: int = 0
    quarantined: int = 0
    skipped: int = 0
    """Oversized messages the feed could not read at all (reported as quarantined too)."""
    changes: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    """Accounts newly flagged, per pattern they were flagged for."""

    def change(self, verdict: dict[str, Any]) -> None:
        """Count one reported change."""
        kind = str(verdict.get("change", "changed"))
        self.changes[kind] += 1
        if kind == "flagged":
            for pattern in verdict.get("patterns") or ["flagged"]:
                self.flags[str(pattern)] += 1


class WatchCollector(Collector):
    """Reads the tally, the sinks' stats and the engine's clock at scrape time."""

    def __init__(
        self,
        tally: Tally,
        gates: Iterable[Gate] = (),
        *,
        newest_s: Callable[[], float] = lambda: -math.inf,
        accounts: Callable[[], int] = lambda: 0,
        reconnects: Callable[[], int] = lambda: 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tally, self.gates = tally, list(gates)
        self.newest_s, self.accounts, self.reconnects, self.clock = (
            newest_s,
            accounts,
            reconnects,
            clock,
        )

    def collect(self) -> Iterator[Metric]:
        tally = self.tally
        yield _counter("messages", "Messages read from the feed.", tally.messages)
        yield _counter("quarantined", "Messages or records quarantined.", tally.quarantined)
        yield _counter("reconnects", "Reconnects to the live feed.", self.reconnects())
        newest = self.newest_s()
        lag = self.clock() - newest if math.isfinite(newest) else math.nan
        yield GaugeMetricFamily(
            f"{PREFIX}_lag_seconds",
            "Seconds between now and the newest message time judged.",
            value=lag,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_accounts", "Accounts held in the window.", value=self.accounts()
        )
        changes = CounterMetricFamily(
            f"{PREFIX}_changes", "Verdict changes reported, by kind.", labels=["change"]
        )
        for kind, count in sorted(dict(tally.changes).items()):
            changes.add_metric([kind], count)
        yield changes
        flags = CounterMetricFamily(
            f"{PREFIX}_flags", "Accounts newly flagged, by pattern.", labels=["pattern"]
        )
        for pattern, count in sorted(dict(tally.flags).items()):
            flags.add_metric([pattern], count)
        yield flags
        yield from self._sinks()

    def _sinks(self) -> Iterator[Metric]:
        families: dict[str, CounterMetricFamily | GaugeMetricFamily] = {}
        for name in HELP:
            kind = GaugeMetricFamily if name in GAUGES else CounterMetricFamily
            families[name] = kind(f"{PREFIX}_sink_{name}", HELP[name], labels=["sink"])
        for gate in self.gates:
            for name, value in gate.stats.counts().items():
                if name in families:
                    families[name].add_metric([gate.sink.name], value)
        yield from families.values()


def _counter(name: str, text: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(f"{PREFIX}_{name}", text, value=value)


def parse_address(text: str) -> tuple[str, int]:
    """``PORT`` (on 127.0.0.1) or ``HOST:PORT``; ValueError otherwise.

    >>> parse_address("9464"), parse_address("0.0.0.0:9464"), parse_address("[::1]:0")
    (('127.0.0.1', 9464), ('0.0.0.0', 9464), ('::1', 0))
    """
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or int(port) > 65535:
        raise ValueError(f"{text!r}: expected PORT or HOST:PORT")
    return host, int(port)


def serve(address: str, collector: Collector) -> tuple[Any, str]:
    """Serve ``collector`` at ``http://ADDRESS/metrics`` on a daemon thread; the server (to
    ``shutdown()``) and its URL (with the port the system chose, given port 0)."""
    host, port = parse_address(address)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    server, _thread = start_http_server(port, addr=host, registry=registry)
    bound = server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    return server, f"http://{shown}:{bound}/metrics"
