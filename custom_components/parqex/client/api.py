"""Async client of the ParqEx REST API (no Home Assistant imports).

It speaks the API as ParqEx documents it, with fallbacks for the published
documentation's contradictions: alternative paths after a routing 404, and
`POST sync` after a 405 on `GET sync`. What answered is remembered for the session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from email.utils import parsedate_to_datetime
import json
import logging
import re
import time
from typing import Any, Final, Protocol

import aiohttp

from .checkins import CheckIns
from .errors import (
    ParqExAuthError,
    ParqExBadRequestError,
    ParqExConnectionError,
    ParqExControllerNotFoundError,
    ParqExError,
    ParqExNotSupportedError,
    ParqExRateLimitedError,
    ParqExSensorRequiredError,
    ParqExServerError,
    ParqExUnexpectedResponseError,
)
from .models import (
    Controller,
    DoorState,
    SyncCache,
    ToggleEvent,
    UserInfo,
    UserSettings,
    parse_sync,
    parse_toggle_history,
)
from .times import Earlier
from .urls import parqex_urls

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT: Final = 15.0

# Keys of ParqEx's JSON envelopes; a 404 without them is a routing miss, not an answer.
_ENVELOPE_KEYS: Final = frozenset({"success", "errors", "message", "data", "timestamp"})
# ParqEx's own bodies are not always valid JSON, so they are also recognised by text.
_ENVELOPE_TEXT: Final = re.compile(r'^\s*\{\s*"(success|errors|message|data)"\s*:')


class AccessTokenProvider(Protocol):
    """Hands out a valid access token; a rejected one makes it refresh."""

    async def async_get_access_token(self, rejected_token: str | None = None) -> str:
        """Return a valid token, refreshing it if `rejected_token` is still current."""


class _Reply:
    """An answer: its JSON is decoded when first asked for.

    A `sync` answer that differs from the last only in check-ins never is.
    """

    __slots__ = ("_body", "_decode", "raw", "retry_after", "status")

    def __init__(
        self,
        status: int,
        raw: bytes,
        retry_after: float | None,
        decode: Callable[[bytes], Any],
    ) -> None:
        self.status = status
        self.raw = raw
        self.retry_after = retry_after
        self._decode = decode
        self._body: Any = _NOT_DECODED

    @property
    def body(self) -> Any:
        """The answer's JSON; None when it has none."""
        if self._body is _NOT_DECODED:
            self._body = self._decode(self.raw)
        return self._body

    @property
    def from_parqex(self) -> bool:
        """Whether it is ParqEx's envelope (an answer), not a web server's page."""
        body = self.body
        return (
            isinstance(body, Mapping) and not _ENVELOPE_KEYS.isdisjoint(body)
        ) or bool(_ENVELOPE_TEXT.match(self.raw.decode("utf-8", errors="replace")))


_NOT_DECODED: Final = object()


@dataclass(frozen=True, slots=True)
class _Call:
    name: str
    method: str
    json_body: Any
    params: Mapping[str, str] | None


def _server_message(body: Any) -> str:
    """Return ParqEx's error text from either of its two error shapes."""
    if isinstance(body, Mapping):
        if isinstance(body.get("message"), str):
            return str(body["message"])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            return str(errors[0].get("message", ""))
    return ""


def _parse_retry_after(value: str | None) -> float | None:
    """Read Retry-After as seconds or as an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class ParqExClient:
    """ParqEx API client on a shared aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        auth: AccessTokenProvider,
        *,
        api_root: str | None = None,
        web_root: str | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
        loads: Callable[[bytes | str], Any] = json.loads,
    ) -> None:
        """Initialize the client; the roots default to ParqEx's (or the simulator's).

        `loads` decodes answers (from bytes): Home Assistant gives its orjson one.
        """
        urls = parqex_urls()
        api_root = (api_root or urls.api_root).rstrip("/")
        web_root = (web_root or urls.web_root).rstrip("/")
        self._session = session
        self._auth = auth
        self._loads = loads
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        # The consistent form first, then the forms the documentation also shows.
        self._path_templates: tuple[str, ...] = (
            f"{api_root}/oauth/v1/endpoints/{{name}}",
            f"{api_root}/oauth/v1/endpoint/{{name}}",
            f"{web_root}/api/oauth/v1/endpoints/{{name}}",
        )
        self._path_choice: dict[str, int] = {}
        self._method_choice: dict[str, str] = {}
        # ParqEx's times have no zone: they are in the account's (see user settings).
        self._time_zone: tzinfo = UTC
        self._parsed = SyncCache()
        # The last answer read in full, for telling one that differs only in
        # check-ins (see checkins.py).
        self._check_ins: CheckIns | None = None
        # When the last `sync` answered was asked for (see times.Earlier).
        self._synced_at: datetime | None = None
        # Whether ParqEx answers `history_type=device` (None: not asked yet).
        self._device_history: bool | None = None

    @property
    def time_zone(self) -> tzinfo:
        """The zone ParqEx's times are read in (the account's, once known)."""
        return self._time_zone

    @time_zone.setter
    def time_zone(self, zone: tzinfo) -> None:
        if zone != self._time_zone:
            # Door entries parsed in the old zone are parsed again.
            self._parsed.clear()
            self._check_ins = None
        self._time_zone = zone

    @property
    def fallbacks_in_use(self) -> dict[str, str]:
        """Which documented alternatives answered, per endpoint (for diagnostics)."""
        used = {
            name: self._path_templates[index].format(name=name)
            for name, index in self._path_choice.items()
            if index
        }
        for name, method in self._method_choice.items():
            used[f"{name} method"] = method
        return used

    async def async_get_user_info(self) -> UserInfo:
        """Return the signed-in user."""
        reply = await self._request("user-info", "GET")
        return UserInfo.from_json(reply.body)

    async def async_get_user_settings(self) -> UserSettings:
        """Return the user's settings (time zone among them)."""
        reply = await self._request("user-info", "POST", json_body={})
        return UserSettings.from_json(reply.body)

    async def async_get_controllers(
        self, previous: Mapping[str, datetime | None] | None = None
    ) -> tuple[Controller, ...]:
        """Return every controller of the account with its access points.

        `previous`: the times ParqEx reported before, by door or controller id.
        """
        asked_at = datetime.now(UTC)
        reply = await self._request("sync", "GET", expect_body=False)
        earlier = Earlier(previous or {}, self._synced_at)
        controllers = (
            None
            if self._check_ins is None
            else self._check_ins.read(reply.raw, self.time_zone, earlier)
        )
        if controllers is None:
            if reply.body is None:
                raise ParqExUnexpectedResponseError("sync answered without JSON")
            controllers = parse_sync(
                reply.body, self.time_zone, previous, self._parsed, self._synced_at
            )
            self._check_ins = CheckIns.of(
                reply.raw, reply.body, self.time_zone, controllers
            )
        self._synced_at = asked_at
        return controllers

    async def async_toggle(self, door_id: str, door_state: DoorState) -> None:
        """Ask ParqEx to move an access point; it returns before the door moves."""
        await self._request(
            "toggle",
            "POST",
            json_body={"door_id": door_id, "door_state": door_state.value},
            expect_body=False,
        )

    async def async_get_door_history(
        self, door_id: str, start_date: date, end_date: date
    ) -> tuple[ToggleEvent, ...]:
        """Return an access point's history over whole days, oldest first."""
        reply = await self._request(
            "toggle-history",
            "GET",
            params={
                "history_type": "door",
                "door_id": door_id,
                "start_date": start_date.isoformat(),
                "end_date": end_date.isoformat(),
            },
        )
        return parse_toggle_history(reply.body, self.time_zone)

    @property
    def device_history_supported(self) -> bool:
        """Whether ParqEx may answer a controller's history in one request."""
        return self._device_history is not False

    async def async_get_device_history(
        self, device_id: str, start_date: date, end_date: date
    ) -> tuple[ToggleEvent, ...] | None:
        """Return a controller's history in one request; None where ParqEx lacks it.

        Only an example of ParqEx's shows `history_type=device`: when ParqEx
        refuses it as malformed, the caller asks per access point, and this
        session does not ask for it again. "Not found" concerns this controller
        only (offline, or no longer shared): asked per access point this time.
        """
        if not self.device_history_supported:
            return None
        try:
            reply = await self._request(
                "toggle-history",
                "GET",
                params={
                    "history_type": "device",
                    "device_id": device_id,
                    "start_date": start_date.isoformat(),
                    "end_date": end_date.isoformat(),
                },
            )
        except ParqExBadRequestError:
            self._device_history = False
            return None
        except ParqExControllerNotFoundError:
            return None
        self._device_history = True
        return parse_toggle_history(reply.body, self.time_zone)

    async def _request(
        self,
        name: str,
        method: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        expect_body: bool = True,
    ) -> _Reply:
        """Call an endpoint, refreshing the token once after a 401."""
        call = _Call(name, method, json_body, params)
        token = await self._auth.async_get_access_token()
        reply = await self._request_routed(call, token)
        if reply.status == 401:
            token = await self._auth.async_get_access_token(rejected_token=token)
            reply = await self._request_routed(call, token)
        _raise_for_reply(name, reply)
        if expect_body and reply.body is None:
            raise ParqExUnexpectedResponseError(f"{name} answered without JSON")
        return reply

    async def _request_routed(self, call: _Call, token: str) -> _Reply:
        """Try the remembered path first, then the documented alternatives."""
        name = call.name
        method = self._method_choice.get(name, call.method)
        first = self._path_choice.get(name, 0)
        reply = _Reply(404, b"", None, self._decode)
        for index in range(first, len(self._path_templates)):
            url = self._path_templates[index].format(name=name)
            reply = await self._send(call, method, url, token)
            if reply.status == 405 and name == "sync" and method == "GET":
                # The predecessor API documented sync as POST.
                reply = await self._send(call, "POST", url, token)
                if reply.status != 405:
                    _LOGGER.info("ParqEx %s answers POST instead of GET", name)
                    self._method_choice[name] = "POST"
                    method = "POST"
            if reply.status == 404 and not reply.from_parqex:
                _LOGGER.debug("ParqEx %s is not at path form %d", name, index)
                continue
            if index != first:
                _LOGGER.info(
                    "ParqEx %s answers at the documented alternative %s", name, url
                )
            self._path_choice[name] = index
            return reply
        return reply

    async def _send(self, call: _Call, method: str, url: str, token: str) -> _Reply:
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Accept-Charset": "utf-8",
            "Accept-Encoding": "gzip",
        }
        try:
            async with self._session.request(
                method,
                url,
                headers=headers,
                params=call.params,
                data=None if call.json_body is None else json.dumps(call.json_body),
                timeout=self._timeout,
            ) as response:
                raw = await response.read()
                retry_after = _parse_retry_after(response.headers.get("Retry-After"))
                status = response.status
        except TimeoutError as err:
            raise ParqExConnectionError(f"timeout calling ParqEx {method}") from err
        except aiohttp.ClientError as err:
            raise ParqExConnectionError(
                f"cannot reach ParqEx: {type(err).__name__}"
            ) from err
        return _Reply(status, raw, retry_after, self._decode)

    def _decode(self, raw: bytes) -> Any:
        """Decode an answer's JSON; None when it has none."""
        if not raw:
            return None
        try:
            return self._loads(raw)
        except ValueError:
            pass
        try:
            # Not UTF-8 throughout: what can be read of it.
            return self._loads(raw.decode("utf-8", errors="replace"))
        except ValueError:
            # The documentation's own sample answers are not valid JSON.
            return None


def _raise_for_reply(name: str, reply: _Reply) -> None:
    """Decide by HTTP status, never by the envelope's `success`."""
    status = reply.status
    if 200 <= status < 300:
        return
    message = _server_message(reply.body)
    error: ParqExError
    if status == 400:
        error = ParqExBadRequestError(message or f"{name}: bad request")
    elif status in (401, 403):
        error = ParqExAuthError(f"{name}: ParqEx refused the credentials ({status})")
    elif status == 404 and reply.from_parqex:
        error = ParqExControllerNotFoundError(message or f"{name}: not found")
    elif status == 428:
        error = ParqExSensorRequiredError(message or f"{name}: door sensor required")
    elif status == 429:
        error = ParqExRateLimitedError(reply.retry_after)
    elif status == 501:
        error = ParqExNotSupportedError(message or f"{name}: not supported")
    elif status >= 500:
        error = ParqExServerError(f"{name}: ParqEx server error {status}")
    else:
        error = ParqExUnexpectedResponseError(f"{name}: unexpected status {status}")
    raise error
