"""Logical backup and restore (pg_dump -Fc / pg_restore) with a verifying manifest."""
