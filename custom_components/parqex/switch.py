"""One switch per ParqEx access point: on means OPEN."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import ParqExConfigEntry, ParqExCoordinator, ParqExData
from .entity import ParqExAccessPointEntity, async_track_entities, unique_id
from .models import AccessPoint, DoorState
from .voice import async_keep_from_voice_assistants

# Commands are serialized per access point by the coordinator's cooldown instead.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch for every access point, now and whenever one appears."""
    coordinator = entry.runtime_data

    def _wanted(data: ParqExData) -> dict[str, Callable[[], Entity]]:
        return {
            unique_id(door_id): partial(
                ParqExAccessPointSwitch, coordinator, access_point
            )
            for door_id, access_point in data.access_points.items()
        }

    async_track_entities(hass, entry, async_add_entities, _wanted)


class ParqExAccessPointSwitch(ParqExAccessPointEntity, SwitchEntity):
    """Opens (on) and closes (off) an access point through ParqEx."""

    _attr_translation_key = "access_point"

    def __init__(
        self, coordinator: ParqExCoordinator, access_point: AccessPoint
    ) -> None:
        """Initialize the switch of an access point."""
        super().__init__(coordinator, access_point)
        self._attr_translation_placeholders = {
            "number": str(access_point.entity_number or "")
        }
        # ParqEx names doors per user; a nameless door keeps the translated fallback.
        if access_point.name:
            self._attr_name = access_point.name

    async def async_added_to_hass(self) -> None:
        """Keep a new gate opener away from voice assistants (see voice.py)."""
        await super().async_added_to_hass()
        async_keep_from_voice_assistants(self.hass, self.entity_id)

    @property
    def is_on(self) -> bool | None:
        """Return True when ParqEx reports the access point OPEN.

        After ParqEx accepted a command, the requested state shows until `sync`
        confirms it (or the fast polling after the command ends): no bounce back.
        """
        if self.door_id not in self.coordinator.data.access_points:
            return None
        state = self.coordinator.requested_state(self.door_id)
        if state is None:
            state = self.access_point.state
        return None if state is None else state is DoorState.OPEN

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Ask ParqEx to open the access point."""
        await self._async_request(DoorState.OPEN)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Ask ParqEx to close the access point."""
        await self._async_request(DoorState.CLOSED)

    async def _async_request(self, door_state: DoorState) -> None:
        name = self.name if isinstance(self.name, str) else self.entity_id
        await self.coordinator.async_toggle(self.access_point, door_state, name)
        # Accepted: show what was asked for now, not ParqEx's state before the move.
        self.async_write_ha_state()
