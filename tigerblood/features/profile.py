"""What the profile says about the account itself, as the platform records it."""

from __future__ import annotations

import ibis.expr.types as ir

from tigerblood.features.base import ModelTables

FEATURES = {
    "declared_bot": "whether the profile declares it a bot (null: the source does not say)",
}


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """``declared_bot`` comes in with the profile columns (``account_base``): nothing to add.

    It is a feature so that verdicts, the stream and reports read it where they read every other
    column; the model never does (``learn.dataset.EXCLUDED``): a declaration decides how a
    verdict is worded, not the score.
    """
    return base
