"""The simulator delivers webhooks as ParqEx would, and breaks them on demand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from .sim_helpers import (
    FRONT_GATE,
    GARAGE,
    GUEST,
    HOME_CONTROLLER,
    OWNER,
    RESOURCES,
    SIM_TOKEN,
    SignInForm,
    Sim,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

HEADER = "X-ParqEx-Api-Key"


class Receiver:
    """A Home Assistant stand-in on 127.0.0.1 that keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], str]] = []
        self.arrived = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.text()))
        self.arrived.set()
        return web.json_response({"message": "OK"})

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(text) for _, text in self.received]


@pytest.fixture
async def receiver() -> AsyncGenerator[Receiver]:
    """The receiving end, on a free loopback port."""
    receiving = Receiver()
    app = web.Application()
    app.router.add_post("/api/webhook/abc", receiving.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    receiving.url = str(server.make_url("/api/webhook/abc"))
    yield receiving
    await server.close()


async def _register(sim: Sim, receiver: Receiver, **extra: str) -> str:
    status, body, _ = await sim.request(
        "POST", "/_sim/webhook", json={"url": receiver.url, **extra}
    )
    assert status == 201, body
    key: str = body["key"]
    return key


async def _remote(sim: Sim, door_id: str, state: str, **extra: Any) -> None:
    status, _, _ = await sim.request(
        "POST", f"/_sim/doors/{door_id}/state", json={"state": state, **extra}
    )
    assert status == 200
    await sim.state.webhooks.wait()


@pytest.mark.parametrize(
    "url",
    [
        "http://doors.example.org/api/webhook/abc",
        "ftp://127.0.0.1/x",
        "https:///nohost",
        "",
    ],
)
async def test_only_https_or_loopback_urls(sim: Sim, url: str) -> None:
    """ParqEx refuses plain HTTP; the simulator allows it on loopback only."""
    status, body, _ = await sim.request("POST", "/_sim/webhook", json={"url": url})
    assert status == 400
    assert "HTTPS" in body


async def test_registration_gives_a_key(sim: Sim) -> None:
    """Registering answers with the key; a chosen header and key are kept."""
    status, body, _ = await sim.request(
        "POST", "/_sim/webhook", json={"url": "https://doors.example.org/hook"}
    )
    assert status == 201
    assert body["header"] == HEADER
    assert len(body["key"]) >= 24
    _, body, _ = await sim.request(
        "POST",
        "/_sim/webhook",
        json={"url": "https://doors.example.org/hook", "header": "Api", "key": "k"},
    )
    assert (body["header"], body["key"]) == ("Api", "k")
    _, body, _ = await sim.request("DELETE", "/_sim/webhook")
    assert (body["url"], body["key"]) == (None, None)


async def test_remote_change_is_delivered_per_user(
    sim: Sim, receiver: Receiver
) -> None:
    """The front gate (owner and guest) is delivered twice; history agrees."""
    key = await _register(sim, receiver)
    await _remote(sim, FRONT_GATE, "OPEN", user=GUEST, channel="Remote")
    await _remote(sim, GARAGE, "OPEN")
    bodies = receiver.bodies()
    assert [b["doorID"] for b in bodies] == [FRONT_GATE, FRONT_GATE, GARAGE]
    assert len({b["id"] for b in bodies}) == 3
    assert all(headers[HEADER] == key for headers, _ in receiver.received)
    gate = bodies[0]
    assert gate["eventType"] == "door_state_change"
    assert gate["doorState"] == "OPEN"
    assert gate["channel"] == "Remote"
    assert gate["deviceID"] == HOME_CONTROLLER
    assert gate["userThatToggled"]["firstName"] == "Gus"
    event = sim.state.account.history[0]
    assert gate["eventOccurredUTC"] == event.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert gate["eventOccurred"] == int(event.at.replace(microsecond=0).timestamp())
    assert datetime.fromisoformat(gate["eventOccurredUTC"]).tzinfo is not None
    _, state, _ = await sim.request("GET", "/_sim/webhook")
    assert [d["status"] for d in state["deliveries"]] == [200, 200, 200]
    assert [d["for_user"] for d in state["deliveries"]] == [OWNER, GUEST, OWNER]


async def test_toggle_is_delivered_when_the_door_has_moved(
    sim: Sim, receiver: Receiver
) -> None:
    """A toggle's delivery, history and last_toggled share one instant."""
    await _register(sim, receiver)
    token = (await sim.tokens())["access_token"]
    await sim.request(
        "POST",
        f"{RESOURCES}toggle",
        token,
        json={"door_id": GARAGE, "door_state": "OPEN"},
    )
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    (body,) = receiver.bodies()
    assert (body["doorState"], body["channel"]) == ("OPEN", "ParqEx API")
    assert body["userThatToggled"]["lastName"] == "Owner"
    event = sim.state.account.history[-1]
    found = sim.state.account.door(GARAGE)
    assert found is not None
    assert found[1].last_toggled == event.at
    assert body["eventOccurredUTC"] == event.at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_failed_attempts_and_no_url_deliver_nothing(
    sim: Sim, receiver: Receiver
) -> None:
    """A failed attempt is history, not a door change; no URL, no delivery."""
    await _remote(sim, GARAGE, "OPEN")
    await _register(sim, receiver)
    await _remote(sim, GARAGE, "CLOSED", success=False)
    assert receiver.received == []
    status, _, _ = await sim.request("DELETE", "/_sim/webhook")
    assert status == 200
    status, _, _ = await sim.request(
        "POST", "/_sim/webhook/events", json={"id": "x", "eventType": "user_added"}
    )
    assert status == 409


async def test_any_event_can_be_sent(sim: Sim, receiver: Receiver) -> None:
    """Management and Enforcer events go out as given."""
    await _register(sim, receiver)
    event = {"id": "E" * 32, "eventType": "enforcer_unauthorised_access"}
    status, _, _ = await sim.request("POST", "/_sim/webhook/events", json=event)
    assert status == 202
    await sim.state.webhooks.wait()
    assert receiver.bodies() == [event]


async def test_delivery_faults(sim: Sim, receiver: Receiver) -> None:
    """Duplicate, drop, reorder, wrong key and a cut-off body, in that order."""
    key = await _register(sim, receiver)
    for kind in ("duplicate", "drop", "reorder", "wrong_key", "malformed"):
        status, _, _ = await sim.request(
            "POST", "/_sim/webhook/faults", json={"kind": kind}
        )
        assert status == 201
    for state in ("OPEN", "CLOSED", "OPEN", "CLOSED", "OPEN", "CLOSED"):
        await _remote(sim, GARAGE, state)
    sent: list[Any] = []
    for _, text in receiver.received:
        try:
            sent.append(json.loads(text))
        except ValueError:
            sent.append(text)
    # 1: twice; 2: dropped; 3: held until 4 went; 4: wrong key; 5: cut off.
    ids = [d["id"] for d in sim.state.webhooks.deliveries]
    assert [b["id"] for b in sent[:2]] == [ids[0], ids[0]]
    assert [b["id"] for b in sent[2:4]] == [ids[3], ids[2]]
    assert receiver.received[2][0][HEADER] == f"not-{key}"
    assert isinstance(sent[4], str)
    assert sent[5]["id"] == ids[5]
    assert [d["fault"] for d in sim.state.webhooks.deliveries] == [
        "duplicate",
        "drop",
        "reorder",
        "wrong_key",
        "malformed",
        None,
    ]
    # The receiver takes anything; only the dropped one got no answer.
    assert [d["status"] for d in sim.state.webhooks.deliveries] == [
        200,
        None,
        200,
        200,
        200,
        200,
    ]
    _, state, _ = await sim.request("GET", "/_sim/webhook")
    assert state["faults"] == []


async def test_delay_and_fault_errors(sim: Sim, receiver: Receiver) -> None:
    """A delayed delivery arrives later; bad faults are refused; faults clear."""
    await _register(sim, receiver)
    await sim.request(
        "POST", "/_sim/webhook/faults", json={"kind": "delay", "delay": 0.3}
    )
    await sim.request("POST", f"/_sim/doors/{GARAGE}/state", json={"state": "OPEN"})
    # Held back for 0.3 s: not there when the change is made, there after.
    assert receiver.received == []
    await sim.state.webhooks.wait()
    assert len(receiver.received) == 1

    for fault in ({"kind": "explode"}, {"kind": "drop", "count": "many"}):
        status, _, _ = await sim.request("POST", "/_sim/webhook/faults", json=fault)
        assert status == 400
    await sim.request("POST", "/_sim/webhook/faults", json={"kind": "drop"})
    status, body, _ = await sim.request("DELETE", "/_sim/webhook/faults")
    assert (status, body) == (200, {"faults": []})


async def test_unreachable_receiver_is_recorded(sim: Sim, receiver: Receiver) -> None:
    """A delivery nobody answers is logged without a status."""
    await sim.request(
        "POST", "/_sim/webhook", json={"url": "http://127.0.0.1:9/api/webhook/x"}
    )
    await _remote(sim, GARAGE, "OPEN")
    (delivery,) = sim.state.webhooks.deliveries
    assert delivery["status"] is None
    assert delivery["error"] == "ClientConnectorError"


async def test_settings_page(sim: Sim, receiver: Receiver) -> None:
    """A developer pastes Home Assistant's URL and gets the API key."""
    # Only with the run's token, which scripts/develop prints in the page's address.
    assert (await sim.request("GET", "/_sim/webhook/page"))[0] == 401
    page_url = f"/_sim/webhook/page?token={SIM_TOKEN}"
    status, page, _ = await sim.request("GET", page_url)
    assert status == 200
    form = SignInForm(page)
    assert form.action == "/_sim/webhook/page"
    assert set(form.fields) == {"url", "header", "token"}
    assert form.fields["token"] == SIM_TOKEN
    # A form another site made a browser post, without the token, is refused.
    status, _, _ = await sim.request(
        "POST", "/_sim/webhook/page", data={"url": receiver.url, "header": HEADER}
    )
    assert status == 401
    assert sim.state.webhooks.key is None

    status, page, _ = await sim.request(
        "POST",
        "/_sim/webhook/page",
        data={"url": "http://example.org/x", "header": "", "token": SIM_TOKEN},
    )
    assert "HTTPS URLs only" in page
    status, page, _ = await sim.request(
        "POST",
        "/_sim/webhook/page",
        data={"url": receiver.url, "header": HEADER, "token": SIM_TOKEN},
    )
    assert status == 200
    key = sim.state.webhooks.key
    assert key is not None
    assert f"<code id='key'>{key}</code>" in page
    _, page, _ = await sim.request("GET", page_url)
    assert f"Delivering to <code>{receiver.url}</code>" in page
