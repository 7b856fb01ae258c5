"""Protection of direct identifiers."""
