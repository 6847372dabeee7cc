"""Ingest adapters: one module per source format, plus the registry that detects formats."""
