"""What the profile says about the account itself, as the platform records it.

Besides the bot declaration, the profile can show that an account runs a website: a link in its
profile to a site that is not a shared platform (its shop, its newsroom, its status page), or on
Bluesky a handle that is a domain name, which the AT Protocol only grants to whoever controls the
domain. An account whose most promoted link points at that site is publishing its own content, as
a brand, a newsroom or a service does (issue 14, item 7): ``scoring`` reports it as such and
judges it only on what publishing one's own site does not excuse.

The stream derives the same two columns in Python from the same profile fields
(:func:`own_site_of`, :func:`on_own_site`); ``tests/test_features_profile.py`` holds both
definitions to the same table of cases.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import ibis
import ibis.expr.types as ir

from tigerblood.features.base import KEYS, ModelTables, url_host
from tigerblood.ingest.entities import shortener_domains

FEATURES = {
    "declared_bot": "whether the profile declares it a bot (null: the source does not say)",
    "own_site": "the web host the account shows it runs: the host of a profile link that is not a "
    "shared platform or shortener, else a Bluesky handle that is a domain (null: none)",
    "top_url_on_own_site": "whether its most repeated link points at its own site (null: no own "
    "site or no link)",
}

HOSTED_HANDLE_SUFFIX = ".bsky.social"
"""Bluesky's default handles name the host, not the person: not a site of theirs."""


@cache
def shared_hosts() -> tuple[frozenset[str], tuple[str, ...]]:
    """Hosts that are someone else's platform: exact hosts, and domains covering subdomains.

    From ``tigerblood/data/shared_hosts.txt`` plus every link shortener.
    """
    text = files("tigerblood.data").joinpath("shared_hosts.txt").read_text(encoding="utf-8")
    lines = [line.strip().lower() for line in text.splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    exact = {line for line in entries if not line.startswith(".")} | set(shortener_domains())
    domains = tuple(sorted(line[1:] for line in entries if line.startswith(".")))
    return frozenset(exact | set(domains)), domains


def _shared(host: ir.StringValue) -> ir.BooleanValue:
    exact, domains = shared_hosts()
    covered = [host.endswith("." + domain) for domain in domains]
    result = host.isin(sorted(exact))
    for condition in covered:
        result = result | condition
    return result


def own_site(tables: ModelTables, base: ir.Table) -> ir.Table:
    """``base`` with ``own_site``: the smallest own host among the profile links, else the
    Bluesky domain handle."""
    acc = tables.accounts
    # Unnest first, normalise after: Spark refuses a generator nested inside other functions.
    links = acc.select(*KEYS, url=acc.profile_urls.unnest())
    hosts = links.select(*KEYS, host=url_host(links.url))
    hosts = hosts.filter(hosts.host.notnull() & hosts.host.contains(".") & ~_shared(hosts.host))
    sites = hosts.group_by(list(KEYS)).aggregate(profile_site=hosts.host.min())
    joined = base.left_join(sites, list(KEYS)).drop("platform_right", "account_id_right")
    handle = joined.handle.lower()
    domain_handle = ibis.ifelse(
        (joined.platform == "bluesky")
        & handle.contains(".")
        & ~handle.endswith(HOSTED_HANDLE_SUFFIX),
        handle,
        ibis.null("string"),
    )
    return joined.mutate(own_site=joined.profile_site.coalesce(domain_handle)).drop("profile_site")


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """``declared_bot`` comes in with the profile columns (``account_base``); the own site is
    read off the profile and compared with the most repeated link (``links`` ran before).

    They are features so that verdicts, the stream and reports read them where they read every
    other column; the model never does (``learn.dataset.EXCLUDED``): a declaration decides how a
    verdict is worded, not the score.
    """
    table = own_site(tables, base)
    top_host = url_host(table.top_url)
    on_site = (top_host == table.own_site) | top_host.endswith("." + table.own_site)
    return table.mutate(
        top_url_on_own_site=ibis.ifelse(
            table.own_site.notnull() & table.top_url.notnull(), on_site, ibis.null("boolean")
        )
    )


def _host(url: str) -> str | None:
    """The Python twin of :func:`tigerblood.features.base.url_host`, for the stream."""
    text = url.lower()
    scheme = text.find("://")
    if scheme > 0 and text[:scheme].isalpha() and text[:scheme].isascii():
        text = text[scheme + 3 :]
    if text.startswith("www."):
        text = text[4:]
    text = text.rstrip("/")
    end = min((i for i in (text.find(c) for c in "/?#:") if i >= 0), default=len(text))
    return text[:end] or None


def _is_shared(host: str) -> bool:
    exact, domains = shared_hosts()
    return host in exact or any(host.endswith("." + domain) for domain in domains)


def own_site_of(platform: str, handle: str | None, profile_urls: list[str] | None) -> str | None:
    """``own_site`` of one profile, as the expression computes it.

    >>> own_site_of("bluesky", "news.example.org", ["https://linktr.ee/news"])
    'news.example.org'
    >>> own_site_of("twitter", "shop", ["https://www.shop.example.com/about"])
    'shop.example.com'
    """
    hosts = [_host(url) for url in profile_urls or [] if url is not None]
    own = [h for h in hosts if h is not None and "." in h and not _is_shared(h)]
    if own:
        return min(own)
    lowered = (handle or "").lower()
    if platform == "bluesky" and "." in lowered and not lowered.endswith(HOSTED_HANDLE_SUFFIX):
        return lowered
    return None


def on_own_site(top_url: str | None, site: str | None) -> bool | None:
    """``top_url_on_own_site`` of one account, as the expression computes it.

    >>> on_own_site("https://shop.example.com/sale", "example.com")
    True
    """
    if site is None or top_url is None:
        return None
    host = _host(top_url)
    if host is None:
        return None
    return host == site or host.endswith("." + site)
