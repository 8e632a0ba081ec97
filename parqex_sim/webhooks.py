"""ParqEx's webhooks: one HTTPS URL per developer app, one POST per event per user.

The API key travels in a header of each delivery (ParqEx's page lost its name:
the simulator lets you choose it). Faults play what a real delivery path does
wrong: duplicates, drops, delays, reordering, a wrong key, a cut-off body.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import json
import secrets
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import aiohttp

from .account import Account, HistoryEvent, User

DEFAULT_HEADER = "X-ParqEx-Api-Key"
FaultKind = Literal["duplicate", "drop", "delay", "reorder", "wrong_key", "malformed"]
FAULT_KINDS: tuple[str, ...] = (
    "duplicate",
    "drop",
    "delay",
    "reorder",
    "wrong_key",
    "malformed",
)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
DELIVERY_TIMEOUT = aiohttp.ClientTimeout(total=10)


class WebhookSettingsError(ValueError):
    """The URL ParqEx was asked to deliver to is not acceptable."""


@dataclass
class WebhookFault:
    """Something to do wrong with the next `count` deliveries."""

    kind: FaultKind
    count: int = 1
    delay: float = 2.0

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> WebhookFault:
        """Build a fault from the control API's JSON."""
        kind = str(raw.get("kind", ""))
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        return cls(
            kind=cast(FaultKind, kind),
            count=int(raw.get("count", 1)),
            delay=float(raw.get("delay", 2.0)),
        )


def check_url(url: str) -> str:
    """ParqEx delivers over HTTPS only; the simulator also to loopback HTTP."""
    parts = urlsplit(url.strip())
    if parts.scheme == "https" and parts.hostname:
        return url.strip()
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return url.strip()
    raise WebhookSettingsError(
        "ParqEx delivers to HTTPS URLs only (the simulator also to loopback HTTP)"
    )


@dataclass
class Webhooks:
    """The app's webhook registration, its faults and what was delivered."""

    account: Account
    url: str | None = None
    key: str | None = None
    header: str = DEFAULT_HEADER
    faults: list[WebhookFault] = field(default_factory=list)
    # What was sent: id, door, state, status (None: no answer), fault.
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    _held: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _session: aiohttp.ClientSession | None = None

    def configure(self, url: str, header: str | None, key: str | None) -> None:
        """Register the URL (as ParqEx support would); a key is made if none given."""
        self.url = check_url(url)
        self.header = (header or DEFAULT_HEADER).strip() or DEFAULT_HEADER
        self.key = key or secrets.token_urlsafe(24)

    def disable(self) -> None:
        """Stop delivering."""
        self.url = self.key = None

    def describe(self) -> dict[str, Any]:
        """Return the settings (the key included: this is a simulator)."""
        return {
            "url": self.url,
            "header": self.header,
            "key": self.key,
            "faults": [vars(fault) for fault in self.faults],
            "deliveries": self.deliveries,
        }

    def event_recorded(self, event: HistoryEvent) -> None:
        """Deliver a door change: one event per user who can see the door."""
        if self.url is None or not event.was_success:
            return
        found = self.account.door(event.door_id)
        if found is None:
            return
        controller, _ = found
        owner = self.account.user_by_email(controller.owner)
        for user in self._users_of(event.door_id):
            self.send(
                door_change(event, controller.id, owner),
                for_user=user.email,
            )

    def _users_of(self, door_id: str) -> list[User]:
        return [
            user for user in self.account.users if self.account.may_use(user, door_id)
        ]

    def send(self, body: dict[str, Any], *, for_user: str | None = None) -> None:
        """Send one delivery now, or as the next fault says."""
        if self.url is None:
            return
        record: dict[str, Any] = {
            "id": body.get("id"),
            "door_id": body.get("doorID"),
            "door_state": body.get("doorState"),
            "occurred": body.get("eventOccurredUTC"),
            "for_user": for_user,
            "status": None,
            "fault": None,
        }
        self.deliveries.append(record)
        fault = self._take_fault()
        if fault is not None:
            record["fault"] = fault.kind
        if fault is not None and fault.kind == "drop":
            return
        if fault is not None and fault.kind == "reorder":
            self._held.append((record, body))
            return
        delay = fault.delay if fault is not None and fault.kind == "delay" else 0.0
        times = 2 if fault is not None and fault.kind == "duplicate" else 1
        # A held delivery goes right after the one that overtook it.
        held, self._held = self._held, []
        sequence = [(record, body, fault)] * times + [
            (late, late_body, None) for late, late_body in held
        ]
        task = asyncio.get_running_loop().create_task(self._post(sequence, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _take_fault(self) -> WebhookFault | None:
        if not self.faults:
            return None
        fault = self.faults[0]
        fault.count -= 1
        if fault.count <= 0:
            self.faults.pop(0)
        return fault

    async def _post(
        self,
        sequence: list[tuple[dict[str, Any], dict[str, Any], WebhookFault | None]],
        delay: float,
    ) -> None:
        if delay:
            await asyncio.sleep(delay)
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=DELIVERY_TIMEOUT)
        for record, body, fault in sequence:
            url, key = self.url, self.key
            if url is None or key is None:
                return
            if fault is not None and fault.kind == "wrong_key":
                key = "not-" + key
            text = json.dumps(body)
            if fault is not None and fault.kind == "malformed":
                text = text[: len(text) // 2]
            try:
                async with self._session.post(
                    url,
                    data=text,
                    headers={self.header: key, "Content-Type": "application/json"},
                ) as response:
                    record["status"] = response.status
            except (aiohttp.ClientError, TimeoutError) as err:
                record["status"] = None
                record["error"] = type(err).__name__

    async def wait(self) -> None:
        """Wait for deliveries under way (tests and the control API use it)."""
        # Done tasks leave the set only in a later loop turn: skip them.
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        """Stop deliveries under way and close the HTTP session."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()


def door_change(
    event: HistoryEvent, controller_id: str, owner: User | None
) -> dict[str, Any]:
    """Return a Beam-shaped delivery of a door change (parqex-api.md section 7)."""
    user = event.user
    at = event.at.replace(microsecond=0)
    return {
        "id": secrets.token_hex(16).upper(),
        "eventType": "door_state_change",
        "toggleID": secrets.token_hex(16).upper(),
        "doorID": event.door_id,
        "doorState": event.door_state,
        "channel": event.channel,
        "deviceID": controller_id,
        "eventOccurred": int(at.timestamp()),
        "eventOccurredUTC": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "doorOwnerUserID": owner.id.replace("-", "") if owner else "",
        "userThatToggled": {
            "firstName": user.first_name if user else "",
            "lastName": user.last_name if user else "",
            "emailAddress": user.email if user else "",
        },
    }
