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

# Each window of each user is one row of rate_limits, restarted in place when a new window
# begins (fixed windows aligned to the epoch).
_WINDOWS = """
windows AS (
    SELECT w.kind,
           to_timestamp(floor(extract(epoch FROM now()) / w.seconds) * w.seconds) AS started_at
    FROM unnest(%(kinds)s::text[], %(seconds)s::int[]) AS w(kind, seconds)
)"""
_UPSERT = """
    INSERT INTO rate_limits AS r (key, window_started_at, hits)
    SELECT %(prefix)s::text || {user_id} || ':' || windows.kind, windows.started_at, 1
    FROM {source}
    ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN r.window_started_at = excluded.window_started_at
                    THEN r.hits + 1 ELSE 1 END,
        window_started_at = excluded.window_started_at
"""
_SELECT = """
SELECT caller.user_id,
       set_config('{identity}', caller.user_id::text, true) AS identity,
       counted.key, counted.hits,
       extract(epoch FROM counted.window_started_at)::bigint AS window_started
FROM caller LEFT JOIN counted ON true
"""
# The request's guard: find the caller, make them the transaction's identity (row-level security
# then shows only their rows, whatever the request asked for), and read where the caller stands
# in each window, this request included. It writes no counter: the count is added by
# `count_request` in the COMMIT round trip, so a user's counter row is locked for that moment
# only, never while the request works (a user's requests would otherwise queue behind each
# other, and a duplicate Idempotency-Key would wait instead of hearing 409 at once).
_GUARD = (
    "WITH caller AS ({caller}),{slide}"
    + _WINDOWS
    + """,
counted AS (
    SELECT %(prefix)s::text || caller.user_id || ':' || windows.kind AS key,
           CASE WHEN r.window_started_at = windows.started_at THEN r.hits + 1 ELSE 1 END AS hits,
           windows.started_at AS window_started_at
    FROM caller CROSS JOIN windows
    LEFT JOIN rate_limits AS r ON r.key = %(prefix)s::text || caller.user_id || ':' || windows.kind
)"""
    + _SELECT
)
# The same check, counting at once: for a request that ends in a refusal and is counted in a
# transaction of its own.
_GUARD_COUNTING = (
    "WITH caller AS ({caller}),{slide}"
    + _WINDOWS
    + ",\ncounted AS ("
    + _UPSERT.format(user_id="caller.user_id", source="caller CROSS JOIN windows")
    + "    RETURNING key, hits, window_started_at\n)"
    + _SELECT
)
_COUNT = "WITH" + _WINDOWS + _UPSERT.format(user_id="%(user_id)s::text", source="windows")


def _guard(session_token_hash: bytes | None, session_id: UUID | None, *, counting: bool) -> str:
    if session_token_hash is not None:
        caller, slide = _CALLER_BY_SESSION, _SLIDE
    else:
        caller, slide = (_CALLER_BY_JWT_SESSION if session_id else _CALLER_BY_USER), ""
    template = _GUARD_COUNTING if counting else _GUARD
    return template.format(caller=caller, slide=slide, identity=IDENTITY_SETTING)


def caller_check(
    *,
    user_id: UUID | None,
    session_token_hash: bytes | None,
    windows: Sequence[tuple[str, int]],
    slide: tuple[int, int] | None = None,
    session_id: UUID | None = None,
    counting: bool = False,
) -> Query:
    """The statement that checks a credential and reads (with `counting`: also counts) the
    request's standing in each window.

    The credential is a session token (its hash), or a JWT's user, with `session_id` when the
    JWT names its session (then that session must be live too). Its rows: none when the
    credential is dead; else one per window (kind, seconds) with `user_id`, `key`, `hits`
    (this request included) and `window_started` (epoch seconds), or a single row with
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
    return (_guard(session_token_hash, session_id, counting=counting), params)


def count_request(*, user_id: UUID, windows: Sequence[tuple[str, int]]) -> Query:
    """Count one request of `user_id` in each window (the guard only read the counters)."""
    params = {
        "user_id": user_id,
        "kinds": [kind for kind, _ in windows],
        "seconds": [seconds for _, seconds in windows],
        "prefix": RATE_KEY_PREFIX,
    }
    return (_COUNT, params)


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
