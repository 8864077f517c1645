"""`todo db seed` / `todo db cleanup --synthetic`: exact counts, valid constraints, markers."""

from __future__ import annotations

from argon2 import PasswordHasher

from todo.seeding.repository import BULK_STRUCTURES
from todo.seeding.service import SYNTHETIC_PASSWORD
from todo.tasks.repository import TAG_IDS

from .conftest import Cli, Query, last_json

_STRUCTURES = """
SELECT conname AS name, pg_get_constraintdef(oid) AS definition, convalidated AS valid
FROM pg_constraint WHERE conrelid IN ('tasks'::regclass, 'task_tags'::regclass)
UNION ALL
SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisvalid
FROM pg_index WHERE indrelid IN ('tasks'::regclass, 'task_tags'::regclass)
ORDER BY 1, 2  -- pk_tasks is both a constraint and an index: the definition breaks the tie
"""


def test_seed_loads_exact_counts_with_valid_constraints(cli: Cli, query: Query) -> None:
    before = query(_STRUCTURES)
    report = last_json(cli("db", "seed", "--users", "30", "--tasks-per-user", "7", "--json"))
    assert (report["users"], report["tasks"]) == (30, 210)
    # tasks started empty: everything was dropped for the load and rebuilt exactly.
    assert report["rebuilt"] == [name for name, _, _ in BULK_STRUCTURES]
    assert query(_STRUCTURES) == before
    assert all(row["valid"] for row in before)

    counts = query(
        "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM accounts) AS accounts,"
        " (SELECT count(*) FROM tasks) AS tasks,"
        " (SELECT count(DISTINCT user_id) FROM tasks) AS owners,"
        " (SELECT count(*) FROM tasks t LEFT JOIN users u ON u.id = t.user_id"
        "  WHERE u.id IS NULL) AS orphans"
    )[0]
    assert counts == {"users": 30, "accounts": 30, "tasks": 210, "owners": 30, "orphans": 0}
    assert query("SELECT DISTINCT count(*) AS n FROM tasks GROUP BY user_id") == [{"n": 7}]
    shape = query(
        "SELECT bool_and(length(trim(title)) > 0 AND length(title) <= 200) AS titles,"
        " bool_and(description IS NULL OR length(description) <= 1000) AS descriptions,"
        " bool_and(t.created_at >= u.created_at AND t.updated_at >= t.created_at"
        "          AND t.updated_at <= now()) AS ordered,"
        " bool_and(u.created_at > now() - interval '366 days') AS within_a_year,"
        " count(*) FILTER (WHERE completed) AS completed,"
        " count(DISTINCT title) AS titles_seen,"
        " count(*) FILTER (WHERE description LIKE E'%%\\n%%') AS multiline"
        " FROM tasks t JOIN users u ON u.id = t.user_id"
    )[0]
    assert shape["titles"]
    assert shape["descriptions"]
    assert shape["ordered"]
    assert shape["within_a_year"]
    assert 40 <= shape["completed"] <= 100  # about a third of 210
    assert shape["titles_seen"] > 30
    assert shape["multiline"] > 0
    users = query("SELECT email, name FROM users")
    assert all(row["email"].endswith("@synthetic.example") for row in users)
    assert len({row["name"] for row in users}) > 10


def test_seeded_tasks_have_due_dates_priorities_and_tags(cli: Cli, query: Query) -> None:
    report = last_json(cli("db", "seed", "--users", "40", "--tasks-per-user", "50", "--json"))
    assert report["tags"] == query("SELECT count(*) AS n FROM tags")[0]["n"]
    assert report["task_tags"] == query("SELECT count(*) AS n FROM task_tags")[0]["n"]
    due = query(
        "SELECT count(*) FILTER (WHERE due_at IS NULL) AS none,"
        " count(*) FILTER (WHERE due_at < now() - interval '1 day') AS past,"
        " count(*) FILTER (WHERE due_at BETWEEN now() AND now() + interval '28 days') AS weeks,"
        " count(*) FILTER (WHERE due_date IS NOT NULL) AS all_day,"
        " count(*) FILTER (WHERE due_date IS NULL AND due_at IS NOT NULL) AS timed,"
        " bool_and(due_date IS NULL OR due_at = due_date::timestamp AT TIME ZONE 'UTC')"
        "   AS midnight_utc,"
        " bool_and(due_at IS NULL OR due_at > now() - interval '46 days') AS recent_past,"
        " count(*) FILTER (WHERE priority = 0) AS no_priority,"
        " count(DISTINCT priority) AS priorities"
        " FROM tasks"
    )[0]
    total = 2000
    assert 0.35 * total < due["none"] < 0.55 * total
    assert 0.05 * total < due["past"] < 0.2 * total
    assert 0.25 * total < due["weeks"] < 0.5 * total
    assert due["all_day"] > 0.1 * total
    assert due["timed"] > 0.2 * total
    assert due["midnight_utc"]
    assert due["recent_past"]
    assert 0.55 * total < due["no_priority"] < 0.8 * total
    assert due["priorities"] == 4
    tags = query(
        "SELECT u.id, count(DISTINCT g.id) AS tags, count(DISTINCT lower(g.name)) AS names"
        " FROM users u JOIN tags g ON g.user_id = u.id GROUP BY u.id"
    )
    assert len(tags) == 40  # every user has a few tags, each name once
    assert all(2 <= row["tags"] == row["names"] <= 6 for row in tags)
    per_task = query(
        "SELECT n, count(*) AS tasks FROM (SELECT t.id, count(tt.tag_id) AS n FROM tasks t"
        " LEFT JOIN task_tags tt ON tt.task_id = t.id GROUP BY t.id) c GROUP BY n ORDER BY n"
    )
    counts = {row["n"]: row["tasks"] for row in per_task}
    assert set(counts) == {0, 1, 2, 3}
    assert 0.3 * total < counts[0] < 0.55 * total
    assert query(
        "SELECT count(*) AS n FROM task_tags tt JOIN tasks t ON t.id = tt.task_id"
        " JOIN tags g ON g.id = tt.tag_id WHERE tt.user_id <> t.user_id OR g.user_id <> t.user_id"
    ) == [{"n": 0}]
    # each task carries its links' ids on its own row too (migration 010)
    assert query(f"SELECT count(*) AS n FROM tasks WHERE tag_ids <> {TAG_IDS}") == [{"n": 0}]


def test_synthetic_users_can_sign_in_with_the_documented_password(cli: Cli, query: Query) -> None:
    assert cli("db", "seed", "--users", "3", "--tasks-per-user", "1").exit_code == 0
    accounts = query(
        "SELECT a.account_id, a.user_id::text AS user_id, a.provider_id, a.password FROM accounts a"
    )
    assert len(accounts) == 3
    assert len({row["password"] for row in accounts}) == 1  # one precomputed hash
    for account in accounts:
        assert account["provider_id"] == "credential"
        assert account["account_id"] == account["user_id"]
        assert account["password"].startswith("$argon2id$")
        assert PasswordHasher().verify(account["password"], SYNTHETIC_PASSWORD)


def test_refuses_a_database_with_real_users_unless_forced(cli: Cli, query: Query) -> None:
    real = query("INSERT INTO users (email) VALUES ('real@example.com') RETURNING id")[0]["id"]
    query("INSERT INTO tasks (user_id, title) VALUES (%s, 'real work')", (real,))

    refused = cli("db", "seed", "--users", "5", "--tasks-per-user", "2")
    assert refused.exit_code == 1
    assert "not synthetic" in refused.stderr
    assert "--force" in refused.stderr
    assert query("SELECT count(*) AS n FROM users") == [{"n": 1}]

    forced = last_json(
        cli("db", "seed", "--users", "5", "--tasks-per-user", "2", "--force", "--json")
    )
    assert forced["rebuilt"] == []  # tasks was not empty: indexes stayed in place
    assert query("SELECT count(*) AS n FROM tasks") == [{"n": 11}]

    removed = last_json(cli("db", "cleanup", "--synthetic", "--json"))
    assert removed == {"synthetic_users_removed": 5, "method": "delete"}
    assert query("SELECT email FROM users") == [{"email": "real@example.com"}]
    assert query("SELECT title FROM tasks") == [{"title": "real work"}]
    assert query("SELECT count(*) AS n FROM accounts") == [{"n": 0}]


def test_same_seed_gives_the_same_data_and_seeding_again_appends(cli: Cli, query: Query) -> None:
    snapshot = (
        "SELECT u.email, u.name, t.title, t.description, t.completed, t.due_date, t.priority, "
        "ARRAY(SELECT g.name FROM task_tags tt JOIN tags g ON g.id = tt.tag_id "
        "      WHERE tt.task_id = t.id ORDER BY 1) AS tags "
        "FROM tasks t JOIN users u ON u.id = t.user_id ORDER BY 1, 3, 4, 5, 6, 7, 8"
    )
    assert cli("db", "seed", "--users", "4", "--tasks-per-user", "5", "--seed", "7").exit_code == 0
    first = query(snapshot)
    assert last_json(cli("db", "cleanup", "--synthetic", "--json"))["method"] == "truncate"
    assert query("SELECT count(*) AS n FROM tasks") == [{"n": 0}]
    assert cli("db", "seed", "--users", "4", "--tasks-per-user", "5", "--seed", "7").exit_code == 0
    assert query(snapshot) == first

    more = last_json(cli("db", "seed", "--users", "3", "--tasks-per-user", "5", "--json"))
    assert more["first_number"] == 5
    emails = [row["email"] for row in query("SELECT email FROM users")]
    numbers = sorted(int(email.split("@")[0].rsplit(".", 1)[1]) for email in emails)
    assert numbers == list(range(1, 8))


def test_a_missing_index_is_repaired_before_loading(cli: Cli, query: Query) -> None:
    before = query(_STRUCTURES)
    assert cli("db", "seed", "--users", "2", "--tasks-per-user", "2").exit_code == 0
    query("DROP INDEX idx_tasks_user_created")  # as a crash in the middle of a rebuild would
    report = last_json(cli("db", "seed", "--users", "2", "--tasks-per-user", "2", "--json"))
    assert report["repaired"] == ["idx_tasks_user_created"]
    assert query(_STRUCTURES) == before


def test_without_options_seed_adds_the_demo_data(cli: Cli, query: Query) -> None:
    result = cli("db", "seed")
    assert result.exit_code == 0, result.output
    rows = query(
        "SELECT t.title, t.completed FROM tasks t JOIN users u ON u.id = t.user_id "
        "WHERE u.email = 'test@example.com' ORDER BY t.title"
    )
    assert len(rows) == 5
    assert {row["title"] for row in rows if row["completed"]} == {"Exercise", "Read book"}


def test_with_real_users_the_indexes_stay_in_place(cli: Cli, query: Query) -> None:
    query("INSERT INTO users (email) VALUES ('real@example.com')")  # no tasks yet
    report = last_json(
        cli("db", "seed", "--users", "3", "--tasks-per-user", "2", "--force", "--json")
    )
    assert report["rebuilt"] == []
    assert query("SELECT count(*) AS n FROM tasks") == [{"n": 6}]
