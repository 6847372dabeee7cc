"""Text clean-up shared by training and scoring, so both see the same kind of string.

Comments arrive as HTML fragments (YouTube), with entities, byte-order marks and markup, or as plain
text (Bluesky, Mastodon after stripping). A classifier trained on one and applied to the other
would learn the markup, not the pitch: in the YouTube Spam Collection a trailing U+FEFF marks 99% of
one video's genuine comments but only 21% of its spam. So every text goes through
:func:`normalize_text` first, and link detection works on the cleaned text.
"""

from __future__ import annotations

import html
import re
import unicodedata

_BREAK = re.compile(r"<br\s*/?>|</p>|<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,2000}>")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None)
_SPACE = re.compile(r"\s+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "’": "'"})

# Links as people write them: schemes, "www.", bare domains with a common TLD, and the spam trick
# of a space before the TLD ("example. com"). Bare domains need a known TLD so that "end.Then"
# typed without a space is not a link; the spaced form only counts for TLDs that are not also
# words ("sister. Me", "watch. It" are sentences).
_TLDS = (
    "com|net|org|info|biz|io|co|me|tv|ly|gl|be|fm|us|uk|de|fr|es|it|pl|ru|br|in|xyz|online|site"
    "|shop|store|app|link|club|live"
)
URL_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    rf"|\b[a-z0-9][a-z0-9-]{{1,62}}(?:\.[a-z0-9-]{{1,62}})*\.(?:{_TLDS})\b(?:/\S*)?"
    r"|\b[a-z0-9][a-z0-9-]{1,62}\. (?:com|net|org)\b",
    re.IGNORECASE,
)


def normalize_text(text: str) -> str:
    """Plain text from an HTML-ish comment: no tags, entities decoded, invisible marks removed.

    >>> normalize_text("I&#39;m here<br />check <a href='x'>this</a>\\ufeff")
    "I'm here check this"
    """
    text = _BREAK.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(html.unescape(text))
    text = text.translate(_INVISIBLE)
    return _SPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower case without accents, so "Suscríbete" and "suscribete" match the same cue.

    >>> fold("Abonne-toi à ma CHAÎNE, jetez un cœur d’œil")
    "abonne-toi a ma chaine, jetez un coeur d'oeil"
    """
    if text.isascii():  # most texts: nothing to decompose, and casefold is lower (same result)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return decomposed.translate(_WITHOUT_MARKS)


class _CombiningMarks(dict[int, str | None]):
    """``str.translate`` table: a combining mark maps to nothing, any other character to itself.

    Filled as characters are met (``__missing__``), so each distinct character costs one
    ``unicodedata.combining`` call per process and every later one a lookup in C: what testing
    each character in a Python loop did, without the Python step per character."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        kept = None if unicodedata.combining(char) else char
        self[code] = kept
        return kept


_WITHOUT_MARKS = _CombiningMarks()


def find_urls(text: str) -> list[str]:
    """The links written in ``text`` (schemes, www., bare domains), in order.

    >>> find_urls("see www.example.com, and pimpmyviews. com")
    ['www.example.com', 'pimpmyviews. com']
    """
    return [match.group(0).rstrip(".,;:!?)]}>\"'") for match in URL_RE.finditer(text)]
