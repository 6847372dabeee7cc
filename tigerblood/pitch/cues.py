"""Pitch cues (:mod:`tigerblood.pitch.lexicon`) and comment shape as one feature block.

Why families: the only labelled data is English YouTube comments, so n-gram weights learned from
it say nothing about "abonne-toi" or "iscriviti". Each family ("subscribe", "link", ...) is one
feature, fired by a cue in any of the four languages; the English data teaches how much a family
weighs, and a French or Italian cue of the same family inherits that weight.

Two tiers (see :mod:`tigerblood.pitch.lexicon`): the a-priori core is always on; the data-checked
candidates are on only where a model kept them, judged on its own training texts
(:func:`select_candidates`), so a held-out video never decides which cues score it.

Matching folds case and accents and ignores punctuation (:func:`canonical`), and a cue matches
whole words, so "suscribete" typed without an accent still counts and "visitor" is not "visit".
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from tigerblood.pitch import lexicon
from tigerblood.pitch.text import find_urls, fold


def _phrases(joined: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in joined.split(";") if part.strip())


CTA_VERBS = frozenset(fold(word) for word in _phrases(lexicon.CTA_VERBS))
CANDIDATE_CTA_VERBS = tuple(dict.fromkeys(fold(w) for w in _phrases(lexicon.CANDIDATE_CTA_VERBS)))

# Data-checked cues are kept when, on the training texts, at least MIN_SUPPORT texts carry the cue
# and its class-balanced precision is at least the model's ``min_precision`` (chosen per model by
# leave-one-video-out on the training videos). MIN_SUPPORT is fixed a priori: fewer than 3 hits say
# nothing about a phrase.
MIN_SUPPORT = 3

_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:usd|eur|gbp)\b", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d ().-]{7,}\d")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_NON_WORD = re.compile(r"[^\w%]|_")


@dataclass(frozen=True)
class Cue:
    """One lexicon phrase: the family it fires, its language, the needle searched for, and whether
    it is a-priori core (always on) or a data-checked candidate (on only where a model kept it)."""

    family: str
    lang: str
    phrase: str
    needle: str
    core: bool = True

    @property
    def key(self) -> str:
        """Stable name of the cue, as stored in a model's list of kept candidates."""
        return f"{self.family}:{self.phrase}"


def canonical(text: str) -> str:
    """Folded words separated by single spaces, padded: " abonne toi a ma chaine ".

    Punctuation, hyphens and apostrophes all become word breaks, so a cue is a plain substring
    test on word boundaries (fast, and "dai un'occhiata" matches "dai un occhiata").

    >>> canonical("Abonne-toi à ma CHAÎNE!! 50%off")
    ' abonne toi a ma chaine 50 % off '
    """
    return " " + " ".join(_NON_WORD.sub(" ", fold(text).replace("%", " % ")).split()) + " "


def _cue(family: str, lang: str, phrase: str, core: bool = True) -> Cue:
    prefix = phrase.endswith("*")
    needle = canonical(phrase.rstrip("*"))
    return Cue(family, lang, phrase, needle[:-1] if prefix else needle, core)


CORE_CUES: tuple[Cue, ...] = tuple(
    _cue(family, lang, phrase)
    for family, by_lang in lexicon.LEXICON.items()
    for lang, joined in by_lang.items()
    for phrase in _phrases(joined)
)
CANDIDATE_CUES: tuple[Cue, ...] = tuple(
    _cue(family, "en", phrase, core=False)
    for family, joined in lexicon.CANDIDATES.items()
    for phrase in _phrases(joined)
)
CUES: tuple[Cue, ...] = CORE_CUES + CANDIDATE_CUES
FAMILIES: tuple[str, ...] = tuple(lexicon.LEXICON)
CTA_PREFIX = "cta:"
"""Key prefix of a data-checked first word in a model's kept candidates ("cta:watch")."""

CANDIDATE_KEYS: tuple[str, ...] = (
    *(cue.key for cue in CANDIDATE_CUES),
    *(CTA_PREFIX + verb for verb in CANDIDATE_CTA_VERBS),
)


def match_cues(text: str, kept: Collection[str] | None = None) -> list[Cue]:
    """The lexicon cues found in ``text`` (already normalized), in lexicon order: every core cue,
    and the data-checked candidates named in ``kept`` (all of them when ``kept`` is None).

    >>> [cue.phrase for cue in match_cues("Suscribete a mi canal!")]
    ['mi canal', 'suscríbete']
    >>> [cue.phrase for cue in match_cues("free gift card", kept=())]
    ['gift card']
    """
    haystack = canonical(text)
    found = set(_PREFIX_CUES)
    for word in set(haystack.split()).intersection(_CUES_BY_FIRST_WORD):
        found.update(_CUES_BY_FIRST_WORD[word])
    return [
        cue
        for _, cue in sorted(found)
        if cue.needle in haystack and (cue.core or kept is None or cue.key in kept)
    ]


def _index_cues() -> tuple[dict[str, list[tuple[int, Cue]]], list[tuple[int, Cue]]]:
    """Whole-word cues by their first word, and the prefix cues ("abonn*") apart.

    A whole-word needle (" my channel ") can be in a padded haystack only if its first word is
    one of the haystack's words, so :func:`match_cues` tests only the cues of the text's own
    words instead of all 340 on every text (the same cues found, in the same order)."""
    by_word: dict[str, list[tuple[int, Cue]]] = {}
    prefixes: list[tuple[int, Cue]] = []
    for index, cue in enumerate(CUES):
        if cue.needle.endswith(" ") and cue.needle.strip():
            by_word.setdefault(cue.needle.split()[0], []).append((index, cue))
        else:
            prefixes.append((index, cue))
    return by_word, prefixes


_CUES_BY_FIRST_WORD, _PREFIX_CUES = _index_cues()


def _first_word(text: str) -> str | None:
    first = _WORD.search(fold(text))
    return None if first is None else first.group(0)


def starts_with_cta(text: str, kept: Collection[str] | None = None) -> bool:
    """True when the first word is an imperative call to action ("Check...", "Iscriviti...");
    data-checked first words ("Watch...") count only when in ``kept`` (all when None).

    >>> starts_with_cta("Visita il mio canale"), starts_with_cta("I visited Rome")
    (True, False)
    >>> starts_with_cta("Watch my video"), starts_with_cta("Watch my video", kept=())
    (True, False)
    """
    first = _first_word(text)
    if first is None:
        return False
    if first in CTA_VERBS:
        return True
    key = CTA_PREFIX + first
    return key in _CANDIDATE_KEY_SET and (kept is None or key in kept)


_CANDIDATE_KEY_SET = frozenset(CANDIDATE_KEYS)


def shape(text: str) -> dict[str, float]:
    """Lexicon-free shape of a comment: links, numbers, money, shouting, length.

    Values are bounded (shares, or log counts) so they sit on the same scale as TF-IDF weights.
    """
    urls = find_urls(text)
    # map/filter with the str methods themselves: the same counts, without a Python step per
    # character (this runs on every thread ending a scan or a feed scores).
    letters = "".join(filter(str.isalpha, text))
    digits = sum(map(str.isdigit, text))
    return {
        "has_url": float(bool(urls)),
        "url_count": math.log1p(len(urls)),
        "has_currency": float(bool(_CURRENCY.search(text))),
        "has_phone_number": float(bool(_PHONE.search(text))),
        "digit_share": digits / max(len(text), 1),
        "upper_share": sum(map(str.isupper, letters)) / max(len(letters), 1),
        "exclamations": math.log1p(text.count("!")) / 2,
        "length": math.log1p(len(text)) / 6,
    }


def structure(text: str, kept: Collection[str] | None = None) -> dict[str, float]:
    """:func:`shape`, plus whether the first word is a call to action (:func:`starts_with_cta`)."""
    return {**shape(text), "starts_with_cta": float(starts_with_cta(text, kept))}


SHAPE_NAMES: tuple[str, ...] = tuple(shape(""))
STRUCTURE_NAMES: tuple[str, ...] = tuple(structure(""))


def cue_vector(text: str, kept: Collection[str] | None = None) -> list[float]:
    """Family indicators, cue count, link-with-call-to-action, then :func:`structure`."""
    found = {cue.family for cue in match_cues(text, kept)}
    shape_of = structure(text, kept)
    families = [float(family in found) for family in FAMILIES]
    cta_with_link = float(bool(found) and shape_of["has_url"] > 0)
    return [*families, math.log1p(len(found)), cta_with_link, *shape_of.values()]


FEATURE_NAMES: tuple[str, ...] = (
    *(f"cue_{family}" for family in FAMILIES),
    "cue_family_count",
    "cta_with_link",
    *STRUCTURE_NAMES,
)


def candidate_hits(texts: Sequence[str]) -> np.ndarray:
    """Boolean matrix: text ``i`` carries data-checked candidate ``j`` (:data:`CANDIDATE_KEYS`)."""
    hits = np.zeros((len(texts), len(CANDIDATE_KEYS)), dtype=bool)
    n_phrases = len(CANDIDATE_CUES)
    verb_column = {verb: n_phrases + j for j, verb in enumerate(CANDIDATE_CTA_VERBS)}
    for i, text in enumerate(texts):
        haystack = canonical(text)
        for j, cue in enumerate(CANDIDATE_CUES):
            hits[i, j] = cue.needle in haystack
        column = verb_column.get(_first_word(text) or "")
        if column is not None:
            hits[i, column] = True
    return hits


def candidate_stats(texts: Sequence[str], labels: Sequence[int]) -> dict[str, dict[str, float]]:
    """Per candidate: texts hit among pitches and among the rest, and class-balanced precision
    (the share of pitches among its hits were both classes the same size; 0 when never hit)."""
    hits = candidate_hits(texts)
    y = np.asarray(labels, dtype=int).astype(bool)
    pos = hits[y].sum(axis=0)
    neg = hits[~y].sum(axis=0)
    rate_pos = pos / max(int(y.sum()), 1)
    rate_neg = neg / max(int((~y).sum()), 1)
    total = rate_pos + rate_neg
    precision = np.divide(rate_pos, total, out=np.zeros_like(total), where=total > 0)
    return {
        key: {"pitch_hits": int(p), "other_hits": int(n), "precision": float(q)}
        for key, p, n, q in zip(CANDIDATE_KEYS, pos, neg, precision, strict=True)
    }


def select_candidates(
    texts: Sequence[str],
    labels: Sequence[int],
    min_precision: float,
    min_support: int = MIN_SUPPORT,
) -> tuple[str, ...]:
    """The data-checked candidates that mark pitches in these (training) texts: hit in at least
    ``min_support`` texts, with class-balanced precision at least ``min_precision``.

    Only ``texts`` and ``labels`` are read: pass the training texts, and nothing else can leak in.

    >>> select_candidates(["free stuff", "free cash", "free gift", "nice song"], [1, 1, 1, 0], 0.6)
    ('offer_money:free',)
    """
    stats = candidate_stats(texts, labels)
    return tuple(
        key
        for key, row in stats.items()
        if row["pitch_hits"] + row["other_hits"] >= min_support
        and row["precision"] >= min_precision
    )


class CueFeatures(TransformerMixin, BaseEstimator):
    """The cue families and structure as a sparse block, to sit in a FeatureUnion beside TF-IDF.

    ``lexicon=False``: the lexicon-free :func:`shape` only (no phrase, no call-to-action word).
    ``lexicon=True``: the a-priori core always, plus the data-checked candidates that ``fit`` keeps
    on its training texts with ``min_precision`` (:func:`select_candidates`); ``min_precision=None``
    keeps none. The core is read from :mod:`tigerblood.pitch.lexicon` at scoring time, so a French
    phrase added there takes effect without retraining; the kept candidates are stored in ``kept_``.
    """

    def __init__(self, lexicon: bool = True, min_precision: float | None = None) -> None:
        self.lexicon = lexicon
        self.min_precision = min_precision

    def fit(self, texts: Iterable[str], y: Any = None) -> CueFeatures:
        """Keep the candidates that mark pitches in these texts (none without labels)."""
        if self.lexicon and self.min_precision is not None and y is not None:
            self.kept_: tuple[str, ...] = select_candidates(list(texts), y, self.min_precision)
        else:
            self.kept_ = ()
        return self

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Models saved before the core/candidate split used every phrase: keep them doing so."""
        if "min_precision" not in state:
            state = {**state, "lexicon": True, "min_precision": None, "kept_": CANDIDATE_KEYS}
        self.__dict__.update(state)

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once ``fit`` chose candidates; with none to choose there is nothing to learn."""
        return hasattr(self, "kept_") or not (self.lexicon and self.min_precision is not None)

    @property
    def kept(self) -> tuple[str, ...]:
        """The data-checked candidates in use (none before ``fit``)."""
        return tuple(getattr(self, "kept_", ()))

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """One row of :meth:`get_feature_names_out` per text."""
        names = self.get_feature_names_out()
        if self.lexicon:
            kept = frozenset(self.kept)
            rows = [cue_vector(text, kept) for text in texts]
        else:
            rows = [list(shape(text).values()) for text in texts]
        matrix = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(names))
        return sparse.csr_matrix(matrix)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names for inspection of the linear model's weights."""
        return np.asarray(FEATURE_NAMES if self.lexicon else SHAPE_NAMES, dtype=object)


def explain(text: str, limit: int = 6, kept: Collection[str] | None = None) -> list[str]:
    """Short reasons a person can check: matched phrases, links, phone numbers, money.

    ``kept``: the data-checked candidates the scoring model uses (all when None).

    >>> explain("Abonnez-vous! lien en bio www.example.com")
    ['abonnez', 'lien en bio', 'link: www.example.com']
    """
    reasons = [cue.phrase.rstrip("*") for cue in match_cues(text, kept)]
    reasons += [f"link: {url[:60]}" for url in find_urls(text)[:2]]
    if _PHONE.search(text):
        reasons.append("phone number")
    if _CURRENCY.search(text):
        reasons.append("currency")
    return list(dict.fromkeys(reasons))[:limit]
