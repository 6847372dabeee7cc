"""`tigerblood pitch` through the console entry point: one JSON line per input row, in order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson


def test_pitch_command_scores_rows_in_order_and_flags_the_pitch(tmp_path: Path) -> None:
    source = tmp_path / "comments.csv"
    source.write_text(
        "id,text\n"
        "a,What a lovely song - it reminds me of my grandmother's kitchen\n"
        "b,Check out my channel and subscribe!! Limited offer, link in bio\n"
        "c,\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tigerblood.cli", "pitch", str(source), "--column", "text"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[1]["is_pitch"] and not rows[0]["is_pitch"]
    assert rows[2]["pitch_score"] is None and "error" in rows[2]


def test_pitch_command_on_a_missing_file_exits_1_naming_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tigerblood.cli", "pitch", str(tmp_path / "gone.csv")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1 and "gone.csv" in done.stderr
