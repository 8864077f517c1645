"""A self-hostable, multi-user todo service on PostgreSQL."""

__version__ = "0.1.0"
