"""Accounts: users in the Better Auth model."""
