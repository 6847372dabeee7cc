"""Durations as people write them (``90m``, ``24h``, ``7d``), for the command line and the sinks'
YAML file alike, so a window and a no-repeat period are spelled the same way everywhere.

>>> seconds("24h"), seconds("90"), seconds(30)
(86400.0, 90.0, 30.0)
"""

from __future__ import annotations

import re

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(text: str | float) -> float:
    """``90m``, ``24h``, ``7d``, ``3600s``, plain seconds (a string or a number), as seconds.

    Raises :class:`ValueError` on anything else, zero and negative durations included.
    """
    if isinstance(text, bool):
        raise ValueError(f"{text!r}: expected a positive duration like 90m, 24h or 7d")
    if isinstance(text, int | float):
        if text <= 0:
            raise ValueError(f"{text!r}: expected a positive duration like 90m, 24h or 7d")
        return float(text)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r}: expected a positive duration like 90m, 24h or 7d")
    return float(match.group(1)) * UNITS.get(match.group(2) or "s", 1)
