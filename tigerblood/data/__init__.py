"""Data files shipped with the package (shortener list, reference populations, models)."""
