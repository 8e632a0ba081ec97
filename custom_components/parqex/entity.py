"""Base entity of ParqEx: one device per controller, honest availability."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import ParqExCoordinator
from .models import AccessPoint, Controller


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


class ParqExAccessPointEntity(CoordinatorEntity[ParqExCoordinator]):
    """An entity of one access point, on its controller's device."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: ParqExCoordinator, access_point: AccessPoint
    ) -> None:
        """Initialize from the access point as last synced."""
        super().__init__(coordinator)
        self.door_id = access_point.id
        self._attr_device_info = controller_device_info(
            coordinator.data.controllers[access_point.controller_id]
        )

    @property
    def access_point(self) -> AccessPoint:
        """The access point as last synced."""
        return self.coordinator.data.access_points[self.door_id]

    @property
    def available(self) -> bool:
        """Available while ParqEx answers and the controller and door are active."""
        return super().available and self.coordinator.is_usable(self.door_id)
