"""Pitch detection on text: does a comment end in a sales pitch, a call to action, a link?

Serves the ``pitch_conversation`` pattern (DESIGN §3.3): a per-text score that account-level
features aggregate. Self-contained: a cue lexicon (:mod:`.lexicon`, :mod:`.cues`), a small linear
classifier with a shipped default model (:mod:`.classifier`), its cross-video evaluation
(:mod:`.evaluate`), the training entry point (:mod:`.train`) and the ``tigerblood pitch`` command's
body (:mod:`.cli_support`). See docs/pitch.md.
"""

from __future__ import annotations

from tigerblood.pitch.classifier import PitchClassifier, score_texts

__all__ = ["PitchClassifier", "score_texts"]
