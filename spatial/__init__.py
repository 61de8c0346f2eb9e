"""Readers, validation, CRS handling, grids, the street network and the demo area."""
