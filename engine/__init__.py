"""tabula engine package."""
