"""The pitch scorer's fast paths give exactly what their plain definitions give.

Scoring every thread ending of a scan or a live window is the pitch step's cost, so the text
functions take shortcuts (ASCII folding, cues looked up by word, counting in C, each distinct
text scored once). Each shortcut is checked here against the plain definition it replaced, on
generated text of every kind (accents, ligatures, combining marks, scripts without case, numerals
that are not digits) and on real comments.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tigerblood.pitch.classifier import default_classifier
from tigerblood.pitch.cues import CUES, canonical, match_cues, shape
from tigerblood.pitch.text import _LIGATURES, fold

YOUTUBE = Path(__file__).resolve().parents[2] / "shared" / "data" / "youtube-spam-collection"

TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from("àéîõüçñßœæ’ǅﬁⅧ½²٣ＣＨＥＣＫ \u0301\u0327\u200b!$%-'"),
    ),
    max_size=60,
)
CUE_WORDS = st.lists(
    st.sampled_from(sorted({w for cue in CUES for w in cue.phrase.rstrip("*").split()})),
    max_size=8,
).map(" ".join)


def plain_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def plain_match(text: str, kept: frozenset[str] | None) -> list[str]:
    haystack = canonical(text)
    return [
        cue.key
        for cue in CUES
        if cue.needle in haystack and (cue.core or kept is None or cue.key in kept)
    ]


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_fold_and_shape_are_their_plain_definitions(text: str) -> None:
    assert fold(text) == plain_fold(text)
    counted = shape(text)  # the two counts shape takes with map/filter, counted one by one
    letters = [ch for ch in text if ch.isalpha()]
    assert counted["digit_share"] == sum(ch.isdigit() for ch in text) / max(len(text), 1)
    assert counted["upper_share"] == sum(ch.isupper() for ch in letters) / max(len(letters), 1)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, CUE_WORDS), st.sampled_from([None, frozenset(), frozenset(["x"])]))
def test_cues_looked_up_by_word_are_every_cue_tested(
    text: str, kept: frozenset[str] | None
) -> None:
    assert [cue.key for cue in match_cues(text, kept)] == plain_match(text, kept)


def youtube_comments() -> list[str]:
    texts: list[str] = []
    for path in sorted(YOUTUBE.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [row["CONTENT"] for row in csv.DictReader(handle)]
    return texts


def test_real_comments_score_as_the_plain_pipeline_scores_them() -> None:
    """Every YouTube comment, twice over (so some are repeats): the classifier's scores equal
    its scikit-learn pipeline's own, text by text, and so do the cues."""
    texts = youtube_comments()
    assert len(texts) > 1500
    texts = texts + texts[::3]
    classifier = default_classifier()
    plain = classifier.pipeline.predict_proba(texts)[:, 1]
    assert np.array_equal(classifier.predict_proba(texts), plain)
    for text in texts[:400]:
        assert [cue.key for cue in match_cues(text)] == plain_match(text, None)
