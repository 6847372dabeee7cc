"""Verdicts remembered by feature row: an account judged on the same values as another gets the
same verdict without running the detectors and the model again.

A verdict is a function of the account's feature row alone (the rules compare its values with
thresholds chosen by platform, the model scores and explains its values, scoring combines the
two), apart from the identity it carries: ``account_id`` and ``handle`` are copied into it and
read by nothing else. So rows that agree on every other column (platform included) share one
verdict. On the firehose most accounts judged in a micro-batch are in that case: a one-post
account with no profile has the same row as thousands of others, and an account judged again
after a follow it gave may have the same row as at its last judgement. Those are looked up; only
rows never seen (or forgotten) go through the detectors, one table for the micro-batch.

The memo is bounded (``max_rows``, oldest half dropped when full) and belongs to one engine,
whose detectors, model and threshold never change. Templates are shared: a caller that hands a
verdict out, or changes it, takes :func:`own` of it.

Example::

    memo = VerdictMemo()
    templates = memo.verdicts(rows, run_detectors)   # run_detectors(rows) -> verdicts, in order
    verdict = own(templates[0], rows[0])
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

IDENTITY = ("account_id", "handle")
"""Columns copied into a verdict and read by no detector, model or scorer (module docstring)."""

Row = dict[str, Any]
Verdict = dict[str, Any]


class VerdictMemo:
    """Verdict templates by row signature (every column but :data:`IDENTITY`); ``max_rows``
    bounds memory (a template of a model-judged account holds its explanation)."""

    def __init__(self, max_rows: int = 65_536) -> None:
        self.max_rows = max_rows
        self.known: dict[tuple[Any, ...], Verdict] = {}
        self.hits = self.misses = 0

    @staticmethod
    def signature(row: Row) -> tuple[Any, ...]:
        """What the verdict of ``row`` depends on: its columns but :data:`IDENTITY`, names and
        values (rows listing the same values in another order only miss each other)."""
        rest = dict(row)
        for name in IDENTITY:
            rest.pop(name, None)
        return tuple(rest), tuple(rest.values())

    def verdicts(
        self, rows: list[Row], judge: Callable[[list[Row]], list[Verdict]]
    ) -> list[Verdict]:
        """A verdict template per row, in order: remembered ones looked up, the others from one
        call of ``judge`` on their distinct rows (which returns one verdict per row, in order)."""
        try:
            signatures = [self.signature(row) for row in rows]
            hash(tuple(signatures))
        except TypeError:  # a column holding a list: no signature, every row judged afresh
            return judge(rows)
        known = self.known
        fresh: dict[tuple[Any, ...], Row] = {}
        for sig, row in zip(signatures, rows, strict=True):
            if sig not in known and sig not in fresh:
                fresh[sig] = row
        self.misses += len(fresh)
        self.hits += len(rows) - len(fresh)
        if not fresh:
            return [known[sig] for sig in signatures]
        judged = dict(zip(fresh, judge(list(fresh.values())), strict=True))
        out = [judged.get(sig) or known[sig] for sig in signatures]
        known.update(judged)
        self._bound()
        return out

    def _bound(self) -> None:
        over = len(self.known) - self.max_rows
        if over > 0:  # the oldest half (dicts keep insertion order): cheap and rare
            drop = max(over, self.max_rows // 2)
            for sig in list(itertools.islice(self.known, drop)):
                del self.known[sig]


def own(template: Verdict, row: Row) -> Verdict:
    """``row``'s own verdict from a shared template: a deep copy carrying ``row``'s identity."""
    verdict = copy.deepcopy(template)
    for name in IDENTITY:
        verdict[name] = row.get(name)
    return verdict
