"""Off-platform contacts in post text: the promoted thing when it is not a link (DESIGN §3.1).

A spammer who replies to strangers with "message me on WhatsApp +44 7911 123456" runs the seed's
repeated-link pattern without a link. This module finds such contacts and writes each as one
normalised string, so the same number written three ways is one repeated item:

- ``tel:+447911123456``: a phone number, E.164, found by ``phonenumbers`` (Google's
  libphonenumber, which knows every numbering plan) at leniency VALID;
- ``whatsapp:+…``, ``signal:+…``, ``telegram:+…``: the same number introduced by that app
  (a cue word just before it, or a ``wa.me`` / ``signal.me`` link); ``whatsapp:group:CODE`` for a
  group invite;
- ``telegram:@name`` (``t.me/name``, "telegram: @name"), ``telegram:+CODE`` (an invite link);
- ``signal:name.42`` (a Signal username), ``discord:invite/CODE`` (``discord.gg/CODE``),
  ``discord:name`` ("discord: name");
- ``mailto:name@example.org`` (domain lowercased; the domain must end in a public suffix);
- ``wallet:btc:…`` (base58check or bech32/bech32m checksum verified), ``wallet:eth:0x…``
  (shape only, lowercased: the EIP-55 checksum needs Keccak, which nothing in the lock offers);
- ``dm:request``: "DM me", "message me", "inbox me" and the like, when the text names no other
  contact: the invitation is the promoted item, the address follows in private.

**Which numbers count.** Only numbers written in international form: a ``+`` touching the
digits, or the ``00`` prefix at the start of a word in a number written in groups ("0044 7911
123456"; a bare "0012125551234" is a padded order number as often as a phone). A number
without its country code cannot be put in E.164 without guessing the country, and guessing is
what turns ``Order #123456789`` into a valid German number (Germany's plan has many lengths)
and ``20240315`` into a plausible one elsewhere; spam that wants to be dialled from abroad
writes the ``+``. A caller that knows its audience's country can pass ``default_region`` (e.g.
``"US"``) to accept national numbers of that country too. The matcher is run with ``"GB"`` as
its region only because that plan's international prefix is ``00``, so ``00 44 …`` parses; its
national numbers are dropped by the ``+``/``00`` test. A match shaped like a date
("+29.02.2000", the tail of "1000 + 29.02.2000") is dropped too, whatever some numbering plan
allows.

**Cost.** Most posts name no contact: :data:`CANDIDATE` is one RE2 pattern that pyarrow runs
over each distinct text (in C++), and only texts it matches are read in Python, once each
(:func:`contacts_column`). The per-text reading is cached too, for the stream's micro-batches.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from functools import cache, lru_cache

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

DM_REQUEST = "dm:request"
"""The one value of an invitation to talk in private ("DM me"), whatever its wording."""

_PHONE = r"\+\(?\d[\d\s().-]{5,}\d|(?:^|[\s(])00[\s.-]?[1-9][\d\s().-]{4,}\d"
_PHONE_MARK = re.compile(_PHONE, re.ASCII)
"""What every number written in international form shows: a plus touching the digits, or 00
opening a word, then at least seven digits and separators ("+10", "+2,2%" and "007" do not)."""

CANDIDATE = _PHONE + (
    r"|wa\.me|whatsapp|t\.me/|telegram|signal|discord"
    r"|[a-z0-9._%+-]@[a-z0-9-]+\.[a-z]"
    r"|\b[13][1-9a-z]{25,34}\b|\bbc1[0-9a-z]{11,71}\b|0x[0-9a-f]{40}"
    r"|\b(?:dms?|pm|inbox|hmu)\b|(?:message|msg|text|contact|e-?mail|hit)\s+me\b"
    r"|(?:send|drop)\s+me\s+an?\b"
)
"""A cheap, loose test (RE2 syntax, no lookaround, matched case-insensitively): a text it does
not match holds no contact; a text it matches is read by :func:`contacts_in`."""

_PHONE_REGION = "GB"
"""Region handed to the matcher when the caller gives none: any plan whose international
prefix is ``00`` would do (national numbers are dropped, see the module docstring)."""

_APP_CUE = re.compile(
    r"\b(whats\s?app|watsapp|signal|telegram)\b|\b(call|phone|tel|sms|text|mobile)\b", re.I
)
_APPS = {"whatsapp": "whatsapp", "whats app": "whatsapp", "watsapp": "whatsapp"}
_APPS |= {"signal": "signal", "telegram": "telegram"}
_CUE_BEFORE = 40
"""Characters before a number searched for the app that introduces it ("WhatsApp me on")."""
_CUE_AFTER = 20
"""Characters after it, for "+44 7911 123456 (WhatsApp)"."""

_WA_LINK = re.compile(
    r"(?:\bwa\.me/|whatsapp\.com/send/?\?phone=)\+?(\d{7,15})\b|\bchat\.whatsapp\.com/([A-Za-z0-9]{10,40})",
    re.I,
)
_SIGNAL_LINK = re.compile(r"\bsignal\.me/#p/(\+\d{7,15})\b", re.I)
_TG_LINK = re.compile(
    r"(?<![\w.])(?:t|telegram)\.me/(?:(?:joinchat/|\+)([A-Za-z0-9_-]{8,40})|(?:s/)?([A-Za-z]\w{4,31})\b)",
    re.I,
)
_TG_RESERVED = frozenset({"share", "addstickers", "addemoji", "proxy", "socks", "login", "iv"})
"""Paths of t.me that name no account. The cue is "telegram" spelled out: "tg" is Italian for
the TV news ("al tg di @La7tv"), read as Telegram it named a dozen channels in Cresci-2015."""
_TG_CUE = re.compile(r"\btelegram\b[^@\n]{0,12}?@([A-Za-z]\w{4,31})\b", re.I)
_SIGNAL_NAME = re.compile(r"\bsignal\b[^\n]{0,12}?[:@]\s*@?([A-Za-z_]\w{2,31}\.\d{2,9})\b", re.I)
_DISCORD_LINK = re.compile(
    r"\b(?:discord(?:app)?\.com/invite|discord\.gg|discord\.io)/([A-Za-z0-9-]{2,32})\b", re.I
)
_DISCORD_NAME = re.compile(
    r"\bdiscord\b\s*(?:id|username|user|tag|handle)?\s*(?:[:：\-–]\s*@?|@)"
    r"([A-Za-z0-9_][A-Za-z0-9_.]{1,31}(?:#\d{4})?)(?![\w.])",
    re.I,
)
_DISCORD_NOT_NAME = frozenset(
    {"server", "servers", "community", "channel", "group", "link", "invite", "join", "now"}
    | {"here", "and", "or", "the", "for", "is", "me", "my", "us", "our", "on", "in", "to", "at"}
    | {"with", "gg", "com", "app"}
)
"""Words that follow "discord:" in prose ("discord - join now") rather than a user name."""
_EMAIL = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})\b"
)
_BTC_BASE58 = re.compile(r"(?<![A-Za-z0-9])([13][1-9A-HJ-NP-Za-km-z]{25,34})(?![A-Za-z0-9])")
_BTC_BECH32 = re.compile(r"(?<![A-Za-z0-9])(bc1[02-9ac-hj-np-z]{11,71})(?![A-Za-z0-9])", re.I)
_ETH = re.compile(r"(?<![A-Za-z0-9])0x([0-9a-fA-F]{40})(?![0-9A-Za-z])")
_DM = re.compile(
    r"\b(?:dm|pm|inbox|message|msg|text|contact|e-?mail)\s+me\b|\bhit\s+me\s+up\b|\bhmu\b"
    r"|\bdm\s+(?:for|to)\b|\b(?:send|drop)\s+me\s+an?\s+(?:dm|pm|message|msg|text|line|e-?mail)\b"
    r"|\bcheck\s+(?:your|ur|my)\s+(?:dms?|inbox)\b|\bslide\s+into\s+my\s+dms?\b"
    r"|\bmy\s+dms\s+(?:are\s+)?open\b",
    re.I,
)

_DATE_SHAPED = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}")
"""Three groups with one repeated separator, like a date (a phone's groups rarely are 2 digits
in the middle and its separator a repeated dot, slash or dash around it)."""

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def contacts_in(text: str | None, default_region: str | None = None) -> list[str]:
    """Every contact named in ``text``, normalised, in text order, each once.

    >>> contacts_in("Message me on WhatsApp +44 7911 123456 or mail Sales@Example.ORG")
    ['whatsapp:+447911123456', 'mailto:Sales@example.org']
    >>> contacts_in("join t.me/CryptoSignals, or DM me")
    ['telegram:@cryptosignals']
    >>> contacts_in("Order #123456789 shipped 2024-03-15 for $1,299.99")
    []
    """
    if not text or (default_region is None and not _candidate().search(text)):
        return []  # (a national number has no mark to test for: read every text then)
    return list(_read(text, default_region))


@lru_cache(maxsize=65_536)
def _read(text: str, default_region: str | None) -> tuple[str, ...]:
    """The contacts of a text that passed :data:`CANDIDATE` (cached: spam repeats its text).

    Never raises on odd input: a contact that does not parse is left in the text, unread."""
    found = dict.fromkeys(_found(text, default_region))
    if not found and _DM.search(text):
        return (DM_REQUEST,)
    return tuple(found)


@cache
def _candidate() -> re.Pattern[str]:
    """:data:`CANDIDATE` for Python's engine, ASCII classes like RE2's ``\\b`` and ``\\s``."""
    return re.compile(CANDIDATE, re.I | re.ASCII)


def _found(text: str, default_region: str | None) -> Iterator[str]:
    """Contacts with where they start, yielded in text order."""
    spans: list[tuple[int, str]] = []
    for m in _WA_LINK.finditer(text):
        if m.group(1):
            phone = _e164("+" + m.group(1))
            if phone:
                spans.append((m.start(), f"whatsapp:{phone}"))
        else:
            spans.append((m.start(), f"whatsapp:group:{m.group(2)}"))
    for m in _SIGNAL_LINK.finditer(text):
        phone = _e164(m.group(1))
        if phone:
            spans.append((m.start(), f"signal:{phone}"))
    spans += _phones(text, default_region)
    for m in _TG_LINK.finditer(text):
        if m.group(1):
            spans.append((m.start(), f"telegram:+{m.group(1)}"))
        elif m.group(2).lower() not in _TG_RESERVED:
            spans.append((m.start(), f"telegram:@{m.group(2).lower()}"))
    spans += [(m.start(), f"telegram:@{m.group(1).lower()}") for m in _TG_CUE.finditer(text)]
    spans += [(m.start(), f"signal:{m.group(1).lower()}") for m in _SIGNAL_NAME.finditer(text)]
    spans += [(m.start(), f"discord:invite/{m.group(1)}") for m in _DISCORD_LINK.finditer(text)]
    for m in _DISCORD_NAME.finditer(text):
        name = m.group(1).lower().rstrip(".")
        if name not in _DISCORD_NOT_NAME:
            spans.append((m.start(), f"discord:{name}"))
    for m in _EMAIL.finditer(text):
        if _public_suffix(m.group(2)):
            spans.append((m.start(), f"mailto:{m.group(1)}@{m.group(2).lower()}"))
    for m in _BTC_BASE58.finditer(text):
        if _base58check(m.group(1)):
            spans.append((m.start(), f"wallet:btc:{m.group(1)}"))
    for m in _BTC_BECH32.finditer(text):
        if _bech32(m.group(1)):
            spans.append((m.start(), f"wallet:btc:{m.group(1).lower()}"))
    for m in _ETH.finditer(text):
        if m.group(1).strip("0"):  # the all-zero "null address" receives nothing
            spans.append((m.start(), f"wallet:eth:0x{m.group(1).lower()}"))
    for _, contact in sorted(spans, key=lambda s: s[0]):
        yield contact


def _phones(text: str, default_region: str | None) -> list[tuple[int, str]]:
    """Phone numbers written in international form (or national ones of ``default_region``),
    named after the app that introduces them, ``tel:`` otherwise."""
    out: list[tuple[int, str]] = []
    if default_region is None and not _PHONE_MARK.search(text):
        return out  # the matcher is most of the cost, and most candidates are e-mail or DMs
    matcher = phonenumbers.PhoneNumberMatcher(
        text, default_region or _PHONE_REGION, leniency=phonenumbers.Leniency.VALID
    )
    for match in matcher:
        raw = match.raw_string.lstrip("(")
        if _DATE_SHAPED.fullmatch(raw.lstrip("+")):
            continue  # "+29.02.2000": a sum and a date, whatever the numbering plan says
        if not default_region:
            if not raw.startswith(("+", "00")) or raw.startswith("+ "):
                continue  # "1000 + 29 02…" is arithmetic: a written number's + touches it
            if raw.startswith("00") and (
                raw.isdigit() or (match.start > 0 and not text[match.start - 1].isspace())
            ):
                # "10:00 44…" is a time and "Order 0012125551234" a padded number: the 00
                # prefix counts only at the start of a word, in a number written in groups.
                continue
        if match.start > 0 and text[match.start - 1] in "/=#":
            continue  # a link's own digits (wa.me/…) or an id, read elsewhere or not at all
        phone = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        out.append((match.start, f"{_app(text, match.start, match.end)}:{phone}"))
    return out


def _app(text: str, start: int, end: int) -> str:
    """``whatsapp``, ``signal`` or ``telegram`` when that app's name is the nearest cue before
    the number (or, failing that, just after it); ``tel`` otherwise ("call", no cue)."""
    before = list(_APP_CUE.finditer(text, max(0, start - _CUE_BEFORE), start))
    after = _APP_CUE.search(text, end, end + _CUE_AFTER)
    cue = before[-1] if before else after
    if cue is None or cue.group(1) is None:
        return "tel"
    return _APPS.get(re.sub(r"\s+", " ", cue.group(1).lower()), "tel")


def _e164(written: str) -> str | None:
    """``written`` (with its ``+``) as E.164 when it is a valid number, else None."""
    try:
        number = phonenumbers.parse(written, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@cache
def _suffixes() -> object:
    import tldextract

    # The snapshot shipped inside tldextract: no download, no cache directory.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _public_suffix(domain: str) -> bool:
    """A mail domain ends in a public suffix ("x.png" and "2x.jpg" are file names)."""
    parts = _suffixes()(domain)  # type: ignore[operator]
    return bool(parts.suffix and parts.domain)


def _base58check(address: str) -> bool:
    """A legacy Bitcoin address: base58, 25 bytes, version 0 or 5, double-SHA-256 checksum."""
    number = 0
    for char in address:
        number = number * 58 + _BASE58.index(char)
    pad = len(address) - len(address.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\0" * pad + body
    if len(raw) != 25 or raw[0] not in (0, 5):
        return False
    digest = hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()
    return digest[:4] == raw[-4:]


def _bech32(address: str) -> bool:
    """A segwit address: one case, bech32 (v0) or bech32m (v1+) checksum (BIP-173, BIP-350)."""
    if address != address.lower() and address != address.upper():
        return False
    hrp, data = address.lower()[:2], address.lower()[3:]
    values = [_BECH32.index(c) for c in data]
    check = 1
    for value in [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)):
            check ^= gen if (top >> i) & 1 else 0
    if not values:
        return False
    return check == (1 if values[0] == 0 else 0x2BC830A3)


def contacts_column(texts: pa.Array | pa.ChunkedArray) -> pa.ListArray:
    """The contacts of each text (null for a null text), each distinct candidate read once.

    RE2 tests every text (0.8 s for Cresci-2015's 2.8 M tweets); only the few it passes (10 k
    there) reach Python, and the lists are assembled from offsets, not one Python list a post.

    >>> contacts_column(pa.array(["wa.me/447911123456", None, "hello"])).to_pylist()
    [['whatsapp:+447911123456'], None, []]
    """
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    texts = texts.cast(pa.string())
    hits = pc.match_substring_regex(texts, CANDIDATE, ignore_case=True)
    rows = np.flatnonzero(hits.fill_null(False).to_numpy(zero_copy_only=False))
    seen: dict[str, tuple[str, ...]] = {}
    read = [
        seen[text] if text in seen else seen.setdefault(text, _read(text, None))
        for text in texts.take(pa.array(rows, pa.int64())).to_pylist()
    ]
    lengths = np.zeros(len(texts) + 1, np.int32)
    lengths[rows + 1] = [len(found) for found in read]
    offsets = pa.array(np.cumsum(lengths, dtype=np.int32))
    values = pa.array([c for found in read for c in found], pa.string())
    return pa.ListArray.from_arrays(offsets, values, mask=pc.is_null(texts))


def fill_contacts(posts: pa.Table) -> pa.Table:
    """``posts`` with ``contacts`` read from the text where the source gave none (null)."""
    if "contacts" not in posts.column_names:
        posts = posts.append_column("contacts", pa.nulls(posts.num_rows, pa.list_(pa.string())))
    current = posts.column("contacts")
    need = pc.and_(pc.is_null(current), pc.is_valid(posts.column("text")))
    if posts.num_rows == 0 or not pc.any(need).as_py():
        return posts
    read = contacts_column(pc.if_else(need, posts.column("text"), None))
    index = posts.schema.get_field_index("contacts")
    filled = pc.coalesce(current, read)
    return posts.set_column(index, posts.schema.field(index), filled)
