"""Pitch cues (:mod:`tigerblood.pitch.lexicon`) and comment shape as one feature block.

Why families: the only labelled data is English YouTube comments, so n-gram weights learned from
it say nothing about "abonne-toi" or "iscriviti". Each family ("subscribe", "link", ...) is one
feature, fired by a cue in any of the four languages; the English data teaches how much a family
weighs, and a French or Italian cue of the same family inherits that weight.

Matching folds case and accents and ignores punctuation (:func:`canonical`), and a cue matches
whole words, so "suscribete" typed without an accent still counts and "visitor" is not "visit".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from tigerblood.pitch import lexicon
from tigerblood.pitch.text import find_urls, fold


def _phrases(joined: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in joined.split(";") if part.strip())


CTA_VERBS = frozenset(fold(word) for word in _phrases(lexicon.CTA_VERBS))

_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:usd|eur|gbp)\b", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d ().-]{7,}\d")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_NON_WORD = re.compile(r"[^\w%]|_")


@dataclass(frozen=True)
class Cue:
    """One lexicon phrase: the family it fires, its language, and the needle searched for."""

    family: str
    lang: str
    phrase: str
    needle: str


def canonical(text: str) -> str:
    """Folded words separated by single spaces, padded: " abonne toi a ma chaine ".

    Punctuation, hyphens and apostrophes all become word breaks, so a cue is a plain substring
    test on word boundaries (fast, and "dai un'occhiata" matches "dai un occhiata").

    >>> canonical("Abonne-toi à ma CHAÎNE!! 50%off")
    ' abonne toi a ma chaine 50 % off '
    """
    return " " + " ".join(_NON_WORD.sub(" ", fold(text).replace("%", " % ")).split()) + " "


def _cue(family: str, lang: str, phrase: str) -> Cue:
    prefix = phrase.endswith("*")
    needle = canonical(phrase.rstrip("*"))
    return Cue(family, lang, phrase, needle[:-1] if prefix else needle)


CUES: tuple[Cue, ...] = tuple(
    _cue(family, lang, phrase)
    for family, by_lang in lexicon.LEXICON.items()
    for lang, joined in by_lang.items()
    for phrase in _phrases(joined)
)
FAMILIES: tuple[str, ...] = tuple(lexicon.LEXICON)


def match_cues(text: str) -> list[Cue]:
    """The lexicon cues found in ``text`` (already normalized), in lexicon order.

    >>> [cue.phrase for cue in match_cues("Suscribete a mi canal!")]
    ['mi canal', 'suscríbete']
    """
    haystack = canonical(text)
    return [cue for cue in CUES if cue.needle in haystack]


def starts_with_cta(text: str) -> bool:
    """True when the first word is an imperative call to action ("Check...", "Iscriviti...").

    >>> starts_with_cta("Visita il mio canale"), starts_with_cta("I visited Rome")
    (True, False)
    """
    first = _WORD.search(fold(text))
    return first is not None and first.group(0) in CTA_VERBS


def structure(text: str) -> dict[str, float]:
    """Language-independent shape of a comment: links, numbers, money, shouting, length.

    Values are bounded (shares, or log counts) so they sit on the same scale as TF-IDF weights.
    """
    urls = find_urls(text)
    letters = [ch for ch in text if ch.isalpha()]
    digits = sum(ch.isdigit() for ch in text)
    return {
        "has_url": float(bool(urls)),
        "url_count": math.log1p(len(urls)),
        "has_currency": float(bool(_CURRENCY.search(text))),
        "has_phone_number": float(bool(_PHONE.search(text))),
        "digit_share": digits / max(len(text), 1),
        "upper_share": sum(ch.isupper() for ch in letters) / max(len(letters), 1),
        "exclamations": math.log1p(text.count("!")) / 2,
        "length": math.log1p(len(text)) / 6,
        "starts_with_cta": float(starts_with_cta(text)),
    }


STRUCTURE_NAMES: tuple[str, ...] = tuple(structure(""))


def cue_vector(text: str) -> list[float]:
    """Family indicators, cue count, link-with-call-to-action, then :func:`structure`."""
    found = {cue.family for cue in match_cues(text)}
    shape = structure(text)
    families = [float(family in found) for family in FAMILIES]
    cta_with_link = float(bool(found) and shape["has_url"] > 0)
    return [*families, math.log1p(len(found)), cta_with_link, *shape.values()]


FEATURE_NAMES: tuple[str, ...] = (
    *(f"cue_{family}" for family in FAMILIES),
    "cue_family_count",
    "cta_with_link",
    *STRUCTURE_NAMES,
)


class CueFeatures(TransformerMixin, BaseEstimator):
    """The cue families and structure as a sparse block, to sit in a FeatureUnion beside TF-IDF.

    Stateless: ``fit`` learns nothing, so the same lexicon applies to any language at scoring time.
    """

    feature_names: ClassVar[tuple[str, ...]] = FEATURE_NAMES

    def fit(self, texts: Iterable[str], y: Any = None) -> CueFeatures:
        """Nothing to learn; present for the scikit-learn contract."""
        return self

    def __sklearn_is_fitted__(self) -> bool:
        """Always fitted: there is no state, so a pipeline may transform without fitting it."""
        return True

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """One row of :data:`FEATURE_NAMES` per text."""
        rows = [cue_vector(text) for text in texts]
        matrix = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))
        return sparse.csr_matrix(matrix)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names for inspection of the linear model's weights."""
        return np.asarray(FEATURE_NAMES, dtype=object)


def explain(text: str, limit: int = 6) -> list[str]:
    """Short reasons a person can check: matched phrases, links, phone numbers, money.

    >>> explain("Abonnez-vous! lien en bio www.example.com")
    ['abonnez', 'lien en bio', 'link: www.example.com']
    """
    reasons = [cue.phrase.rstrip("*") for cue in match_cues(text)]
    reasons += [f"link: {url[:60]}" for url in find_urls(text)[:2]]
    if _PHONE.search(text):
        reasons.append("phone number")
    if _CURRENCY.search(text):
        reasons.append("currency")
    return list(dict.fromkeys(reasons))[:limit]
