"""Sensors of ParqEx: who operated an access point, when, battery, last contact."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .access_log import AccessRecord, who
from .access_points import AccessPointStates
from .client.models import AccessPoint, Controller
from .entity import (
    ParqExAccessPointEntity,
    ParqExControllerEntity,
    ParqExEntity,
    async_track_entities,
)
from .ids import account_id, shown_signal, unique_id
from .runtime import ParqExConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ParqExAccessPointSensorDescription(SensorEntityDescription):
    """A sensor of an access point."""

    exists_fn: Callable[[AccessPoint], bool] = lambda _: True
    value_fn: Callable[[AccessPoint], datetime | int | None]


@dataclass(frozen=True, kw_only=True)
class ParqExControllerSensorDescription(SensorEntityDescription):
    """A sensor of a controller."""

    value_fn: Callable[[Controller], datetime | None]


ACCESS_POINT_SENSORS = (
    ParqExAccessPointSensorDescription(
        key="last_changed",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda door: door.last_toggled,
    ),
    ParqExAccessPointSensorDescription(
        key="sensor_battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        # Only access points with a paired Bluetooth door sensor have a battery.
        exists_fn=lambda door: door.bluetooth_sensor,
        value_fn=lambda door: door.bluetooth_sensor_battery_level,
    ),
)

LAST_OPERATED_BY = "last_operated_by"

CONTROLLER_SENSORS = (
    ParqExControllerSensorDescription(
        key="last_contact",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # It changes with every contact; useful for support, noisy for history.
        entity_registry_enabled_default=False,
        value_fn=lambda controller: controller.last_contact,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of access points and controllers as they appear."""
    account = account_id(entry)

    def _wanted(states: AccessPointStates) -> dict[str, Callable[[], ParqExEntity]]:
        wanted: dict[str, Callable[[], ParqExEntity]] = {
            unique_id(account, door_id, description.key): partial(
                ParqExAccessPointSensor, entry, access_point, description
            )
            for door_id, access_point in states.access_points.items()
            for description in ACCESS_POINT_SENSORS
            if description.exists_fn(access_point)
        }
        wanted.update(
            (
                unique_id(account, door_id, LAST_OPERATED_BY),
                partial(ParqExLastOperatedBy, entry, access_point),
            )
            for door_id, access_point in states.access_points.items()
        )
        wanted.update(
            (
                unique_id(account, controller_id, description.key),
                partial(ParqExControllerSensor, entry, controller, description),
            )
            for controller_id, controller in states.controllers.items()
            for description in CONTROLLER_SENSORS
        )
        return wanted

    async_track_entities(hass, entry, async_add_entities, _wanted)


class ParqExAccessPointSensor(ParqExAccessPointEntity, SensorEntity):
    """A sensor of an access point."""

    entity_description: ParqExAccessPointSensorDescription

    def __init__(
        self,
        entry: ParqExConfigEntry,
        access_point: AccessPoint,
        description: ParqExAccessPointSensorDescription,
    ) -> None:
        """Initialize the sensor."""
        self.entity_description = description
        super().__init__(entry, access_point, description.key)

    @property
    def native_value(self) -> datetime | int | None:
        """Return the value from the last sync."""
        return self.entity_description.value_fn(self.access_point)


class ParqExControllerSensor(ParqExControllerEntity, SensorEntity):
    """A sensor of a controller."""

    entity_description: ParqExControllerSensorDescription

    def __init__(
        self,
        entry: ParqExConfigEntry,
        controller: Controller,
        description: ParqExControllerSensorDescription,
    ) -> None:
        """Initialize the sensor."""
        self.entity_description = description
        super().__init__(entry, controller, description.key)

    @property
    def native_value(self) -> datetime | None:
        """Return the value from the last sync."""
        return self.entity_description.value_fn(self.controller)


class ParqExLastOperatedBy(ParqExAccessPointEntity, RestoreSensor):
    """Who last operated the access point: the newest access event, by ParqEx's time.

    The person's name when one is known, else the ParqEx user's, else the
    channel (such as "Door Sensor") when no user did it; failed attempts count
    too. Restored across restarts; an older event found later never replaces it.
    """

    def __init__(self, entry: ParqExConfigEntry, access_point: AccessPoint) -> None:
        """Initialize the sensor of an access point."""
        super().__init__(entry, access_point, LAST_OPERATED_BY)
        self._attr_extra_state_attributes: dict[str, Any] = {}

    async def async_added_to_hass(self) -> None:
        """Restore who it was, then listen for the access point's newest events."""
        await super().async_added_to_hass()
        if (
            shown := self._entry.runtime_data.access_log.shown(self.door_id)
        ) is not None:
            self._show(shown)
        else:
            # Saved by an earlier version: Home Assistant's restore state.
            if (last := await self.async_get_last_sensor_data()) is not None:
                self._attr_native_value = last.native_value
            if (state := await self.async_get_last_state()) is not None:
                self._attr_extra_state_attributes = {
                    key: state.attributes.get(key) for key in _ATTRIBUTES
                }
        self._shown = self._view()
        self.async_listen_access_records(self._handle_records)
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                shown_signal(self._entry.entry_id, self.door_id),
                self._handle_shown,
            )
        )

    def _show(self, data: Mapping[str, Any]) -> None:
        self._attr_native_value = who(self.hass, data)
        self._attr_extra_state_attributes = {key: data.get(key) for key in _ATTRIBUTES}

    @callback
    def _handle_records(self, records: list[AccessRecord]) -> None:
        self._show(records[-1].data())
        self._async_show()

    @callback
    def _handle_shown(self, data: dict[str, Any]) -> None:
        self._show(data)
        self._async_show()


_ATTRIBUTES = ("channel", "success", "person", "via", "toggled_at")
