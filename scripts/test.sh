#!/usr/bin/env bash
# Install everything the tests need into .venv, then run the whole suite.
# The suite runs on a private embedded PostgreSQL unless TEST_DATABASE_URL names a server.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e ".[test]"
exec .venv/bin/pytest "$@"
