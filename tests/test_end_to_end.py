"""scripts/develop end to end: a real Home Assistant and the simulator, over loopback.

Creates the owner through onboarding, adds ParqEx through the REST API's config flow,
signs in on the simulator's page with ALLOW, and operates a door.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import time
from typing import Any
import urllib.error
from urllib.parse import urlencode, urljoin
import urllib.request

import pytest

from .sim_helpers import SignInForm

ROOT = Path(__file__).parents[1]
STARTUP_TIMEOUT = 300.0
FRONT_GATE = "switch.parqex_controller_08848d_front_gate"
GARAGE = "switch.parqex_controller_08848d_garage"
GARAGE_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _call(
    url: str,
    *,
    method: str = "GET",
    json_body: Any = None,
    form: dict[str, str] | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    """Send a request without following redirects; return status, headers, text."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data, headers, method=method)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


def _until(
    check: Callable[[], Any], what: str, timeout: float = 30.0, every: float = 0.5
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if result := check():
                return result
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


class Develop:
    """`scripts/develop` on free loopback ports; it can be stopped and started again."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.ha_port, self.sim_port = _free_port(), _free_port()
        self.ha_url = f"http://127.0.0.1:{self.ha_port}"
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    @property
    def log_path(self) -> Path:
        return self.tmp_path / f"develop-{self.runs}.log"

    def start(self) -> subprocess.Popen[bytes]:
        self.runs += 1
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(ROOT / "scripts" / "develop"),
                    "--config",
                    str(self.tmp_path / "config"),
                    "--ha-port",
                    str(self.ha_port),
                    "--sim-port",
                    str(self.sim_port),
                    "--travel-time",
                    "2",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={
                    k: v for k, v in os.environ.items() if not k.startswith("PARQEX_")
                },
            )
        _until(
            lambda: b"Ctrl-C stops both" in self.log_path.read_bytes(),
            "scripts/develop to start",
            STARTUP_TIMEOUT,
        )
        return self.process

    def stop(self) -> float:
        """Stop as Ctrl-C does; return how many seconds it took."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        assert self.process.wait(timeout=90) == 0
        return time.monotonic() - started


@pytest.fixture
def develop(socket_enabled: None, tmp_path: Path) -> Generator[Develop]:
    """`scripts/develop` with a fresh configuration, started."""
    running = Develop(tmp_path)
    try:
        running.start()
        yield running
    finally:
        if running.process is not None and running.process.poll() is None:
            running.process.send_signal(signal.SIGINT)
            try:
                running.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                running.process.kill()
        for run in range(1, running.runs + 1):
            log = tmp_path / f"develop-{run}.log"
            print(log.read_text(errors="replace")[-6000:])


def _onboard(ha_url: str) -> str:
    """Create the owner as the onboarding page does; return an access token."""
    client_id = f"{ha_url}/"
    status, _, text = _call(
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
    status, _, text = _call(
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
    status, _, text = _call(f"{ha_url}/api/states", token=token)
    assert status == 200, text
    return {state["entity_id"]: state for state in json.loads(text)}


def _remote_change_seconds(
    ha_url: str, sim_url: str, token: str, door_state: str
) -> float:
    """Move the garage by remote; return the seconds until Home Assistant shows it."""
    want = "on" if door_state == "OPEN" else "off"
    assert _states(ha_url, token)[GARAGE]["state"] != want
    started = time.monotonic()
    status, _, text = _call(
        f"{sim_url}/_sim/doors/{GARAGE_ID}/state",
        method="POST",
        json_body={"state": door_state, "user": "guest@parqex.example"},
    )
    assert status == 200, text
    _until(
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
    status, _, text = _call(
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
    status, _, page = _call(step["url"])
    assert status == 200, page
    form = SignInForm(page)
    assert form.buttons == ["ALLOW", "DENY"]
    assert form.fields["redirect_uri"] == f"{ha_url}/auth/external/callback"
    status, headers, text = _call(
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
    status, _, text = _call(callback)
    assert status == 200, text
    status, _, text = _call(
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
    states = _until(
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
    status, _, text = _call(
        f"{ha_url}/api/services/switch/turn_on",
        method="POST",
        json_body={"entity_id": FRONT_GATE},
        token=token,
    )
    assert status == 200, text
    # Accepted: the switch shows it at once, while the gate still travels.
    assert _states(ha_url, token)[FRONT_GATE]["state"] == "on"

    def gate_state() -> str:
        status, _, text = _call(f"{sim_url}/_sim/state")
        state: str = json.loads(text)["controllers"][0]["doors"][0]["state"]
        return state

    assert gate_state() == "CLOSED"
    _until(lambda: gate_state() == "OPEN", "the front gate to open")
    _until(
        lambda: _states(ha_url, token)[
            "sensor.parqex_controller_08848d_front_gate_last_operated_by"
        ]["state"]
        == "Olivia Owner",
        "who opened the front gate",
    )
    assert _states(ha_url, token)[FRONT_GATE]["state"] == "on"
    event = _until(
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
    status, _, text = _call(
        f"{ha_url}/api/config/config_entries/entry?domain=parqex", token=token
    )
    (entry,) = json.loads(text)
    status, _, text = _call(
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
    status, _, text = _call(
        f"{sim_url}/_sim/webhook", method="POST", json_body={"url": webhook_url}
    )
    assert status == 201, text
    status, _, text = _call(
        f"{ha_url}/api/config/config_entries/options/flow/{options['flow_id']}",
        method="POST",
        json_body={"webhook_key": json.loads(text)["key"]},
        token=token,
    )
    assert json.loads(text)["type"] == "create_entry", text

    # The garage closes by remote: ParqEx pushes it at once.
    pushed = _remote_change_seconds(ha_url, sim_url, token, "CLOSED")
    status, _, text = _call(f"{sim_url}/_sim/webhook")
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
    states = _until(
        lambda: (s := _states(ha_url, token)).get(GARAGE, {}).get("state") == "off"
        and s,
        "the switches after a restart",
        timeout=60,
    )
    assert states[FRONT_GATE]["state"] == "on"
    status, _, text = _call(
        f"{ha_url}/api/config/config_entries/entry?domain=parqex", token=token
    )
    # Loaded, not waiting for a new sign-in (a refused token would fail setup).
    assert [e["state"] for e in json.loads(text)] == ["loaded"], text
    develop.stop()
