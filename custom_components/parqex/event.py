"""One event entity per access point: who opened or closed it, and failed attempts."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .access_log import EVENT_CLOSED, EVENT_FAILED, EVENT_OPENED, AccessRecord
from .access_points import AccessPointStates
from .client.models import AccessPoint
from .entity import (
    ParqExAccessPointEntity,
    ParqExEntity,
    async_track_entities,
)
from .ids import account_id, unique_id
from .runtime import ParqExConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an access event entity for every access point."""
    account = account_id(entry)

    def _wanted(states: AccessPointStates) -> dict[str, Callable[[], ParqExEntity]]:
        return {
            unique_id(account, door_id, "access"): partial(
                ParqExAccessEvent, entry, access_point
            )
            for door_id, access_point in states.access_points.items()
        }

    async_track_entities(hass, entry, async_add_entities, _wanted)


# The frontend picks an entity's icon by its state, which for an event entity is
# a time: icons.json's per-event-type icons show only beside the attribute.
_EVENT_ICONS = {
    EVENT_OPENED: "mdi:door-open",
    EVENT_CLOSED: "mdi:door-closed",
    EVENT_FAILED: "mdi:door-closed-cancel",
}


class ParqExAccessEvent(ParqExAccessPointEntity, EventEntity):
    """Fires when someone operates the access point (newest first, see access_log)."""

    def __init__(self, entry: ParqExConfigEntry, access_point: AccessPoint) -> None:
        """Initialize the access event entity of an access point."""
        super().__init__(entry, access_point, "access")
        self._attr_event_types = [EVENT_OPENED, EVENT_CLOSED, EVENT_FAILED]

    async def async_added_to_hass(self) -> None:
        """Listen for the access point's newest access events."""
        await super().async_added_to_hass()
        self.async_listen_access_records(self._handle_records)

    @property
    def available(self) -> bool:
        """Available while ParqEx answers, even with the controller offline.

        ParqEx keeps the history of an offline controller's access points: what
        happened just before it went offline still fires (an unavailable event
        entity would drop it).
        """
        return self.states.is_answering() and self.states.is_listed(self.door_id)

    @property
    def icon(self) -> str | None:
        """Show what happened last: opened, closed or a failed attempt."""
        return _EVENT_ICONS.get(self.state_attributes.get("event_type") or "")

    @callback
    def _handle_records(self, records: list[AccessRecord]) -> None:
        for record in records:
            if record.kind is not None and not record.identified:
                self._trigger_event(record.kind, record.data())
                self._async_show()
