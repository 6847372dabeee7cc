"""Reading the YouTube Spam Collection (Alberto, Lochter, Almeida, ICMLA 2015) as labelled videos.

Why per video: spam campaigns repeat within one video's comments, so a random split leaks near
copies between train and test. Everything here keeps the video as the unit of splitting.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO_ROOT / ".." / "shared" / "data" / "youtube-spam-collection"


@dataclass(frozen=True)
class Video:
    """One file of the collection: its name, comment ids, raw texts and labels (1 = spam)."""

    name: str
    ids: tuple[str, ...]
    texts: tuple[str, ...]
    labels: tuple[int, ...]


def load_videos(data_dir: Path = DEFAULT_DATA_DIR) -> list[Video]:
    """The videos in ``data_dir`` (``Youtube*.csv``), sorted by file name.

    Texts stay raw (HTML, entities): the classifier cleans them itself, so training and scoring
    go through the same clean-up. Raises ``FileNotFoundError`` naming the folder when empty.
    """
    data_dir = Path(data_dir)
    files = sorted(data_dir.glob("Youtube*.csv"))
    if not files:
        raise FileNotFoundError(f"{data_dir}: no Youtube*.csv files (YouTube Spam Collection)")
    videos = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        videos.append(
            Video(
                name=path.stem.split("-", 1)[-1],
                ids=tuple(row["COMMENT_ID"] for row in rows),
                texts=tuple(row["CONTENT"] for row in rows),
                labels=tuple(int(row["CLASS"]) for row in rows),
            )
        )
    return videos
