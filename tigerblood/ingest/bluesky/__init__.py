"""Bluesky: Jetstream captures and saved AppView responses, sharing one record mapping."""
