"""Mastodon: saved REST responses and streaming events, mapped from the server's entities."""
