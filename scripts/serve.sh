#!/usr/bin/env bash
# Install the service into .venv and start it (on the embedded PostgreSQL unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e .
exec .venv/bin/todo serve "$@"
