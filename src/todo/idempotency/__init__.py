"""Idempotency keys for the task API's creating POSTs (see todo.idempotency.service)."""
