"""Rebuild the shipped pitch model from the four videos of the YouTube Spam Collection.

``python -m tigerblood.pitch.train --out tigerblood/data/pitch_model.joblib``

Same recipe as one rotation of :mod:`tigerblood.pitch.evaluate` ("with lexicon"), on all four
videos: ``C``, the precision a data-checked cue must show and the decision threshold by
leave-one-video-out F1 (:func:`~tigerblood.pitch.classifier.select_settings`), then one fit on
everything, which keeps the data-checked cues that pass on all four videos. Reproducible: the
solver is deterministic, nothing random is drawn, and the saved file carries no timestamp, so two
runs give the same bytes (with the same library versions, recorded in the file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tigerblood.pitch.classifier import DEFAULT_MODEL_PATH, PitchClassifier, fit_recipe
from tigerblood.pitch.cues import FAMILIES
from tigerblood.pitch.dataset import DEFAULT_DATA_DIR, load_videos

SOURCE = (
    "YouTube Spam Collection (T. C. Alberto, J. V. Lochter, T. A. Almeida, 'TubeSpam: Comment "
    "Spam Filtering on YouTube', IEEE ICMLA 2015; UCI, CC BY 4.0)"
)


def train_default(data_dir: Path = DEFAULT_DATA_DIR) -> PitchClassifier:
    """Fit the default model on every video in ``data_dir``, its settings chosen across videos."""
    videos = load_videos(data_dir)
    texts = [text for video in videos for text in video.texts]
    labels = [label for video in videos for label in video.labels]
    groups = [video.name for video in videos for _ in video.texts]
    clf, settings = fit_recipe(texts, labels, groups)
    clf.meta = {
        "source": SOURCE,
        "videos": [video.name for video in videos],
        "n_comments": len(texts),
        "n_spam": int(sum(labels)),
        "C": settings.c,
        "min_precision": settings.min_precision,
        "threshold": settings.threshold,
        "leave_one_video_out_f1": settings.inner_f1,
        "leave_one_video_out_f1_by_threshold": settings.inner_f1_by_threshold,
        "cue_families": list(FAMILIES),
        "kept_cues": list(clf.kept_cues or ()),
    }
    return clf


def main(argv: Sequence[str] | None = None) -> int:
    """Train and write the model; print where it went and its size."""
    parser = argparse.ArgumentParser(prog="python -m tigerblood.pitch.train")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH, help="model file to write")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="collection folder")
    args = parser.parse_args(argv)
    try:
        clf = train_default(args.data)
    except FileNotFoundError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    path = clf.save(args.out)
    size_kb = path.stat().st_size / 1024
    mp = clf.params["min_precision"]
    sys.stdout.write(f"wrote {path} ({size_kb:.0f} KiB, C={clf.params['C']:g}, ")
    sys.stdout.write(f"min_precision={mp}, threshold={clf.params['threshold']:g}, ")
    sys.stdout.write(f"{len(clf.kept_cues or ())} data-checked cues kept, ")
    sys.stdout.write(f"{clf.meta['n_comments']} comments from {len(clf.meta['videos'])} videos)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
