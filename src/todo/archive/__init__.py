"""Archiving: completed tasks left untouched for a while move to `tasks_archive`."""
