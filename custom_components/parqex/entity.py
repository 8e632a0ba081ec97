"""Base entities of ParqEx: a device per controller and access point; honest state.

Entities render what the access point states hold. Each listens to its own
access point or controller only, and writes its state only when what it shows
changed: a poll in which nothing moved writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_platform, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .access_points import AccessPointStates
from .client.models import AccessPoint, Controller
from .devices import access_point_device_info, controller_device_info
from .entity_budget import async_kinds_without_room, async_tell_started_disabled
from .ids import access_record_signal, account_id, owner_id, unique_id

if TYPE_CHECKING:
    from .access_log import AccessRecord
    from .runtime import ParqExConfigEntry


def async_track_entities(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    wanted: Callable[[AccessPointStates], Mapping[str, Callable[[], ParqExEntity]]],
) -> None:
    """Keep a platform's entities to what the states want, by unique id.

    New ones are added (enabled while the entry has room for their kind);
    ones no longer wanted are removed once their access point or controller is
    gone for good (not while ParqEx leaves it out for a while), or at once when
    only the entity is gone (a door sensor unpaired).
    """
    states = entry.runtime_data.states
    entity_registry = er.async_get(hass)
    platform = entity_platform.async_get_current_platform().domain
    known: set[str] = set()

    @callback
    def _follow() -> None:
        current = wanted(states)
        for registered in er.async_entries_for_config_entry(
            entity_registry, entry.entry_id
        ):
            if (
                registered.domain == platform
                and registered.unique_id not in current
                and not states.is_missing(owner_id(registered.unique_id))
            ):
                entity_registry.async_remove(registered.entity_id)
        # Forget removed ones, so that one that comes back is added again.
        known.intersection_update(current)
        new = [wanted_id for wanted_id in current if wanted_id not in known]
        known.update(new)
        entities = [current[wanted_id]() for wanted_id in new]
        if entities and (without_room := async_kinds_without_room(hass, entry, states)):
            # Home Assistant reads this default only when it registers an entity:
            # one already registered stays as it is.
            started_disabled = [
                entity for entity in entities if entity.kind in without_room
            ]
            for entity in started_disabled:
                entity.start_disabled()
            if started_disabled:
                async_tell_started_disabled(hass, entry)
        async_add_entities(entities)

    _follow()
    entry.async_on_unload(states.async_subscribe_members(_follow))


class ParqExEntity(Entity):
    """Listens to one access point or controller; writes only what changed."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _shown: object = None

    def __init__(
        self, entry: ParqExConfigEntry, owner: str, key: str | None = None
    ) -> None:
        """Initialize the entity of an access point or controller."""
        self._entry = entry
        self._owner = owner
        # What kind of entity it is (entity_budget.py gives room by kind).
        self.kind = key
        self._attr_unique_id = unique_id(account_id(entry), owner, key)

    def start_disabled(self) -> None:
        """Register disabled: the entry has no room left for this kind."""
        self._attr_entity_registry_enabled_default = False

    @property
    def states(self) -> AccessPointStates:
        """The account's access point states."""
        return self._entry.runtime_data.states

    def _view(self) -> object:
        """Return what this entity shows (nothing more of an unavailable one)."""
        if not self.available:
            return None
        return (self.state, self.extra_state_attributes)

    async def async_added_to_hass(self) -> None:
        """Remember what the first state showed; follow changes of its owner."""
        await super().async_added_to_hass()
        self._shown = self._view()
        self.states.async_subscribe(self._owner, self._changed)

    async def async_will_remove_from_hass(self) -> None:
        """Stop following the owner (a bound method compares equal to itself)."""
        self.states.async_unsubscribe(self._owner, self._changed)
        await super().async_will_remove_from_hass()

    @callback
    def _changed(self) -> None:
        if self._view() != self._shown:
            self._async_show()

    @callback
    def _async_show(self) -> None:
        """Write the state, and remember it as shown."""
        self._shown = self._view()
        self.async_write_ha_state()

    async def async_update(self) -> None:
        """Ask ParqEx again (the update entity action)."""
        await self._entry.runtime_data.coordinator.async_request_refresh()


class ParqExAccessPointEntity(ParqExEntity):
    """An entity of one access point, on the access point's own device.

    The device is named as in ParqEx (a rename there renames it, and so its
    entities, unless the user named it); the switch takes the device's name.
    """

    def __init__(
        self,
        entry: ParqExConfigEntry,
        access_point: AccessPoint,
        key: str | None = None,
    ) -> None:
        """Initialize from the access point as last synced."""
        super().__init__(entry, access_point.id, key)
        self.door_id = access_point.id
        self._controller_id = access_point.controller_id
        if key is not None:
            self._attr_translation_key = key

    @property
    def device_info(self) -> DeviceInfo:
        """The access point's device, behind its controller's."""
        states = self.states
        return access_point_device_info(
            self.hass,
            self._entry,
            states.access_points[self.door_id],
            states.controllers[self._controller_id],
        )

    @callback
    def _changed(self) -> None:
        # What ParqEx shows a command carried out is written in the action that
        # asked (the logbook names who), however long the door took.
        if (context := self.states.answered_context(self.door_id)) is not None:
            self.async_set_context(context)
        super()._changed()

    @callback
    def async_listen_access_records(
        self, handler: Callable[[list[AccessRecord]], None]
    ) -> None:
        """Call `handler` with the access point's newest access events."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                access_record_signal(self._entry.entry_id, self.door_id),
                handler,
            )
        )

    @property
    def access_point(self) -> AccessPoint:
        """The access point as ParqEx last reported it."""
        return self.states.access_points[self.door_id]

    @property
    def available(self) -> bool:
        """Available while ParqEx answers and the controller and door are active."""
        return self.states.is_usable(self.door_id)


class ParqExControllerEntity(ParqExEntity):
    """An entity about a controller itself (diagnostic data)."""

    def __init__(
        self, entry: ParqExConfigEntry, controller: Controller, key: str
    ) -> None:
        """Initialize from the controller as last synced."""
        super().__init__(entry, controller.id, key)
        self.controller_id = controller.id
        self._attr_translation_key = key
        self._attr_device_info = controller_device_info(controller)

    @property
    def controller(self) -> Controller:
        """The controller as ParqEx last reported it."""
        return self.states.controllers[self.controller_id]

    @property
    def available(self) -> bool:
        """Available while ParqEx answers and still lists the controller."""
        states = self.states
        return (
            states.is_answering()
            and self.controller_id in states.controllers
            and not states.is_missing(self.controller_id)
        )
