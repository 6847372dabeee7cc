"""The live path: windowed per-account state over event streams, with the same features and
detectors as the batch path (DESIGN §3.6)."""
