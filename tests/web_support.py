"""One real store and one real server per test session, for every web test.

The store is a small generated audience (:mod:`tigerblood.testing.audience`, Jetstream events
through the real ingest and scan) plus ``eve``, a hostile link-reply spammer whose name, bio and
posts carry script tags, event handlers, an RTL override and a huge field. The server is the app
``tigerblood serve`` runs, on uvicorn, on a free port, in a thread.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI

from tigerblood.scan import scan
from tigerblood.store import Store
from tigerblood.testing.audience import Audience, generate
from tigerblood.testing.scenarios import START, Ref, Sizes, _Capture
from tigerblood.web.app import create_app
from tigerblood.web.security import Throttle

TOKEN = "test-token-" + "x" * 20
HOSTILE_NAME = '<b onmouseover="alert(1)">Eve</b>'
HOSTILE_BIO = (
    '<script>alert("bio")</script><img src=x onerror="alert(2)"> '
    "\u202egnp.exe \u2066odd\u2069 " + "long " * 1_000
)
HOSTILE_POST = (
    '<script>alert(\'post\')</script><a href="javascript:alert(3)" onclick="alert(4)">win</a>'
    " \u202ereversed\u202c cheap-followers.example/buy"
)
EVE_HANDLE = "eve-hostile.example.social"
SMALL = Sizes(genuine=14, link_reply_spam=2, follow_farming=2, pitch_conversation=1, campaign=4)


@dataclass
class Served:
    """The running server and what the tests need to know about its data."""

    url: str
    db: Path
    demo: Audience
    eve: str
    app: FastAPI
    """The app itself, for tests that look inside it (its warm-up, its limits)."""

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client for the server, with the bearer token when given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def _creator_posts(events: Path, creator: str) -> list[Ref]:
    refs = []
    for line in events.read_bytes().splitlines():
        event = orjson.loads(line)
        commit = event.get("commit") or {}
        record = commit.get("record") or {}
        is_post = commit.get("collection") == "app.bsky.feed.post"
        if event["did"] == creator and is_post and "reply" not in record:
            uri = f"at://{creator}/app.bsky.feed.post/{commit['rkey']}"
            refs.append(Ref(uri, commit["cid"], uri, commit["cid"], creator))
    return refs


def write_hostile(folder: Path, demo: Audience) -> str:
    """``eve``: replies to every creator post with the same link and hostile text."""
    cap = _Capture(random.Random(7))
    eve = cap.did()
    cap.identity(eve, EVE_HANDLE, START - timedelta(hours=2))
    cap.profile(eve, HOSTILE_NAME, HOSTILE_BIO, START - timedelta(days=3))
    link = "https://cheap-followers.example/buy"
    for n, ref in enumerate(_creator_posts(demo.scenario.events, demo.creator) * 3):
        at = START + timedelta(days=6, minutes=7 * n)
        cap.post(eve, at, HOSTILE_POST, link=link, reply_to=ref)
    cap.write(folder / "hostile.jsonl")
    return eve


def build_store(folder: Path) -> tuple[Path, Audience, str]:
    """The session's store file: generated audience + hostile account, scanned for real."""
    demo = generate(folder / "audience", sizes=SMALL, bought=6, seed=5)
    eve = write_hostile(folder, demo)
    db = folder / "web.duckdb"
    store = Store(db)
    scan([demo.scenario.events, folder / "hostile.jsonl"], store)
    store.close()
    return db, demo, eve


def free_socket() -> socket.socket:
    """A listening socket on a port the system picked (no race between choosing and binding)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The store and the app serving it, for the whole session."""
    db, demo, eve = build_store(tmp_path_factory.mktemp("web"))
    app = create_app(db, TOKEN, hosts=["127.0.0.1", "localhost"])
    # Every test is one client (127.0.0.1): the session must not trip the per-client limits,
    # which their own test tightens on purpose.
    app.state.guard.writes, app.state.guard.failures = Throttle(100_000), Throttle(100_000)
    sock = free_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    port = sock.getsockname()[1]
    yield Served(f"http://127.0.0.1:{port}", db, demo, eve, app)
    server.should_exit = True
    thread.join(10)
    sock.close()
