"""The pitch cue lexicon: calls to action in English, French, Spanish and Italian, in two tiers.

Why two tiers: the lexicon was written while reading cross-video errors on the four videos of the
YouTube Spam Collection, so a phrase chosen that way carries what the test video looked like into
every rotation. The tiers separate what the definition of a pitch justifies from what only data can:

- :data:`LEXICON`, the **a-priori core**: phrases that *name the pitch itself*, written from the
  definition (a sales pitch, a call to action, self-promotion; DESIGN §3.3) rather than from any
  comment: the promoted thing ("my channel", "my website", "my shop"), the imperative to subscribe,
  follow, visit, click or get in touch, a pointer to a link, a commercial offer ("limited offer",
  "promo code", "work from home"), and the same in French, Spanish and Italian. These are always on,
  in training and in scoring alike, and are read from this file at scoring time.
- :data:`CANDIDATES`, **data-checked** English phrases and first words: YouTube comment idiom
  ("sub4sub", "thumbs up if", "my mixtape", "more views") and common words that ordinary comments
  use too ("free", "buy", "cash", "please help", a comment opening with "Watch" or "Like"). Nothing
  but data can say whether these mark a pitch, so each model keeps only those that earn it on the
  texts it is trained on (:func:`tigerblood.pitch.cues.select_candidates`); in the cross-video
  evaluation that is the three training videos of each rotation, never the held-out one.

The split was made from the wording of each phrase, before measuring any per-phrase statistics.
Each family is one feature of the model (see :mod:`tigerblood.pitch.cues`); add a phrase to the
family whose English phrases mean the same. Phrases are separated by ";". Matching ignores case
and accents; a phrase ending in "*" matches as a word prefix ("abonnez*" covers "abonnez-vous"); a
space or hyphen in a phrase matches either.
"""

from __future__ import annotations

LEXICON: dict[str, dict[str, str]] = {
    "self_promotion": {
        "en": (
            "my channel; my new channel; my new video; my videos; my video; my music; my page; "
            "my website; my blog; my app; my shop; my store; our channel; my profile; my podcast"
        ),
        "fr": (
            "ma chaîne; ma chaine youtube; ma nouvelle vidéo; mes vidéos; ma musique; mon site; "
            "ma page; ma boutique; mon blog; mon profil; notre chaîne"
        ),
        "es": (
            "mi canal; mis videos; mi nuevo video; mi video; mi música; mi página; mi tienda; mi "
            "web; mi blog; mi perfil; nuestro canal"
        ),
        "it": (
            "il mio canale; mio canale; i miei video; il mio nuovo video; la mia musica; la mia "
            "pagina; il mio sito; il mio negozio; il mio blog; il mio profilo; nostro canale"
        ),
    },
    "subscribe_follow": {
        "en": ("subscribe; follow me; follow my; follow us; join my; join our"),
        "fr": ("abonne-toi; abonnez*; suivez-moi; suis-moi; suivez-nous; rejoignez*; rejoins*"),
        "es": ("suscríbete; suscríbanse; suscribirte; sígueme; síganme; síguenos; seguidme; únete"),
        "it": ("iscriviti; iscrivetevi; seguimi; seguitemi; seguiteci; unisciti; unitevi"),
    },
    "look_at_this": {
        "en": (
            "check out; check my; visit my; visit our; take a look; go to my; watch my; listen "
            "to my"
        ),
        "fr": (
            "regardez ma; regardez mon; regarde ma; regarde mon; jetez un œil; jette un œil; "
            "jetez un coup d'œil; allez voir; va voir; visitez; découvrez; écoutez ma; écoutez "
            "mon"
        ),
        "es": (
            "echa un vistazo; echen un vistazo; mira mi; miren mi; visita mi; visiten; visita "
            "nuestra; descubre; escucha mi; escuchen mi; busquen"
        ),
        "it": (
            "dai un'occhiata; date un'occhiata; guarda il mio; guarda la mia; guardate il mio; "
            "guardate la mia; visita il mio; visitate; scopri; ascoltate; ascolta la mia"
        ),
    },
    "link_pointer": {
        "en": (
            "link in bio; link in my bio; link in profile; click the link; click here; click this "
            "link; click on the link; link below; link in description; link in the description; "
            "tap the link; use my link; my link"
        ),
        "fr": (
            "lien en bio; lien dans ma bio; lien dans la bio; clique sur le lien; cliquez sur le "
            "lien; cliquez ici; clique ici; lien ci-dessous; lien en description; lien dans la "
            "description; mon lien"
        ),
        "es": (
            "enlace en la bio; link en la bio; link en bio; enlace en mi perfil; link en mi "
            "perfil; haz clic; haz click; da clic; pincha aquí; enlace abajo; enlace en la "
            "descripción; mi enlace"
        ),
        "it": (
            "link nella bio; link in descrizione; clicca qui; clicca sul link; link qui sotto; "
            "link nel profilo; il mio link"
        ),
    },
    "contact_me": {
        "en": (
            "dm me; dm for; message me; inbox me; pm me; text me; contact me; whatsapp; telegram; "
            "call me; email me; hit me up"
        ),
        "fr": (
            "écris-moi; écrivez-moi; contactez-moi; contacte-moi; envoie-moi un message; mp moi; "
            "en mp; en dm; en privé"
        ),
        "es": (
            "escríbeme; escríbanme; mándame un mensaje; contáctame; contáctanos; por dm; al "
            "privado; mensaje privado; por privado"
        ),
        "it": (
            "scrivimi; scrivetemi; contattami; contattaci; mandami un messaggio; in dm; in privato"
        ),
    },
    "offer_money": {
        "en": (
            "limited offer; limited time; for free; discount; promo code; coupon; giveaway; make "
            "money; work from home; gift card; on sale; % off; get followers; more followers; "
            "free followers"
        ),
        "fr": (
            "offre limitée; gratuit; gratuitement; réduction; code promo; gagner de; gagnez; "
            "concours; soldes; argent; par jour; depuis chez vous; plus d'abonnés; plus de vues"
        ),
        "es": (
            "oferta limitada; gratis; descuento; código promocional; ganar dinero; gana dinero; "
            "gana; sorteo; promoción; dinero; por día; desde casa; más seguidores; más visitas"
        ),
        "it": (
            "offerta limitata; gratuito; gratis; sconto; codice sconto; guadagnare; guadagna; "
            "concorso; promozione; soldi; al giorno; da casa; più follower; più visualizzazioni"
        ),
    },
    "engagement_ask": {
        "en": (
            "please like; share this; please share; like and subscribe; vote for; please vote; "
            "support me; leave a like; like my video; like my page"
        ),
        "fr": (
            "like si; likez; partagez; partage ce; votez; soutenez-moi; aidez-moi; faites un don; "
            "laissez un like; lâchez un like"
        ),
        "es": (
            "dale like; dale me gusta; denle like; comparte; compartan; vota por; voten; apóyame; "
            "apóyenme; donen; ayúdame; ayúdenme"
        ),
        "it": (
            "metti like; mettete like; lascia un like; lasciate un like; condividi; condividete; "
            "votate; vota per; supportami; sostienimi; aiutatemi; aiutami"
        ),
    },
}

# First words that make a comment an instruction rather than a remark ("Check...", "Iscriviti...").
# The English verbs here are the ones whose first-word use is a call to action whatever the topic.
CTA_VERBS: str = (
    "check; subscribe; visit; click; follow; join; dm; regardez; regarde; "
    "abonnez; abonne; visitez; cliquez; clique; suivez; rejoignez; téléchargez; découvrez; "
    "écoutez; partagez; mira; miren; visita; suscríbete; sígueme; descarga; comparte; únete; "
    "escucha; guarda; guardate; iscriviti; seguimi; scarica; condividi; ascolta; unisciti; "
    "clicca"
)

# Data-checked English phrases, by family (see the module docstring): a model uses one only when
# the texts it is trained on show it marks pitches (precision and support thresholds in
# :mod:`tigerblood.pitch.cues`). Same syntax as LEXICON.
CANDIDATES: dict[str, str] = {
    "self_promotion": "my new song; my song; our new video; my playlist; my mixtape",
    "subscribe_follow": "sub to my; sub4sub; sub 4 sub; follow back; join us",
    "look_at_this": "check it out; check this out; have a look; search for; look up; go check",
    "link_pointer": "",
    "contact_me": "",
    "offer_money": (
        "free; win a; earn; per day; a day from home; cash; prize; bonus; buy; dollars; income; "
        "investment; crypto; more views; free views; get views"
    ),
    "engagement_ask": (
        "like this comment; thumbs up if; like if; donate; help me reach; help me get; comment "
        "below; please help"
    ),
}

# Data-checked first words (a comment opening with "Watch", "Like", "Share" may be a remark).
CANDIDATE_CTA_VERBS: str = (
    "watch; listen; like; share; vote; download; buy; support; donate; search; message; win; earn"
)
