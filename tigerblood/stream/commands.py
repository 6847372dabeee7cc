"""``tigerblood watch``: judge a live Bluesky feed (or a replayed capture) as it happens."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.markup import escape

from tigerblood.scoring import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from tigerblood.stream.engine import StreamEngine
    from tigerblood.stream.metrics import Tally
    from tigerblood.stream.sinks.config import SinkSettings
    from tigerblood.stream.sinks.fanout import Fanout
    from tigerblood.stream.watch import Decoder, WatchReport

err_console = Console(stderr=True, soft_wrap=True, highlight=False)


def parse_duration(text: str) -> float:
    """``90m``, ``24h``, ``7d``, ``3600s`` or plain seconds, as seconds.

    >>> parse_duration("24h"), parse_duration("90")
    (86400.0, 90.0)
    """
    from tigerblood.stream.durations import seconds

    try:
        return seconds(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def capture_lines(path: Path) -> Iterator[bytes]:
    """The lines of a Jetstream capture (plain or zstd), as a live feed would send them."""
    from tigerblood.ingest.bluesky.files import open_decompressed

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
    from tigerblood.ingest.bluesky.files import open_decompressed

    with open_decompressed(path) as stream:
        head = stream.readline()
    return b'"payload"' in head and b'"event"' in head


LIVE_BATCH = 2000
"""Messages per micro-batch of a live feed: per-batch costs (a DuckDB query, the judging of the
batch's accounts) made 200 keep up with about 10,000 messages/s and 2,000 with twice that
(``bench/stream.py --batch``); a live batch is also cut after 2 s, which bounds its latency."""

CAPTURE_BATCH = 200
"""Messages per micro-batch of a replayed capture: read at disk speed, its batches are cut by
count alone, and every event of a batch takes the batch's newest time, so a large batch of a
sparse capture would span hours of feed time."""


def feed_of(
    source: str,
    cursor: int | None,
    stream: str,
    *,
    stop: threading.Event | None = None,
    on_skip: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Iterable[bytes], Decoder]:
    """The messages of ``source`` and the decoder that reads them.

    Bluesky: ``bluesky`` (the public Jetstream), a Jetstream ``ws://``/``wss://`` URL, or a
    capture. Mastodon: ``mastodon:SERVER`` (its ``stream``, public:local by default), a
    ``wss://SERVER/api/v1/streaming?...`` URL, or a capture of streaming events; the access
    token, which most servers ask for, is read from ``MASTODON_TOKEN``. ``stop`` ends a live
    feed (within a second, waking it from a reconnect's wait); ``on_skip`` hears of an oversized
    Jetstream message that could not be read at all (see :mod:`.jetstream_live`). A live
    Jetstream is returned as its :class:`~.jetstream_live.JetstreamFeed` (iterable), whose
    ``reconnects`` the metrics read.
    """
    import os

    from tigerblood.stream.jetstream_decode import JetstreamDecoder
    from tigerblood.stream.jetstream_live import DEFAULT_URL, JetstreamFeed
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
        return mastodon_messages(url, token=token, idle_ticks=True, stop=stop), MastodonDecoder(
            instance=server
        )
    if source == "bluesky" or source.startswith(("ws://", "wss://")):
        url = DEFAULT_URL if source == "bluesky" else source
        live = JetstreamFeed(url, cursor=cursor, idle_ticks=True, stop=stop, on_skip=on_skip)
        return live, JetstreamDecoder()
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
    lookback: Annotated[
        str, typer.Option(help="How far conversations and campaigns look back (at least --window).")
    ] = "7d",
    out: Annotated[Path | None, typer.Option(help="Append verdict changes here (JSONL).")] = None,
    checkpoint_path: Annotated[
        Path | None, typer.Option("--checkpoint", help="Resume from / save state to this file.")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Flag accounts at or above this score (default: as scan, the model's threshold "
            f"for each account's platform; {DEFAULT_THRESHOLD} with --no-model)."
        ),
    ] = None,
    model: Annotated[
        bool, typer.Option("--model/--no-model", help="Use the learned model.")
    ] = True,
    max_accounts: Annotated[int, typer.Option(help="Accounts held in memory at most.")] = 200_000,
    batch: Annotated[
        int | None,
        typer.Option(
            help="Messages per micro-batch at most (a live batch is also cut after 2 s). "
            f"Default: {LIVE_BATCH:,} live (200 keeps up with about 10k messages/s, 2,000 with "
            f"20k: bench/stream.py), {CAPTURE_BATCH} for a capture file (read at disk speed, "
            "a batch is cut by count alone and its events share its newest time)."
        ),
    ] = None,
    max_messages: Annotated[int | None, typer.Option(help="Stop after this many.")] = None,
    stream: Annotated[
        str, typer.Option(help="Mastodon stream: public:local, public, hashtag?tag=...")
    ] = "public:local",
    sink: Annotated[
        list[str] | None,
        typer.Option(
            "--sink", help="Where changes go: jsonl (default), webhook, labels; repeat for more."
        ),
    ] = None,
    sinks_config: Annotated[
        Path | None,
        typer.Option(help="YAML file: the sinks, their limits (docs/stream.md, Sinks)."),
    ] = None,
    webhook: Annotated[str | None, typer.Option(help="POST each change to this URL.")] = None,
    labeler_did: Annotated[
        str | None, typer.Option(help="The labeler's DID: the src of the label records.")
    ] = None,
    labels_out: Annotated[
        Path | None, typer.Option(help="Append AT Protocol label records here (JSONL).")
    ] = None,
    max_per_hour: Annotated[
        int | None, typer.Option(help="Per sink, changes applying a label in any hour.")
    ] = None,
    max_per_day: Annotated[
        int | None, typer.Option(help="Per sink, changes applying a label in any 24 h.")
    ] = None,
    no_repeat: Annotated[
        str | None, typer.Option(help="No label again on an account within this (24h; off).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compute and count every change; emit nothing.")
    ] = False,
    metrics: Annotated[
        str | None, typer.Option(help="Serve Prometheus metrics at [HOST:]PORT/metrics.")
    ] = None,
) -> None:
    """Watch a feed: report accounts as they become flagged (or cleared), window by window."""
    from tigerblood.stream import checkpoint
    from tigerblood.stream.engine import StreamEngine, StreamSettings
    from tigerblood.stream.metrics import Tally
    from tigerblood.stream.sinks import config as sinks
    from tigerblood.stream.sinks.fanout import Fanout, state_path
    from tigerblood.stream.watch import watch

    settings = StreamSettings(
        window_s=parse_duration(window),
        cross_window_s=parse_duration(lookback),
        max_accounts=max_accounts,
        threshold=threshold,
        use_model=model,
    )
    gates = []
    try:
        chosen = sinks.load(sinks_config)
        _sink_options(chosen, sink, out, webhook, labeler_did, labels_out)
        _limit_options(chosen, max_per_hour, max_per_day, no_repeat, dry_run)
        gates = sinks.build(chosen)
        fanout = Fanout(gates, state=state_path(checkpoint_path) if checkpoint_path else None)
    except ValueError as error:
        for gate in gates:
            gate.sink.close(0)
        err_console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    cursor = None
    if checkpoint_path is not None and checkpoint_path.exists():
        try:
            engine, cursor = checkpoint.load(checkpoint_path, settings)
        except (ValueError, KeyError, TypeError) as error:
            fanout.close(0)
            err_console.print(f"[red]error:[/red] {escape(str(checkpoint_path))}: {error}")
            raise typer.Exit(1) from None
        err_console.print(f"resuming after cursor {cursor} ({len(engine.states):,} accounts)")
    else:
        engine = StreamEngine(settings)
    tally = Tally()
    stop = threading.Event()

    def quarantined(row: dict[str, Any]) -> None:
        tally.quarantined += 1
        _quarantined(row)

    def skipped(row: dict[str, Any]) -> None:
        tally.skipped += 1
        quarantined(row)

    def changed(verdict: dict[str, Any]) -> None:
        _report(verdict)
        tally.change(verdict)
        fanout.offer(verdict)

    try:
        messages, decoder = feed_of(source, cursor, stream, stop=stop, on_skip=skipped)
    except typer.BadParameter:
        fanout.close(0)
        raise
    server = (
        _serve_metrics(metrics, tally, fanout, engine, lambda: getattr(messages, "reconnects", 0))
        if metrics
        else None
    )
    previous = _on_signals(stop)
    try:
        report = watch(
            _counted(messages, tally, fanout, stop),
            engine,
            decoder=decoder,
            cursor=cursor,
            on_change=changed,
            on_quarantine=quarantined,
            batch_size=batch or (CAPTURE_BATCH if Path(source).is_file() else LIVE_BATCH),
            checkpoint_path=checkpoint_path,
            max_messages=max_messages,
        )
    finally:
        _restore_signals(previous)
        fanout.close(chosen.drain_s)
        if server is not None:
            server.shutdown()
            server.server_close()
    _summary(report, engine, checkpoint_path, tally, stop.is_set())
    _sinks_summary(fanout, chosen)
    if report.failed:
        err_console.print(f"[red]error:[/red] {escape(report.failed)}")
        raise typer.Exit(1)


def _sink_options(
    chosen: SinkSettings,
    kinds: list[str] | None,
    out: Path | None,
    webhook: str | None,
    labeler_did: str | None,
    labels_out: Path | None,
) -> None:
    """The options over the file: ``--sink`` chooses; without it (nor the file choosing), the
    JSON Lines sink stays on, as ``watch`` always wrote, and a sink given its address joins it."""
    options = chosen.options
    if out is not None:
        options["jsonl"]["path"] = str(out)
    if webhook is not None:
        options["webhook"]["url"] = webhook
    if labeler_did is not None:
        options["labels"]["src"] = labeler_did
    if labels_out is not None:
        options["labels"]["path"] = str(labels_out)
    if kinds:
        chosen.kinds = list(kinds)
    elif not chosen.kinds:
        chosen.kinds = ["jsonl"]
        if webhook is not None:
            chosen.kinds.append("webhook")
        if labeler_did is not None or labels_out is not None:
            chosen.kinds.append("labels")


def _limit_options(
    chosen: SinkSettings,
    per_hour: int | None,
    per_day: int | None,
    no_repeat: str | None,
    dry_run: bool,
) -> None:
    """Limits given as options apply to every sink, over the file's."""
    if per_hour is not None:
        chosen.limits["per_hour"] = per_hour
    if per_day is not None:
        chosen.limits["per_day"] = per_day
    if no_repeat is not None:
        chosen.limits["no_repeat"] = no_repeat
    chosen.dry_run = chosen.dry_run or dry_run


def _counted(
    messages: Iterable[bytes], tally: Tally, fanout: Fanout, stop: threading.Event
) -> Iterator[bytes]:
    """The feed, counted for the metrics, with the sinks' held changes released now and then,
    ending between two messages once ``stop`` is set (a signal): the loop then judges what it
    holds and saves the checkpoint, so a stop loses nothing and counts nothing twice."""
    from tigerblood.stream.backoff import IDLE

    iterator = iter(messages)
    try:
        for message in iterator:
            if stop.is_set():
                return
            if message != IDLE:
                tally.messages += 1
            fanout.tick()
            yield message
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGTERM (systemd, docker stop) and a first Ctrl-C end the run between two messages; a
    second Ctrl-C interrupts at once, as before."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handle(number: int, frame: FrameType | None) -> None:
        if stop.is_set() and number == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        err_console.print("stopping: judging what came, saving the checkpoint (Ctrl-C: at once)")

    return {number: signal.signal(number, handle) for number in (signal.SIGTERM, signal.SIGINT)}


def _restore_signals(previous: dict[int, Any]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)


def _serve_metrics(
    address: str,
    tally: Tally,
    fanout: Fanout,
    engine: StreamEngine,
    reconnects: Callable[[], int],
) -> Any:
    from tigerblood.stream.metrics import WatchCollector, serve

    collector = WatchCollector(
        tally,
        fanout.gates,
        newest_s=lambda: engine.now_s,
        accounts=lambda: len(engine.states),
        reconnects=reconnects,
    )
    try:
        server, url = serve(address, collector)
    except (ValueError, OSError) as error:
        fanout.close(0)
        err_console.print(f"[red]error:[/red] --metrics {escape(address)}: {error}")
        raise typer.Exit(2) from None
    err_console.print(f"metrics at {url}")
    return server


def _report(verdict: dict[str, Any]) -> None:
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


def _summary(
    report: WatchReport, engine: StreamEngine, saved: Path | None, tally: Tally, stopped: bool
) -> None:
    stats = engine.stats
    err_console.print(
        f"{report.messages:,} messages ({report.skipped:,} before the cursor), "
        f"{stats['posts']:,} posts, {stats['follows']:,} follows, "
        f"{len(engine.states):,} accounts held, {len(report.flagged):,} flagged in this run, "
        f"{report.changes:,} changes reported, "
        f"{stats['quarantined'] + tally.skipped:,} quarantined"
        + (f"; checkpoint {escape(str(saved))} at cursor {report.cursor}" if saved else "")
        + ("; interrupted" if report.interrupted else "")
        + ("; stopped" if stopped and not report.interrupted else "")
    )


SHOWN = ("emitted", "dry_run", "failed", "retries", "dropped", "repeats", "withdrawn", "skipped")


def _sinks_summary(fanout: Fanout, chosen: SinkSettings) -> None:
    """One line per sink: what it delivered, what it could not, what its limits held back."""
    for gate in fanout.gates:
        counts = gate.stats.counts()
        parts = [f"{counts[name]:,} {name.replace('_', ' ')}" for name in SHOWN if counts[name]]
        if gate.stats.records:
            parts.append(f"{gate.stats.records:,} label records")
        if gate.stats.failed and gate.stats.last_error:
            parts.append(f"last error: {gate.stats.last_error}")
        line = f"{gate.sink.name}{' (dry run)' if chosen.dry_run else ''}: " + (
            ", ".join(parts) or "nothing to send"
        )
        err_console.print(escape(line))
        if gate.held:
            shown = ", ".join(key[1] for key in list(gate.held)[:5])
            more = f" and {len(gate.held) - 5:,} more" if len(gate.held) > 5 else ""
            kept = "kept with the checkpoint" if fanout.state else "not kept: no --checkpoint"
            err_console.print(
                f"[yellow]{gate.sink.name}: {len(gate.held):,} held over quota, not emitted "
                f"({kept})[/yellow]: {escape(shown + more)}"
            )
