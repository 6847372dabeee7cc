"""`tigerblood serve` on the full Cresci-2015 store: p95 of every page and API call, each beside
a bare DuckDB query of the same rows in the same run (the ratio is what the app adds: the query
layer, JSON or HTML, HTTP), and the review queue's next account after a decision.

The store is built once with `tigerblood scan ../shared/data/cresci-2015 --db
.cache/serve/cresci-2015.duckdb` (about 3 minutes) and copied for each run, because serving
writes reviews. The app runs on uvicorn in a thread; requests go through HTTP (httpx).

The server warms up in the background as it starts (the audit's address index, every
campaign's posts, the mirror's compiled query and populations); the bench waits for that,
prints how long it took, then measures. "cold" calls look at accounts no earlier call has seen
(each cold route gets its own accounts), so they pay for building the report; "cached" ones
revisit them.
Usage: python bench/serve.py [REQUESTS]   (default 40 per call; targets: p95 <= 300 ms for every
call, <= 100 ms for the review queue's next account)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import uvicorn

from tigerblood.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "cresci-2015"
CACHED = ROOT / ".cache" / "serve" / "cresci-2015.duckdb"
TOKEN = "bench-token"


def cached_store() -> Path:
    """The scanned Cresci-2015 store, built on first use."""
    if not CACHED.exists():
        CACHED.parent.mkdir(parents=True, exist_ok=True)
        partial = CACHED.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        tb = Path(sys.executable).with_name("tigerblood")
        subprocess.run([str(tb), "scan", str(SOURCE), "--db", str(partial)], check=True)
        partial.rename(CACHED)
    return CACHED


def p95(samples: list[float]) -> float:
    return float(np.percentile(np.array(samples) * 1000, 95))


def p50(samples: list[float]) -> float:
    return float(np.percentile(np.array(samples) * 1000, 50))


def load() -> tuple[float, float, float, int]:
    """The machine's load averages and cores: p95s on a shared machine move with them."""
    return (*os.getloadavg(), os.cpu_count() or 1)


def timed(call: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cresci.duckdb"
        shutil.copy(cached_store(), db)
        app = create_app(db, TOKEN, hosts=["127.0.0.1"])
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        con = app.state.db.store.con.cursor()
        http = httpx.Client(base_url=url, timeout=60)
        started = time.perf_counter()
        app.state.db.warmed.wait()
        warm = app.state.db.warm_seconds
        waited = time.perf_counter() - started
        print(f"warm-up in the background: {warm:.1f} s (the bench waited {waited:.1f} s)")
        rows = con.execute(
            "SELECT platform || ':' || account_id, handle FROM verdicts "
            "ORDER BY hash(account_id) LIMIT ?",
            [4 * n],
        ).fetchall()
        every = [r[0] for r in rows]
        # Disjoint accounts per cold route: A account pages, B audits, C mirrors, D API audits.
        keys, audits, mirrors, api_audits = (every[i * n : (i + 1) * n] for i in range(4))
        ids = [k.split(":", 1)[1] for k in keys]
        it = {"i": 0}

        def nxt() -> int:
            it["i"] = (it["i"] + 1) % len(keys)
            return it["i"]

        def bare_account() -> None:
            i = nxt()
            con.execute("SELECT verdict FROM verdicts WHERE account_id = ?", [ids[i]]).fetchall()
            con.execute(
                "SELECT post_id, created_at, text FROM posts WHERE account_id = ? "
                "ORDER BY created_at DESC LIMIT 20",
                [ids[i]],
            ).fetchall()

        def bare_page() -> None:
            con.execute("SELECT verdict FROM verdicts ORDER BY score DESC LIMIT 50").fetchall()

        def bare_overview() -> None:
            con.execute(
                "SELECT count(*), count(*) FILTER (flagged), histogram(floor(score * 10)) "
                "FROM verdicts"
            ).fetchall()

        def bare_replies() -> None:
            i = nxt()
            con.execute(
                "SELECT p.account_id, v.verdict FROM posts p LEFT JOIN verdicts v "
                "USING (platform, account_id) WHERE p.reply_to_account_id = ?",
                [ids[i]],
            ).fetchall()

        def bare_campaigns() -> None:
            con.execute("SELECT * FROM campaigns ORDER BY accounts DESC LIMIT 100").fetchall()

        def get(path: Callable[[], str]) -> Callable[[], object]:
            def call() -> object:
                answer = http.get(path())
                assert answer.status_code == 200, (answer.status_code, answer.text[:200])
                return answer

            return call

        first_campaign = con.execute(
            "SELECT campaign_id FROM campaigns ORDER BY accounts DESC LIMIT 1"
        ).fetchall()
        campaign = first_campaign[0][0] if first_campaign else None
        calls: list[tuple[str, Callable[[], object], Callable[[], None]]] = [
            ("GET / (overview page)", get(lambda: "/"), bare_overview),
            ("GET /api/v1/overview", get(lambda: "/api/v1/overview"), bare_overview),
            ("GET /accounts", get(lambda: "/accounts"), bare_page),
            (
                "GET /accounts?pattern=…&sort=handle",
                get(lambda: "/accounts?pattern=follow_farming&sort=handle&order=asc"),
                bare_page,
            ),
            ("GET /api/v1/verdicts", get(lambda: "/api/v1/verdicts"), bare_page),
            (
                "GET /api/v1/verdicts?flagged&pattern",
                get(lambda: "/api/v1/verdicts?flagged=true&pattern=follow_farming&min_score=0.5"),
                bare_page,
            ),
            (
                "GET /accounts/{account} (cold, + charts)",
                get(lambda: f"/accounts/{keys[nxt()]}"),
                bare_account,
            ),
            (
                "GET /api/v1/accounts/{account}",
                get(lambda: f"/api/v1/accounts/{keys[nxt()]}"),
                bare_account,
            ),
            ("GET /campaigns", get(lambda: "/campaigns"), bare_campaigns),
            ("GET /api/v1/campaigns", get(lambda: "/api/v1/campaigns"), bare_campaigns),
        ]
        if campaign:
            calls.append(
                (
                    "GET /campaigns/{id}",
                    get(lambda: f"/campaigns/{campaign}"),
                    bare_campaigns,
                )
            )
        # Reports: the first look at an account builds its report (cold), later looks hit
        # the cache; both are measured, cold ones on accounts no earlier call has seen.
        calls += [
            ("GET /audit/{account} (cold)", get(lambda: f"/audit/{audits[nxt()]}"), bare_replies),
            (
                "GET /audit/{account} (cached)",
                get(lambda: f"/audit/{audits[nxt()]}"),
                bare_replies,
            ),
            (
                "GET /mirror/{account} (cold)",
                get(lambda: f"/mirror/{mirrors[nxt()]}"),
                bare_account,
            ),
            (
                "GET /api/v1/mirror/{account} (cached)",
                get(lambda: f"/api/v1/mirror/{mirrors[nxt()]}"),
                bare_account,
            ),
            (
                "GET /api/v1/audit/{account} (cold)",
                get(lambda: f"/api/v1/audit/{api_audits[nxt()]}"),
                bare_replies,
            ),
            (
                "GET /accounts/{account} (mirror cached)",
                get(lambda: f"/accounts/{mirrors[nxt()]}"),
                bare_account,
            ),
        ]
        get(lambda: "/")()  # warm-up: first template compile, first query plans
        print(f"tigerblood serve on {CACHED.name}: {len(keys)} accounts, {n} requests per call")
        print("load average at start: {:.1f} {:.1f} {:.1f} ({} cores)".format(*load()))
        print(f"{'call':<44}{'p50 ms':>8}{'p95 ms':>8}{'bare p95 ms':>13}{'ratio':>8}")
        worst = 0.0
        for name, call, bare in calls:
            it["i"] = 0
            took = timed(call, n)
            it["i"] = 0
            app_p95, bare_p95 = p95(took), p95(timed(bare, n))
            worst = max(worst, app_p95)
            print(
                f"{name:<44}{p50(took):>8.1f}{app_p95:>8.1f}{bare_p95:>13.2f}"
                f"{app_p95 / bare_p95:>8.1f}"
            )
        writer = httpx.Client(
            base_url=url, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}
        )

        def decide_then_next() -> None:
            top = writer.get("/api/v1/review-queue?limit=1").json()[0]
            key = f"{top['platform']}:{top['account_id']}"
            writer.post("/api/v1/reviews", json={"account": key, "decision": "confirm"})

        def bare_next() -> None:
            con.execute(
                "SELECT verdict FROM verdicts v WHERE flagged AND NOT EXISTS (SELECT 1 FROM "
                "reviews r WHERE r.account_id = v.account_id) ORDER BY score DESC LIMIT 1"
            ).fetchall()

        samples = []
        for _ in range(n):
            decide_then_next()
            start = time.perf_counter()
            answer = http.get("/review")
            samples.append(time.perf_counter() - start)
            assert answer.status_code == 200
        queue_p95, bare_q = p95(samples), p95(timed(bare_next, n))
        print(
            f"{'review queue: next account (GET /review)':<44}{p50(samples):>8.1f}"
            f"{queue_p95:>8.1f}{bare_q:>13.2f}{queue_p95 / bare_q:>8.1f}"
        )
        print(
            f"worst p95 {worst:.0f} ms (target 300), review queue next {queue_p95:.0f} ms "
            "(target 100)"
        )
        print("load average at the end: {:.1f} {:.1f} {:.1f} ({} cores)".format(*load()))
        server.should_exit = True
        sock.close()


if __name__ == "__main__":
    main()
