"""The scanned data's unflagged accounts, read once for a process that mirrors many accounts.

:func:`tigerblood.reports.reference.scanned` reads every unflagged account's features of the
platform and the years its posts span, for each mirror: tens of milliseconds, the same rows
every time but one (the account itself is left out: a reference must not contain what it
judges). A store that cannot change while it is read (a server's, which holds the file) reads
them once per platform here, with each value's account, and leaves the account out per mirror:
the same values, so the same standings. The order of the values may differ from a fresh query
(DuckDB gives no order either), and nothing reads it: standings use sorted values, counts,
minimum and maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Lock

from tigerblood.reports.reference import Scanned, years
from tigerblood.store import Store


@dataclass(frozen=True)
class _Platform:
    """One platform's unflagged values per feature, and where each account's values are."""

    years: str | None
    values: dict[str, list[float]]
    where: dict[str, dict[str, list[int]]]  # feature -> account -> positions in values


class Populations:
    """Unflagged accounts' feature values per platform, read on first use and kept."""

    def __init__(self) -> None:
        self._platforms: dict[tuple[str, tuple[str, ...]], _Platform] = {}
        self._lock = Lock()

    def scanned(self, store: Store, features: list[str], platform: str, account_id: str) -> Scanned:
        """What :func:`~tigerblood.reports.reference.scanned` returns, from memory."""
        key = (platform, tuple(features))
        with self._lock:
            held = self._platforms.get(key)
        if held is None:
            held = _read(store, features, platform)
            with self._lock:
                self._platforms[key] = held
        values = {}
        for name in features:
            full = held.values[name]
            mine = held.where[name].get(account_id)
            if not mine:
                values[name] = full
            elif len(mine) == 1:
                values[name] = full[: mine[0]] + full[mine[0] + 1 :]
            else:
                skip = set(mine)
                values[name] = [v for i, v in enumerate(full) if i not in skip]
        return Scanned(platform, held.years, values)

    def prepare(self, store: Store, features: list[str]) -> None:
        """Read every platform of the verdicts now (a server does it at start)."""
        for (platform,) in store.sql("SELECT DISTINCT platform FROM verdicts ORDER BY 1"):
            self.scanned(store, features, platform, "")


def _read(store: Store, features: list[str], platform: str) -> _Platform:
    """Every unflagged account of ``platform`` (nobody left out), with its account ids."""
    columns = ", ".join(f'f."{name}"' for name in ["account_id", *features])
    table = store.arrow(  # an account id that is null is never kept by the query's "<>" either
        f"SELECT {columns} FROM features f JOIN verdicts v USING (platform, account_id) "
        "WHERE NOT v.flagged AND f.platform = ? AND f.account_id IS NOT NULL",
        [platform],
    )
    accounts = table.column("account_id").to_pylist()
    values: dict[str, list[float]] = {}
    where: dict[str, dict[str, list[int]]] = {}
    for name in features:
        kept: list[float] = []
        positions: dict[str, list[int]] = {}
        for account, value in zip(accounts, table.column(name).to_pylist(), strict=True):
            if value is not None:
                positions.setdefault(account, []).append(len(kept))
                kept.append(float(value))
        values[name] = kept
        where[name] = positions
    return _Platform(years(store, platform), values, where)
