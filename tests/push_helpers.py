"""Deliver ParqEx webhook events to Home Assistant, as ParqEx does."""

from __future__ import annotations

from datetime import datetime
import itertools
from typing import Any

from aiohttp import ClientResponse
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from homeassistant.util import dt as dt_util

from .fake_parqex import CONTROLLER, WEBHOOK_ID, WEBHOOK_KEY

WEBHOOK_PATH = f"/api/webhook/{WEBHOOK_ID}"
# ParqEx's documentation lost the header's name; any header may carry the key.
KEY_HEADER = "X-ParqEx-Api-Key"
_serial = itertools.count(1)


def door_change(
    door_id: str,
    door_state: str,
    *,
    at: datetime | None = None,
    delivery_id: str | None = None,
    channel: str = "ParqEx Web",
    user: tuple[str, str] = ("Grace", "Hopper"),
) -> dict[str, Any]:
    """A Beam-shaped delivery of a door change (parqex-api.md section 7)."""
    at = at or dt_util.utcnow()
    first, last = user
    return {
        "id": delivery_id or f"{next(_serial):032X}",
        "eventType": "door_state_change",
        "toggleID": f"{next(_serial):032X}",
        "doorID": door_id,
        "doorState": door_state,
        "channel": channel,
        "deviceID": CONTROLLER,
        "eventOccurred": int(at.timestamp()),
        "eventOccurredUTC": at.astimezone(dt_util.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "doorOwnerUserID": "01ba9fbf306adfe565ffc816f135a79d",
        "userThatToggled": {
            "firstName": first,
            "lastName": last,
            "emailAddress": f"{first.lower()}@example.com",
        },
    }


async def deliver(
    hass_client_no_auth: ClientSessionGenerator,
    body: Any,
    *,
    headers: dict[str, str] | None = None,
) -> ClientResponse:
    """POST one delivery with the key in a header (unless headers are given)."""
    client = await hass_client_no_auth()
    if headers is None:
        headers = {KEY_HEADER: WEBHOOK_KEY}
    if isinstance(body, bytes | str):
        return await client.post(WEBHOOK_PATH, data=body, headers=headers)
    return await client.post(WEBHOOK_PATH, json=body, headers=headers)
