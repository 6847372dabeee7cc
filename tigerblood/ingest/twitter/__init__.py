"""X/Twitter as users hold it: the "download your archive" zip and API dumps (v1.1 and v2)."""
