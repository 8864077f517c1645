"""Benchmarks (not tests): `todo bench seed | api | uow`.

Each prints the data size, concurrency and machine beside its figures.
"""
