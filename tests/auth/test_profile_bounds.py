"""Everything a user controls that travels in a token or a header is bounded: the name and the
image (in every JWT), redirect targets (in Location headers)."""

from __future__ import annotations

import httpx
import pytest

from todo.db import Database

from .conftest import bearer, sign_in, sign_up

HUGE_IMAGE = "data:image/png;base64," + "A" * 900_000
# The largest profile the bounds allow, in the characters that cost a JWT the most.
WIDEST_NAME = "\U0001f600" * 255
WIDEST_EMAIL = "\U0001f600" * 16 + "@" + ".".join(["\u00e9" * 46] * 2) + ".com"
LONGEST_IMAGE = "https://images.example.com/" + "a" * (2048 - 27)


def _validation_error(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"message", "code"}
    assert body["code"] == "VALIDATION_ERROR"
    assert body["message"].startswith(f"[body.{field}]")


async def _signed_up(client: httpx.AsyncClient, email: str, **extra: object) -> dict[str, str]:
    response = await sign_up(client, email, **extra)
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return {"token": response.json()["token"], "id": response.json()["user"]["id"]}


async def test_a_huge_image_is_refused_and_never_reaches_a_token(
    client: httpx.AsyncClient, db: Database
) -> None:
    signing_up = await sign_up(client, "pic@example.com", image=HUGE_IMAGE)
    me = await _signed_up(client, "pic@example.com")
    updating = await client.post(
        "/api/auth/update-user", json={"image": HUGE_IMAGE}, headers=bearer(me["token"])
    )
    session = await client.get("/api/auth/get-session", headers=bearer(me["token"]))

    _validation_error(signing_up, "image")
    _validation_error(updating, "image")
    assert session.json()["user"]["image"] is None
    assert len(session.headers["set-auth-jwt"]) < 1000
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT max(length(image)) FROM users") is None


@pytest.mark.parametrize(
    "image",
    ["javascript:alert(1)", "ftp://example.com/a.png", "https://example.com/a b.png", "https://"],
)
async def test_an_image_is_an_http_or_data_image_url(client: httpx.AsyncClient, image: str) -> None:
    _validation_error(await sign_up(client, "scheme@example.com", image=image), "image")


@pytest.mark.parametrize(
    "image", ["https://example.com/me.png", "http://example.com/me", "data:image/png;base64,iVBO"]
)
async def test_http_and_inline_images_are_kept(client: httpx.AsyncClient, image: str) -> None:
    response = await sign_up(client, "kept@example.com", image=image)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["image"] == image


async def test_a_name_longer_than_its_column_is_a_validation_error(
    client: httpx.AsyncClient,
) -> None:
    signing_up = await sign_up(client, "long@example.com", name="n" * 256)
    me = await _signed_up(client, "long@example.com", name="n" * 255)
    updating = await client.post(
        "/api/auth/update-user", json={"name": "n" * 256}, headers=bearer(me["token"])
    )
    _validation_error(signing_up, "name")
    _validation_error(updating, "name")


async def test_the_widest_profile_still_makes_a_jwt_that_fits_a_header(
    client: httpx.AsyncClient,
) -> None:
    me = await _signed_up(client, WIDEST_EMAIL, name=WIDEST_NAME, image=LONGEST_IMAGE)

    session = await client.get("/api/auth/get-session", headers=bearer(me["token"]))
    token = (await client.get("/api/auth/token", headers=bearer(me["token"]))).json()["token"]
    tasks = await client.get(f"/api/{me['id']}/tasks", headers=bearer(token))

    assert session.json()["user"]["name"] == WIDEST_NAME
    for jwt in (session.headers["set-auth-jwt"], token):
        assert len(jwt) <= 6144  # a header every client and proxy takes
    assert tasks.status_code == 200, tasks.text


async def test_a_huge_callback_url_never_becomes_a_location_header(
    client: httpx.AsyncClient,
) -> None:
    await _signed_up(client, "back@example.com")
    huge = "/" + "a" * 100_000
    signing_in = await sign_in(client, "back@example.com", callbackURL=huge)
    link = await client.get(  # (a query string past 8 KB is the edge's 414)
        "/api/auth/reset-password/some-token",
        params={"callbackURL": huge[:4000]},
        follow_redirects=False,
    )
    longest = await sign_in(client, "back@example.com", callbackURL="/" + "a" * 2047)

    _validation_error(signing_in, "callbackURL")
    assert link.status_code == 400
    assert link.json()["message"].startswith("[query.callbackURL]")
    assert longest.status_code == 200
    assert longest.headers["location"] == "/" + "a" * 2047
