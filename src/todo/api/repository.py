"""SQL for the API's plumbing: the per-request caller check, rate-limit counters, JWT keys."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from todo.db import IDENTITY_SETTING, Query, Transaction

RATE_KEY_PREFIX = "api:"

# Who is calling: a live session (same rule as todo.auth.repository.find_active_session), or a
# user who still exists (for a JWT, whose signature was already checked).
_CALLER_BY_SESSION = (
    "SELECT id AS session_id, user_id, expires_at FROM sessions "
    "WHERE token_hash = %(token_hash)s AND expires_at > now()"
)
# A used session is slid forward, at most once per SESSION_UPDATE_AGE (the rule of
# todo.auth.service.get_session), unless `slide` is off (a rememberMe=false browser session).
# Data-modifying CTEs run whether or not the query reads them.
_SLIDE = """
slid AS (
    UPDATE sessions SET expires_at = now() + %(expires_in)s * interval '1 second'
    WHERE %(slide)s AND id = (SELECT session_id FROM caller)
      AND expires_at - (%(expires_in)s - %(update_age)s) * interval '1 second' <= now()
    RETURNING id
),"""
_CALLER_BY_USER = "SELECT id AS user_id FROM users WHERE id = %(user_id)s"
# A JWT that names its session (`sid`) lives only as long as that session: found by primary
# key, and its user must be the JWT's subject. (Sessions die with their user, by cascade.)
# OFFSET 0 keeps the planner from merging the two conditions, which can make it pick the
# index on user_id (a scan of all the user's sessions) when statistics say users have few.
_CALLER_BY_JWT_SESSION = (
    "SELECT user_id FROM (SELECT user_id, expires_at FROM sessions WHERE id = %(session_id)s "
    "OFFSET 0) AS session WHERE user_id = %(user_id)s AND expires_at > now()"
)

# One statement: find the caller, make them the transaction's identity (row-level security then
# shows only their rows, whatever the request asked for), and count the request in each
# fixed window (one row per user and window kind, restarted in place when a new window begins).
_GUARD = """
WITH caller AS ({caller}),{slide}
windows AS (
    SELECT w.kind,
           to_timestamp(floor(extract(epoch FROM now()) / w.seconds) * w.seconds) AS started_at
    FROM unnest(%(kinds)s::text[], %(seconds)s::int[]) AS w(kind, seconds)
),
counted AS (
    INSERT INTO rate_limits AS r (key, window_started_at, hits)
    SELECT %(prefix)s::text || caller.user_id || ':' || windows.kind, windows.started_at, 1
    FROM caller CROSS JOIN windows
    ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN r.window_started_at = excluded.window_started_at
                    THEN r.hits + 1 ELSE 1 END,
        window_started_at = excluded.window_started_at
    RETURNING key, hits, window_started_at
)
SELECT caller.user_id,
       set_config('{identity}', caller.user_id::text, true) AS identity,
       counted.key, counted.hits,
       extract(epoch FROM counted.window_started_at)::bigint AS window_started
FROM caller LEFT JOIN counted ON true
"""
_GUARD_BY_SESSION = _GUARD.format(
    caller=_CALLER_BY_SESSION, slide=_SLIDE, identity=IDENTITY_SETTING
)
_GUARD_BY_USER = _GUARD.format(caller=_CALLER_BY_USER, slide="", identity=IDENTITY_SETTING)
_GUARD_BY_JWT_SESSION = _GUARD.format(
    caller=_CALLER_BY_JWT_SESSION, slide="", identity=IDENTITY_SETTING
)


def _guard(session_token_hash: bytes | None, session_id: UUID | None) -> str:
    if session_token_hash is not None:
        return _GUARD_BY_SESSION
    return _GUARD_BY_JWT_SESSION if session_id is not None else _GUARD_BY_USER


def caller_check(
    *,
    user_id: UUID | None,
    session_token_hash: bytes | None,
    windows: Sequence[tuple[str, int]],
    slide: tuple[int, int] | None = None,
    session_id: UUID | None = None,
) -> Query:
    """The statement that checks a credential and counts the request.

    The credential is a session token (its hash), or a JWT's user, with `session_id` when the
    JWT names its session (then that session must be live too). Its rows: none when the
    credential is dead; else one per counted window (kind, seconds) with `user_id`, `key`,
    `hits` (this request included) and `window_started` (epoch seconds), or a single row with
    null counters when no window is counted. `slide` is (expires_in, update_age) in seconds to
    slide a session token's session forward when due, or None not to.
    """
    params = {
        "user_id": user_id,
        "session_id": session_id,
        "token_hash": session_token_hash,
        "kinds": [kind for kind, _ in windows],
        "seconds": [seconds for _, seconds in windows],
        "prefix": RATE_KEY_PREFIX,
        "slide": slide is not None,
        "expires_in": slide[0] if slide else 0,
        "update_age": slide[1] if slide else 0,
    }
    return (_guard(session_token_hash, session_id), params)


def sweep_counters(*, older_than_seconds: int, batch: int) -> Query:
    """Delete up to `batch` API counters whose window began long ago (idle users' rows).
    Rows another transaction holds are skipped, never waited for."""
    return (
        "DELETE FROM rate_limits WHERE key IN ("
        " SELECT key FROM rate_limits WHERE key LIKE %s"
        " AND window_started_at < now() - make_interval(secs => %s)"
        " LIMIT %s FOR UPDATE SKIP LOCKED)",
        (RATE_KEY_PREFIX + "%", older_than_seconds, batch),
    )


async def current_public_keys(tx: Transaction) -> dict[str, str]:
    """The JWT signing keys in force: kid -> public JWK (JSON text)."""
    rows = await tx.fetch_all(
        "SELECT id, public_key FROM jwks WHERE expires_at IS NULL OR expires_at > now()"
    )
    return {str(row["id"]): row["public_key"] for row in rows}
