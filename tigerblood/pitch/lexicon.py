"""The pitch cue lexicon: generic calls to action in English, French, Spanish and Italian.

Written by hand for tigerblood, not taken from any dataset, so that the French, Spanish and Italian
rows measure nothing about the (English) training data. Each family is one feature of the model
(see :mod:`tigerblood.pitch.cues`); add a phrase to the family whose English phrases mean the same.
Phrases are separated by ";". Matching ignores case and accents; a phrase ending in "*" matches as a
word prefix ("abonnez*" covers "abonnez-vous"); a space or hyphen in a phrase matches either.
"""

from __future__ import annotations

LEXICON: dict[str, dict[str, str]] = {
    "self_promotion": {
        "en": (
            "my channel; my new channel; my new video; my videos; my video; my music; my new "
            "song; my song; my page; my website; my blog; my app; my shop; my store; our channel; "
            "our new video; my profile; my playlist; my mixtape; my podcast"
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
        "en": (
            "subscribe; sub to my; sub4sub; sub 4 sub; follow me; follow my; follow us; follow "
            "back; join my; join our; join us"
        ),
        "fr": ("abonne-toi; abonnez*; suivez-moi; suis-moi; suivez-nous; rejoignez*; rejoins*"),
        "es": ("suscríbete; suscríbanse; suscribirte; sígueme; síganme; síguenos; seguidme; únete"),
        "it": ("iscriviti; iscrivetevi; seguimi; seguitemi; seguiteci; unisciti; unitevi"),
    },
    "look_at_this": {
        "en": (
            "check out; check my; check it out; check this out; visit my; visit our; take a look; "
            "have a look; go to my; watch my; listen to my; search for; look up; go check"
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
            "limited offer; limited time; for free; free; discount; promo code; coupon; giveaway; "
            "win a; earn; make money; per day; a day from home; work from home; gift card; cash; "
            "prize; bonus; buy; on sale; % off; dollars; income; investment; crypto; get "
            "followers; more followers; free followers; more views; free views; get views"
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
            "like this comment; thumbs up if; like if; please like; share this; please share; "
            "like and subscribe; vote for; please vote; donate; help me reach; help me get; "
            "support me; leave a like; like my video; like my page; comment below; please help"
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
CTA_VERBS: str = (
    "check; subscribe; visit; click; watch; listen; follow; like; share; vote; join; "
    "download; buy; support; donate; search; dm; message; win; earn; regardez; regarde; "
    "abonnez; abonne; visitez; cliquez; clique; suivez; rejoignez; téléchargez; découvrez; "
    "écoutez; partagez; mira; miren; visita; suscríbete; sígueme; descarga; comparte; únete; "
    "escucha; guarda; guardate; iscriviti; seguimi; scarica; condividi; ascolta; unisciti; "
    "clicca"
)
