"""Hand-written pitch cues in English, French, Spanish and Italian, grouped into families.

Why families: the only labelled data is English YouTube comments, so n-gram weights learned from
it say nothing about "abonne-toi" or "iscriviti". Each family ("subscribe", "link", ...) is one
feature, fired by a cue in any of the four languages; the English data teaches how much a family
weighs, and a French or Italian cue of the same family inherits that weight. The phrases are
generic calls to action written for this lexicon, not taken from any dataset.

Matching folds case and accents (``fold``), and a cue matches on word boundaries, so "suscribete"
typed without an accent still counts and "visitor" is not "visit".
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

from tigerblood.pitch.text import find_urls, fold

# family -> language -> phrases. Keep phrases short and generic; a phrase ending in "*" matches as
# a word prefix ("abonnez*" covers abonnez-vous, abonnez vous).
LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "self_promotion": {
        "en": ("my channel", "my new channel", "my new video", "my videos", "my video", "my music",
               "my new song", "my song", "my page", "my website", "my blog", "my app", "my shop",
               "my store", "our channel", "our new video", "my profile", "my playlist",
               "my mixtape", "my podcast"),
        "fr": ("ma chaîne", "ma chaine youtube", "ma nouvelle vidéo", "mes vidéos", "ma musique",
               "mon site", "ma page", "ma boutique", "mon blog", "mon profil", "notre chaîne"),
        "es": ("mi canal", "mis videos", "mi nuevo video", "mi video", "mi música", "mi página",
               "mi tienda", "mi web", "mi blog", "mi perfil", "nuestro canal"),
        "it": ("il mio canale", "mio canale", "i miei video", "il mio nuovo video", "la mia musica",
               "la mia pagina", "il mio sito", "il mio negozio", "il mio blog", "il mio profilo",
               "nostro canale"),
    },
    "subscribe_follow": {
        "en": ("subscribe", "sub to my", "sub4sub", "sub 4 sub", "follow me", "follow my",
               "follow us", "follow back", "join my", "join our", "join us"),
        "fr": ("abonne-toi", "abonne toi", "abonnez*", "suivez-moi", "suivez moi", "suis-moi",
               "suivez-nous", "rejoignez*", "rejoins*"),
        "es": ("suscríbete", "suscribanse", "suscríbanse", "suscribirte", "sígueme",
               "síganme", "síguenos", "seguidme", "únete", "unete a"),
        "it": ("iscriviti", "iscrivetevi", "seguimi", "seguitemi", "seguiteci", "unisciti",
               "unitevi"),
    },
    "look_at_this": {
        "en": ("check out", "check my", "check it out", "check this out", "visit my", "visit our",
               "take a look", "have a look", "go to my", "watch my", "listen to my", "search for",
               "look up", "go check"),
        "fr": ("regardez ma", "regardez mon", "regarde ma", "regarde mon", "jetez un œil",
               "jette un œil", "jetez un coup d'œil", "allez voir", "va voir", "visitez",
               "découvrez", "écoutez ma", "écoutez mon"),
        "es": ("echa un vistazo", "echen un vistazo", "mira mi", "miren mi", "visita mi",
               "visiten", "visita nuestra", "descubre", "escucha mi", "escuchen mi", "busquen"),
        "it": ("dai un'occhiata", "date un'occhiata", "dai un occhiata", "guarda il mio",
               "guarda la mia", "guardate il mio", "guardate la mia", "visita il mio",
               "visitate", "scopri", "ascoltate", "ascolta la mia"),
    },
    "link_pointer": {
        "en": ("link in bio", "link in my bio", "link in profile", "click the link", "click here",
               "click this link", "click on the link", "link below", "link in description",
               "link in the description", "tap the link", "use my link", "my link"),
        "fr": ("lien en bio", "lien dans ma bio", "lien dans la bio", "clique sur le lien",
               "cliquez sur le lien", "cliquez ici", "clique ici", "lien ci-dessous",
               "lien en description", "lien dans la description", "mon lien"),
        "es": ("enlace en la bio", "link en la bio", "link en bio", "enlace en mi perfil",
               "link en mi perfil", "haz clic", "haz click", "da clic", "pincha aquí",
               "enlace abajo", "enlace en la descripción", "mi enlace"),
        "it": ("link nella bio", "link in descrizione", "clicca qui", "clicca sul link",
               "link qui sotto", "link nel profilo", "il mio link"),
    },
    "contact_me": {
        "en": ("dm me", "dm for", "message me", "inbox me", "pm me", "text me", "contact me",
               "whatsapp", "telegram", "call me", "email me", "hit me up"),
        "fr": ("écris-moi", "écrivez-moi", "contactez-moi", "contacte-moi", "envoie-moi un message",
               "mp moi", "en mp", "en dm", "en privé"),
        "es": ("escríbeme", "escríbanme", "mándame un mensaje", "contáctame", "contáctanos",
               "por dm", "al privado", "mensaje privado", "por privado"),
        "it": ("scrivimi", "scrivetemi", "contattami", "contattaci", "mandami un messaggio",
               "in dm", "in privato"),
    },
    "offer_money": {
        "en": ("limited offer", "limited time", "for free", "free", "discount", "promo code",
               "coupon", "giveaway", "win a", "earn", "make money", "per day", "a day from home",
               "work from home", "gift card", "cash", "prize", "bonus", "buy", "on sale", "% off",
               "dollars", "income", "investment", "crypto", "get followers", "more followers",
               "free followers", "more views", "free views", "get views"),
        "fr": ("offre limitée", "gratuit", "gratuitement", "réduction", "code promo", "gagner de",
               "gagnez", "concours", "soldes", "argent", "par jour", "depuis chez vous",
               "plus d'abonnés", "plus de vues"),
        "es": ("oferta limitada", "gratis", "descuento", "código promocional", "ganar dinero",
               "gana dinero", "gana", "sorteo", "promoción", "dinero", "por día", "desde casa",
               "más seguidores", "más visitas"),
        "it": ("offerta limitata", "gratuito", "gratis", "sconto", "codice sconto", "guadagnare",
               "guadagna", "concorso", "promozione", "soldi", "al giorno", "da casa",
               "più follower", "più visualizzazioni"),
    },
    "engagement_ask": {
        "en": ("like this comment", "thumbs up if", "like if", "please like", "share this",
               "please share", "like and subscribe", "vote for", "please vote", "donate",
               "help me reach", "help me get", "support me", "leave a like", "like my video",
               "like my page", "comment below", "please help"),
        "fr": ("like si", "likez", "partagez", "partage ce", "votez", "soutenez-moi",
               "aidez-moi", "faites un don", "laissez un like", "lâchez un like"),
        "es": ("dale like", "dale me gusta", "denle like", "comparte", "compartan", "vota por",
               "voten", "apóyame", "apóyenme", "donen", "ayúdame", "ayúdenme"),
        "it": ("metti like", "mettete like", "lascia un like", "condividi", "condividete",
               "votate", "vota per", "supportami", "sostienimi", "aiutatemi", "aiutami"),
    },
}

# First words that make a comment an instruction rather than a remark, in the four languages.
CTA_VERBS = frozenset(
    fold(word)
    for word in (
        "check", "subscribe", "visit", "click", "watch", "listen", "follow", "like", "share",
        "vote", "join", "download", "buy", "support", "donate", "search", "dm", "message", "win",
        "earn", "regardez", "regarde", "abonnez", "abonne",
        "visitez", "cliquez", "clique", "suivez", "rejoignez", "téléchargez", "découvrez",
        "écoutez", "partagez", "mira", "miren", "visita", "suscríbete", "sígueme", "descarga",
        "comparte", "únete", "escucha", "guarda", "guardate", "iscriviti", "seguimi", "scarica",
        "condividi", "ascolta", "unisciti", "clicca",
    )
)

_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:usd|eur|gbp)\b", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d ().-]{7,}\d")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class Cue:
    """One lexicon phrase: the family it fires, its language and its compiled pattern."""

    family: str
    lang: str
    phrase: str
    pattern: re.Pattern[str]


def _compile(phrase: str) -> re.Pattern[str]:
    folded = fold(phrase)
    prefix = folded.endswith("*")
    body = (
        re.escape(folded.rstrip("*"))
        .replace(r"\ ", r"[\s-]+")
        .replace(r"\-", r"[\s-]?")
        .replace("'", "['’ ]?")
    )
    start = r"(?<!\w)" if folded[0].isalnum() else ""
    end = "" if prefix or not folded.rstrip("*")[-1].isalnum() else r"(?!\w)"
    return re.compile(start + body + end)


CUES: tuple[Cue, ...] = tuple(
    Cue(family, lang, phrase, _compile(phrase))
    for family, by_lang in LEXICON.items()
    for lang, phrases in by_lang.items()
    for phrase in phrases
)
FAMILIES: tuple[str, ...] = tuple(LEXICON)


def match_cues(text: str) -> list[Cue]:
    """The lexicon cues found in ``text`` (already normalized), in lexicon order.

    >>> [cue.phrase for cue in match_cues("Suscribete a mi canal!")]
    ['mi canal', 'suscríbete']
    """
    folded = fold(text)
    return [cue for cue in CUES if cue.pattern.search(folded)]


def starts_with_cta(text: str) -> bool:
    """True when the first word is an imperative call to action ("Check...", "Iscriviti...").

    >>> starts_with_cta("Visita il mio canale"), starts_with_cta("I visited Rome")
    (True, False)
    """
    first = _WORD.search(fold(text))
    return bool(first) and first.group(0) in CTA_VERBS


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
