"""``tigerblood serve``: the web app and JSON API over a store written by ``scan --db``."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

err_console = Console(stderr=True, soft_wrap=True, highlight=False)
TOKEN_ENV = "TIGERBLOOD_TOKEN"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
"""Host headers a loopback server answers (anything else may be a DNS-rebinding page)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens to this machine (reads are then open).

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(token_file: Path | None) -> tuple[str, str]:
    """The write token and where it came from: ``--token-file``, ``$TIGERBLOOD_TOKEN``, or a
    fresh random one printed at start-up (so a demo can review without setup)."""
    if token_file is not None:
        token = token_file.read_text(encoding="utf-8").strip()
        if not token:
            raise typer.BadParameter(f"{token_file} is empty", param_hint="--token-file")
        return token, str(token_file)
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV], f"${TOKEN_ENV}"
    return secrets.token_urlsafe(24), "generated"


def serve_command(
    db: Annotated[Path, typer.Option(help="DuckDB file written by scan --db.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    token_file: Annotated[
        Path | None,
        typer.Option(help=f"File holding the write token (default: ${TOKEN_ENV}, else random)."),
    ] = None,
    open_reads: Annotated[
        bool | None,
        typer.Option(
            "--open-reads/--closed-reads",
            help="Let anyone read without the token (default: only on a loopback address).",
        ),
    ] = None,
) -> None:
    """Serve the pages and /api/v1 over a store: overview, accounts, campaigns, audit, mirror,
    and the review queue."""
    import uvicorn

    from tigerblood.web.app import create_app

    if not db.exists():
        err_console.print(f"[red]error:[/red] {escape(str(db))}: no such database")
        raise typer.Exit(1)
    token, source = read_token(token_file)
    local = is_loopback(host)
    hosts = [*LOOPBACK_HOSTS] if local else ["*"]
    app = create_app(db, token, open_reads=local if open_reads is None else open_reads, hosts=hosts)
    shown = f"[{host}]" if ":" in host else host
    err_console.print(f"tigerblood serving {escape(str(db))} on http://{escape(shown)}:{port}/")
    if source == "generated":
        err_console.print(
            f"Reviews need this token (set ${TOKEN_ENV} or --token-file to choose one): "
            f"{token}\nSign in at http://{escape(shown)}:{port}/login to use the review queue."
        )
    uvicorn.run(app, host=host, port=port, log_level="warning")
