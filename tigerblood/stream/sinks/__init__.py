"""Where ``tigerblood watch`` sends its changes: JSON Lines, a webhook, AT Protocol labels, each
behind automod-style limits (DESIGN §3.6). See :mod:`.base` for the interface and
:mod:`.limits` for the limits."""
