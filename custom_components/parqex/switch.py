"""One switch per ParqEx access point: on means OPEN."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import ParqExConfigEntry, ParqExCoordinator
from .entity import ParqExAccessPointEntity
from .models import AccessPoint, DoorState

# Commands are serialized per access point by the coordinator's cooldown instead.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch for every access point, now and whenever one appears."""
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def _add_new_access_points() -> None:
        current = coordinator.data.access_points
        # Forget removed ones, so that an access point that comes back is added again.
        known.intersection_update(current)
        new = [door_id for door_id in current if door_id not in known]
        known.update(new)
        async_add_entities(
            ParqExAccessPointSwitch(coordinator, current[door_id]) for door_id in new
        )

    _add_new_access_points()
    entry.async_on_unload(coordinator.async_add_listener(_add_new_access_points))


class ParqExAccessPointSwitch(ParqExAccessPointEntity, SwitchEntity):
    """Opens (on) and closes (off) an access point through ParqEx."""

    _attr_translation_key = "access_point"

    def __init__(
        self, coordinator: ParqExCoordinator, access_point: AccessPoint
    ) -> None:
        """Initialize the switch of an access point."""
        super().__init__(coordinator, access_point)
        self._attr_unique_id = access_point.id
        self._attr_translation_placeholders = {
            "number": str(access_point.entity_number or "")
        }
        self._update_name(access_point)

    def _update_name(self, access_point: AccessPoint) -> None:
        # ParqEx names doors per user; a nameless door keeps the translated fallback.
        if access_point.name:
            self._attr_name = access_point.name

    @callback
    def _handle_coordinator_update(self) -> None:
        if self.door_id in self.coordinator.data.access_points:
            self._update_name(self.access_point)
        super()._handle_coordinator_update()

    @property
    def is_on(self) -> bool | None:
        """Return True when ParqEx reports the access point OPEN."""
        if self.door_id not in self.coordinator.data.access_points:
            return None
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
