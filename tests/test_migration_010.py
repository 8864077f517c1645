"""Migration 010: a task's tag ids on its own row (tasks.tag_ids), kept equal to its links in
task_tags by every path that links or unlinks, and shown by name wherever tasks are read."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import psycopg

from todo import migrate
from todo.db import Database, Row
from todo.tags import service as tags
from todo.tags.models import TagCreate, TagUpdate
from todo.tasks import repository
from todo.tasks import service as tasks
from todo.tasks.models import TaskCreate, TaskUpdate
from todo.tasks.repository import ListOptions
from todo.transfer import service as transfer

from .helpers import make_user

LONG_AGO = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
# Every task whose tag_ids are not exactly its links, sorted.
_DISAGREEING = f"SELECT id FROM tasks WHERE tag_ids <> {repository.TAG_IDS}"


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_the_upgrade_fills_tag_ids_from_the_links_and_touches_nothing_else(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    migrate.upgrade(url, "009")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email) VALUES ('a@example.com')")
        conn.execute(
            "INSERT INTO tasks (user_id, title, created_at, updated_at) "
            "SELECT id, 'task ' || n, %s, %s FROM users, generate_series(1, 3) AS n",
            (LONG_AGO, LONG_AGO),
        )
        conn.execute(
            "INSERT INTO tags (user_id, name) SELECT users.id, n FROM users, "
            "unnest(ARRAY['b', 'a']) AS n"
        )
        # task 1 carries both tags, task 2 one, task 3 none
        conn.execute(
            "INSERT INTO task_tags (user_id, task_id, tag_id) SELECT t.user_id, t.id, g.id "
            "FROM tasks t JOIN tags g "
            "ON t.title = 'task 1' OR (t.title = 'task 2' AND g.name = 'a')"
        )
    migrate.upgrade(url)
    rows = _rows(
        url,
        "SELECT title, cardinality(tag_ids), tag_ids = ARRAY(SELECT id FROM tags ORDER BY id), "
        "updated_at FROM tasks ORDER BY title",
    )
    assert [row[:2] for row in rows] == [("task 1", 2), ("task 2", 1), ("task 3", 0)]
    assert rows[0][2] is True  # both ids, sorted
    assert {row[3] for row in rows} == {LONG_AGO}
    assert _rows(url, _DISAGREEING) == []


def test_setting_tag_ids_alone_leaves_updated_at_and_a_field_still_moves_it(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    migrate.upgrade(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email) VALUES ('a@example.com')")
        conn.execute(
            "INSERT INTO tasks (user_id, title, created_at, updated_at) "
            "SELECT id, 'task', %s, %s FROM users",
            (LONG_AGO, LONG_AGO),
        )
        conn.execute("UPDATE tasks SET tag_ids = ARRAY[gen_random_uuid()]")
        assert _rows(url, "SELECT updated_at FROM tasks") == [(LONG_AGO,)]
        conn.execute("UPDATE tasks SET completed = true")
    (moved,) = _rows(url, "SELECT updated_at FROM tasks")[0]
    assert isinstance(moved, datetime)
    assert moved > LONG_AGO


def test_downgrade_to_009_drops_the_column_and_every_update_moves_updated_at(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    migrate.upgrade(url)
    migrate.downgrade(url, "009")
    assert _rows(
        url,
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'tasks' AND column_name = 'tag_ids'",
    ) == [(0,)]
    (definition,) = _rows(
        url, "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'trg_tasks_updated_at'"
    )[0]
    assert "BEFORE UPDATE ON public.tasks" in str(definition)
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head(url)


def _names(row: Row) -> list[str]:
    return [tag["name"] for tag in row["tags"]]


async def _listed(db: Database, user: UUID) -> dict[str, list[str]]:
    async with db.transaction(user) as tx:
        page = await tasks.list_tasks(tx, user_id=user, options=ListOptions(limit=100))
    return {row["title"]: _names(row) for row in page.rows}


async def test_every_path_that_links_keeps_tag_ids_and_readers_show_the_names(
    db: Database,
) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    async with db.transaction(alice) as tx:
        first = await tasks.create_task(
            tx, user_id=alice, new=TaskCreate(title="first", tags=["Work", "home"])
        )
        second = await tasks.create_task(tx, user_id=alice, new=TaskCreate(title="second"))
        work = next(tag["id"] for tag in first["tags"] if tag["name"] == "Work")
        second = await tasks.update_task(
            tx,
            user_id=alice,
            task_id=second["id"],
            change=TaskUpdate(tag_ids=[UUID(work)], tags=["errand"]),
        )
    assert _names(first) == ["home", "Work"]
    assert _names(second) == ["errand", "Work"]
    assert await _listed(db, alice) == {"first": ["home", "Work"], "second": ["errand", "Work"]}

    async with db.transaction(alice) as tx:
        await tags.update_tag(tx, user_id=alice, tag_id=UUID(work), change=TagUpdate(name="Job"))
        home = next(tag["id"] for tag in first["tags"] if tag["name"] == "home")
        await tags.delete_tag(tx, user_id=alice, tag_id=UUID(home))
        shown = await tasks.get_task(tx, user_id=alice, task_id=first["id"])
        document = await transfer.export_json(tx, user_id=alice)
    assert _names(shown) == ["Job"]
    assert await _listed(db, alice) == {"first": ["Job"], "second": ["errand", "Job"]}

    async with db.transaction(bob) as tx:
        await tags.create_tag(tx, user_id=bob, new=TagCreate(name="job"))
        await transfer.import_json(tx, user_id=bob, document=document)
    assert await _listed(db, bob) == {"first": ["job"], "second": ["errand", "job"]}

    async with db.owner_transaction() as tx:
        assert await tx.fetch_all(_DISAGREEING) == []
        carried = await tx.fetch_value("SELECT count(*) FROM tasks WHERE tag_ids <> '{}'")
    assert carried == 4
