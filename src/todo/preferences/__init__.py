"""A user's preferences that every front door shares: the time zone."""
