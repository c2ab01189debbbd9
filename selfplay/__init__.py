"""tabula selfplay package."""
