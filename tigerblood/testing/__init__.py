"""Helpers for testing tigerblood end to end: generated ground-truth scenarios."""
