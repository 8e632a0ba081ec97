"""Binary sensors of ParqEx: access points held open, controllers online."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import ParqExConfigEntry, ParqExCoordinator, ParqExData
from .entity import (
    ParqExAccessPointEntity,
    ParqExControllerEntity,
    async_track_entities,
    unique_id,
)
from .models import AccessPoint, Controller, DoorState

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add "held open" per access point and connectivity per controller."""
    coordinator = entry.runtime_data

    def _wanted(data: ParqExData) -> dict[str, Callable[[], Entity]]:
        wanted: dict[str, Callable[[], Entity]] = {
            unique_id(door_id, "held_open"): partial(
                ParqExHeldOpenSensor, coordinator, access_point
            )
            for door_id, access_point in data.access_points.items()
        }
        wanted.update(
            (
                unique_id(controller_id, "connectivity"),
                partial(ParqExConnectivitySensor, coordinator, controller),
            )
            for controller_id, controller in data.controllers.items()
        )
        return wanted

    async_track_entities(hass, entry, async_add_entities, _wanted)


class ParqExHeldOpenSensor(ParqExAccessPointEntity, BinarySensorEntity):
    """On when the access point has been OPEN longer than its controller allows.

    The limit is the controller's `time_before_door_open_alert`, the same one that
    makes ParqEx send its own door-open alert. Checked at every sync.
    """

    _attr_device_class = BinarySensorDeviceClass.PROBLEM

    def __init__(
        self, coordinator: ParqExCoordinator, access_point: AccessPoint
    ) -> None:
        """Initialize the held-open sensor of an access point."""
        super().__init__(coordinator, access_point, "held_open")

    def _view(self) -> object:
        # Held open is a matter of time: a poll that changes nothing else may change it.
        return (super()._view(), self.available and self.is_on)

    @property
    def is_on(self) -> bool | None:
        """Return whether the access point is held open; None when unknown."""
        access_point = self.access_point
        if access_point.state is None:
            return None
        if access_point.state is DoorState.CLOSED:
            return False
        controller = self.coordinator.data.controllers[access_point.controller_id]
        limit = controller.time_before_door_open_alert
        opened = self.coordinator.as_utc(access_point.last_toggled)
        if not limit or limit <= 0 or opened is None:
            return None
        return dt_util.utcnow() - opened > timedelta(seconds=limit)


class ParqExConnectivitySensor(ParqExControllerEntity, BinarySensorEntity):
    """Whether ParqEx can reach the controller."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: ParqExCoordinator, controller: Controller) -> None:
        """Initialize the connectivity sensor of a controller."""
        super().__init__(coordinator, controller, "connectivity")

    def _view(self) -> object:
        # A refused command (controller offline) changes it without a poll.
        return (super()._view(), self.is_on)

    @property
    def is_on(self) -> bool:
        """On while ParqEx reports the controller active and reachable."""
        return self.coordinator.is_reachable(self.controller_id)
