"""Base entities of ParqEx: one device per controller, honest availability."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_platform, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import ParqExConfigEntry, ParqExCoordinator, ParqExData
from .history import access_event_signal
from .models import AccessPoint, Controller, ToggleEvent


def _controller_alone(controller: Controller | None) -> Controller | None:
    """Return a controller without its access points: what entities show of it."""
    return controller and replace(controller, access_points=())


def controller_device_info(controller: Controller) -> DeviceInfo:
    """Describe a controller as a Home Assistant device."""
    serial = controller.blackbox_code or controller.id
    return DeviceInfo(
        identifiers={(DOMAIN, controller.id)},
        manufacturer="ParqEx",
        model="Access controller",
        serial_number=controller.blackbox_code,
        sw_version=controller.software_version,
        translation_key="controller",
        translation_placeholders={"serial": serial[-6:].upper()},
    )


def unique_id(owner: str, key: str | None = None) -> str:
    """Return an entity's unique id: its access point's or controller's id, then key.

    The switch, an access point's main entity, has no key.
    """
    return owner if key is None else f"{owner}_{key}"


def owner_id(entity_unique_id: str) -> str:
    """Return the access point or controller id an entity's unique id starts with."""
    return entity_unique_id.partition("_")[0]


def async_track_entities(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    wanted: Callable[[ParqExData], Mapping[str, Callable[[], Entity]]],
) -> None:
    """Keep a platform's entities to what the last sync wants, by unique id.

    New ones are added; ones no longer wanted (their access point, controller or
    door sensor is gone, even while Home Assistant was stopped) are removed.
    """
    coordinator = entry.runtime_data
    entity_registry = er.async_get(hass)
    platform = entity_platform.async_get_current_platform().domain
    known: set[str] = set()

    @callback
    def _add_new() -> None:
        current = wanted(coordinator.data)
        for entity in er.async_entries_for_config_entry(
            entity_registry, entry.entry_id
        ):
            if entity.domain == platform and entity.unique_id not in current:
                entity_registry.async_remove(entity.entity_id)
        # Forget removed ones, so that one that comes back is added again.
        known.intersection_update(current)
        new = [wanted_id for wanted_id in current if wanted_id not in known]
        known.update(new)
        async_add_entities(current[wanted_id]() for wanted_id in new)

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))


class ParqExEntity(CoordinatorEntity[ParqExCoordinator]):
    """Writes its state only when what it shows changed.

    Every poll updates the coordinator's listeners; a quiet poll (nothing moved)
    would otherwise rewrite every entity's unchanged state.
    """

    _shown: object = None

    def _view(self) -> object:
        """Return what this entity's state is made of."""
        raise NotImplementedError

    async def async_added_to_hass(self) -> None:
        """Remember what the first state showed."""
        await super().async_added_to_hass()
        self._shown = self._view()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state if the access point, controller or availability changed."""
        view = self._view()
        if view == self._shown:
            return
        self._shown = view
        super()._handle_coordinator_update()


class ParqExAccessPointEntity(ParqExEntity):
    """An entity of one access point, on its controller's device.

    Entities other than the switch carry the access point's name in theirs; a
    nameless access point uses the `_numbered` variant of the translation key.
    A rename in ParqEx reloads the entry (see the coordinator), renaming them all.
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: ParqExCoordinator,
        access_point: AccessPoint,
        key: str | None = None,
    ) -> None:
        """Initialize from the access point as last synced."""
        super().__init__(coordinator)
        self.door_id = access_point.id
        self._attr_unique_id = unique_id(access_point.id, key)
        self._attr_device_info = controller_device_info(
            coordinator.data.controllers[access_point.controller_id]
        )
        if key is not None:
            self._attr_translation_key = key if access_point.name else f"{key}_numbered"
            self._attr_translation_placeholders = {
                "access_point": access_point.name,
                "number": str(access_point.entity_number or ""),
            }

    @callback
    def async_listen_toggle_events(
        self, handler: Callable[[list[ToggleEvent]], None]
    ) -> None:
        """Call `handler` with the access point's new events, read or pushed."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                access_event_signal(
                    self.coordinator.config_entry.entry_id, self.door_id
                ),
                handler,
            )
        )

    def _view(self) -> object:
        data = self.coordinator.data
        access_point = data.access_points.get(self.door_id)
        return (
            self.available,
            access_point,
            access_point
            and _controller_alone(data.controllers.get(access_point.controller_id)),
            self.coordinator.requested_state(self.door_id),
            self.coordinator.time_zone,
        )

    @property
    def access_point(self) -> AccessPoint:
        """The access point as last synced."""
        return self.coordinator.data.access_points[self.door_id]

    @property
    def available(self) -> bool:
        """Available while ParqEx answers and the controller and door are active."""
        return super().available and self.coordinator.is_usable(self.door_id)


class ParqExControllerEntity(ParqExEntity):
    """An entity about a controller itself (diagnostic data)."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: ParqExCoordinator, controller: Controller, key: str
    ) -> None:
        """Initialize from the controller as last synced."""
        super().__init__(coordinator)
        self.controller_id = controller.id
        self._attr_translation_key = key
        self._attr_unique_id = unique_id(controller.id, key)
        self._attr_device_info = controller_device_info(controller)

    def _view(self) -> object:
        controller = self.coordinator.data.controllers.get(self.controller_id)
        return (self.available, _controller_alone(controller))

    @property
    def controller(self) -> Controller:
        """The controller as last synced."""
        return self.coordinator.data.controllers[self.controller_id]

    @property
    def available(self) -> bool:
        """Available while ParqEx answers and still lists the controller."""
        return (
            super().available
            and self.controller_id in self.coordinator.data.controllers
        )
