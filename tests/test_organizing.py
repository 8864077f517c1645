"""Due dates, priorities, tags, search and time zones, through the services (as the web pages,
the API and the CLI call them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from todo.db import Database, Row
from todo.errors import Conflict, ValidationFailed
from todo.preferences import service as preferences
from todo.tags import service as tags
from todo.tags.models import TagCreate, TagUpdate
from todo.tags.service import TagNotFound
from todo.tasks import service
from todo.tasks.models import TaskCreate, TaskUpdate
from todo.tasks.repository import ListOptions

from .helpers import make_user


async def _create(db: Database, user: UUID, **fields: object) -> Row:
    async with db.transaction(user) as tx:
        return await service.create_task(tx, user_id=user, new=TaskCreate.model_validate(fields))


async def _update(db: Database, user: UUID, task: Row, **fields: object) -> Row:
    change = TaskUpdate.model_validate(fields)
    async with db.transaction(user) as tx:
        return await service.update_task(tx, user_id=user, task_id=task["id"], change=change)


async def _titles(db: Database, user: UUID, options: ListOptions) -> list[str]:
    async with db.transaction(user) as tx:
        page = await service.list_tasks(tx, user_id=user, options=options)
    return [row["title"] for row in page.rows]


async def _zone(db: Database, user: UUID, zone: str) -> None:
    async with db.transaction(user) as tx:
        await preferences.set_time_zone(tx, user_id=user, zone=zone)


async def test_a_task_carries_its_due_date_priority_and_tags(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    task = await _create(
        db, alice, title="Dentist", due_at="2026-12-05", priority="high", tags=["health", "Errands"]
    )
    assert (task["due_date"], task["priority"]) == (date(2026, 12, 5), 3)
    assert task["due_at"] == datetime(2026, 12, 5, tzinfo=UTC)
    assert [tag["name"] for tag in task["tags"]] == ["Errands", "health"]
    # Names match whatever the case: the same tags, no new ones.
    again = await _create(db, alice, title="Gym", tags=["HEALTH"])
    assert [tag["id"] for tag in again["tags"]] == [task["tags"][1]["id"]]
    changed = await _update(db, alice, task, tags=["errands"], due_at="2026-12-06T15:00:00+01:00")
    assert [tag["name"] for tag in changed["tags"]] == ["Errands"]
    assert (changed["due_at"], changed["due_date"]) == (datetime(2026, 12, 6, 14, tzinfo=UTC), None)
    cleared = await _update(db, alice, task, due_at=None, tags=[], priority="none")
    assert (cleared["due_at"], cleared["tags"], cleared["priority"]) == (None, [], 0)


async def test_tag_ids_of_another_user_are_refused_and_nothing_changes(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    bobs = await _create(db, bob, title="his", tags=["secret"])
    secret = UUID(bobs["tags"][0]["id"])
    task = await _create(db, alice, title="mine", tags=["home"])
    for fields in ({"tag_ids": [str(secret)]}, {"tag_ids": [str(secret)], "tags": ["new"]}):
        with pytest.raises(ValidationFailed) as refused:
            await _update(db, alice, task, title="changed", **fields)
        assert set(refused.value.details or {}) == {"tag_ids"}
        with pytest.raises(ValidationFailed):
            await _create(db, alice, title="another", **fields)
    async with db.transaction(alice) as tx:
        rows = await tx.fetch_all("SELECT title FROM tasks")
        names = [row["name"] for row in await tags.list_tags(tx, user_id=alice)]
    assert (rows, names) == ([{"title": "mine"}], ["home"])


async def test_a_hundred_tags_at_most(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    hundred = [f"t{n}" for n in range(100)]
    task = await _create(db, alice, title="many", tags=hundred)
    assert len(task["tags"]) == 100
    with pytest.raises(ValidationFailed) as refused:
        await _update(
            db,
            alice,
            task,
            tags=hundred[:60],
            tag_ids=[str(uuid) for uuid in _ids(task)[60:]] + [str(UUID(int=1))],
        )
    assert set(refused.value.details or {}) == {"tags"}


def _ids(task: Row) -> list[UUID]:
    return [UUID(tag["id"]) for tag in task["tags"]]


async def test_tag_crud_and_conflicts(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    task = await _create(db, alice, title="t", tags=["work"])
    async with db.transaction(alice) as tx:
        home = await tags.create_tag(tx, user_id=alice, new=TagCreate(name="Home", color="#AABBCC"))
        assert home["color"] == "#aabbcc"
        with pytest.raises(Conflict):
            await tags.create_tag(tx, user_id=alice, new=TagCreate(name="HOME"))
    async with db.transaction(alice) as tx:
        with pytest.raises(Conflict):
            await tags.update_tag(
                tx, user_id=alice, tag_id=home["id"], change=TagUpdate(name="WORK")
            )
    async with db.transaction(bob) as tx:
        with pytest.raises(TagNotFound):
            await tags.update_tag(tx, user_id=bob, tag_id=home["id"], change=TagUpdate(name="x"))
        with pytest.raises(TagNotFound):
            await tags.delete_tag(tx, user_id=bob, tag_id=home["id"])
    work = _ids(task)[0]
    async with db.transaction(alice) as tx:
        await tags.update_tag(tx, user_id=alice, tag_id=work, change=TagUpdate(name="Job"))
        listed = await tags.list_tags(tx, user_id=alice)
        shown = await service.get_task(tx, user_id=alice, task_id=task["id"])
        assert [(t["name"], t["open_tasks"]) for t in listed] == [("Home", 0), ("Job", 1)]
        assert [t["name"] for t in shown["tags"]] == ["Job"]
        await tags.delete_tag(tx, user_id=alice, tag_id=work)
        shown = await service.get_task(tx, user_id=alice, task_id=task["id"])
    assert shown["tags"] == []


async def test_filters_combine(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    await _create(db, alice, title="past", due_at="2026-11-30", tags=["a"], priority="low")
    await _create(db, alice, title="past timed", due_at="2026-12-01T11:00:00Z", tags=["a", "b"])
    await _create(db, alice, title="today", due_at="2026-12-01", tags=["B"], priority="high")
    await _create(db, alice, title="later", due_at="2026-12-03T10:00:00Z", priority="high")
    await _create(db, alice, title="undated", tags=["a", "b"])
    done = await _create(db, alice, title="done past", due_at="2026-11-01")
    async with db.transaction(alice) as tx:
        await service.toggle_task(tx, user_id=alice, task_id=done["id"])

    def options(**fields: object) -> ListOptions:
        chosen: dict[str, object] = {"sort": "due_at", "order": "asc", "now": now, **fields}
        return ListOptions(**chosen)  # type: ignore[arg-type]

    assert await _titles(db, alice, options(overdue=True)) == ["past", "past timed"]
    assert await _titles(db, alice, options(overdue=False)) == [
        "done past",
        "today",
        "later",
        "undated",
    ]
    assert await _titles(db, alice, options(tags=("A", "b"))) == ["past timed", "undated"]
    assert await _titles(db, alice, options(tags=("b",), priority=3)) == ["today"]
    assert await _titles(db, alice, options(due_before=date(2026, 12, 1), completed=False)) == [
        "past"
    ]
    assert await _titles(db, alice, options(due_after=date(2026, 12, 1))) == ["later"]
    assert await _titles(
        db,
        alice,
        options(due_after=datetime(2026, 11, 30, 23, tzinfo=UTC), due_before=date(2026, 12, 2)),
    ) == ["today", "past timed"]
    assert await _titles(db, alice, options(tags=("nothing",))) == []
    assert await _titles(db, alice, options(order="desc")) == [
        "later",
        "past timed",
        "today",
        "past",
        "done past",
        "undated",
    ]
    assert await _titles(db, alice, ListOptions(sort="priority", order="desc")) == [
        "later",
        "today",
        "past",
        "done past",
        "undated",
        "past timed",
    ]


async def test_search_is_ranked_prefix_accent_and_case_insensitive(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    await _create(db, alice, title="Call the dentist", description="about the crème brûlée tooth")
    await _create(db, alice, title="Dentist dentist", description="dentist appointment")
    await _create(db, alice, title="Buy bread")
    await _create(db, bob, title="Bob's dentist")

    def search(text: str, **fields: object) -> ListOptions:
        return ListOptions(search=service.search_query(text), **fields)  # type: ignore[arg-type]

    assert await _titles(db, alice, search("DENT")) == ["Dentist dentist", "Call the dentist"]
    assert await _titles(db, alice, search("creme BRU")) == ["Call the dentist"]
    assert await _titles(db, alice, search("dent, app!")) == ["Dentist dentist"]
    assert await _titles(db, alice, search("bread", completed=True)) == []
    assert await _titles(db, alice, search("dent", sort="title", order="asc")) == [
        "Call the dentist",
        "Dentist dentist",
    ]
    assert await _titles(db, bob, search("dent")) == ["Bob's dentist"]
    assert service.search_query("  ?! ") is None


@pytest.mark.parametrize("sort", ["due_at", "priority", "title", "relevance"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_cursor_pages_walk_every_new_sort_exactly(
    db: Database, sort: str, order: str
) -> None:
    alice = await make_user(db, "alice@example.com")
    priorities = ["none", "low", "medium", "high"]
    for n in range(23):
        fields: dict[str, object] = {
            "title": f"word {n % 5}" + " word" * (n % 3),
            "priority": priorities[n % 4],
        }
        if n % 3:
            fields["due_at"] = (
                f"2026-12-{1 + n % 4:02d}" if n % 2 else f"2026-12-0{1 + n % 3}T10:00:00Z"
            )
        await _create(db, alice, **fields)
    search = service.search_query("word") if sort == "relevance" else None
    options = ListOptions(sort=sort, order=order, search=search, limit=4)  # type: ignore[arg-type]
    async with db.transaction(alice) as tx:
        everything = await service.list_tasks(
            tx,
            user_id=alice,
            options=ListOptions(sort=sort, order=order, search=search, limit=100),  # type: ignore[arg-type]
        )
        walked: list[Row] = []
        cursor = None
        while True:
            page = await service.list_tasks(tx, user_id=alice, options=options, cursor=cursor)
            walked += page.rows
            cursor = page.next_cursor
            if cursor is None:
                break
        by_offset = []
        for offset in range(0, 23, 4):
            page = await service.list_tasks(
                tx,
                user_id=alice,
                options=ListOptions(sort=sort, order=order, search=search, limit=4, offset=offset),  # type: ignore[arg-type]
            )
            by_offset += page.rows
    assert [row["id"] for row in walked] == [row["id"] for row in everything.rows]
    assert [row["id"] for row in by_offset] == [row["id"] for row in everything.rows]
    assert len(walked) == 23
    if sort == "due_at":  # undated last in both orders
        assert all(row["due_at"] is None for row in walked[-8:])
        assert all(row["due_at"] is not None for row in walked[:-8])


async def test_today_lands_on_each_users_own_calendar_day(db: Database) -> None:
    """At 11:00 UTC on 1 December it is 01:00 on 2 December in Kiritimati (UTC+14) and 01:00
    on 1 December in Honolulu (UTC-10): each user's "today" is their own date, and an hour
    before its end (or after its start) lands on it, not on the UTC date."""
    now = datetime(2026, 12, 1, 11, tzinfo=UTC)
    east = await make_user(db, "east@example.com")
    west = await make_user(db, "west@example.com")
    await _zone(db, east, "Pacific/Kiritimati")
    await _zone(db, west, "Pacific/Honolulu")
    for user, today, tomorrow in (
        (east, "2026-12-02", "2026-12-03"),
        (west, "2026-12-01", "2026-12-02"),
    ):
        await _create(db, user, title="all day today", due_at=today)
        await _create(db, user, title="tonight", due_at=f"{today}T23:30")  # local wall time
        await _create(db, user, title="tomorrow", due_at=tomorrow)
        await _create(db, user, title="tomorrow early", due_at=f"{tomorrow}T00:30")
    for user, zone in ((east, "Pacific/Kiritimati"), (west, "Pacific/Honolulu")):
        today = await _titles(db, user, service.today_options(zone, now=now))
        assert today == ["all day today", "tonight"], zone
        upcoming = await _titles(db, user, service.upcoming_options(zone, now=now))
        assert upcoming == ["all day today", "tonight", "tomorrow", "tomorrow early"], zone
    assert service.upcoming_days("Pacific/Kiritimati", now=now)[0] == date(2026, 12, 2)
    assert service.upcoming_days("Pacific/Honolulu", now=now)[0] == date(2026, 12, 1)


async def test_all_day_dates_survive_dst_and_zone_changes(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    await _zone(db, alice, "Europe/Berlin")
    # Either side of the change to summer time (29 March 2026) and back (25 October).
    days = ["2026-03-28", "2026-03-29", "2026-03-30", "2026-10-24", "2026-10-25", "2026-10-26"]
    for day in days:
        await _create(db, alice, title=day, due_at=day)
    for zone in ("Europe/Berlin", "America/Santiago", "Pacific/Kiritimati", "UTC"):
        await _zone(db, alice, zone)
        async with db.transaction(alice) as tx:
            page = await service.list_tasks(
                tx, user_id=alice, options=ListOptions(sort="due_at", order="asc")
            )
            starts = await tx.fetch_all(
                "SELECT due_date, due_at = (due_date::timestamp AT TIME ZONE %s) AS midnight "
                "FROM tasks ORDER BY due_at",
                (zone,),
            )
        assert [row["title"] for row in page.rows] == days
        assert [row["due_date"].isoformat() for row in page.rows] == days
        assert all(row["midnight"] for row in starts), zone
        # Each date is on its own day in the zone, whatever the offset that day.
        for day in days:
            options = service.today_options(zone, now=_noon(day, zone))
            options = ListOptions(
                **{**options.__dict__, "due_after": date.fromisoformat(day) - timedelta(days=1)}
            )
            assert await _titles(db, alice, options) == [day], (zone, day)


def _noon(day: str, zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=ZoneInfo(zone))


async def test_unknown_time_zones_are_refused(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    for zone in ("Mars/Olympus", "", "x" * 65, "+05:00", "EST5EDT-junk"):
        with pytest.raises(ValidationFailed) as refused:
            await _zone(db, alice, zone)
        assert set(refused.value.details or {}) == {"time_zone"}
    async with db.transaction(alice) as tx:
        assert (await preferences.get_preferences(tx, user_id=alice)).time_zone == "UTC"
