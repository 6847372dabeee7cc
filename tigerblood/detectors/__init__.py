"""Detectors: small classes that read feature rows and return scored, explained findings."""
