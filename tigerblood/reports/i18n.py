"""Languages: one gettext catalogue (``tigerblood/locale``) for the reports and their commands.

Messages live in a standard ``.po`` catalogue that translators can edit with any PO tool, and are
looked up with :mod:`gettext` (``fallback=True``: an unknown language gets English, never an
error). Numbers, percentages and dates are formatted by Babel with the language's own rules
("42 %" with a narrow space in French, "42%" in English).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_compact_decimal, format_decimal, format_percent

DOMAIN = "tigerblood"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
COMPACT_FROM = 10_000
"""Counts from here on are said compactly (300k, 1.2M): the paragraph's numbers are read, not
checked to the unit (the tables beside it give them whole)."""
LANGUAGES = ("en", "fr")
"""Languages with a complete catalogue (English is the source language of the messages)."""
FORMATTED = 50_000
"""Formatted numbers and days kept per language (a report formats thousands, mostly the same)."""


def N_(message: str) -> str:  # noqa: N802 - the conventional name gettext extractors look for
    """Mark a message for extraction without translating it yet (translated when displayed)."""
    return message


@dataclass(frozen=True)
class Lang:
    """A language: its gettext catalogue and Babel locale, with the formatting the reports use.

    Babel formats a number or a day in a fraction of a millisecond, and a report formats
    thousands of them, mostly the same ones (post days, percentages), so each formatted value
    is kept (``_formatted``, keyed by the value's type and ``repr``: ``1`` and ``1.0``, ``0.0``
    and ``-0.0``, which Babel writes "-0", stay apart)."""

    code: str
    translations: gettext.NullTranslations
    locale: Locale
    _formatted: dict[tuple[Any, ...], str] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def _kept(self, key: tuple[Any, ...], make: Callable[[], str]) -> str:
        """``make()``, formatted once per ``key``."""
        found = self._formatted.get(key)
        if found is None:
            if len(self._formatted) >= FORMATTED:
                self._formatted.clear()
            found = self._formatted[key] = make()
        return found

    def gettext(self, message: str) -> str:
        """The translation of ``message`` (itself when the catalogue lacks it)."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Singular or plural translation by ``n``, by the language's plural rule."""
        return self.translations.ngettext(singular, plural, n)

    def pct(self, value: float | None, digits: int = 0) -> str:
        """A share as a percentage in the language's pattern ("42%", "42 %"); "—" when unknown."""
        if value is None:
            return "—"
        return self._kept(
            ("pct", type(value), repr(value), digits), lambda: self._pct(value, digits)
        )

    def _pct(self, value: float, digits: int) -> str:
        pattern = self.locale.percent_formats[None].pattern
        if digits:
            pattern = pattern.replace("0", "0." + "0" * digits, 1)
        return format_percent(value, pattern, locale=self.locale)

    def num(self, value: float | None, digits: int = 0) -> str:
        """A number with the language's separators; an em dash when unknown."""
        if value is None:
            return "—"
        fmt = "#,##0" if digits == 0 else "#,##0." + "#" * digits
        return self._kept(
            ("num", type(value), repr(value), digits),
            lambda: format_decimal(value, fmt, locale=self.locale),
        )

    def count(self, value: int | None) -> str:
        """A count as people say it: whole below 10,000, compact above ("1.2M", "1,2 M")."""
        if value is None:
            return "—"
        if abs(value) < COMPACT_FROM:
            return self.num(value)
        return format_compact_decimal(value, locale=self.locale, fraction_digits=1)

    def day(self, value: date | str) -> str:
        """A calendar day in the language's medium form (``Jan 3, 2024``, ``3 janv. 2024``)."""
        when = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return self._kept(
            ("day", type(when), repr(when)), lambda: format_date(when, "medium", locale=self.locale)
        )


@cache
def get_lang(code: str | None = "en") -> Lang:
    """The :class:`Lang` for ``code`` (``"fr"``, ``"fr_CA"``…); unknown codes give English."""
    code = (code or "en").replace("-", "_")
    try:
        locale = Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        code, locale = "en", Locale.parse("en")
    translations = gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[code], fallback=True
    )
    return Lang(code, translations, locale)
