"""Shared fixtures: paths to the bundled sample and to ../shared/data (required when CI=true)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "cresci-2015-sample"
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data; skipped on a developer machine without it, a failure in CI."""
    if not SHARED.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED} is required in CI")
        pytest.skip("../shared/data not present")
    return SHARED
