"""Map layers (folium), exports and briefing packs: the only place WGS84 appears."""
