"""``tigerblood watch``: judge a live Bluesky feed (or a replayed capture) as it happens."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from tigerblood.scoring import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from tigerblood.stream.engine import StreamEngine
    from tigerblood.stream.watch import Decoder, WatchReport

err_console = Console(stderr=True, soft_wrap=True, highlight=False)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """``90m``, ``24h``, ``7d``, ``3600s`` or plain seconds, as seconds.

    >>> parse_duration("24h"), parse_duration("90")
    (86400.0, 90.0)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise typer.BadParameter(f"{text!r}: expected a positive duration like 90m, 24h or 7d")
    return float(match.group(1)) * UNITS.get(match.group(2) or "s", 1)


def capture_lines(path: Path) -> Iterator[bytes]:
    """The lines of a Jetstream capture (plain or zstd), as a live feed would send them."""
    from tigerblood.ingest.bluesky_files import open_decompressed

    with open_decompressed(path) as stream:
        yield from stream


MASTODON_PATH = "/api/v1/streaming"


def is_mastodon(source: str) -> bool:
    """``mastodon:SERVER``, a Mastodon streaming URL, or a capture of Mastodon streaming events."""
    if source.startswith("mastodon:") or MASTODON_PATH in source:
        return True
    path = Path(source)
    if not path.is_file():
        return False
    from tigerblood.ingest.bluesky_files import open_decompressed

    with open_decompressed(path) as stream:
        head = stream.readline()
    return b'"payload"' in head and b'"event"' in head


def feed_of(source: str, cursor: int | None, stream: str) -> tuple[Iterator[bytes], Decoder]:
    """The messages of ``source`` and the decoder that reads them.

    Bluesky: ``bluesky`` (the public Jetstream), a Jetstream ``ws://``/``wss://`` URL, or a
    capture. Mastodon: ``mastodon:SERVER`` (its ``stream``, public:local by default), a
    ``wss://SERVER/api/v1/streaming?...`` URL, or a capture of streaming events; the access
    token, which most servers ask for, is read from ``MASTODON_TOKEN``.
    """
    import os

    from tigerblood.stream.jetstream_decode import JetstreamDecoder
    from tigerblood.stream.jetstream_live import DEFAULT_URL, jetstream_messages
    from tigerblood.stream.mastodon_decode import MastodonDecoder
    from tigerblood.stream.mastodon_live import mastodon_messages, streaming_url

    path = Path(source)
    if is_mastodon(source):
        if path.is_file():
            return capture_lines(path), MastodonDecoder(source=path.name)
        url = streaming_url(source.removeprefix("mastodon:"), stream)
        token = os.environ.get("MASTODON_TOKEN") or None
        # The server we connect to answers for its own accounts: ids are qualified from the start.
        server = urlsplit(url).hostname
        return mastodon_messages(url, token=token, idle_ticks=True), MastodonDecoder(
            instance=server
        )
    if source == "bluesky":
        return jetstream_messages(DEFAULT_URL, cursor=cursor, idle_ticks=True), JetstreamDecoder()
    if source.startswith(("ws://", "wss://")):
        return jetstream_messages(source, cursor=cursor, idle_ticks=True), JetstreamDecoder()
    if not path.is_file():
        raise typer.BadParameter(
            f"{source}: no such file (or give 'bluesky', 'mastodon:SERVER' or a ws:// URL)"
        )
    return capture_lines(path), JetstreamDecoder(source=path.name)


def watch_command(
    source: Annotated[
        str,
        typer.Argument(
            help="'bluesky' (live Jetstream), 'mastodon:SERVER', a ws:// URL, or a capture file."
        ),
    ] = "bluesky",
    window: Annotated[str, typer.Option(help="Sliding window judged: 90m, 24h, 7d...")] = "24h",
    out: Annotated[Path | None, typer.Option(help="Append verdict changes here (JSONL).")] = None,
    checkpoint_path: Annotated[
        Path | None, typer.Option("--checkpoint", help="Resume from / save state to this file.")
    ] = None,
    threshold: Annotated[float, typer.Option(help="Flag accounts at or above this.")] = (
        DEFAULT_THRESHOLD
    ),
    model: Annotated[
        bool, typer.Option("--model/--no-model", help="Use the learned model.")
    ] = True,
    max_accounts: Annotated[int, typer.Option(help="Accounts held in memory at most.")] = 200_000,
    batch: Annotated[int, typer.Option(help="Messages per micro-batch.")] = 200,
    max_messages: Annotated[int | None, typer.Option(help="Stop after this many.")] = None,
    stream: Annotated[
        str, typer.Option(help="Mastodon stream: public:local, public, hashtag?tag=...")
    ] = "public:local",
) -> None:
    """Watch a feed: report accounts as they become flagged (or cleared), window by window."""
    from tigerblood.stream import checkpoint
    from tigerblood.stream.engine import StreamEngine, StreamSettings
    from tigerblood.stream.watch import watch

    settings = StreamSettings(
        window_s=parse_duration(window),
        max_accounts=max_accounts,
        threshold=threshold,
        use_model=model,
    )
    cursor = None
    if checkpoint_path is not None and checkpoint_path.exists():
        try:
            engine, cursor = checkpoint.load(checkpoint_path, settings)
        except (ValueError, KeyError, TypeError) as error:
            err_console.print(f"[red]error:[/red] {escape(str(checkpoint_path))}: {error}")
            raise typer.Exit(1) from None
        err_console.print(f"resuming after cursor {cursor} ({len(engine.states):,} accounts)")
    else:
        engine = StreamEngine(settings)
    messages, decoder = feed_of(source, cursor, stream)
    sink = out.open("ab") if out else sys.stdout.buffer
    try:
        report = watch(
            messages,
            engine,
            decoder=decoder,
            cursor=cursor,
            on_change=lambda verdict: _report(verdict, sink),
            on_quarantine=_quarantined,
            batch_size=batch,
            checkpoint_path=checkpoint_path,
            max_messages=max_messages,
        )
    finally:
        if out:
            sink.close()
    _summary(report, engine, checkpoint_path)
    if report.failed:
        err_console.print(f"[red]error:[/red] {escape(report.failed)}")
        raise typer.Exit(1)


def _report(verdict: dict[str, Any], sink: Any) -> None:
    sink.write(orjson.dumps(verdict) + b"\n")
    sink.flush()
    who = verdict.get("handle") or verdict["account_id"]
    top = verdict["findings"][0]["summary"] if verdict.get("findings") else ""
    err_console.print(
        f"{verdict['change']:<16} {escape(str(who))}  score {verdict['score']:.2f}  "
        f"{escape(', '.join(verdict['patterns']))}  {escape(top)}"
    )


def _quarantined(row: dict[str, Any]) -> None:
    err_console.print(
        f"[yellow]quarantined[/yellow] {escape(row['location'])} "
        f"{escape(row['field'])}: {escape(row['error'])}"
    )


def _summary(report: WatchReport, engine: StreamEngine, saved: Path | None) -> None:
    stats = engine.stats
    err_console.print(
        f"{report.messages:,} messages ({report.skipped:,} before the cursor), "
        f"{stats['posts']:,} posts, {stats['follows']:,} follows, "
        f"{len(engine.states):,} accounts held, {len(report.flagged):,} flagged in this run, "
        f"{report.changes:,} changes reported, {stats['quarantined']:,} quarantined"
        + (f"; checkpoint {escape(str(saved))} at cursor {report.cursor}" if saved else "")
        + ("; interrupted" if report.interrupted else "")
    )
