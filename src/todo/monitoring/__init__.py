"""Monitoring: the spec's monitoring queries (SPEC section 7), for `todo db stats`."""
