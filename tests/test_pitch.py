"""Pitch detection: the multilingual case table, the file round trip, the shipped model, and the
cross-video comparison with the baseline on the shared YouTube Spam Collection."""

from __future__ import annotations

import doctest
import io
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from tigerblood.pitch import classifier, cli_support, cues, evaluate, lexicon, text, train
from tigerblood.pitch.classifier import DEFAULT_MODEL_PATH, PitchClassifier, score_texts
from tigerblood.pitch.cli_support import PitchInputError, run_pitch
from tigerblood.pitch.dataset import Video, load_videos
from tigerblood.pitch.text import find_urls, normalize_text

SHARED = Path(__file__).parents[1] / ".." / "shared" / "data"
COLLECTION = SHARED / "youtube-spam-collection"

# Made up for this table (not from any dataset): clear pitches and ordinary comments.
CASES = [
    ("en", True, "Check out my channel for daily gaming videos, link in bio!"),
    ("en", True, "DM me for a limited offer on followers, only $5 today"),
    ("en", True, "Subscribe to me and I'll subscribe back, sub4sub"),
    ("en", True, "I make $300 a day working from home, visit www.easycash-now.com"),
    ("en", True, "Just dropped my new song, please listen and share http://soundcloud.com/xyz"),
    ("en", False, "This song reminds me of summer 2012, such good memories"),
    ("en", False, "The drummer in this live version is incredible"),
    ("en", False, "I can't believe this came out ten years ago"),
    ("en", False, "Who else is here after the documentary?"),
    ("en", False, "Her voice at 2:31 gives me chills every time"),
    ("fr", True, "Abonne-toi à ma chaîne, nouvelle vidéo chaque semaine !"),
    ("fr", True, "Offre limitée : -50% sur tout, lien en bio"),
    ("fr", True, "Allez voir mon site www.bijoux-luna.fr, livraison gratuite"),
    ("fr", False, "Cette chanson me rappelle mon enfance, merci"),
    ("fr", False, "Le clip est magnifique, bravo à toute l'équipe"),
    ("fr", False, "Je l'écoute tous les matins avant le travail"),
    ("es", True, "Suscríbete a mi canal, subo videos todos los días"),
    ("es", True, "Gana dinero desde casa, escríbeme por WhatsApp"),
    ("es", True, "Oferta limitada, enlace en la bio para el descuento"),
    ("es", False, "Esta canción me hace llorar cada vez que la escucho"),
    ("es", False, "Qué voz tan increíble tiene, la vi en concierto el año pasado"),
    ("es", False, "Mi madre ponía esta canción en el coche"),
    ("it", True, "Iscriviti al mio canale per altri video come questo!"),
    ("it", True, "Offerta limitata: sconto del 30%, clicca sul link nella bio"),
    ("it", True, "Seguimi su Instagram, link nel profilo"),
    ("it", False, "Questa canzone mi ricorda l'estate al mare"),
    ("it", False, "Che voce stupenda, brividi ogni volta"),
    ("it", False, "L'ho ascoltata mille volte e non mi stanca mai"),
]


def _shared_data_or_skip() -> Path:
    if COLLECTION.is_dir():
        return COLLECTION
    if os.environ.get("CI") == "true":
        pytest.fail(f"{COLLECTION} missing: shared-data tests must run in CI")
    pytest.skip(f"{COLLECTION} not present")


@pytest.mark.parametrize(("lang", "expected", "comment"), CASES)
def test_when_comment_pitches_then_is_pitch(lang: str, expected: bool, comment: str) -> None:
    (score,) = score_texts([comment])
    assert (score >= 0.5) is expected, f"{lang}: {score:.3f} for {comment!r}"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("great song\ufeff", "great song"),
        ("I&#39;m here<br /><br />again", "I'm here again"),
        ('<a href="http://x.co/a">http://x.co/a</a> &amp; more', "http://x.co/a & more"),
        ("  spaced \n\t out ", "spaced out"),
    ],
)
def test_when_comment_is_html_then_normalized_to_plain_text(raw: str, clean: str) -> None:
    assert normalize_text(raw) == clean


@pytest.mark.parametrize(
    ("comment", "urls"),
    [
        ("go to http://example.com/x now", ["http://example.com/x"]),
        ("see www.shop.it, thanks", ["www.shop.it"]),
        ("only pimpmyviews. com works", ["pimpmyviews. com"]),
        ("me and my sister. Me too", []),
        ("rated 3.5 out of 5", []),
    ],
)
def test_when_text_has_links_then_found(comment: str, urls: list[str]) -> None:
    assert find_urls(comment) == urls


@pytest.mark.parametrize(
    ("comment", "cue"),
    [
        ("ABONNEZ-VOUS à ma chaîne", "abonnez"),
        ("suscribete ya", "suscríbete"),
        ("dai un’occhiata al mio canale", "dai un'occhiata"),
        ("Lien dans la bio", "lien dans la bio"),
        ("50% off today", "% off"),
    ],
)
def test_when_cue_varies_in_case_accents_or_punctuation_then_still_matched(
    comment: str, cue: str
) -> None:
    assert cue in cues.explain(comment)


def test_when_word_only_starts_like_a_cue_then_not_matched() -> None:
    assert cues.match_cues("a visitor from the subscribers list") == []


def test_lexicon_has_every_language_in_every_family_and_no_duplicates() -> None:
    for family in cues.FAMILIES:
        langs = {cue.lang for cue in cues.CORE_CUES if cue.family == family}
        assert langs == {"en", "fr", "es", "it"}, family
    assert {cue.lang for cue in cues.CANDIDATE_CUES} == {"en"}
    assert set(lexicon.CANDIDATES) <= set(cues.FAMILIES)
    needles = Counter((cue.family, cue.lang, cue.needle) for cue in cues.CUES)
    assert [key for key, count in needles.items() if count > 1] == []
    assert len(set(cues.CANDIDATE_KEYS)) == len(cues.CANDIDATE_KEYS)
    assert not {k.removeprefix(cues.CTA_PREFIX) for k in cues.CANDIDATE_KEYS} & cues.CTA_VERBS


def test_when_candidate_is_not_kept_then_it_fires_nothing() -> None:
    text = "Watch this free video, thumbs up if you agree"
    assert cues.explain(text, kept=()) == []
    assert cues.explain(text, kept=None) == ["free", "thumbs up if"]
    assert cues.explain(text, kept=("offer_money:free",)) == ["free"]
    assert cues.starts_with_cta(text, kept=("cta:watch",))
    assert not cues.starts_with_cta(text, kept=())
    none_kept = cues.CueFeatures(min_precision=None).fit([text] * 3, [1] * 3)
    all_kept = cues.CueFeatures(min_precision=0.0).fit([text] * 3, [1] * 3)
    assert none_kept.kept == () and none_kept.transform([text]).sum() == 0 + sum(
        cues.shape(text).values()
    )
    assert set(all_kept.kept) == {"offer_money:free", "engagement_ask:thumbs up if", "cta:watch"}
    assert all_kept.transform([text]).sum() > none_kept.transform([text]).sum()
    plain = cues.CueFeatures(lexicon=False).fit([text], [1])
    assert list(plain.get_feature_names_out()) == list(cues.SHAPE_NAMES)
    assert plain.transform([text]).shape == (1, len(cues.SHAPE_NAMES))


def test_candidates_are_kept_by_support_and_precision_on_the_given_texts_only() -> None:
    texts = ["free money now", "free gift", "free stuff", "buy it", "buy my", "buy now"]
    texts += ["free song", "buy it again", "buy this song", "nice"]
    labels = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    stats = cues.candidate_stats(texts, labels)
    # free: 3 of 6 pitches, 1 of 4 others -> balanced precision 0.5 / (0.5 + 0.25)
    assert stats["offer_money:free"]["precision"] == pytest.approx(2 / 3)
    assert stats["cta:buy"] == {"pitch_hits": 3, "other_hits": 2, "precision": 0.5}
    assert cues.select_candidates(texts, labels, 0.6) == ("offer_money:free",)
    assert set(cues.select_candidates(texts, labels, 0.5)) == {
        "offer_money:free",
        "offer_money:buy",
        "cta:buy",
    }
    assert cues.select_candidates(texts, labels, 0.7) == ()
    assert cues.select_candidates(texts[:2], labels[:2], 0.5) == ()  # below MIN_SUPPORT


def test_shipped_model_loads_scores_and_stays_small() -> None:
    assert DEFAULT_MODEL_PATH.stat().st_size < 5 * 1024 * 1024
    clf = PitchClassifier.load(DEFAULT_MODEL_PATH)
    assert clf.meta["videos"] == ["Psy", "KatyPerry", "LMFAO", "Eminem"]
    assert list(clf.kept_cues or ()) == clf.meta["kept_cues"]
    assert set(clf.meta["kept_cues"]) <= set(cues.CANDIDATE_KEYS)
    scores = clf.predict_proba(["subscribe to my channel http://x.co", "what a song"])
    assert scores.shape == (2,)
    assert scores.min() >= 0.0 and scores.max() <= 1.0
    assert scores[0] > 0.5 > scores[1]
    assert clf.predict_proba([]).shape == (0,)


def test_when_saved_then_loads_with_same_scores(tmp_path: Path) -> None:
    texts = ["check out my channel http://x.co", "great song", "subscribe pls", "love it"] * 3
    clf = PitchClassifier().fit(texts, [1, 0, 1, 0] * 3)
    loaded = PitchClassifier.load(clf.save(tmp_path / "m.joblib", {"note": "test"}))
    assert loaded.meta["note"] == "test"
    assert list(loaded.predict_proba(texts)) == list(clf.predict_proba(texts))


def test_when_file_is_not_a_model_then_clear_error(tmp_path: Path) -> None:
    import joblib

    path = tmp_path / "other.joblib"
    joblib.dump({"something": 1}, path)
    with pytest.raises(ValueError, match="not a tigerblood pitch model"):
        PitchClassifier.load(path)


def _lines(out: io.StringIO) -> list[dict]:
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def test_when_csv_has_a_bad_row_then_every_row_comes_back_in_order(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_text(
        "COMMENT_ID,AUTHOR,CONTENT\n"
        'a1,x,"Subscribe to my channel, link in bio!"\n'
        "a2,y\n"
        'a3,z,"what a beautiful song, it brings back memories"\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    assert run_pitch(path, None, out) == 1
    rows = _lines(out)
    assert [row["id"] for row in rows] == ["a1", "a2", "a3"]
    assert rows[0]["is_pitch"] is True and "subscribe" in rows[0]["cues"]
    assert rows[1]["pitch_score"] is None and rows[1]["error"] == "comments.csv:3: CONTENT: missing"
    assert rows[2]["is_pitch"] is False and 0.0 <= rows[2]["pitch_score"] < 0.5


def test_when_jsonl_has_bad_lines_then_nulls_with_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(
        '{"post_id": 10, "text": "Iscriviti al mio canale! www.canale.it"}\n'
        "{not json\n"
        "\n"
        '{"post_id": 12, "body": "no text field here"}\n'
        '["a", "list"]\n'
        '{"post_id": 14, "text": 42}\n'
        '{"post_id": 15, "text": "Qué bonita canción"}\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    assert run_pitch(path, None, out) == 4
    rows = _lines(out)
    assert [row["id"] for row in rows] == [10, 2, 12, 4, 14, 15]
    assert rows[0]["is_pitch"] is True
    assert rows[1]["error"].startswith("posts.jsonl:2: line: not valid JSON")
    assert rows[2]["error"] == "posts.jsonl:4: text: missing"
    assert rows[3]["error"] == "posts.jsonl:5: line: a JSON list, not an object"
    assert rows[4]["error"] == "posts.jsonl:6: text: a int, not text"
    assert all(row["pitch_score"] is None for row in rows[1:5])
    assert rows[5]["is_pitch"] is False


def test_when_no_id_column_then_ids_are_row_numbers_and_column_can_be_named(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.data"  # no telling suffix: sniffed as CSV from the content
    path.write_text("who,message\nann,Follow me for free followers\nbob,nice\n", encoding="utf-8")
    out = io.StringIO()
    assert run_pitch(path, "message", out, threshold=0.99) == 0
    rows = _lines(out)
    assert [row["id"] for row in rows] == [1, 2]
    assert all(isinstance(row["is_pitch"], bool) for row in rows)


def test_when_no_text_column_then_error_names_file_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "nothing.csv"
    path.write_text("user,when\nann,today\n", encoding="utf-8")
    with pytest.raises(PitchInputError, match=r"nothing\.csv.*columns seen: user, when"):
        run_pitch(path, None, io.StringIO())
    with pytest.raises(PitchInputError, match="no text column 'msg'"):
        run_pitch(path, "msg", io.StringIO())


def test_when_file_is_missing_then_error_names_it(tmp_path: Path) -> None:
    with pytest.raises(PitchInputError, match=r"absent\.csv"):
        run_pitch(tmp_path / "absent.csv", None, io.StringIO())


def _tiny_collection(folder: Path) -> Path:
    pitches = ["check out my channel", "subscribe to me", "visit www.deal.com", "free gift card"]
    genuine = ["love this song", "her voice is great", "best video ever", "so catchy"]
    for n, name in enumerate(["A", "B", "C"]):
        lines = ["COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS"]
        lines += [f"{name}{i},u,,{t} {n},1" for i, t in enumerate(pitches)]
        lines += [f"{name}g{i},u,,{t} {n},0" for i, t in enumerate(genuine)]
        (folder / f"Youtube0{n + 1}-{name}.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_evaluate_and_train_entry_points_run_on_a_tiny_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _tiny_collection(tmp_path)
    assert evaluate.main(["--json", "--data", str(data)]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert [r["test_video"] for r in report["rotations"]] == ["A", "B", "C"]
    for model in evaluate.MODELS:
        assert set(report[f"mean_{model}"]) == {"f1", "precision", "recall", "auc"}
    first = report["rotations"][0]
    assert first["text_only"]["kept_cues"] == [] and first["text_only"]["min_precision"] is None
    assert first["lexicon"]["threshold"] in classifier.THRESHOLD_GRID
    out = tmp_path / "m.joblib"
    assert train.main(["--data", str(data), "--out", str(out)]) == 0
    assert PitchClassifier.load(out).meta["videos"] == ["A", "B", "C"]
    assert evaluate.main(["--data", str(tmp_path / "none")]) == 2


def _flip(video: Video) -> Video:
    return Video(
        video.name,
        video.ids,
        tuple(t + " subscribe free" for t in video.texts),
        tuple(1 - label for label in video.labels),
    )


def test_per_rotation_choices_never_read_the_held_out_video(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    videos = load_videos(_tiny_collection(tmp_path))
    held_texts = set(videos[2].texts) | set(_flip(videos[2]).texts)
    seen: list[str] = []
    select_candidates = cues.select_candidates

    def spy(texts: Sequence[str], labels: Sequence[int], *args: Any, **kw: Any) -> tuple[str, ...]:
        seen.extend(texts)
        return select_candidates(texts, labels, *args, **kw)

    monkeypatch.setattr(cues, "select_candidates", spy)
    plain = evaluate.run_rotation(videos, 2)
    flipped = evaluate.run_rotation([*videos[:2], _flip(videos[2])], 2)
    assert seen and not {normalize_text(t) for t in held_texts} & set(seen)
    for name in ("text_only", "lexicon"):
        a, b = getattr(plain, name), getattr(flipped, name)
        assert (a.c, a.min_precision, a.threshold, a.kept_cues) == (
            b.c,
            b.min_precision,
            b.threshold,
            b.kept_cues,
        )
        assert a.inner_f1 == b.inner_f1 and a.inner_f1_by_threshold == b.inner_f1_by_threshold
    assert plain.lexicon.scores != flipped.lexicon.scores  # the flip did reach the test scores


def test_settings_are_chosen_on_the_given_groups_and_the_threshold_is_folded_in() -> None:
    texts = ["check out my channel", "subscribe pls", "free cash here", "great song", "so good"]
    texts = [f"{t} {g}" for g in "abc" for t in texts]
    labels = [1, 1, 1, 0, 0] * 3
    groups = [g for g in "abc" for _ in range(5)]
    settings = classifier.select_settings(texts, labels, groups)
    assert settings.c in classifier.C_GRID
    assert settings.min_precision in classifier.MIN_PRECISION_GRID
    assert len(settings.inner_f1) == len(classifier.C_GRID) * len(classifier.MIN_PRECISION_GRID)
    raw = PitchClassifier(C=1.0, threshold=0.5).fit(texts, labels).predict_proba(texts)
    cut = PitchClassifier(C=1.0, threshold=0.7).fit(texts, labels).predict_proba(texts)
    assert list(cut >= 0.5) == list(raw >= 0.7)


@pytest.mark.parametrize("module", [text, cues, classifier, cli_support])
def test_docstring_examples_run(module: object) -> None:
    failures, _ = doctest.testmod(module)  # type: ignore[arg-type]
    assert failures == 0


@pytest.mark.shared_data
def test_when_one_video_is_held_out_then_ours_beats_the_char_ngram_baseline() -> None:
    videos = load_videos(_shared_data_or_skip())
    # Eminem: the rotation where the baseline comes closest. The settings are the a-priori
    # defaults and the data-checked cues are kept on the three training videos, so the test video
    # plays no part in any choice; every model sees the same three training videos.
    rotation = evaluate.run_rotation(videos, [v.name for v in videos].index("Eminem"), False)
    assert rotation.n_test == 448
    assert rotation.lexicon.scores.f1 >= rotation.baseline.f1
