"""SQL for the API's plumbing: the per-request caller check, rate-limit counters, JWT keys."""

from __future__ import annotations

import functools
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
# begins (fixed windows aligned to the epoch). The windows are the deployment's settings, not
# input: written into the statement as literals (no array to adapt on every request), so each
# process prepares one statement per kind of credential.
_WINDOWS = """
windows AS (
    SELECT w.kind, w.max_hits,
           to_timestamp(floor(extract(epoch FROM now()) / w.seconds) * w.seconds) AS started_at
    FROM (VALUES {values}) AS w(kind, seconds, max_hits)
    WHERE {counting}
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
# The caller becomes the transaction's identity only when the request may go ahead: the
# credential is live, names the user in the path, and no window is over its limit. Otherwise
# the identity stays empty and row-level security shows the request nothing and lets it change
# nothing, even though the request's statements (and, for a one-batch request, COMMIT) travel
# in the same round trip as this check. `app.caller_id` names the user the request is counted
# for (`count_request`): a live credential's, unless a limit already refuses the request.
_SELECT = """
SELECT caller.user_id,
       set_config('{identity}', CASE
           WHEN caller.user_id = %(path_user_id)s AND NOT over.limit_reached
           THEN caller.user_id::text ELSE '' END, true) AS identity,
       set_config('{caller_setting}', CASE
           WHEN NOT over.limit_reached THEN caller.user_id::text ELSE '' END, true) AS caller_id,
       counted.key, counted.hits,
       extract(epoch FROM counted.window_started_at)::bigint AS window_started
FROM caller
CROSS JOIN (SELECT EXISTS (SELECT FROM counted WHERE hits > max_hits) AS limit_reached) AS over
LEFT JOIN counted ON true
"""
# The request's guard: find the caller, make them the transaction's identity (see _SELECT), and
# read where the caller stands in each window, this request included. It writes no counter:
# `count_request` adds the count right before COMMIT, so a user's counter row is locked for
# that moment only, never while the request works (a user's requests would otherwise queue
# behind each other, and a duplicate Idempotency-Key would wait instead of hearing 409 at once).
_GUARD = (
    "WITH caller AS ({caller}),{slide}"
    + _WINDOWS
    + """,
counted AS (
    SELECT %(prefix)s::text || caller.user_id || ':' || windows.kind AS key,
           CASE WHEN r.window_started_at = windows.started_at THEN r.hits + 1 ELSE 1 END AS hits,
           windows.max_hits, windows.started_at AS window_started_at
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
    + ",\nupserted AS ("
    + _UPSERT.format(user_id="caller.user_id", source="caller CROSS JOIN windows")
    + "    RETURNING key, hits, window_started_at\n),"
    + "\ncounted AS (SELECT upserted.*, windows.max_hits FROM upserted"
    + " JOIN windows ON windows.kind = split_part(upserted.key, ':', 3))"
    + _SELECT
)
# Counts the request for the user the guard found (none for a dead credential).
_COUNT = (
    "WITH"
    + _WINDOWS
    + ",\ncaller AS (SELECT nullif(current_setting('{caller_setting}', true), '') AS user_id)"
    + _UPSERT.format(
        user_id="caller.user_id",
        source="caller CROSS JOIN windows WHERE caller.user_id IS NOT NULL",
    )
)
CALLER_SETTING = "app.caller_id"
"""The transaction-local setting naming the request's live credential's user (see _SELECT)."""

Windows = Sequence[tuple[str, int, int]]
"""(kind, seconds, limit) of each counted window."""


@functools.cache
def _statement(
    template: str, caller: str, slide: str, windows: tuple[tuple[str, int, int], ...]
) -> str:
    for kind, _, _ in windows:
        if not kind.isalnum():  # fixed code constants ('m', 'h'), never input
            raise ValueError(f"bad window kind {kind!r}")
    values = ", ".join(
        f"('{kind}', {int(seconds)}, {int(most)})" for kind, seconds, most in windows
    )
    return template.format(
        caller=caller,
        slide=slide,
        identity=IDENTITY_SETTING,
        caller_setting=CALLER_SETTING,
        # With no window configured nothing is counted; one placeholder row keeps the SQL valid.
        values=values or "(NULL::text, 1, 0)",
        counting="true" if windows else "false",
    )


def caller_check(
    *,
    user_id: UUID | None,
    session_token_hash: bytes | None,
    windows: Windows,
    path_user_id: UUID | None,
    slide: tuple[int, int] | None = None,
    session_id: UUID | None = None,
    counting: bool = False,
) -> Query:
    """The statement that checks a credential, makes the transaction's identity the path's user
    when the request may go ahead, and reads (with `counting`: also counts) the request's
    standing in each window.

    The credential is a session token (its hash), or a JWT's user, with `session_id` when the
    JWT names its session (then that session must be live too). Its rows: none when the
    credential is dead; else one per window with `user_id`, `key`, `hits` (this request
    included) and `window_started` (epoch seconds), or a single row with null counters when no
    window is counted. `slide` is (expires_in, update_age) in seconds to slide a session
    token's session forward when due, or None not to.
    """
    if session_token_hash is not None:
        caller, slide_sql = _CALLER_BY_SESSION, _SLIDE
    else:
        caller, slide_sql = (_CALLER_BY_JWT_SESSION if session_id else _CALLER_BY_USER), ""
    template = _GUARD_COUNTING if counting else _GUARD
    statement = _statement(template, caller, slide_sql, tuple(windows))
    params = {
        "user_id": user_id,
        "session_id": session_id,
        "token_hash": session_token_hash,
        "path_user_id": path_user_id,
        "prefix": RATE_KEY_PREFIX,
        "slide": slide is not None,
        "expires_in": slide[0] if slide else 0,
        "update_age": slide[1] if slide else 0,
    }
    return (statement, params)


def count_request(*, windows: Windows) -> Query:
    """Count one request in each window, for the user whose live credential the guard found
    (nothing for a dead one). Runs right before COMMIT."""
    statement = _statement(_COUNT, "", "", tuple(windows))
    return (statement, {"prefix": RATE_KEY_PREFIX})


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
