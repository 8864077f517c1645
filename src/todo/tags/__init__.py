"""Tags: a user's named labels with an optional colour, and which tasks carry them."""
