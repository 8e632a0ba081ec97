"""Run the ParqEx simulator in the test's event loop, on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
from aiohttp.test_utils import TestServer

from parqex_sim import Dialect, create_app
from parqex_sim.account import DEFAULT_ACCOUNT
from parqex_sim.persist import keep_state
from parqex_sim.state import SimulatorState

OWNER = "owner@parqex.example"
GUEST = "guest@parqex.example"
PASSWORD = "parqex"
CLIENT_ID = "555555555555555555.api.parqex.com"
CLIENT_SECRET = "simulator-secret-do-not-use-elsewhere"
REDIRECT_URI = "https://example.com/auth/external/callback"
# The control API's token in every simulator the tests start.
SIM_TOKEN = "tests-control-token-5a1f0e9d"
SIM_HEADERS = {"X-ParqEx-Sim-Token": SIM_TOKEN}
OWNER_ID = "5b0f3c2e-8d1a-4f7b-9c6e-2a4d8e1f0b3c"
FRONT_GATE = "70fc7ebd63d841d9a9f06ff815be1e7c"
GARAGE = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
LOBBY = "b2c3d4e5f60718293a4b5c6d7e8f9001"
ELEVATOR = "c3d4e5f60718293a4b5c6d7e8f900112"
BACK_GATE = "c0ffee00c0ffee00c0ffee00c0ffee00"
HOME_CONTROLLER = "9d9e5e0e093a06d5f16e1116d108d0c7"
LOBBY_CONTROLLER = "4e6f8a0b2c4d6e8f0a1b3c5d7e9f1a2b"
OFFLINE_CONTROLLER = "3f5c0a9e7b2d4e6f8a1b3c5d7e9f0a2b"


class SignInForm(HTMLParser):
    """The fields and buttons of the simulator's sign-in page."""

    def __init__(self, page: str) -> None:
        """Parse a page."""
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect the form's action, inputs and buttons."""
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.action = found.get("action", "")
        elif tag == "input":
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "button":
            self.buttons.append(found.get("value", ""))


@asynccontextmanager
async def running_simulator(
    dialect: Dialect | None = None, state_file: Path | None = None, **options: Any
) -> AsyncGenerator[tuple[str, SimulatorState]]:
    """Yield the simulator's URL and state, with the tests' redirect URI."""
    state = SimulatorState.create(
        account_file=DEFAULT_ACCOUNT, dialect=dialect or Dialect(), **options
    )
    state.account.clients[0].redirect_uris.append(REDIRECT_URI)
    state.control_token = SIM_TOKEN
    app = create_app(state)
    if state_file is not None:
        keep_state(app, state, state_file)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), state
    finally:
        await server.close()


async def allow(
    session: aiohttp.ClientSession,
    authorize_url: str,
    *,
    username: str = OWNER,
    password: str = PASSWORD,
    decision: str = "ALLOW",
) -> dict[str, list[str]]:
    """Sign in on the authorize page and choose; return the redirect's query."""
    async with session.get(authorize_url) as response:
        assert response.status == 200, await response.text()
        form = SignInForm(await response.text())
    base = authorize_url.split("/oauth/", 1)[0]
    async with session.post(
        f"{base}{form.action}",
        data={
            **form.fields,
            "username": username,
            "password": password,
            "decision": decision,
        },
        allow_redirects=False,
    ) as response:
        assert response.status == 302, await response.text()
        location = response.headers["Location"]
    assert location.startswith(form.fields["redirect_uri"])
    return parse_qs(urlsplit(location).query)


async def sim_control(
    session: aiohttp.ClientSession, base: str, method: str, path: str, body: Any = None
) -> Any:
    """Call the simulator's control API (`/_sim/...`) and return its JSON."""
    async with session.request(
        method, f"{base}/_sim{path}", json=body, headers=SIM_HEADERS
    ) as response:
        assert response.status < 300, await response.text()
        return await response.json()


AUTHORIZE = "/oauth/v2/endpoints/authorization/"
TOKEN = "/oauth/v2/endpoints/token/"
RESOURCES = "/oauth/v1/endpoints/"


class Sim:
    """A running simulator and a browser-like HTTP session to it."""

    def __init__(self, base: str, state: SimulatorState, session: Any) -> None:
        self.base = base
        self.state = state
        self.session: aiohttp.ClientSession = session

    def authorize_url(self, **overrides: str) -> str:
        params = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "opendoor,closedoor",
            "state": "xyz",
            **overrides,
        }
        return f"{self.base}{AUTHORIZE}?{urlencode(params)}"

    async def request(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        headers = kwargs.pop("headers", {})
        if path.startswith("/_sim/"):
            headers = {**SIM_HEADERS, **headers}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with self.session.request(
            method,
            f"{self.base}{path}",
            headers=headers,
            allow_redirects=False,
            **kwargs,
        ) as response:
            text = await response.text()
            try:
                body: Any = await response.json(content_type=None)
            except ValueError:
                body = text
            return response.status, body, response

    async def code(self, username: str = OWNER) -> str:
        query = await allow(self.session, self.authorize_url(), username=username)
        return query["code"][0]

    async def tokens(self, username: str = OWNER) -> dict[str, Any]:
        status, body, _ = await self.request(
            "POST",
            TOKEN,
            data={
                "grant_type": "authorization_code",
                "code": await self.code(username),
                "redirect_uri": REDIRECT_URI,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        assert status == 200, body
        token: dict[str, Any] = body
        return token

    async def refresh(self, refresh_token: str) -> tuple[int, Any]:
        """Ask for a new token pair with a refresh token: status and body."""
        status, body, _ = await self.request(
            "POST",
            TOKEN,
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        return status, body


async def simulator_session(
    dialect: Dialect | None = None, **options: Any
) -> AsyncGenerator[Sim]:
    async with (
        running_simulator(dialect, **options) as (base, state),
        aiohttp.ClientSession() as session,
    ):
        yield Sim(base, state, session)
