"""Receives ParqEx's webhook deliveries: authenticates, parses, hands them on.

A delivery is authentic when a request header carries the API key ParqEx gave
for deliveries (the documented header name was lost), as is or as `Bearer <key>`.
It is answered at once: a door change goes to the access point states (which
decide what it changes) and to history (which decides whether it is news); a
refresh for an access point not known yet runs after the answer.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
import hmac
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web

from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from .client.models import Delivery, ParqExDeliveryError
from .const import (
    CONF_WEBHOOK_KEY,
    DELIVERY_MEMORY,
    DOMAIN,
    MAX_DELIVERY_AHEAD,
    MAX_DELIVERY_BYTES,
    MAX_HELD_DELIVERIES,
    UNKNOWN_DOOR_REFRESH_INTERVAL,
)

if TYPE_CHECKING:
    from .runtime import ParqExConfigEntry

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
SAVE_DELAY = 10
# What the log of deliveries and the doors asked about may hold, and how often
# entries too old to matter are dropped.
MAX_REMEMBERED_DELIVERIES = 10_000
MAX_UNKNOWN_DOORS = 1_000
PRUNE_INTERVAL = timedelta(hours=1)


class DeliveryLog:
    """Ids of handled deliveries, kept across restarts, so none counts twice."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Initialize the log of one config entry."""
        self._store: Store[dict[str, float]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.deliveries"
        )
        # Delivery id -> when it was handled (Unix seconds).
        self._handled: dict[str, float] = {}

    def __len__(self) -> int:
        """Return how many ids are remembered."""
        return len(self._handled)

    async def async_load(self) -> None:
        """Read the ids handled by earlier runs."""
        stored = await self._store.async_load() or {}
        self._handled = {
            delivery_id: when
            for delivery_id, when in stored.items()
            if isinstance(when, int | float)
        }
        self.prune()

    def add(self, delivery_id: str) -> bool:
        """Remember a delivery id; False when it was handled before.

        At most so many are kept: past that, the oldest is forgotten first.
        """
        if delivery_id in self._handled:
            return False
        if len(self._handled) >= MAX_REMEMBERED_DELIVERIES:
            del self._handled[next(iter(self._handled))]
        self._handled[delivery_id] = dt_util.utcnow().timestamp()
        self._store.async_delay_save(lambda: self._handled, SAVE_DELAY)
        return True

    def prune(self) -> None:
        """Forget ids older than the memory (on a timer, not per delivery)."""
        oldest = (dt_util.utcnow() - DELIVERY_MEMORY).timestamp()
        self._handled = {k: t for k, t in self._handled.items() if t >= oldest}

    async def async_flush(self) -> None:
        """Write pending changes now (on unload)."""
        await self._store.async_save(self._handled)

    async def async_remove(self) -> None:
        """Forget everything (the config entry is being deleted)."""
        await self._store.async_remove()


def _authentic(request: web.Request, key: str) -> bool:
    """Whether any header carries the key; every header is compared in full."""
    wanted = (key.encode(), f"Bearer {key}".encode())
    found = False
    for value in request.headers.values():
        given = value.strip().encode("utf-8", "surrogateescape")
        for candidate in wanted:
            found |= hmac.compare_digest(given, candidate)
    return found


async def _read_bounded(request: web.Request) -> bytes | None:
    """Read a delivery whole, in chunks, but never more than the limit and a byte.

    None when it is larger: refused before it is read further (a body announced
    as too large is not read at all).
    """
    if (request.content_length or 0) > MAX_DELIVERY_BYTES:
        return None
    body = bytearray()
    while len(body) <= MAX_DELIVERY_BYTES:
        chunk = await request.content.read(MAX_DELIVERY_BYTES + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
    return None


def _answer(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


class ParqExWebhook:
    """The webhook of one config entry: checks, de-duplicates, applies, counts."""

    def __init__(self, hass: HomeAssistant, entry: ParqExConfigEntry) -> None:
        """Initialize the receiver of one ParqEx account."""
        self._hass = hass
        self._entry = entry
        self._registered = False
        # Door changes received before the account's time zone was known.
        self._held: list[tuple[Delivery, datetime]] = []
        self.deliveries = DeliveryLog(hass, entry.entry_id)
        self.counts: Counter[str] = Counter()
        self.last_delivery: datetime | None = None
        self._unknown_doors: dict[str, datetime] = {}
        self._warned_unauthorized = False

    @property
    def enabled(self) -> bool:
        """Push is on while an API key for deliveries is saved."""
        return bool(self._entry.options.get(CONF_WEBHOOK_KEY))

    async def async_register(self) -> None:
        """Read handled ids, then listen (POST only) until `async_unregister`."""
        await self.deliveries.async_load()
        webhook.async_register(
            self._hass,
            DOMAIN,
            "ParqEx",
            self._entry.data[CONF_WEBHOOK_ID],
            self._async_handle,
            allowed_methods=[hdrs.METH_POST],
        )
        self._registered = True
        states = self._entry.runtime_data.states
        self._entry.async_on_unload(states.async_when_time_zone_known(self._apply_held))
        self._entry.async_on_unload(
            async_track_time_interval(self._hass, self._prune, PRUNE_INTERVAL)
        )
        self._entry.async_on_unload(self.async_unregister)

    @callback
    def _prune(self, _: datetime) -> None:
        self.deliveries.prune()
        oldest = dt_util.utcnow() - UNKNOWN_DOOR_REFRESH_INTERVAL
        self._unknown_doors = {
            door_id: asked
            for door_id, asked in self._unknown_doors.items()
            if asked > oldest
        }

    def async_unregister(self) -> None:
        """Stop taking deliveries (first thing on unload)."""
        if self._registered:
            self._registered = False
            webhook.async_unregister(self._hass, self._entry.data[CONF_WEBHOOK_ID])

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        key = str(self._entry.options.get(CONF_WEBHOOK_KEY) or "")
        if not key or not _authentic(request, key):
            return self._refuse_unauthorized(bool(key))
        self._entry.runtime_data.push_health.delivered()
        raw = await _read_bounded(request)
        if raw is None:
            self.counts["refused_bad"] += 1
            return _answer(413, "Delivery too large")
        try:
            delivery = Delivery.from_json(json_loads(raw))
        except (ValueError, ParqExDeliveryError) as err:
            self.counts["refused_bad"] += 1
            _LOGGER.debug("ParqEx delivery refused: %s", err)
            return _answer(400, str(err) or "Invalid delivery")
        now = dt_util.utcnow()
        if delivery.occurred_at is not None and (
            delivery.occurred_at > now + MAX_DELIVERY_AHEAD
        ):
            # A clock this wrong would hold the access point on what it says.
            self.counts["refused_bad"] += 1
            _LOGGER.debug("ParqEx delivery refused: dated in the future")
            return _answer(400, "Delivery dated in the future")
        self.last_delivery = now
        if not self.deliveries.add(delivery.id):
            self.counts["duplicates"] += 1
            return _answer(200, "Already handled")
        if delivery.door_id is None or delivery.door_state is None:
            self.counts["ignored"] += 1
            return _answer(200, "Not a door change")
        if not self._entry.runtime_data.states.time_zone_known:
            if len(self._held) >= MAX_HELD_DELIVERIES:
                del self._held[0]
            self._held.append((delivery, now))
            self.counts["held"] += 1
            return _answer(200, "OK")
        self._apply(delivery, now)
        return _answer(200, "OK")

    def _refuse_unauthorized(self, key_saved: bool) -> web.Response:
        self.counts["refused_unauthorized"] += 1
        if key_saved and not self._warned_unauthorized:
            self._warned_unauthorized = True
            _LOGGER.warning(
                "A ParqEx webhook delivery did not carry the saved API key and was"
                " refused; if ParqEx sent it, check the key in the entry's options"
            )
        else:
            _LOGGER.debug("ParqEx webhook delivery refused (push on: %s)", key_saved)
        return _answer(401, "Unauthorized")

    def _apply_held(self) -> None:
        held, self._held = self._held, []
        for delivery, received_at in held:
            self._apply(delivery, received_at)

    def _apply(self, delivery: Delivery, received_at: datetime) -> None:
        runtime = self._entry.runtime_data
        event = delivery.toggle_event(received_at)
        if event is None or delivery.door_id is None or delivery.door_state is None:
            return
        if delivery.occurred_at is None and (
            event.door_id in runtime.states.access_points
        ):
            # Undated: it cannot be placed in time, so it neither moves a state
            # nor is logged (dated by its arrival, it would be logged again when
            # history gives its time); `sync` and then history tell both.
            self.counts["door_changes"] += 1
            self._entry.async_create_background_task(
                self._hass,
                runtime.coordinator.async_request_refresh(),
                "parqex refresh for an undated delivery",
            )
            return
        known = delivery.occurred_at is not None and runtime.states.apply_push(
            event.door_id, delivery.door_state, event.toggled_at, received_at
        )
        if known:
            runtime.push_health.pushed(event.door_id, event.toggled_at)
            runtime.history.announce_pushed(event)
            self.counts["door_changes"] += 1
            return
        # A new access point, or one this user cannot see: ask `sync` once.
        self.counts["unknown_access_point"] += 1
        now = dt_util.utcnow()
        asked = self._unknown_doors.get(event.door_id)
        if asked is not None and now - asked < UNKNOWN_DOOR_REFRESH_INTERVAL:
            return
        if len(self._unknown_doors) >= MAX_UNKNOWN_DOORS:
            del self._unknown_doors[next(iter(self._unknown_doors))]
        self._unknown_doors.pop(event.door_id, None)
        self._unknown_doors[event.door_id] = now
        self._entry.async_create_background_task(
            self._hass,
            runtime.coordinator.async_request_refresh(),
            "parqex refresh for a pushed access point",
        )

    def diagnostics(self) -> dict[str, Any]:
        """Return push health: booleans and counts, nothing secret."""
        return {
            "enabled": self.enabled,
            "counts": dict(sorted(self.counts.items())),
            "remembered_delivery_ids": len(self.deliveries),
            "seconds_since_last_delivery": None
            if self.last_delivery is None
            else round((dt_util.utcnow() - self.last_delivery).total_seconds()),
        }
