"""The ParqEx API client against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import gzip
import json

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest
from pytest_homeassistant_custom_component.common import load_fixture

from custom_components.parqex.client.api import ParqExClient
from custom_components.parqex.client.errors import (
    ParqExAuthError,
    ParqExBadRequestError,
    ParqExConnectionError,
    ParqExControllerNotFoundError,
    ParqExError,
    ParqExNotSupportedError,
    ParqExRateLimitedError,
    ParqExSensorRequiredError,
    ParqExUnexpectedResponseError,
)
from custom_components.parqex.client.models import DoorState
from homeassistant.util.json import json_loads

# Real sockets, on loopback only (the test plugin blocks every other host).
pytestmark = pytest.mark.usefixtures("socket_enabled")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Tokens:
    """A token provider that counts refreshes."""

    current: str = "token-1"
    rejected: list[str] = field(default_factory=list)

    async def async_get_access_token(self, rejected_token: str | None = None) -> str:
        if rejected_token is not None:
            self.rejected.append(rejected_token)
            self.current = f"token-{len(self.rejected) + 1}"
        return self.current


@dataclass
class Server:
    """A loopback HTTP server whose routes each test sets."""

    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    seen: list[web.Request] = field(default_factory=list)
    root: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request)
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return web.Response(status=404, text="<html>404</html>")
        return await handler(request)

    def paths(self) -> list[str]:
        return [f"{request.method} {request.path}" for request in self.seen]


def answer(
    status: int = 200, body: object = None, text: str | None = None, **headers: str
) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        payload = text if text is not None else json.dumps(body)
        return web.Response(status=status, text=payload, headers=headers)

    return handler


@pytest.fixture
async def server() -> AsyncGenerator[Server]:
    state = Server()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", state.handle)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    state.root = str(test_server.make_url("")).rstrip("/")
    yield state
    await test_server.close()


@pytest.fixture
async def session() -> AsyncGenerator[ClientSession]:
    async with ClientSession() as client_session:
        yield client_session


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()


@pytest.fixture
def client(server: Server, session: ClientSession, tokens: Tokens) -> ParqExClient:
    return ParqExClient(
        session, tokens, api_root=server.root, web_root=f"{server.root}/web"
    )


V1 = "/oauth/v1/endpoints"


async def test_sync_parses_published_sample(
    server: Server, client: ParqExClient
) -> None:
    """The sample sync body parses; unknown fields are ignored."""
    server.routes["GET", f"{V1}/sync"] = answer(
        text=load_fixture("sync.json"), **{"Content-Type": "application/json"}
    )
    controllers = await client.async_get_controllers()
    first, second = controllers
    assert first.id == "9d9e5e0e093a06d5f16e1116d108d0c7"
    assert first.blackbox_code == "20000c2a6908848d"
    assert first.software_version == "0"
    assert first.last_contact == datetime(2020, 12, 18, 18, 47, 25, tzinfo=UTC)
    assert first.time_before_door_open_alert == 900
    kitty, garage = first.access_points
    assert kitty.name == "Kitty"
    assert kitty.state is DoorState.OPEN
    assert kitty.user_relationship == "Has Access"
    assert kitty.last_toggled == datetime(2020, 12, 18, 18, 32, 25, tzinfo=UTC)
    assert garage.bluetooth_sensor is True
    assert garage.bluetooth_sensor_battery_level == 87
    assert garage.controller_id == first.id
    assert second.active is False
    # A door that leaves out every optional field still parses.
    assert second.access_points[0].bluetooth_sensor is False
    assert second.access_points[0].door_auto_close_enabled is None


async def test_every_request_sends_documented_headers(
    server: Server, client: ParqExClient
) -> None:
    """Accept, Content-Type, bearer token, charset and gzip on every call."""
    server.routes["GET", f"{V1}/user-info"] = answer(
        body=json.loads(load_fixture("user_info.json"))
    )
    user = await client.async_get_user_info()
    assert user.id == "5b0f3c2e-8d1a-4f7b-9c6e-2a4d8e1f0b3c"
    assert user.display_name == "Ada Lovelace"
    headers = server.seen[0].headers
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == "Bearer token-1"
    assert headers["Accept-Charset"] == "utf-8"
    assert "gzip" in headers["Accept-Encoding"]


async def test_gzip_answers(server: Server, client: ParqExClient) -> None:
    """ParqEx may gzip its answers."""

    async def gzipped(request: web.Request) -> web.StreamResponse:
        body = gzip.compress(load_fixture("user_settings.json").encode())
        return web.Response(
            body=body,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    server.routes["POST", f"{V1}/user-info"] = gzipped
    settings = await client.async_get_user_settings()
    assert settings.time_zone == "America/Chicago"
    assert settings.door_open_alert_notification_enabled is True
    # The PIN code is a secret nothing uses: not kept at all.
    assert "8642" not in repr(settings)
    assert not hasattr(settings, "pin_code")


async def test_toggle_sends_body_and_accepts_invalid_json(
    server: Server, client: ParqExClient
) -> None:
    """The documented success answer is not valid JSON; 200 is success anyway."""
    bodies: list[object] = []

    async def toggle(request: web.Request) -> web.StreamResponse:
        bodies.append(await request.json())
        return web.Response(text='{"success": true, "timestamp": 1608317245.,}')

    server.routes["POST", f"{V1}/toggle"] = toggle
    await client.async_toggle("a" * 32, DoorState.CLOSED)
    assert bodies == [{"door_id": "a" * 32, "door_state": "CLOSED"}]


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/oauth/v1/endpoint/toggle", 1),
        ("/web/api/oauth/v1/endpoints/toggle", 2),
    ],
)
async def test_toggle_path_fallbacks(
    server: Server, client: ParqExClient, path: str, form: int
) -> None:
    """A routing 404 leads to the documented alternatives; the answer is kept."""
    server.routes["POST", path] = answer(text='{"success": true,')
    await client.async_toggle("a" * 32, DoorState.OPEN)
    assert server.paths()[-1] == f"POST {path}"
    assert len(server.seen) == form + 1
    assert client.fallbacks_in_use == {"toggle": f"{server.root}{path}"}

    await client.async_toggle("a" * 32, DoorState.CLOSED)
    assert len(server.seen) == form + 2
    assert server.paths()[-1] == f"POST {path}"


async def test_json_404_is_an_answer(server: Server, client: ParqExClient) -> None:
    """ParqEx's own 404 (even in its invalid JSON) means the controller is offline."""
    server.routes["POST", f"{V1}/toggle"] = answer(
        404, text='{"success": true, "message": "Controller not found"'
    )
    with pytest.raises(ParqExControllerNotFoundError):
        await client.async_toggle("a" * 32, DoorState.OPEN)
    assert len(server.seen) == 1


async def test_routing_404_everywhere(server: Server, client: ParqExClient) -> None:
    """When no documented path answers, the error says so and nothing loops."""
    with pytest.raises(ParqExUnexpectedResponseError):
        await client.async_get_controllers()
    assert len(server.seen) == 3


async def test_sync_by_post_after_405(server: Server, client: ParqExClient) -> None:
    """A 405 on GET sync is retried as POST, and POST is used from then on."""
    server.routes["GET", f"{V1}/sync"] = answer(405, text="Method Not Allowed")
    server.routes["POST", f"{V1}/sync"] = answer(body={"devices": []})
    assert await client.async_get_controllers() == ()
    assert await client.async_get_controllers() == ()
    assert server.paths() == [
        f"GET {V1}/sync",
        f"POST {V1}/sync",
        f"POST {V1}/sync",
    ]
    assert client.fallbacks_in_use == {"sync method": "POST"}


async def test_401_refreshes_once(
    server: Server, client: ParqExClient, tokens: Tokens
) -> None:
    """A 401 makes the provider refresh, and the call is repeated once."""

    async def sync(request: web.Request) -> web.StreamResponse:
        if request.headers["Authorization"] != "Bearer token-2":
            return web.json_response({"errors": [{"message": "nope"}]}, status=401)
        return web.json_response({"data": {"devices": []}})

    server.routes["GET", f"{V1}/sync"] = sync
    assert await client.async_get_controllers() == ()
    assert tokens.rejected == ["token-1"]


async def test_second_401_is_auth_error(
    server: Server, client: ParqExClient, tokens: Tokens
) -> None:
    """A 401 after a refresh is final."""
    server.routes["GET", f"{V1}/sync"] = answer(401, body={"errors": []})
    with pytest.raises(ParqExAuthError):
        await client.async_get_controllers()
    assert tokens.rejected == ["token-1"]
    assert len(server.seen) == 2


@pytest.mark.parametrize(
    ("status", "text", "error"),
    [
        (400, '{"errors": [{"message": "door_id missing"}]}', ParqExBadRequestError),
        (403, '{"errors": [{"message": "forbidden"}]}', ParqExAuthError),
        (428, '{"success": true, "message": "sensor"', ParqExSensorRequiredError),
        (501, '{"success": true, "message": "no"}', ParqExNotSupportedError),
        (500, '{"errors": [{"message": "boom"}]}', ParqExConnectionError),
        (418, "teapot", ParqExUnexpectedResponseError),
    ],
)
async def test_status_mapping(
    server: Server,
    client: ParqExClient,
    status: int,
    text: str,
    error: type[ParqExError],
) -> None:
    """Every documented status has its typed error; `success` is ignored."""
    server.routes["POST", f"{V1}/toggle"] = answer(status, text=text)
    with pytest.raises(error):
        await client.async_toggle("a" * 32, DoorState.OPEN)


async def test_server_message_is_kept(server: Server, client: ParqExClient) -> None:
    """ParqEx's own error text travels with the error, for the log."""
    server.routes["POST", f"{V1}/toggle"] = answer(
        400, body={"errors": [{"message": "door_id missing"}]}
    )
    with pytest.raises(ParqExBadRequestError, match="door_id missing"):
        await client.async_toggle("a" * 32, DoorState.OPEN)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("30", 30.0),
        ("HTTP date in 90 s", 90),
        ("soon", None),
        (None, None),
    ],
)
async def test_rate_limited(
    server: Server,
    client: ParqExClient,
    retry_after: str | None,
    expected: float | None,
) -> None:
    """429 carries Retry-After in seconds, from either of its forms."""
    if retry_after == "HTTP date in 90 s":
        retry_after = format_datetime(
            datetime.now(UTC) + timedelta(seconds=90), usegmt=True
        )
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    server.routes["GET", f"{V1}/sync"] = answer(429, text="", **headers)
    with pytest.raises(ParqExRateLimitedError) as err:
        await client.async_get_controllers()
    if expected is None:
        assert err.value.retry_after is None
    else:
        assert err.value.retry_after == pytest.approx(expected, abs=2)


@pytest.mark.parametrize(
    "body",
    [
        {"success": True},
        {"devices": "none"},
        {"devices": [{"active": True}]},
        {"devices": [{"id": "a" * 32, "doors": {"id": "b"}}]},
        {"devices": [{"id": "a" * 32, "doors": [{"name": "no id"}]}]},
        {"devices": ["text"]},
        ["not", "an", "object"],
    ],
)
async def test_malformed_sync(
    server: Server, client: ParqExClient, body: object
) -> None:
    """A sync answer without the ids we rely on is an error, never a partial list."""
    server.routes["GET", f"{V1}/sync"] = answer(body=body)
    with pytest.raises(ParqExUnexpectedResponseError):
        await client.async_get_controllers()


async def test_non_json_success(server: Server, client: ParqExClient) -> None:
    """A 200 without JSON where data is needed is an unexpected answer."""
    server.routes["GET", f"{V1}/user-info"] = answer(text="<html>hello</html>")
    with pytest.raises(ParqExUnexpectedResponseError):
        await client.async_get_user_info()


async def test_tolerant_field_types(server: Server, client: ParqExClient) -> None:
    """Numbers and booleans sent as strings are read; nonsense becomes unknown."""
    server.routes["GET", f"{V1}/sync"] = answer(
        body={
            "devices": [
                {
                    "id": "a" * 32,
                    "active": "true",
                    "registered": 1,
                    "software_version": 3.2,
                    "time_before_door_open_alert": "600",
                    "last_contact": "yesterday",
                    "doors": [
                        {
                            "id": "b" * 32,
                            "state": "open",
                            "entity_number": 2.0,
                            "door_auto_close_delay": "soon",
                            "bluetooth_sensor_battery_level": True,
                            "last_toggled": "2021-03-04",
                            "name": None,
                        },
                        {"id": "c" * 32, "state": None},
                    ],
                }
            ]
        }
    )
    (controller,) = await client.async_get_controllers()
    assert controller.active is True
    assert controller.registered is True
    assert controller.software_version == "3.2"
    assert controller.time_before_door_open_alert == 600
    assert controller.last_contact is None
    door, stateless = controller.access_points
    assert stateless.state is None
    assert door.state is DoorState.OPEN
    assert door.entity_number == 2
    assert door.door_auto_close_delay is None
    assert door.bluetooth_sensor_battery_level is None
    assert door.last_toggled == datetime(2021, 3, 4, tzinfo=UTC)
    assert door.name == ""


async def test_connection_refused(session: ClientSession, tokens: Tokens) -> None:
    """An unreachable ParqEx is a connection error."""
    probe = TestServer(web.Application(), host="127.0.0.1")
    await probe.start_server()
    root = str(probe.make_url("")).rstrip("/")
    await probe.close()
    client = ParqExClient(session, tokens, api_root=root, web_root=root)
    with pytest.raises(ParqExConnectionError):
        await client.async_get_controllers()


async def test_timeout(server: Server, session: ClientSession, tokens: Tokens) -> None:
    """A ParqEx that does not answer in time is a connection error."""

    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.Event().wait()  # never answers
        raise AssertionError

    server.routes["GET", f"{V1}/sync"] = slow
    client = ParqExClient(session, tokens, api_root=server.root, request_timeout=0.2)
    with pytest.raises(ParqExConnectionError):
        await client.async_get_controllers()


def _sync_text(
    contact: str, stamp: float, garage: str = "CLOSED", name: str = "Kitty"
) -> str:
    body = json.loads(load_fixture("sync.json"))
    first = body["devices"][0]
    first["last_contact"] = contact
    first["doors"][0]["name"] = name
    first["doors"][1]["state"] = garage
    return json.dumps({"success": True, "timestamp": stamp, **body}, indent=1)


@pytest.mark.parametrize("loads", [json.loads, json_loads], ids=["json", "orjson"])
async def test_an_answer_new_only_in_check_ins_reads_only_those(
    server: Server,
    session: ClientSession,
    tokens: Tokens,
    loads: Callable[[bytes | str], object],
) -> None:
    """Only the controller's last contact and the envelope's time changed: the
    access points are the very objects of the answer before, with the new time.
    A door that changed, or a name that reads like a member, is read in full."""
    decoded: list[int] = []

    def _counting(raw: bytes | str) -> object:
        decoded.append(len(raw))
        return loads(raw)

    client = ParqExClient(session, tokens, api_root=server.root, loads=_counting)
    texts = iter(
        [
            _sync_text("2020-12-18 18:47:25", 1.5),
            _sync_text("2020-12-18 18:48:26", 2.5),
            _sync_text("2020-12-18 18:49:27", 3.5, garage="OPEN"),
            _sync_text("2020-12-18 18:49:27", 4.5, garage="OPEN", name='"timestamp"'),
            _sync_text("2020-12-18 18:50:27", 5.5, garage="OPEN", name='"timestamp"'),
        ]
    )

    async def _next(request: web.Request) -> web.StreamResponse:
        return web.Response(text=next(texts), content_type="application/json")

    server.routes["GET", f"{V1}/sync"] = _next
    first, _ = await client.async_get_controllers()
    second, _ = await client.async_get_controllers()
    assert second.last_contact == datetime(2020, 12, 18, 18, 48, 26, tzinfo=UTC)
    assert second.access_points is first.access_points
    # Not decoded at all.
    assert len(decoded) == 1
    third, _ = await client.async_get_controllers()
    assert third.access_points is not None
    assert third.access_points[1].state is DoorState.OPEN
    assert third.last_contact == datetime(2020, 12, 18, 18, 49, 27, tzinfo=UTC)
    # The unchanged door is reused; the changed one read anew.
    assert third.access_points[0] is first.access_points[0]
    fourth, _ = await client.async_get_controllers()
    fifth, _ = await client.async_get_controllers()
    assert fourth.access_points[0].name == '"timestamp"'
    assert len(decoded) == 3
    assert fifth.last_contact == datetime(2020, 12, 18, 18, 50, 27, tzinfo=UTC)
    assert fifth.access_points[1].state is DoorState.OPEN
    # A name that reads like a member is text: the next check-in is not decoded.
    assert len(decoded) == 3


@pytest.mark.parametrize(
    ("contact", "decoded_again"),
    [
        (b'"2020-12-18 18:48:26"', False),
        (b"null", False),
        (b"1608317306", False),
        (b'"not a time"', False),
        # Bytes that are not UTF-8: not a time, and no error.
        (b'"2020-12-18 \xff8:48:26"', False),
        # An escape could hide anything: read in full.
        (b'"2020-12-18 18:4\\u0038:26"', True),
        (b"[]", True),
    ],
)
async def test_a_new_check_in_reads_as_a_full_parse_would(
    server: Server,
    session: ClientSession,
    tokens: Tokens,
    contact: bytes,
    decoded_again: bool,
) -> None:
    """Whatever the controller's new last contact, the answer reads the same
    whether only the check-in is read or the whole answer is parsed."""
    decoded: list[int] = []

    def _counting(raw: bytes | str) -> object:
        decoded.append(len(raw))
        return json_loads(raw)

    before = _sync_text("2020-12-18 18:47:25", 1.5).encode()
    after = _sync_text("PLACE", 2.5).encode().replace(b'"PLACE"', contact)
    answers = iter([before, after, after])

    async def _next(request: web.Request) -> web.StreamResponse:
        return web.Response(body=next(answers), content_type="application/json")

    server.routes["GET", f"{V1}/sync"] = _next
    client = ParqExClient(session, tokens, api_root=server.root, loads=_counting)
    first, _ = await client.async_get_controllers()
    second, _ = await client.async_get_controllers()
    assert len(decoded) == (2 if decoded_again else 1)
    if not decoded_again:
        assert second.access_points is first.access_points
    # What a client that has read nothing before makes of the same answer.
    fresh = ParqExClient(session, tokens, api_root=server.root)
    expected, _ = await fresh.async_get_controllers()
    assert second == expected
