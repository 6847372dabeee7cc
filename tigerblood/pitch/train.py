"""Rebuild the shipped pitch model from the four videos of the YouTube Spam Collection.

``python -m tigerblood.pitch.train --out tigerblood/data/pitch_model.joblib``

Same recipe as one rotation of :mod:`tigerblood.pitch.evaluate`, on all four videos: ``C`` by
leave-one-video-out F1, then one fit on everything. Reproducible: the solver is deterministic,
nothing random is drawn, and the saved file carries no timestamp, so two runs give the same bytes
(with the same library versions, recorded in the file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tigerblood.pitch.classifier import DEFAULT_MODEL_PATH, PitchClassifier, select_c
from tigerblood.pitch.cues import FAMILIES
from tigerblood.pitch.dataset import DEFAULT_DATA_DIR, load_videos

SOURCE = (
    "YouTube Spam Collection (T. C. Alberto, J. V. Lochter, T. A. Almeida, 'TubeSpam: Comment "
    "Spam Filtering on YouTube', IEEE ICMLA 2015; UCI, CC BY 4.0)"
)


def train_default(data_dir: Path = DEFAULT_DATA_DIR) -> PitchClassifier:
    """Fit the default model on every video in ``data_dir``, with ``C`` chosen across videos."""
    videos = load_videos(data_dir)
    texts = [text for video in videos for text in video.texts]
    labels = [label for video in videos for label in video.labels]
    groups = [video.name for video in videos for _ in video.texts]
    c, inner = select_c(texts, labels, groups)
    clf = PitchClassifier(C=c).fit(texts, labels)
    clf.meta = {
        "source": SOURCE,
        "videos": [video.name for video in videos],
        "n_comments": len(texts),
        "n_spam": int(sum(labels)),
        "C": c,
        "leave_one_video_out_f1_by_c": {str(k): round(v, 4) for k, v in inner.items()},
        "cue_families": list(FAMILIES),
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
    sys.stdout.write(f"wrote {path} ({size_kb:.0f} KiB, C={clf.params['C']:g}, ")
    sys.stdout.write(f"{clf.meta['n_comments']} comments from {len(clf.meta['videos'])} videos)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
