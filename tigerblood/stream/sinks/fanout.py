"""The sinks of one ``watch`` run: each change offered to every sink's limits, held changes
released as the quotas allow, the limits' memory kept beside the checkpoint, and a bounded drain
at exit.

The limits remember which labels they let through, when, and what they hold (:class:`.limits.Gate`).
That memory must survive a restart as the window does: otherwise an account flagged before a
restart and cleared after it would keep its label for ever (nothing would remember to withdraw
it), and the quotas and the 24-hour no-repeat would start over. So it is saved as JSON beside the
checkpoint (``FILE.sinks``), at most once a second while it changes and at exit, written to a
temporary file and renamed. Saved ahead of the checkpoint it is harmless: the changes replayed
from the checkpoint's cursor find their labels already live and send nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from tigerblood.stream.sinks.limits import Gate

log = logging.getLogger(__name__)

FORMAT = "tigerblood-sinks"
VERSION = 1
SAVE_EVERY_S = 1.0


def state_path(checkpoint: Path) -> Path:
    """Where the sinks' memory of ``checkpoint`` is kept."""
    return checkpoint.with_name(checkpoint.name + ".sinks")


class Fanout:
    """Every configured sink behind its gate (see the module docstring)."""

    def __init__(
        self,
        gates: Iterable[Gate],
        *,
        state: Path | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gates = list(gates)
        self.state, self.monotonic = state, monotonic
        self.dirty = False
        self.last_tick = self.last_save = monotonic()
        if state is not None and state.exists():
            self.restore(state)

    def offer(self, verdict: dict[str, Any]) -> None:
        """One change to every sink, through its limits. Never blocks, never raises."""
        for gate in self.gates:
            try:
                gate.offer(verdict)
            except Exception as error:  # a sink's bug must not stop the feed: count it, say it
                gate.stats.failed += 1
                gate.stats.last_error = f"{type(error).__name__}: {error}"
                log.exception("%s: a change could not be sent", gate.sink.name)
        self.dirty = True

    def tick(self) -> None:
        """Now and then (the feed calls it on every message; it acts once a second): release
        what the quotas allow again, save the memory if it changed."""
        now = self.monotonic()
        if now - self.last_tick < SAVE_EVERY_S:
            return
        self.last_tick = now
        for gate in self.gates:
            if gate.held:
                gate.release()
                self.dirty = True
        if self.dirty and self.state is not None:
            self.save()

    def close(self, drain_s: float) -> None:
        """Deliver what is queued (``drain_s`` in all), close every sink, save the memory."""
        deadline = self.monotonic() + drain_s
        for gate in self.gates:
            gate.sink.close(max(deadline - self.monotonic(), 0.0))
        if self.state is not None:
            self.save()

    # -- the memory beside the checkpoint ----------------------------------------------------

    def save(self) -> None:
        assert self.state is not None
        data = {
            "format": FORMAT,
            "version": VERSION,
            "sinks": {gate.sink.name: gate.to_json() for gate in self.gates},
        }
        temporary = self.state.with_name(self.state.name + ".tmp")
        temporary.write_bytes(orjson.dumps(data))
        temporary.replace(self.state)
        self.dirty, self.last_save = False, self.monotonic()

    def restore(self, path: Path) -> None:
        """Take back the memory of the sinks configured now (a sink added since starts empty)."""
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as error:
            raise ValueError(f"{path}: {error}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path}: not the sinks' state of a tigerblood checkpoint")
        if data.get("version") != VERSION:
            raise ValueError(f"{path}: sinks' state version {data.get('version')}, not {VERSION}")
        saved = data.get("sinks", {})
        for gate in self.gates:
            if gate.sink.name in saved:
                try:
                    gate.restore(saved[gate.sink.name])
                except (KeyError, TypeError, ValueError) as error:
                    raise ValueError(f"{path}: {gate.sink.name}: {error!r}") from None
