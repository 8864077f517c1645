"""Synthetic data at scale for benchmarks: `todo db seed --users N --tasks-per-user M`."""
