"""Format detection: each source path goes to the first adapter that recognises it.

Built-in adapters register exactly like third-party ones, through the ``tigerblood.adapters``
entry-point group, so a plugin format is auto-detected by ``scan`` with no change here.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path

from tigerblood.ingest.base import Adapter, Batch, SourceError

BUILTIN = {
    "tabular": "tigerblood.ingest.tabular:TabularAdapter",
    "twitter-v1-csv": "tigerblood.ingest.research.users_csv:TwitterV1CsvAdapter",
    "twitter-v1-tweets-csv": "tigerblood.ingest.research.tweets_csv:TwitterTweetsCsvAdapter",
    "mastodon": "tigerblood.ingest.mastodon.responses:MastodonAdapter",
    "twitter-archive": "tigerblood.ingest.twitter.archive:TwitterArchiveAdapter",
    "twibot": "tigerblood.ingest.research.twibot:TwiBotAdapter",
    "twitter-api": "tigerblood.ingest.twitter.api:TwitterApiAdapter",
    "bluesky-jetstream": "tigerblood.ingest.bluesky.jetstream:JetstreamAdapter",
    "bluesky-appview": "tigerblood.ingest.bluesky.appview:AppViewAdapter",
}


def _load(spec: str) -> type[Adapter]:
    module_name, _, attr = spec.partition(":")
    module = __import__(module_name, fromlist=[attr])
    return getattr(module, attr)


@cache
def adapters() -> dict[str, Adapter]:
    """Every known adapter by name, built-ins first, then entry points, in detection order."""
    found: dict[str, Adapter] = {name: _load(spec)() for name, spec in BUILTIN.items()}
    for ep in entry_points(group="tigerblood.adapters"):
        if ep.name not in found:
            found[ep.name] = ep.load()()
    return found


def detect(path: Path) -> Adapter:
    """The adapter that recognises ``path``; a clear :class:`SourceError` when none does."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    for adapter in adapters().values():
        try:
            if adapter.sniff(path):
                return adapter
        except OSError as exc:
            raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        except (EOFError, ValueError) as exc:  # corrupt gzip/zstd headers while sniffing
            raise SourceError(f"{path}: cannot be read ({exc})") from exc
    names = ", ".join(adapters())
    raise SourceError(f"{path}: format not recognised (known formats: {names}; use --format)")


def read_source(path: Path, format_name: str | None = None) -> Iterator[Batch]:
    """Batches from one source, auto-detected unless ``format_name`` names the adapter."""
    if format_name:
        try:
            adapter = adapters()[format_name]
        except KeyError:
            names = ", ".join(adapters())
            raise SourceError(f"unknown format {format_name!r} (known: {names})") from None
    else:
        adapter = detect(path)
    yield from adapter.read(path)
