"""What `todo bench api` spreads its load over: synthetic users (`todo db seed`'s), their
credentials and some of their tasks, written to the data file the Lua script reads.

Users come from the seeding service (password SYNTHETIC_PASSWORD, so sign-in works), with its
due dates, priorities and tags; a run reuses the synthetic users already in the database and
seeds only those missing. Each user's search word is a prefix of a word of one of their own
task titles (so a search finds some of their tasks), and their Today listing is the web
page's Today view (open tasks overdue or due today in their time zone). Each user gets an
HS256 JWT (signed with BETTER_AUTH_SECRET, like a front end sharing the secret) and a session
(for the token pattern); the sessions, and those the sign-in pattern opens, are deleted at the
end. Tasks to delete are added just before the delete pattern, so no other pattern meets them.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from uuid import UUID

import jwt
import psycopg
from psycopg.rows import dict_row

from todo.auth import passwords, tokens
from todo.config import Settings
from todo.db import Database, Row
from todo.seeding import repository as seeding_repository
from todo.seeding import service as seeding
from todo.tasks import cursor as cursors
from todo.tasks import service as tasks_service

USER_AGENT = "todo-bench-api"
"""The User-Agent of every bench request and of the sessions made here (see `cleanup`)."""
SAMPLED_TASKS = 10
"""Tasks per user that get, update and toggle pick from."""
PAGE = 50
_DEFAULT_LISTING = cursors.Scope(sort="created_at", order="desc", completed=None)
CREDENTIAL_LIFETIME = timedelta(hours=6)
_SYNTHETIC = f"%@{seeding_repository.DOMAIN}"

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True)
class BenchUser:
    id: UUID
    email: str
    jwt: str
    session: str
    tasks: int
    deep_page: str  # the query string of the user's last page of PAGE tasks (default order)
    search: str  # the query string of a search for a word prefix of one of their tasks
    today: str  # the query string of their Today listing


def _search(title: str | None) -> str:
    """A search for the first four letters of the first word of four or more in `title`
    (the whole first word when none is that long): a prefix, as someone typing."""
    words = re.findall(r"[^\W\d_]+", title or "") or ["task"]
    word = next((word for word in words if len(word) >= 4), words[0])
    return urlencode({"q": word[:4].lower()})


def _today(zone: str, now: datetime) -> str:
    """The query string of the web page's Today view (`today_options`) for a user in `zone`."""
    options = tasks_service.today_options(zone, now=now)
    assert isinstance(options.due_before, date)
    return urlencode(
        {
            "due_before": options.due_before.isoformat(),
            "completed": str(options.completed).lower(),
            "sort": options.sort,
            "order": options.order,
        }
    )


def _deep_page(before: Row | None) -> str:
    """The query of the page after `before` (by the listing's own cursor), or of the first page
    for a user whose tasks fit on one."""
    if before is None:
        return f"limit={PAGE}"
    return "cursor=" + cursors.encode(before, _DEFAULT_LISTING)


@dataclass
class LoadData:
    users: list[BenchUser]
    tasks: list[tuple[int, UUID]]  # (index into users, task id)
    doomed: list[tuple[int, UUID]] = field(default_factory=list)

    @property
    def total_tasks(self) -> int:
        return sum(user.tasks for user in self.users)

    def write(self, path: Path) -> None:
        """The data file (format in lua/load.lua)."""
        lines = [f"password\t{seeding.SYNTHETIC_PASSWORD}"]
        lines += [
            f"user\t{u.id}\t{u.jwt}\t{u.session}\t{u.email}\t{u.deep_page}\t{u.search}\t{u.today}"
            for u in self.users
        ]
        lines += [f"task\t{n + 1}\t{task}" for n, task in self.tasks]
        lines += [f"doomed\t{n + 1}\t{task}" for n, task in self.doomed]
        path.write_text("\n".join(lines) + "\n")


def seed_missing(url: str, settings: Settings, *, users: int, tasks_per_user: int) -> int:
    """Seed synthetic users until there are `users`; how many were added."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM users WHERE email LIKE %s", (_SYNTHETIC,))
        have = int(str(row.fetchone()[0]))  # type: ignore[index]
    missing = users - have
    if missing <= 0:
        return 0
    hasher = passwords.settings_hasher(settings)  # the server's: sign-in does not re-hash
    options = seeding.SeedOptions(missing, tasks_per_user, hasher=hasher)

    async def run() -> None:
        db = Database(url, pool_size=options.jobs, max_overflow=1, pool_timeout=60)
        await db.open()
        try:
            await seeding.seed(db, options)
        finally:
            await db.close()

    asyncio.run(run())
    return missing


# Each user: a sample of their tasks, how many they have, the row just before their last page
# in the default order (none when all fit on one page), a title of theirs to search a word of,
# and their time zone.
_USERS = """
SELECT u.id, u.email, c.total,
       ARRAY(SELECT t.id FROM tasks t WHERE t.user_id = u.id LIMIT %(sampled)s) AS sample,
       b.created_at, b.id AS before_id,
       (SELECT t.title FROM tasks t WHERE t.user_id = u.id LIMIT 1) AS title,
       coalesce(p.time_zone, 'UTC') AS time_zone
FROM (SELECT id, email FROM users WHERE email LIKE %(synthetic)s ORDER BY id LIMIT %(users)s) AS u
LEFT JOIN user_preferences p ON p.user_id = u.id
CROSS JOIN LATERAL (SELECT count(*) AS total FROM tasks t WHERE t.user_id = u.id) AS c
LEFT JOIN LATERAL (
    SELECT t.created_at, t.id FROM tasks t WHERE t.user_id = u.id
    ORDER BY t.created_at DESC, t.id DESC OFFSET greatest(c.total - %(page)s - 1, 0) LIMIT 1
) AS b ON c.total > %(page)s
ORDER BY u.id
"""


def prepare(url: str, *, users: int, secret: str) -> LoadData:
    """`users` synthetic users with credentials, and a sample of each one's tasks."""
    params = {"sampled": SAMPLED_TASKS, "synthetic": _SYNTHETIC, "users": users, "page": PAGE}
    with psycopg.connect(url, row_factory=dict_row) as conn:
        rows = conn.execute(_USERS, params).fetchall()
        sessions = [tokens.new_token() for _ in rows]
        conn.execute(
            "INSERT INTO sessions (user_id, token_hash, expires_at, user_agent) "
            "SELECT u, h, now() + %s, %s FROM unnest(%s::uuid[], %s::bytea[]) AS s(u, h)",
            (
                CREDENTIAL_LIFETIME,
                USER_AGENT,
                [row["id"] for row in rows],
                [tokens.hash_token(token) for token in sessions],
            ),
        )
    now = int(time.time())
    claims = {"iat": now, "exp": now + int(CREDENTIAL_LIFETIME.total_seconds())}
    today = datetime.now(UTC)
    made, sampled = [], []
    for n, (row, session) in enumerate(zip(rows, sessions, strict=True)):
        before = {"created_at": row["created_at"], "id": row["before_id"]}
        made.append(
            BenchUser(
                id=row["id"],
                email=row["email"],
                jwt=jwt.encode({"sub": str(row["id"]), **claims}, secret, "HS256"),
                session=session,
                tasks=row["total"],
                deep_page=_deep_page(before if row["before_id"] else None),
                search=_search(row["title"]),
                today=_today(row["time_zone"], today),
            )
        )
        sampled += [(n, task) for task in row["sample"]]
    return LoadData(made, sampled)


def add_doomed(url: str, data: LoadData, *, count: int) -> None:
    """Give the users `count` more tasks, spread evenly, for the delete pattern to delete."""
    per_user = -(-count // len(data.users))
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "INSERT INTO tasks (user_id, title, description) "
            "SELECT u, 'bench task to delete', 'made by todo bench api' "
            "FROM unnest(%s::uuid[]) AS u, generate_series(1, %s) RETURNING user_id, id",
            ([user.id for user in data.users], per_user),
        ).fetchall()
    index = {user.id: n for n, user in enumerate(data.users)}
    data.doomed = [(index[UUID(str(user))], UUID(str(task))) for user, task in rows]
    secrets.SystemRandom().shuffle(data.doomed)


def cleanup(url: str) -> int:
    """Delete the sessions the bench made (its own and the sign-in pattern's); how many."""
    with psycopg.connect(url) as conn:
        return conn.execute("DELETE FROM sessions WHERE user_agent = %s", (USER_AGENT,)).rowcount


def server_facts(url: str) -> dict[str, object]:
    """PostgreSQL's version and connection limits."""
    with psycopg.connect(url) as conn:
        version = conn.info.parameter_status("server_version")
        row = conn.execute(
            "SELECT current_setting('max_connections')::int, "
            "current_setting('superuser_reserved_connections')::int, "
            "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        ).fetchone()
    assert row is not None
    maximum, reserved, used = (int(str(value)) for value in row)
    return {
        "postgresql": version,
        "max_connections": maximum,
        "free_connections": maximum - reserved - used,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
