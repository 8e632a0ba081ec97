"""A small stateful fake of the ParqEx cloud at the network edge (aioclient_mock)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
import itertools
import json
import re
from typing import Any

from pytest_homeassistant_custom_component.common import load_fixture
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from homeassistant.util import dt as dt_util

CLIENT_ID = "555555555555555555.api.parqex.com"
CLIENT_SECRET = "client-secret-7f3a9c"
AUTH_CODE = "0123456789abcdef0123456789abcdef"
USER_ID = "5b0f3c2e-8d1a-4f7b-9c6e-2a4d8e1f0b3c"
PIN_CODE = "8642"
TOKEN_PATH = "/oauth/v2/endpoints/token/"
# The secret id of the entry's webhook, and the API key ParqEx sends with deliveries.
WEBHOOK_ID = "5e1f0c4b9a7d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f"
WEBHOOK_KEY = "pqx-delivery-key-3b9f2c71"

KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
GARAGE = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
GATE = "c0ffee00c0ffee00c0ffee00c0ffee00"
CONTROLLER = "9d9e5e0e093a06d5f16e1116d108d0c7"
# The entities Home Assistant makes for them, and a ParqEx user of the history.
KITTY_SWITCH = "switch.kitty"
GARAGE_SWITCH = "switch.garage"
GARAGE_EVENT = "event.garage_access"
GRACE = ("e7a1c2d3-0000-4000-8000-00000000beef", "Grace", "Hopper")
GUS = ("0b5e7d1a-0000-4000-8000-00000000f00d", "Gus", "Guest")
OFFLINE_CONTROLLER = "3f5c0a9e7b2d4e6f8a1b3c5d7e9f0a2b"


@dataclass
class Fault:
    """An answer to give instead of the normal one."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    exc: BaseException | None = None


class FakeParqEx:
    """ParqEx's OAuth and REST endpoints, as parqex-api.md describes them.

    `path_form` picks where the resource endpoints live (0: the consistent form,
    1: the singular `endpoint`, 2: under parqex.com/api); `token_methods` which
    methods the token endpoint accepts; `sync_methods` which verbs sync accepts.
    """

    def __init__(self, mock: AiohttpClientMocker) -> None:
        self._mock = mock
        self.user_info: dict[str, Any] = json.loads(load_fixture("user_info.json"))
        self.settings: dict[str, Any] = json.loads(load_fixture("user_settings.json"))
        self.sync: dict[str, Any] = json.loads(load_fixture("sync.json"))
        self._serial = itertools.count(1)
        self.access_tokens: set[str] = set()
        self.refresh_token: str | None = None
        self.auth_codes = {AUTH_CODE}
        self.token_methods = {"POST"}
        self.sync_methods = {"GET"}
        self.path_form = 0
        self.calls: Counter[str] = Counter()
        self.token_requests: list[tuple[str, dict[str, str]]] = []
        self.toggles: list[tuple[str, str]] = []
        self.faults: dict[str, list[Fault]] = {}
        # Raw `toggle_events`, as ParqEx records them; and the queries it was asked.
        self.history: list[dict[str, Any]] = []
        self.history_queries: list[dict[str, str]] = []
        # Door moves wait this many syncs before they show, like a real gate's travel.
        self.travel_syncs = 1
        # Whether `history_type=device` is answered (ParqEx shows it in one example).
        self.device_history = True
        # Controllers whose history ParqEx answers "not found" (offline, unshared).
        self.device_history_not_found: set[str] = set()
        self.history_oldest_first = False
        # Answers held back, once made, until the test sets the event: a request
        # in flight while something else happens.
        self.hold: dict[str, asyncio.Event] = {}
        self._moving: dict[str, tuple[str, int]] = {}
        for method in ("GET", "POST"):
            mock.request(
                method,
                re.compile(r"^https://(api\.)?parqex\.com/"),
                side_effect=self._handle,
            )

    # -- state helpers used by tests --------------------------------------------

    def issue_tokens(self) -> dict[str, Any]:
        """Issue a fresh token pair, as the token endpoint does."""
        serial = next(self._serial)
        access, refresh = f"access-{serial}-9b1e", f"refresh-{serial}-4d2c"
        self.access_tokens.add(access)
        self.refresh_token = refresh
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": 3600,
            "token_type": "Bearer",
        }

    def revoke_all(self) -> None:
        """Revoke every token, as a user removing the app in ParqEx would."""
        self.access_tokens.clear()
        self.refresh_token = None

    def fail(self, name: str, *faults: Fault) -> None:
        """Answer the next requests to `name` (endpoint or "token") with faults."""
        self.faults.setdefault(name, []).extend(faults)

    def door(self, door_id: str) -> dict[str, Any]:
        """Return the raw door of the sync answer."""
        for device in self.sync["devices"]:
            for door in device["doors"]:
                if door["id"] == door_id:
                    return door
        raise KeyError(door_id)

    def device(self, device_id: str) -> dict[str, Any]:
        """Return the raw device of the sync answer."""
        return next(d for d in self.sync["devices"] if d["id"] == device_id)

    def now(self) -> datetime:
        """The time in the account's time zone, as ParqEx writes it (no zone)."""
        zone = dt_util.get_time_zone(self.settings["data"]["time_zone"]) or dt_util.UTC
        return dt_util.now(zone).replace(tzinfo=None, microsecond=0)

    def record(
        self,
        door_id: str,
        door_state: str,
        *,
        user: tuple[str, str, str] = ("", "Grace", "Hopper"),
        channel: str = "ParqEx Web",
        success: bool = True,
        at: datetime | None = None,
        move: bool = True,
    ) -> dict[str, Any]:
        """Someone operated a door (a remote, the ParqEx app): state and history."""
        at = at or self.now()
        stamp = at.strftime("%Y-%m-%d %H:%M:%S")
        door = self.door(door_id)
        if success and move:
            door["state"] = door_state
            door["last_toggled"] = stamp
        user_id, first, last = user
        event = {
            "door_id": door_id,
            "door_name": door["name"],
            "door_state": door_state,
            "channel": channel,
            "user": {
                "id": user_id,
                "first_name": first,
                "last_name": last,
                "email_address": f"{first.lower()}@example.com",
            },
            "was_success": success,
            "toggle_date_time": stamp,
        }
        self.history.append(event)
        return event

    def resource_url(self, name: str, form: int | None = None) -> str:
        """Return the URL where `name` lives for a path form."""
        return [
            f"https://api.parqex.com/oauth/v1/endpoints/{name}",
            f"https://api.parqex.com/oauth/v1/endpoint/{name}",
            f"https://parqex.com/api/oauth/v1/endpoints/{name}",
        ][self.path_form if form is None else form]

    # -- request handling ----------------------------------------------------------

    async def _handle(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        response = self._answer(method, url, data)
        gate = self.hold.get(url.path.rstrip("/").rsplit("/", 1)[-1])
        if gate is not None:
            await gate.wait()
        return response

    def _answer(self, method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        headers = self._mock.mock_calls[-1][3] or {}
        if url.path == TOKEN_PATH:
            return self._token(method, url, data)
        name = url.path.rstrip("/").rsplit("/", 1)[-1]
        if str(url.with_query(None)) != self.resource_url(name):
            return self._reply(method, url, 404, text="<html>Not Found</html>")
        self.calls[name] += 1
        if fault := self._next_fault(name):
            return self._fault(method, url, fault)
        if headers.get("Authorization", "").removeprefix("Bearer ") not in (
            self.access_tokens
        ):
            return self._reply(
                method, url, 401, json={"errors": [{"message": "Unauthorized"}]}
            )
        if name == "user-info" and method == "GET":
            return self._reply(method, url, 200, json=self.user_info)
        if name == "user-info" and method == "POST":
            return self._reply(method, url, 200, json=self.settings)
        if name == "sync":
            if method not in self.sync_methods:
                return self._reply(method, url, 405, text="Method Not Allowed")
            self._advance_travel()
            return self._reply(method, url, 200, json=self.sync)
        if name == "toggle" and method == "POST":
            return self._toggle(method, url, data)
        if name == "toggle-history" and method == "GET":
            return self._toggle_history(method, url)
        return self._reply(method, url, 404, text="no route")

    def _next_fault(self, name: str) -> Fault | None:
        queue = self.faults.get(name)
        return queue.pop(0) if queue else None

    def _fault(self, method: str, url: URL, fault: Fault) -> AiohttpClientMockResponse:
        return AiohttpClientMockResponse(
            method,
            url,
            status=fault.status,
            text=fault.body,
            headers=fault.headers,
            exc=fault.exc,
        )

    @staticmethod
    def _reply(
        method: str, url: URL, status: int, **kwargs: Any
    ) -> AiohttpClientMockResponse:
        return AiohttpClientMockResponse(method, url, status=status, **kwargs)

    def _token(self, method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        form = dict(url.query) if method == "GET" else dict(data or {})
        self.token_requests.append((method, form))
        self.calls["token"] += 1
        if fault := self._next_fault("token"):
            return self._fault(method, url, fault)
        if method not in self.token_methods:
            return self._reply(method, url, 405, text="Method Not Allowed")
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != (
            CLIENT_SECRET
        ):
            return self._reply(method, url, 401, json={"error": "invalid_client"})
        grant = form.get("grant_type")
        if grant == "authorization_code" and form.get("code") in self.auth_codes:
            self.auth_codes.discard(form["code"])
            return self._reply(method, url, 200, json=self.issue_tokens())
        if (
            grant == "refresh_token"
            and form.get("refresh_token") == (self.refresh_token)
            and self.refresh_token is not None
        ):
            return self._reply(method, url, 200, json=self.issue_tokens())
        return self._reply(method, url, 400, json={"error": "invalid_grant"})

    def _toggle(self, method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        body = json.loads(data) if isinstance(data, str) else data
        door_id, wanted = body["door_id"], body["door_state"]
        self.toggles.append((door_id, wanted))
        try:
            self.door(door_id)
        except KeyError:
            # Invalid JSON, as in the published samples; the status decides.
            return self._reply(
                method,
                url,
                404,
                text='{"success": true, "message": "Controller not found"',
            )
        self._moving[door_id] = (wanted, self.travel_syncs)
        # The documentation's success sample is not valid JSON either.
        return self._reply(
            method, url, 200, text='{"success": true, "timestamp": 1608317245.,}'
        )

    def _toggle_history(self, method: str, url: URL) -> AiohttpClientMockResponse:
        query = dict(url.query)
        self.history_queries.append(query)
        start, end = query.get("start_date", ""), query.get("end_date", "")
        if query.get("history_type") == "device":
            if not self.device_history:
                return self._reply(
                    method, url, 400, json={"errors": [{"message": "history_type"}]}
                )
            if query["device_id"] in self.device_history_not_found:
                return self._reply(
                    method, url, 404, json={"errors": [{"message": "Not found"}]}
                )
            doors = {
                door["id"] for door in self.device(query["device_id"])["doors"] or []
            }
        else:
            doors = {query.get("door_id", "")}
        # ParqEx returns newest first here (unless told otherwise); the
        # integration must not rely on order.
        events = [
            event
            for event in (
                self.history if self.history_oldest_first else reversed(self.history)
            )
            # Malformed entries (tests add some) are returned for every door.
            if not isinstance(event, dict)
            or (
                event["door_id"] in doors
                and start <= event["toggle_date_time"][:10] <= end
            )
        ]
        return self._reply(
            method,
            url,
            200,
            json={"success": True, "data": {"toggle_events": events}},
        )

    def _advance_travel(self) -> None:
        for door_id, (wanted, remaining) in list(self._moving.items()):
            if remaining <= 0:
                user = self.user_info["data"]
                self.record(
                    door_id,
                    wanted,
                    user=(user["id"], user["first_name"], user["last_name"]),
                    channel="ParqEx API",
                )
                del self._moving[door_id]
            else:
                self._moving[door_id] = (wanted, remaining - 1)
