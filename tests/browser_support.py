"""Debian's Chromium driven by Playwright, as every browser test launches it: never a browser
Playwright downloads. Skipped on a developer machine without it, a failure in CI (``CI=true``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

try:  # an optional test dependency: the reports themselves need no browser
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def need(condition: bool, why: str) -> None:
    """Skip without ``condition``, except in CI, where it fails."""
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why} (required in CI)")
        pytest.skip(why)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium for the duration of the block."""
    need(sync_playwright is not None, "playwright is not installed")
    need(Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
