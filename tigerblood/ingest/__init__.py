"""Ingest: adapters grouped by platform (bluesky/, mastodon/, twitter/, research/) beside the
shared machinery (registry that detects formats, pipeline, rows and quarantine, entity and contact
extraction) and the platform-neutral tabular layout (DESIGN §3.2)."""
