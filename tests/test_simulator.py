"""The simulator behaves as parqex-api.md says ParqEx does."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import aiohttp
import pytest

from parqex_sim import Dialect
from parqex_sim.__main__ import build_state, parse_args

from .helpers import until
from .sim_helpers import (
    AUTHORIZE,
    BACK_GATE,
    CLIENT_ID,
    CLIENT_SECRET,
    ELEVATOR,
    FRONT_GATE,
    GARAGE,
    GUEST,
    HOME_CONTROLLER,
    LOBBY,
    OFFLINE_CONTROLLER,
    OWNER,
    OWNER_ID,
    REDIRECT_URI,
    RESOURCES,
    TOKEN,
    SignInForm,
    Sim,
    allow,
    simulator_session,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

# -- OAuth ---------------------------------------------------------------------


async def test_authorize_page_is_a_sign_in_form(sim: Sim) -> None:
    """ALLOW and DENY, the app, and the request kept in hidden fields."""
    status, page, _ = await sim.request("GET", sim.authorize_url()[len(sim.base) :])
    assert status == 200
    form = SignInForm(page)
    assert form.buttons == ["ALLOW", "DENY"]
    assert form.action == AUTHORIZE
    assert form.fields["state"] == "xyz"
    assert form.fields["redirect_uri"] == REDIRECT_URI
    assert {"username", "password"} <= set(form.fields)
    assert CLIENT_ID in page
    # Said in words, as ParqEx's own page would.
    assert "permission to\n<strong>open and close</strong> your access points" in page
    _, page, _ = await sim.request(
        "GET", sim.authorize_url(scope="OPENDOOR")[len(sim.base) :]
    )
    assert "<strong>open</strong> your access points" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_id": "1.api.parqex.com"}, "Unknown client_id"),
        ({"redirect_uri": "https://evil.example/cb"}, "redirect_uri"),
        ({"redirect_uri": REDIRECT_URI + "/"}, "redirect_uri"),
        ({"response_type": "token"}, "response_type"),
        ({"scope": "opendoor,admin"}, "scope"),
    ],
)
async def test_authorize_refuses_bad_requests_without_redirecting(
    sim: Sim, overrides: dict[str, str], message: str
) -> None:
    """Unknown app, an unregistered redirect URI, bad scope: an error page."""
    status, page, response = await sim.request(
        "GET", sim.authorize_url(**overrides)[len(sim.base) :]
    )
    assert status == 400
    assert message in page
    assert "Location" not in response.headers


async def test_state_comes_back_byte_for_byte(sim: Sim) -> None:
    """ALLOW redirects with a 32-hex code and the exact state."""
    state = "a b/c?d=e&f+g%20ü~"
    query = await allow(sim.session, sim.authorize_url(state=state))
    assert query["state"] == [state]
    assert len(query["code"][0]) == 32
    int(query["code"][0], 16)


async def test_deny_redirects_with_access_denied(sim: Sim) -> None:
    """DENY: error=access_denied and the state, no code."""
    query = await allow(sim.session, sim.authorize_url(), decision="DENY")
    assert query == {"error": ["access_denied"], "state": ["xyz"]}


async def test_wrong_password_shows_the_form_again(sim: Sim) -> None:
    """No redirect, an error, the e-mail kept."""
    status, page, _ = await sim.request("GET", sim.authorize_url()[len(sim.base) :])
    form = SignInForm(page)
    status, page, _ = await sim.request(
        "POST",
        AUTHORIZE,
        data={
            **form.fields,
            "username": OWNER,
            "password": "nope",
            "decision": "ALLOW",
        },
    )
    assert status == 200
    assert "Wrong e-mail or password" in page
    assert OWNER in page


async def test_codes_are_single_use_and_expire(sim: Sim) -> None:
    """A used or expired code is an invalid grant."""
    form = {
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    code = await sim.code()
    status, body, _ = await sim.request("POST", TOKEN, data={**form, "code": code})
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    status, body, _ = await sim.request("POST", TOKEN, data={**form, "code": code})
    assert (status, body) == (400, {"error": "invalid_grant"})

    code = await sim.code()
    sim.state.clock.advance(61)
    status, body, _ = await sim.request("POST", TOKEN, data={**form, "code": code})
    assert (status, body) == (400, {"error": "invalid_grant"})

    code = await sim.code()
    status, body, _ = await sim.request(
        "POST", TOKEN, data={**form, "code": code, "redirect_uri": "https://x.example"}
    )
    assert (status, body) == (400, {"error": "invalid_grant"})


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "other"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        (
            {"grant_type": "refresh_token", "refresh_token": "nope"},
            400,
            "invalid_grant",
        ),
    ],
)
async def test_token_errors(
    sim: Sim, changes: dict[str, str], status: int, error: str
) -> None:
    """Wrong clients and grants get the RFC's errors."""
    form = {
        "grant_type": "authorization_code",
        "code": "0" * 32,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **changes,
    }
    assert (await sim.request("POST", TOKEN, data=form))[:2] == (
        status,
        {"error": error},
    )


async def test_refresh_tokens_rotate_and_access_tokens_expire(sim: Sim) -> None:
    """The old refresh and access tokens stop working at once; tokens expire."""
    first = await sim.tokens()
    form = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    status, second, _ = await sim.request(
        "POST", TOKEN, data={**form, "refresh_token": first["refresh_token"]}
    )
    assert status == 200
    assert second["refresh_token"] != first["refresh_token"]
    status, body, _ = await sim.request(
        "POST", TOKEN, data={**form, "refresh_token": first["refresh_token"]}
    )
    assert (status, body) == (400, {"error": "invalid_grant"})
    status, body, _ = await sim.request(
        "GET", f"{RESOURCES}sync", first["access_token"]
    )
    assert (status, body) == (401, {"errors": [{"message": "Unauthorized"}]})
    assert (await sim.request("GET", f"{RESOURCES}sync", second["access_token"]))[
        0
    ] == 200

    sim.state.clock.advance(3601)
    assert (await sim.request("GET", f"{RESOURCES}sync", second["access_token"]))[
        0
    ] == 401


async def test_token_by_get_dialect() -> None:
    """Only the documented GET with a query string; POST is 405."""
    async for sim in simulator_session(Dialect(token_method="get")):
        code = await sim.code()
        query = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        assert (await sim.request("POST", TOKEN, data=query))[0] == 405
        status, body, _ = await sim.request("GET", TOKEN, params=query)
        assert status == 200
        assert body["access_token"]


# -- resources -------------------------------------------------------------------


async def test_user_info_and_settings(sim: Sim) -> None:
    """GET user-info names the user; POST user-info returns the settings."""
    token = (await sim.tokens())["access_token"]
    status, body, _ = await sim.request("GET", f"{RESOURCES}user-info", token)
    assert status == 200
    assert body["success"] is True
    assert body["data"] == {
        "id": OWNER_ID,
        "first_name": "Olivia",
        "last_name": "Owner",
        "email_address": OWNER,
    }
    status, body, _ = await sim.request("POST", f"{RESOURCES}user-info", token)
    assert body["data"]["time_zone"] == "America/Chicago"
    assert body["data"]["pin_code"] == "2468"
    assert (await sim.request("PUT", f"{RESOURCES}user-info", token))[0] == 405
    assert (await sim.request("GET", f"{RESOURCES}user-info"))[0] == 401


async def test_sync_per_user(sim: Sim) -> None:
    """The owner sees everything; the guest sees their doors, with their names."""
    owner = (await sim.tokens())["access_token"]
    status, body, _ = await sim.request("GET", f"{RESOURCES}sync", owner)
    assert status == 200
    devices = body["devices"]
    assert [d["id"] for d in devices] == [
        HOME_CONTROLLER,
        "4e6f8a0b2c4d6e8f0a1b3c5d7e9f1a2b",
        OFFLINE_CONTROLLER,
    ]
    assert [d["active"] for d in devices] == [True, True, False]
    gate = devices[0]["doors"][0]
    assert gate["name"] == "Front gate"
    assert gate["user_relationship"] == "Owner"
    assert gate["state"] == "CLOSED"
    assert len(gate["last_toggled"]) == 19
    assert devices[0]["owner_first_name"] == "Olivia"
    assert devices[1]["doors"][0]["bluetooth_sensor"] is False

    guest = (await sim.tokens(GUEST))["access_token"]
    status, body, _ = await sim.request("GET", f"{RESOURCES}sync", guest)
    doors = [door for d in body["devices"] for door in d["doors"]]
    assert [(d["name"], d["user_relationship"]) for d in doors] == [
        ("Gate", "Has Access"),
        ("Lobby", "Has Access"),
    ]


async def test_toggle_moves_after_travel_and_is_recorded(sim: Sim) -> None:
    """200 at once; the state changes after the travel time; history knows who."""
    token = (await sim.tokens())["access_token"]
    status, body, _ = await sim.request(
        "POST",
        f"{RESOURCES}toggle",
        token,
        json={"door_id": FRONT_GATE, "door_state": "OPEN"},
    )
    assert status == 200
    assert body["success"] is True
    door = sim.state.account.door(FRONT_GATE)
    assert door is not None
    assert door[1].state == "CLOSED"
    await until(lambda: door[1].state == "OPEN", "the gate's travel")

    status, body, _ = await sim.request(
        "GET",
        f"{RESOURCES}toggle-history",
        token,
        params={
            "history_type": "door",
            "door_id": FRONT_GATE,
            "start_date": "2000-01-01",
            "end_date": "2100-01-01",
        },
    )
    assert status == 200
    (event,) = body["data"]["toggle_events"]
    assert event["door_state"] == "OPEN"
    assert event["channel"] == "ParqEx API"
    assert event["user"]["id"] == OWNER_ID
    assert event["was_success"] is True
    assert len(event["toggle_date_time"]) == 19


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"door_id": "f" * 32, "door_state": "OPEN"}, 404, "Controller not found"),
        ({"door_id": BACK_GATE, "door_state": "OPEN"}, 404, "Controller not found"),
        ({"door_id": LOBBY, "door_state": "CLOSED"}, 428, "door sensor"),
        ({"door_id": ELEVATOR, "door_state": "CLOSED"}, 501, "Not supported"),
        ({"door_id": GARAGE, "door_state": "AJAR"}, 400, "OPEN or CLOSED"),
        ({"door_state": "OPEN"}, 400, "Malformed"),
    ],
)
async def test_toggle_errors(
    sim: Sim, body: dict[str, str], status: int, message: str
) -> None:
    """Every documented refusal, in ParqEx's success-true shape."""
    token = (await sim.tokens())["access_token"]
    got, answer, _ = await sim.request("POST", f"{RESOURCES}toggle", token, json=body)
    assert got == status
    assert answer["success"] is True
    assert message in answer["message"]


async def test_guest_cannot_toggle_doors_they_lack(sim: Sim) -> None:
    """A door without access looks like a controller that is not there."""
    token = (await sim.tokens(GUEST))["access_token"]
    status, _, _ = await sim.request(
        "POST",
        f"{RESOURCES}toggle",
        token,
        json={"door_id": GARAGE, "door_state": "OPEN"},
    )
    assert status == 404


async def test_elevator_button_closes_by_itself(sim: Sim) -> None:
    """Auto close: the door closes after its delay, recorded as Auto Close."""
    token = (await sim.tokens())["access_token"]
    status, _, _ = await sim.request(
        "PATCH", f"/_sim/doors/{ELEVATOR}", json={"door_auto_close_delay": 0}
    )
    assert status == 200
    await sim.request(
        "POST",
        f"{RESOURCES}toggle",
        token,
        json={"door_id": ELEVATOR, "door_state": "OPEN"},
    )
    await until(
        lambda: len(sim.state.account.history) == 2, "the elevator closing by itself"
    )
    door = sim.state.account.door(ELEVATOR)
    assert door is not None
    assert door[1].state == "CLOSED"
    assert [(e.door_state, e.channel) for e in sim.state.account.history] == [
        ("OPEN", "ParqEx API"),
        ("CLOSED", "Auto Close"),
    ]


async def test_history_by_door_device_and_user(sim: Sim) -> None:
    """Filters by type and dates; times in the reader's zone; names per reader."""
    owner = (await sim.tokens())["access_token"]
    guest = (await sim.tokens(GUEST))["access_token"]
    for door, state, user in (
        (FRONT_GATE, "OPEN", GUEST),
        (GARAGE, "OPEN", OWNER),
        (LOBBY, "OPEN", None),
    ):
        payload: dict[str, Any] = {"state": state, "channel": "Remote"}
        if user:
            payload["user"] = user
        assert (await sim.request("POST", f"/_sim/doors/{door}/state", json=payload))[
            0
        ] == 200
    dates = {"start_date": "2000-01-01", "end_date": "2100-01-01"}

    async def history(token: str, **params: str) -> tuple[int, Any]:
        status, body, _ = await sim.request(
            "GET", f"{RESOURCES}toggle-history/", token, params={**dates, **params}
        )
        return status, body

    _, body = await history(owner, history_type="device", device_id=HOME_CONTROLLER)
    events = body["data"]["toggle_events"]
    assert [e["door_name"] for e in events] == ["Garage", "Front gate"]
    _, body = await history(owner, history_type="user")
    assert [e["door_id"] for e in body["data"]["toggle_events"]] == [GARAGE]
    _, body = await history(guest, history_type="door", door_id=FRONT_GATE)
    (event,) = body["data"]["toggle_events"]
    assert event["door_name"] == "Gate"
    assert event["user"]["first_name"] == "Gus"
    owner_time = (await history(owner, history_type="door", door_id=FRONT_GATE))[1][
        "data"
    ]["toggle_events"][0]["toggle_date_time"]
    # Chicago and Amsterdam are 6 or 7 hours apart.
    assert owner_time != event["toggle_date_time"]

    assert (await history(guest, history_type="door", door_id=GARAGE))[0] == 404
    assert (await history(owner, history_type="device", device_id="x"))[0] == 404
    assert (await history(owner, history_type="everything"))[0] == 400
    status, _, _ = await sim.request(
        "GET", f"{RESOURCES}toggle-history", owner, params={"history_type": "user"}
    )
    assert status == 400
    _, body = await history(
        owner,
        history_type="door",
        door_id=FRONT_GATE,
        start_date="2000-01-01",
        end_date="2000-01-02",
    )
    assert body["data"]["toggle_events"] == []


# -- dialects --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toggle_path", "served", "missing"),
    [
        ("endpoint", "/oauth/v1/endpoint/toggle", "/oauth/v1/endpoints/toggle"),
        ("api", "/api/oauth/v1/endpoints/toggle", "/oauth/v1/endpoint/toggle"),
        ("endpoints", "/oauth/v1/endpoints/toggle", "/api/oauth/v1/endpoints/toggle"),
    ],
)
async def test_toggle_path_dialects(
    toggle_path: str, served: str, missing: str
) -> None:
    """Toggle lives at one path only; elsewhere is a routing 404 (not JSON)."""
    async for sim in simulator_session(Dialect(toggle_path=toggle_path)):  # type: ignore[arg-type]
        token = (await sim.tokens())["access_token"]
        body = {"door_id": GARAGE, "door_state": "OPEN"}
        assert (await sim.request("POST", served, token, json=body))[0] == 200
        status, answer, response = await sim.request("POST", missing, token, json=body)
        assert status == 404
        assert "json" not in response.headers.get("Content-Type", "")


async def test_controllers_check_in_about_once_a_minute(sim: Sim) -> None:
    """Online controllers move their last contact as they check in; offline do not."""
    token = (await sim.tokens())["access_token"]

    async def _contacts() -> list[str]:
        _, body, _ = await sim.request("GET", f"{RESOURCES}sync", token)
        return [device["last_contact"] for device in body["devices"]]

    before = await _contacts()
    await sim.request("POST", "/_sim/clock", json={"seconds": 61})
    after = await _contacts()
    assert [a != b for a, b in zip(before, after, strict=True)] == [True, True, False]


async def test_sync_by_post_dialect_and_no_gzip() -> None:
    """sync answers POST only; without gzip, nothing is compressed."""
    async for sim in simulator_session(Dialect(sync_method="post", gzip=False)):
        token = (await sim.tokens())["access_token"]
        assert (await sim.request("GET", f"{RESOURCES}sync", token))[0] == 405
        status, _, response = await sim.request(
            "POST", f"{RESOURCES}sync", token, headers={"Accept-Encoding": "gzip"}
        )
        assert status == 200
        assert "Content-Encoding" not in response.headers


async def test_gzip_dialect(sim: Sim) -> None:
    """Answers are gzip-compressed for clients that accept it."""
    token = (await sim.tokens())["access_token"]
    _, _, response = await sim.request(
        "GET", f"{RESOURCES}sync", token, headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers["Content-Encoding"] == "gzip"


# -- control API ------------------------------------------------------------------


async def test_faults_for_n_requests(sim: Sim) -> None:
    """Status codes with Retry-After, malformed bodies and delays, N times each."""
    token = (await sim.tokens())["access_token"]
    status, _, _ = await sim.request(
        "POST",
        "/_sim/faults",
        json={"endpoint": "sync", "status": 429, "retry_after": 30, "count": 2},
    )
    assert status == 201
    for _ in range(2):
        status, _, response = await sim.request("GET", f"{RESOURCES}sync", token)
        assert (status, response.headers["Retry-After"]) == (429, "30")
    assert (await sim.request("GET", f"{RESOURCES}sync", token))[0] == 200

    await sim.request("POST", "/_sim/faults", json={"endpoint": "*", "malformed": True})
    status, body, _ = await sim.request("GET", f"{RESOURCES}user-info", token)
    assert status == 200
    assert isinstance(body, str)  # not JSON

    await sim.request(
        "POST", "/_sim/faults", json={"endpoint": "token", "status": 503, "body": "x"}
    )
    assert (await sim.request("POST", TOKEN, data={}))[:2] == (503, "x")

    await sim.request("POST", "/_sim/faults", json={"endpoint": "sync", "delay": 0.3})
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await sim.request("GET", f"{RESOURCES}sync", token))[0] == 200
    assert loop.time() - started >= 0.3

    await sim.request("POST", "/_sim/faults", json={"endpoint": "sync", "status": 500})
    status, body, _ = await sim.request("GET", "/_sim/state")
    assert [f["status"] for f in body["faults"]] == [500]
    await sim.request("DELETE", "/_sim/faults")
    assert (await sim.request("GET", f"{RESOURCES}sync", token))[0] == 200
    assert (await sim.request("POST", "/_sim/faults", json={"status": 1}))[0] == 400

    # aiohttp sends a GET again once when a kept-alive connection drops: reset twice.
    await sim.request(
        "POST", "/_sim/faults", json={"endpoint": "sync", "reset": True, "count": 2}
    )
    with pytest.raises(aiohttp.ClientConnectionError):
        await sim.request("GET", f"{RESOURCES}sync", token)
    assert sim.state.requests[-1]["status"] == "reset"
    assert (await sim.request("GET", f"{RESOURCES}sync", token))[0] == 200


async def test_expired_access_tokens_refresh(sim: Sim) -> None:
    """Access tokens end at once; their refresh token still gets a new pair."""
    tokens = await sim.tokens()
    status, body, _ = await sim.request("POST", "/_sim/expire")
    assert (status, body) == (200, {"expired": 1})
    assert (await sim.request("GET", f"{RESOURCES}sync", tokens["access_token"]))[
        0
    ] == 401
    status, body = await sim.refresh(tokens["refresh_token"])
    assert status == 200, body
    assert (await sim.request("GET", f"{RESOURCES}sync", body["access_token"]))[
        0
    ] == 200


async def test_control_api_changes_the_world(sim: Sim) -> None:
    """Doors moved by remote, controllers and doors added and removed, revocation."""
    token = (await sim.tokens())["access_token"]
    await sim.request("DELETE", "/_sim/requests")
    status, body, _ = await sim.request(
        "POST",
        f"/_sim/doors/{GARAGE}/state",
        json={"state": "open", "channel": "Remote", "success": False},
    )
    assert (status, body["state"]) == (200, "CLOSED")  # a failed attempt
    status, body, _ = await sim.request(
        "POST",
        "/_sim/controllers",
        json={
            "id": "ab" * 16,
            "owner": OWNER,
            "doors": [
                {"id": "cd" * 16, "name": "Shed", "entity_number": 1, "state": "OPEN"}
            ],
        },
    )
    assert status == 201
    status, _, _ = await sim.request(
        "POST",
        f"/_sim/controllers/{'ab' * 16}/doors",
        json={"id": "ef" * 16, "name": "Shed 2", "entity_number": 2, "state": "OPEN"},
    )
    assert status == 201
    await sim.request(
        "PATCH", f"/_sim/controllers/{HOME_CONTROLLER}", json={"active": False}
    )
    await sim.request("DELETE", f"/_sim/doors/{LOBBY}")
    await sim.request("DELETE", f"/_sim/controllers/{OFFLINE_CONTROLLER}")
    _, body, _ = await sim.request("GET", f"{RESOURCES}sync", token)
    assert [(d["id"], d["active"], len(d["doors"])) for d in body["devices"]] == [
        (HOME_CONTROLLER, False, 2),
        ("4e6f8a0b2c4d6e8f0a1b3c5d7e9f1a2b", True, 1),
        ("ab" * 16, True, 2),
    ]
    _, log, _ = await sim.request("GET", "/_sim/requests")
    assert [(r["endpoint"], r["status"]) for r in log] == [("sync", 200)]

    assert (await sim.request("POST", "/_sim/revoke", json={"user": OWNER}))[1] == {
        "revoked": 1
    }
    assert (await sim.request("GET", f"{RESOURCES}sync", token))[0] == 401
    assert (await sim.request("POST", "/_sim/revoke"))[1] == {"revoked": 0}
    status, body, _ = await sim.request("POST", "/_sim/clock", json={"seconds": 60})
    assert status == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", f"/_sim/doors/{'0' * 32}/state", {"state": "OPEN"}, 404),
        ("POST", f"/_sim/doors/{GARAGE}/state", {"state": "AJAR"}, 400),
        ("POST", f"/_sim/doors/{GARAGE}/state", {"state": "OPEN", "user": "x"}, 400),
        ("POST", f"/_sim/doors/{GARAGE}/state", ["not", "an", "object"], 400),
        ("PATCH", f"/_sim/doors/{GARAGE}", {"state": "OPEN"}, 400),
        ("PATCH", f"/_sim/controllers/{HOME_CONTROLLER}", {"id": "x"}, 400),
        ("PATCH", f"/_sim/controllers/{'0' * 32}", {"active": False}, 404),
        ("DELETE", f"/_sim/controllers/{'0' * 32}", None, 404),
        ("POST", f"/_sim/controllers/{'0' * 32}/doors", {}, 404),
        ("POST", f"/_sim/controllers/{HOME_CONTROLLER}/doors", {"x": 1}, 400),
        ("POST", "/_sim/controllers", {"id": "x"}, 400),
        ("POST", "/_sim/revoke", {"user": "nobody@example.com"}, 400),
    ],
)
async def test_control_api_refuses_bad_input(
    sim: Sim, method: str, path: str, body: Any, status: int
) -> None:
    """Mistakes in the control API are 400s and 404s that say why."""
    assert (await sim.request(method, path, json=body))[0] == status


async def test_control_api_needs_json(sim: Sim) -> None:
    """A body that is not JSON is refused."""
    assert (
        await sim.request(
            "POST",
            "/_sim/faults",
            data="nope",
            headers={"Content-Type": "application/json"},
        )
    )[0] == 400


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/_sim/state", {}),
        ("GET", "/_sim/webhook", {}),
        ("POST", "/_sim/webhook/events", {"json": {"id": "x"}}),
        ("POST", f"/_sim/doors/{FRONT_GATE}/state", {"json": {"state": "OPEN"}}),
    ],
)
async def test_control_api_needs_the_run_token(
    sim: Sim, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    """Without the token (or with another), the control API does nothing."""
    for token in ("", "not-the-token"):
        async with sim.session.request(
            method, f"{sim.base}{path}", headers={"X-ParqEx-Sim-Token": token}, **kwargs
        ) as response:
            assert response.status == 401
    door = sim.state.account.door(FRONT_GATE)
    assert door is not None
    assert door[1].state == "CLOSED"


async def test_control_api_refuses_form_posts(sim: Sim) -> None:
    """A cross-site form post (even with the token somehow) is not JSON: 415."""
    status, _, _ = await sim.request(
        "POST", f"/_sim/doors/{FRONT_GATE}/state", data={"state": "OPEN"}
    )
    assert status == 415
    door = sim.state.account.door(FRONT_GATE)
    assert door is not None
    assert door[1].state == "CLOSED"


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # noqa: S104
        "192.0.2.10",
        "parqex.example",
    ],
)
def test_only_loopback_unless_allowed(host: str) -> None:
    """Listening where other machines reach it takes --allow-remote."""
    with pytest.raises(SystemExit):
        parse_args(["--host", host])
    assert parse_args(["--host", host, "--allow-remote"]).host == host
    assert parse_args(["--host", "::1"]).host == "::1"


def test_control_token_comes_from_the_command_line() -> None:
    """scripts/develop chooses the token and prints it; each run has its own."""
    assert build_state(parse_args(["--control-token", "abc"])).control_token == "abc"
    assert parse_args([]).control_token != parse_args([]).control_token


# -- command line -----------------------------------------------------------------


def test_command_line_builds_the_dialect_and_redirects() -> None:
    """Flags choose the dialect, lifetimes and extra redirect URIs."""
    args = parse_args(
        [
            "--token-method",
            "get",
            "--toggle-path",
            "api",
            "--sync-method",
            "post",
            "--no-gzip",
            "--redirect-uri",
            "http://127.0.0.1:8123/auth/external/callback",
            "--travel-time",
            "1.5",
        ]
    )
    state = build_state(args)
    assert state.dialect == Dialect("get", "api", "post", gzip=False)
    assert state.travel_time == 1.5
    assert "http://127.0.0.1:8123/auth/external/callback" in (
        state.account.clients[0].redirect_uris
    )


def test_module_runs() -> None:
    """`python -m parqex_sim --help` describes the options."""
    result = subprocess.run(
        [sys.executable, "-m", "parqex_sim", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "--toggle-path" in result.stdout
