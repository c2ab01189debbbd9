"""tabula arena package."""
