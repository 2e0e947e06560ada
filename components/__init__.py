"""Infrastructure for the messaging program: one module per pattern (see README: Architecture)."""
