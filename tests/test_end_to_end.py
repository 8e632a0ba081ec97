"""scripts/develop end to end: a real Home Assistant and the simulator, over loopback.

Creates the owner through onboarding, adds ParqEx through the REST API's config flow,
signs in on the simulator's page with ALLOW, and operates a door.
"""

from __future__ import annotations

import json
import time
from typing import Any
import urllib.error
from urllib.parse import urljoin
import urllib.request

import pytest

from .develop_helpers import Develop, call, until
from .sim_helpers import SignInForm

FRONT_GATE = "switch.parqex_controller_08848d_front_gate"
GARAGE = "switch.parqex_controller_08848d_garage"
GARAGE_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def _onboard(ha_url: str) -> str:
    """Create the owner as the onboarding page does; return an access token."""
    client_id = f"{ha_url}/"
    status, _, text = call(
        f"{ha_url}/api/onboarding/users",
        method="POST",
        json_body={
            "client_id": client_id,
            "name": "Developer",
            "username": "developer",
            "password": "correct-horse-battery",
            "language": "en",
        },
    )
    assert status == 200, text
    status, _, text = call(
        f"{ha_url}/auth/token",
        method="POST",
        form={
            "grant_type": "authorization_code",
            "code": json.loads(text)["auth_code"],
            "client_id": client_id,
        },
    )
    assert status == 200, text
    token: str = json.loads(text)["access_token"]
    return token


def _states(ha_url: str, token: str) -> dict[str, dict[str, Any]]:
    status, _, text = call(f"{ha_url}/api/states", token=token)
    assert status == 200, text
    return {state["entity_id"]: state for state in json.loads(text)}


def _remote_change_seconds(
    ha_url: str, sim_url: str, token: str, door_state: str
) -> float:
    """Move the garage by remote; return the seconds until Home Assistant shows it."""
    want = "on" if door_state == "OPEN" else "off"
    assert _states(ha_url, token)[GARAGE]["state"] != want
    started = time.monotonic()
    status, _, text = call(
        f"{sim_url}/_sim/doors/{GARAGE_ID}/state",
        method="POST",
        json_body={"state": door_state, "user": "guest@parqex.example"},
    )
    assert status == 200, text
    until(
        lambda: _states(ha_url, token)[GARAGE]["state"] == want,
        f"the garage to show {want}",
        timeout=90,
        every=0.02,
    )
    return time.monotonic() - started


def test_develop_end_to_end(develop: Develop) -> None:
    """Sign in on the simulator's page, see the doors, open one, stop both."""
    ha_url, sim_url = develop.ha_url, develop.sim_url
    token = _onboard(ha_url)

    # Add ParqEx as in Settings > Devices & services: the credentials are ready.
    status, _, text = call(
        f"{ha_url}/api/config/config_entries/flow",
        method="POST",
        json_body={"handler": "parqex", "show_advanced_options": False},
        token=token,
        # The frontend says where it is; Home Assistant builds the redirect URI from it.
        headers={"HA-Frontend-Base": ha_url},
    )
    assert status == 200, text
    step = json.loads(text)
    assert step["type"] == "external", step
    assert step["url"].startswith(f"{sim_url}/oauth/v2/endpoints/authorization/?")

    # The simulator's sign-in and consent page.
    status, _, page = call(step["url"])
    assert status == 200, page
    form = SignInForm(page)
    assert form.buttons == ["ALLOW", "DENY"]
    assert form.fields["redirect_uri"] == f"{ha_url}/auth/external/callback"
    status, headers, text = call(
        urljoin(sim_url, form.action),
        method="POST",
        form={
            **form.fields,
            "username": "owner@parqex.example",
            "password": "parqex",
            "decision": "ALLOW",
        },
    )
    assert status == 302, text
    callback = headers["Location"]
    assert callback.startswith(f"{ha_url}/auth/external/callback?code=")
    assert f"state={form.fields['state']}" in callback

    # Back in Home Assistant: the flow finishes.
    status, _, text = call(callback)
    assert status == 200, text
    status, _, text = call(
        f"{ha_url}/api/config/config_entries/flow/{step['flow_id']}",
        method="POST",
        json_body={},
        token=token,
    )
    assert status == 200, text
    result = json.loads(text)
    assert result["type"] == "create_entry", result
    assert result["title"] == "Olivia Owner"

    # The switches show the simulator's states.
    states = until(
        lambda: (s := _states(ha_url, token)).get(FRONT_GATE) and s,
        "the switches",
    )
    assert {
        entity_id: state["state"]
        for entity_id, state in states.items()
        if entity_id.startswith("switch.parqex_")
    } == {
        FRONT_GATE: "off",
        "switch.parqex_controller_08848d_garage": "off",
        "switch.parqex_controller_089abc_lobby_door": "off",
        "switch.parqex_controller_089abc_elevator": "off",
        # Its controller is offline in the seeded account.
        "switch.parqex_controller_088aaa_back_gate": "unavailable",
    }

    # Open the front gate: the simulator moves it; Home Assistant follows.
    status, _, text = call(
        f"{ha_url}/api/services/switch/turn_on",
        method="POST",
        json_body={"entity_id": FRONT_GATE},
        token=token,
    )
    assert status == 200, text
    # Accepted: the switch shows it at once, while the gate still travels.
    assert _states(ha_url, token)[FRONT_GATE]["state"] == "on"

    def gate_state() -> str:
        status, _, text = call(f"{sim_url}/_sim/state")
        state: str = json.loads(text)["controllers"][0]["doors"][0]["state"]
        return state

    assert gate_state() == "CLOSED"
    until(lambda: gate_state() == "OPEN", "the front gate to open")
    until(
        lambda: _states(ha_url, token)[
            "sensor.parqex_controller_08848d_front_gate_last_operated_by"
        ]["state"]
        == "Olivia Owner",
        "who opened the front gate",
    )
    assert _states(ha_url, token)[FRONT_GATE]["state"] == "on"
    event = until(
        lambda: (
            e := _states(ha_url, token)[
                "event.parqex_controller_08848d_front_gate_access"
            ]
        )["attributes"].get("event_type")
        and e,
        "the access event",
    )
    assert event["attributes"]["event_type"] == "opened"
    assert event["attributes"]["user_name"] == "Olivia Owner"

    # A remote opens the garage: Home Assistant learns it at its next poll.
    polled = _remote_change_seconds(ha_url, sim_url, token, "OPEN")

    # Real-time updates, as a user sets them up: Configure shows the URL to give
    # ParqEx (here the simulator's webhook settings), then the key goes back in.
    status, _, text = call(
        f"{ha_url}/api/config/config_entries/entry?domain=parqex", token=token
    )
    (entry,) = json.loads(text)
    status, _, text = call(
        f"{ha_url}/api/config/config_entries/options/flow",
        method="POST",
        json_body={"handler": entry["entry_id"]},
        token=token,
    )
    assert status == 200, text
    options = json.loads(text)
    assert options["errors"] is None, options
    webhook_url = options["description_placeholders"]["webhook_url"]
    assert webhook_url.startswith(f"{ha_url}/api/webhook/")
    status, _, text = call(
        f"{sim_url}/_sim/webhook", method="POST", json_body={"url": webhook_url}
    )
    assert status == 201, text
    status, _, text = call(
        f"{ha_url}/api/config/config_entries/options/flow/{options['flow_id']}",
        method="POST",
        json_body={"webhook_key": json.loads(text)["key"]},
        token=token,
    )
    assert json.loads(text)["type"] == "create_entry", text

    # The garage closes by remote: ParqEx pushes it at once.
    pushed = _remote_change_seconds(ha_url, sim_url, token, "CLOSED")
    status, _, text = call(f"{sim_url}/_sim/webhook")
    deliveries = json.loads(text)["deliveries"]
    assert [(d["door_state"], d["status"]) for d in deliveries] == [("CLOSED", 200)]
    print(
        "A remote change showed in Home Assistant after"
        f" {polled:.2f} s by polling and {pushed:.3f} s by push"
    )

    # Ctrl-C stops Home Assistant and the simulator, the way Home Assistant expects.
    seconds = develop.stop()
    print(f"scripts/develop stopped in {seconds:.1f} s")
    for url in (ha_url, sim_url):
        with pytest.raises(OSError):
            urllib.request.urlopen(url, timeout=5)  # noqa: S310
    log = develop.log_path.read_text(errors="replace")
    assert "KeyboardInterrupt" not in log
    assert "Uncaught exception" not in log

    # Started again, nobody signs in again: the simulator kept its tokens.
    develop.start()
    states = until(
        lambda: (s := _states(ha_url, token)).get(GARAGE, {}).get("state") == "off"
        and s,
        "the switches after a restart",
        timeout=60,
    )
    assert states[FRONT_GATE]["state"] == "on"
    status, _, text = call(
        f"{ha_url}/api/config/config_entries/entry?domain=parqex", token=token
    )
    # Loaded, not waiting for a new sign-in (a refused token would fail setup).
    assert [e["state"] for e in json.loads(text)] == ["loaded"], text
    develop.stop()
