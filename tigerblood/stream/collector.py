"""When the feed lets Python's cycle collector run: once per micro-batch, over what it made.

The window holds hundreds of thousands of long-lived container objects (account states and
their tallies, window events, post facts). CPython's full collection walks every one of them
whenever a quarter as many new objects have survived since the last one, and a growing window
meets that often; its young collections run every 700 allocations, walking what survived the
last ones again. On ``bench/stream.py`` the collector took a fifth of the feed's CPU time, for
state that holds no reference cycles: everything is freed by reference counting when it leaves
the window or is evicted.

So a micro-batch runs with the collector off (:func:`micro_batch`, through the ingest's own
:func:`~tigerblood.ingest.bluesky.files.gc_paused`); at its end one young
collection walks what the batch made (cycles made in it are found there), and everything
still alive is frozen (:func:`gc.freeze`: kept out of every later collection). Cyclic garbage
among frozen objects would not be found, so every :data:`FULL_EVERY` micro-batches everything
is unfrozen and collected once: what a cycle could hold is bounded by that many micro-batches,
and memory stays bounded as DESIGN §3.6 asks. Reference counting is untouched: an event
leaving the window or an evicted account is freed at once, frozen or not.

The collector is the process's (``gc`` is global): one cadence for every engine in it, and a
caller that turned collection off keeps it off.

Example::

    with micro_batch():
        changes = engine.apply(decoder.decode(messages)[0], arrival_s)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from tigerblood.ingest.bluesky.files import gc_paused

FULL_EVERY = 500
"""Micro-batches between two full collections (a minute of a busy firehose at 2,000 messages a
batch, 15 minutes of a quiet feed flushed every 2 s)."""

_batches = 0


@contextmanager
def micro_batch() -> Iterator[None]:
    """Collection off for one micro-batch; then its young objects collected and the survivors
    frozen, or, every :data:`FULL_EVERY` batches, everything collected (module docstring)."""
    global _batches
    enabled = gc.isenabled()
    try:
        with gc_paused():
            yield
    finally:
        if enabled:
            _batches += 1
            if _batches % FULL_EVERY == 0:
                gc.unfreeze()
                gc.collect()
            else:
                gc.collect(1)  # what this batch made (and what the last young ones kept)
            gc.freeze()
