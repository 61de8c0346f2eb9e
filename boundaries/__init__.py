"""Wards, neighbourhoods (groups of wards), point-in-ward assignment and population."""
