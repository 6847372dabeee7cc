"""Audit and mirror for the app, built and rendered by :mod:`tigerblood.reports` (one renderer).

Building a report reads many rows (every follower's verdict, the reference populations), and
the store cannot change while the server holds it (the file is opened read-write, so no other
process can scan into it), so reports are kept in a small LRU cache: a second look at the same
account is instant. Reviews, the only thing written while serving, are not in the reports.
Audits read the served database's :class:`~tigerblood.reports.addressed.AddressIndex` once the
server has built it, mirrors its :class:`~tigerblood.reports.populations.Populations` (the same
reports, built faster).
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Literal

from fastapi import Request

from tigerblood.reports.addressed import AddressIndex
from tigerblood.reports.audit import AccountNotFoundError, AuditReport, audit
from tigerblood.reports.mirror import MirrorReport, mirror
from tigerblood.reports.populations import Populations
from tigerblood.store import Store

Kind = Literal["audit", "mirror", "charts"]
"""``charts``: a mirror without the posts behind its numbers, for the account page's charts."""
CACHED: dict[Kind, int] = {"audit": 64, "mirror": 256, "charts": 512}
"""Reports kept per kind: an audit of a large audience holds thousands of members; a mirror is
a few dozen lines and some posts; every account page shows a mirror's charts."""


class Reports:
    """Audit and mirror reports of the served store, most recently used kept."""

    def __init__(self, sizes: dict[Kind, int] | None = None) -> None:
        self.sizes = sizes or CACHED
        self._cache: dict[Kind, OrderedDict[str, AuditReport | MirrorReport]] = {
            kind: OrderedDict() for kind in self.sizes
        }
        self._lock = Lock()

    def get(
        self,
        store: Store,
        kind: Kind,
        account: str,
        index: AddressIndex | None = None,
        populations: Populations | None = None,
    ) -> AuditReport | MirrorReport | None:
        """The report of ``account``, or None when it is not in the store (``index`` and
        ``populations``: the served store's, read once)."""
        cache = self._cache[kind]
        with self._lock:
            if account in cache:
                cache.move_to_end(account)
                return cache[account]
            if kind == "charts" and account in self._cache["mirror"]:  # a full one will do
                return self._cache["mirror"][account]
        try:
            if kind == "audit":
                report: AuditReport | MirrorReport = audit(store, account, index)
            else:
                report = mirror(store, account, kind == "mirror", populations)
        except AccountNotFoundError:
            return None
        with self._lock:
            cache[account] = report
            while len(cache) > self.sizes[kind]:
                cache.popitem(last=False)
        return report


def report_of(
    request: Request, store: Store, kind: Kind, account: str
) -> AuditReport | MirrorReport | None:
    """The report the app's cache holds or builds, with the served store's index."""
    reports: Reports = request.app.state.reports
    db = request.app.state.db
    return reports.get(store, kind, account, db.address_index, db.populations)
