"""The sinks' configuration: a YAML file and/or ``watch`` options, checked before the feed opens.

A typo in a labeler DID or a quota should stop ``watch`` at once with a clear message, not an
hour into a live feed. The file (``--sinks-config``) holds what a moderator sets once; the
options override it for one run::

    sinks: [jsonl, labels]          # which are on (default: the sections present, else jsonl)
    dry_run: false                  # compute and count everything, emit nothing
    drain: 5s                       # at exit, time to deliver what is still queued
    limits:                         # every sink's, over the defaults below
      per_hour: 100
      per_day: 1000
      no_repeat: 24h
    jsonl: {path: changes.jsonl}
    webhook:
      url: https://hooks.example/tigerblood
      token_env: WEBHOOK_TOKEN      # a bearer token, read from this variable, never the file
      timeout: 5s
      retries: 4
      queue: 1000
      limits: {per_hour: 30}        # this sink's own, over the ones above
    labels:
      src: did:plc:...              # the labeler's DID: required
      path: labels.jsonl            # label records as JSON Lines
      endpoint: https://ozone.example/xrpc/tools.ozone.moderation.emitEvent
      token_env: OZONE_TOKEN
      expire: 30d                   # exp on applied labels (optional)

Default limits: the JSON Lines sink is the full record and has none; the webhook and the labels
reach people, so at most 100 changes applying a label an hour, 1,000 a day, and no label again on
the same account within 24 h.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from tigerblood.stream.durations import seconds
from tigerblood.stream.sinks.base import Sink
from tigerblood.stream.sinks.jsonl import JsonlSink
from tigerblood.stream.sinks.labels import LabelSink
from tigerblood.stream.sinks.limits import DAY_S, Gate, Limits
from tigerblood.stream.sinks.webhook import WebhookSink

KINDS = ("jsonl", "webhook", "labels")
DEFAULT_LIMITS = {
    "jsonl": Limits(per_hour=None, per_day=None, no_repeat_s=None),
    "webhook": Limits(per_hour=100, per_day=1000, no_repeat_s=DAY_S),
    "labels": Limits(per_hour=100, per_day=1000, no_repeat_s=DAY_S),
}
TOP_KEYS = {"sinks", "dry_run", "drain", "limits", *KINDS}
LIMIT_KEYS = {"per_hour", "per_day", "no_repeat", "held_max"}
DELIVERY_KEYS = {"headers", "token_env", "timeout", "retries", "backoff", "backoff_max", "queue"}
SINK_KEYS = {
    "jsonl": {"path", "limits"},
    "webhook": {"url", "limits", *DELIVERY_KEYS},
    "labels": {"src", "path", "endpoint", "created_by", "expire", "prefix", "limits"}
    | DELIVERY_KEYS,
}


@dataclass
class SinkSettings:
    """Everything the sinks need, merged from the file and the options."""

    kinds: list[str] = field(default_factory=list)
    dry_run: bool = False
    drain_s: float = 5.0
    limits: dict[str, Any] = field(default_factory=dict)
    """Limits for every sink, as written (``per_hour``, ``per_day``, ``no_repeat``...)."""
    options: dict[str, dict[str, Any]] = field(default_factory=lambda: {k: {} for k in KINDS})


def load(path: Path | None) -> SinkSettings:
    """The settings of a YAML file (empty settings for None); ValueError naming what is wrong."""
    settings = SinkSettings()
    if path is None:
        return settings
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of settings")
    _known(data, TOP_KEYS, str(path))
    kinds = data.get("sinks")
    if kinds is not None:
        settings.kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    else:
        settings.kinds = [kind for kind in KINDS if kind in data]
    settings.dry_run = bool(data.get("dry_run", False))
    if "drain" in data:
        settings.drain_s = seconds(data["drain"])
    settings.limits = _mapping(data.get("limits"), "limits")
    _known(settings.limits, LIMIT_KEYS, "limits")
    for kind in KINDS:
        section = _mapping(data.get(kind), kind)
        _known(section, SINK_KEYS[kind], kind)
        settings.options[kind] = section
    return settings


def build(settings: SinkSettings, *, clock: Callable[[], float] | None = None) -> list[Gate]:
    """The configured sinks, each behind its limits; ValueError when a setting is wrong."""
    kinds = settings.kinds or ["jsonl"]
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown sink {kind!r} (expected one of {', '.join(KINDS)})")
    gates = []
    try:
        for kind in dict.fromkeys(kinds):
            options = settings.options.get(kind, {})
            limits = _limits(
                DEFAULT_LIMITS[kind], settings.limits, _mapping(options.get("limits"), kind)
            )
            sink = _sink(kind, options, settings.dry_run)
            extra = {"clock": clock} if clock is not None else {}
            gates.append(Gate(sink, limits, prefix=str(options.get("prefix", "")), **extra))
    except Exception:
        for gate in gates:
            gate.sink.close(0)
        raise
    return gates


def _sink(kind: str, options: dict[str, Any], dry_run: bool) -> Sink:
    path = Path(options["path"]) if options.get("path") else None
    if kind == "jsonl":
        return JsonlSink(path, dry_run=dry_run)
    delivery = _delivery(kind, options)
    if kind == "webhook":
        url = options.get("url")
        if not url:
            raise ValueError("the webhook sink needs a URL (--webhook URL, or webhook: url:)")
        return WebhookSink(_http_url(str(url), "webhook"), dry_run=dry_run, **delivery)
    src = options.get("src")
    if not src:
        raise ValueError("the labels sink needs the labeler's DID (--labeler-did, labels: src:)")
    endpoint = options.get("endpoint")
    expire = options.get("expire")
    prefix = str(options.get("prefix", ""))
    if len(prefix.encode()) > 64:
        raise ValueError(f"labels prefix {prefix!r} is over 64 bytes")
    return LabelSink(
        str(src),
        path=path,
        endpoint=_http_url(str(endpoint), "labels endpoint") if endpoint else None,
        created_by=str(options["created_by"]) if options.get("created_by") else None,
        expire_s=seconds(expire) if expire is not None else None,
        dry_run=dry_run,
        **delivery,
    )


def _delivery(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    headers = {str(k): str(v) for k, v in _mapping(options.get("headers"), kind).items()}
    if options.get("token_env"):
        name = str(options["token_env"])
        token = os.environ.get(name)
        if not token:
            raise ValueError(f"{kind}: the token variable {name} is not set")
        headers["authorization"] = f"Bearer {token}"
    chosen: dict[str, Any] = {"headers": headers}
    for key, name, read in (
        ("timeout", "timeout_s", seconds),
        ("backoff", "backoff_base_s", seconds),
        ("backoff_max", "backoff_max_s", seconds),
        ("retries", "retries", _count),
        ("queue", "queue_size", _count),
    ):
        if key in options:
            chosen[name] = read(options[key])
    if chosen.get("queue_size") == 0:
        raise ValueError(f"{kind}: queue must hold at least one change")
    return chosen


def _limits(base: Limits, *layers: dict[str, Any]) -> Limits:
    limits = replace(base)
    for layer in layers:
        if "per_hour" in layer:
            limits.per_hour = _optional_count(layer["per_hour"])
        if "per_day" in layer:
            limits.per_day = _optional_count(layer["per_day"])
        if "no_repeat" in layer:
            value = layer["no_repeat"]
            limits.no_repeat_s = None if value in (None, 0, "0", "off") else seconds(value)
        if "held_max" in layer:
            limits.held_max = _count(layer["held_max"])
    return limits


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r}: expected a whole number, 0 or more")
    return value


def _optional_count(value: Any) -> int | None:
    return None if value is None or value == "none" else _count(value)


def _http_url(url: str, what: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{what} {url!r}: expected an http:// or https:// URL")
    return url


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping, got {value!r}")
    return value


def _known(data: dict[str, Any], keys: set[str], where: str) -> None:
    unknown = sorted(set(data) - keys)
    if unknown:
        raise ValueError(f"{where}: unknown setting(s) {', '.join(map(str, unknown))}")
