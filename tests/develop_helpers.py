"""Run `scripts/develop` on free loopback ports, and talk to it as a client would."""

from __future__ import annotations

from collections.abc import Callable
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
from urllib.parse import urlencode, urljoin
import urllib.request

from .sim_helpers import SIM_HEADERS, SIM_TOKEN, SignInForm

ROOT = Path(__file__).parents[1]
STARTUP_TIMEOUT = 300.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def call(
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
    if "/_sim/" in url:
        headers.update(SIM_HEADERS)
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


def until(
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

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.tmp_path = tmp_path
        self.args = args
        self.ha_port, self.sim_port = free_port(), free_port()
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
                    "--control-token",
                    SIM_TOKEN,
                    *self.args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={
                    **{
                        k: v
                        for k, v in os.environ.items()
                        if not k.startswith("PARQEX_")
                    },
                    # The environment these tests run in (each release has its own).
                    "VENV": sys.prefix,
                },
            )
        until(
            lambda: b"Ctrl-C stops both" in self.log_path.read_bytes(),
            "scripts/develop to start",
            STARTUP_TIMEOUT,
        )
        return self.process

    def stop(self, timeout: float = 90, *, twice: bool = False) -> float:
        """Stop as Ctrl-C does (twice: again while it stops); return the seconds."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        if twice:
            until(
                lambda: b"Stopping both" in self.log_path.read_bytes(),
                "scripts/develop to begin stopping",
                every=0.02,
            )
            self.process.send_signal(signal.SIGINT)
        assert self.process.wait(timeout=timeout) == 0
        return time.monotonic() - started

    def close(self) -> None:
        """Stop it if it still runs; print the end of each run's log."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for run in range(1, self.runs + 1):
            log = self.tmp_path / f"develop-{run}.log"
            print(log.read_text(errors="replace")[-6000:])


def onboard(ha_url: str) -> str:
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


def states(ha_url: str, token: str) -> dict[str, dict[str, Any]]:
    status, _, text = call(f"{ha_url}/api/states", token=token)
    assert status == 200, text
    return {state["entity_id"]: state for state in json.loads(text)}


def add_parqex(ha_url: str, sim_url: str, token: str) -> None:
    """Add ParqEx as in Settings > Devices & services, signing in as the owner."""
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
