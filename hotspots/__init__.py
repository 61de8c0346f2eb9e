"""Hotspot analysis: kernel density, Getis-Ord Gi*, clustering, change and persistence."""
