"""Sensors of ParqEx: when access points last moved, battery, controller contact."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import ParqExConfigEntry, ParqExCoordinator, ParqExData
from .entity import (
    ParqExAccessPointEntity,
    ParqExControllerEntity,
    async_track_entities,
    unique_id,
)
from .models import AccessPoint, Controller

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ParqExAccessPointSensorDescription(SensorEntityDescription):
    """A sensor of an access point."""

    exists_fn: Callable[[AccessPoint], bool] = lambda _: True
    value_fn: Callable[[ParqExCoordinator, AccessPoint], datetime | int | None]


@dataclass(frozen=True, kw_only=True)
class ParqExControllerSensorDescription(SensorEntityDescription):
    """A sensor of a controller."""

    value_fn: Callable[[ParqExCoordinator, Controller], datetime | None]


ACCESS_POINT_SENSORS = (
    ParqExAccessPointSensorDescription(
        key="last_changed",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda coordinator, door: coordinator.as_utc(door.last_toggled),
    ),
    ParqExAccessPointSensorDescription(
        key="sensor_battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        # Only access points with a paired Bluetooth door sensor have a battery.
        exists_fn=lambda door: door.bluetooth_sensor,
        value_fn=lambda _, door: door.bluetooth_sensor_battery_level,
    ),
)

CONTROLLER_SENSORS = (
    ParqExControllerSensorDescription(
        key="last_contact",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # It changes with every contact; useful for support, noisy for history.
        entity_registry_enabled_default=False,
        value_fn=lambda coordinator, controller: coordinator.as_utc(
            controller.last_contact
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of access points and controllers as they appear."""
    coordinator = entry.runtime_data

    def _wanted(data: ParqExData) -> dict[str, Callable[[], Entity]]:
        wanted: dict[str, Callable[[], Entity]] = {
            unique_id(door_id, description.key): partial(
                ParqExAccessPointSensor, coordinator, access_point, description
            )
            for door_id, access_point in data.access_points.items()
            for description in ACCESS_POINT_SENSORS
            if description.exists_fn(access_point)
        }
        wanted.update(
            (
                unique_id(controller_id, description.key),
                partial(ParqExControllerSensor, coordinator, controller, description),
            )
            for controller_id, controller in data.controllers.items()
            for description in CONTROLLER_SENSORS
        )
        return wanted

    async_track_entities(hass, entry, async_add_entities, _wanted)


class ParqExAccessPointSensor(ParqExAccessPointEntity, SensorEntity):
    """A sensor of an access point."""

    entity_description: ParqExAccessPointSensorDescription

    def __init__(
        self,
        coordinator: ParqExCoordinator,
        access_point: AccessPoint,
        description: ParqExAccessPointSensorDescription,
    ) -> None:
        """Initialize the sensor."""
        self.entity_description = description
        super().__init__(coordinator, access_point, description.key)

    @property
    def native_value(self) -> datetime | int | None:
        """Return the value from the last sync."""
        return self.entity_description.value_fn(self.coordinator, self.access_point)


class ParqExControllerSensor(ParqExControllerEntity, SensorEntity):
    """A sensor of a controller."""

    entity_description: ParqExControllerSensorDescription

    def __init__(
        self,
        coordinator: ParqExCoordinator,
        controller: Controller,
        description: ParqExControllerSensorDescription,
    ) -> None:
        """Initialize the sensor."""
        self.entity_description = description
        super().__init__(coordinator, controller, description.key)

    @property
    def native_value(self) -> datetime | None:
        """Return the value from the last sync."""
        return self.entity_description.value_fn(self.coordinator, self.controller)
