"""Models arrive with their issue (DESIGN §5)."""
