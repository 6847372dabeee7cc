"""Audit and mirror for the app, built and rendered by :mod:`tigerblood.reports` (one renderer).

Building a report reads many rows (every follower's verdict, the reference populations), and
the store cannot change while the server holds it (the file is opened read-write, so no other
process can scan into it), so reports are kept in a small LRU cache: a second look at the same
account is instant. Reviews, the only thing written while serving, are not in the reports.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Literal

from tigerblood.reports.audit import AccountNotFoundError, AuditReport, audit
from tigerblood.reports.mirror import MirrorReport, mirror
from tigerblood.store import Store

Kind = Literal["audit", "mirror"]
CACHED = 64
"""Reports kept: an audit of a large audience holds thousands of members."""


class Reports:
    """Audit and mirror reports of the served store, most recently used kept."""

    def __init__(self, size: int = CACHED) -> None:
        self.size = size
        self._cache: OrderedDict[tuple[Kind, str], AuditReport | MirrorReport] = OrderedDict()
        self._lock = Lock()

    def get(self, store: Store, kind: Kind, account: str) -> AuditReport | MirrorReport | None:
        """The report of ``account``, or None when it is not in the store."""
        key = (kind, account)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        try:
            report = audit(store, account) if kind == "audit" else mirror(store, account)
        except AccountNotFoundError:
            return None
        with self._lock:
            self._cache[key] = report
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return report
