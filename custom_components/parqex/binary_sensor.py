"""Binary sensors of ParqEx: access points held open, controllers online."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .access_points import AccessPointStates
from .client.models import AccessPoint, Controller, DoorState
from .entity import (
    ParqExAccessPointEntity,
    ParqExControllerEntity,
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
    """Add "held open" per access point and connectivity per controller."""
    account = account_id(entry)

    def _wanted(states: AccessPointStates) -> dict[str, Callable[[], ParqExEntity]]:
        wanted: dict[str, Callable[[], ParqExEntity]] = {
            unique_id(account, door_id, "held_open"): partial(
                ParqExHeldOpenSensor, entry, access_point
            )
            for door_id, access_point in states.access_points.items()
        }
        wanted.update(
            (
                unique_id(account, controller_id, "connectivity"),
                partial(ParqExConnectivitySensor, entry, controller),
            )
            for controller_id, controller in states.controllers.items()
        )
        return wanted

    async_track_entities(hass, entry, async_add_entities, _wanted)


class ParqExHeldOpenSensor(ParqExAccessPointEntity, BinarySensorEntity):
    """On when the access point has been OPEN longer than its controller allows.

    The limit is the controller's `time_before_door_open_alert`, the same one that
    makes ParqEx send its own door-open alert. Held open is a matter of time: a
    timer turns it on when the limit passes, with no poll needed.
    """

    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _cancel_timer: CALLBACK_TYPE | None = None

    def __init__(self, entry: ParqExConfigEntry, access_point: AccessPoint) -> None:
        """Initialize the held-open sensor of an access point."""
        super().__init__(entry, access_point, "held_open")

    async def async_added_to_hass(self) -> None:
        """Start the timer of an access point open now."""
        await super().async_added_to_hass()
        self._follow_limit()
        self.async_on_remove(self._stop_timer)

    @callback
    def _changed(self) -> None:
        self._follow_limit()
        super()._changed()

    def _stop_timer(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None

    def _follow_limit(self) -> None:
        """Wake up when the open access point reaches its controller's limit."""
        self._stop_timer()
        due = self._held_open_at()
        if due is not None and due >= dt_util.utcnow():
            self._cancel_timer = async_track_point_in_utc_time(
                self.hass, self._limit_reached, due + timedelta(seconds=1)
            )

    @callback
    def _limit_reached(self, _: datetime) -> None:
        self._cancel_timer = None
        self._changed()

    def _held_open_at(self) -> datetime | None:
        """When the access point counts as held open; None when it cannot."""
        access_point = self.states.access_points.get(self.door_id)
        if access_point is None:
            return None
        controller = self.states.controllers.get(access_point.controller_id)
        limit = controller.time_before_door_open_alert if controller else None
        if (
            access_point.state is not DoorState.OPEN
            or not limit
            or limit <= 0
            or access_point.last_toggled is None
        ):
            return None
        return access_point.last_toggled + timedelta(seconds=limit)

    @property
    def is_on(self) -> bool | None:
        """Return whether the access point is held open; None when unknown."""
        state = self.access_point.state
        if state is None:
            return None
        if state is DoorState.CLOSED:
            return False
        due = self._held_open_at()
        return None if due is None else dt_util.utcnow() > due


class ParqExConnectivitySensor(ParqExControllerEntity, BinarySensorEntity):
    """Whether ParqEx can reach the controller."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: ParqExConfigEntry, controller: Controller) -> None:
        """Initialize the connectivity sensor of a controller."""
        super().__init__(entry, controller, "connectivity")

    @property
    def is_on(self) -> bool:
        """On while ParqEx reports the controller active and reachable."""
        return self.states.is_reachable(self.controller_id)
