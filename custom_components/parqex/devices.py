"""Controllers as Home Assistant devices: follow software updates, drop those gone."""

from __future__ import annotations

import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .access_points import AccessPointStates
from .client.models import Controller
from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)


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


@callback
def async_follow_controllers(
    hass: HomeAssistant, entry: ConfigEntry, states: AccessPointStates
) -> None:
    """Follow software updates; drop controllers (and their entities) gone.

    A controller the states still keep (missing only for a while) stays.
    """
    device_registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
        controller = next(
            (states.controllers[i] for i in ids if i in states.controllers), None
        )
        if controller is None:
            if any(states.is_missing(i) for i in ids):
                continue
            _LOGGER.debug("Removing a ParqEx controller that is gone")
            device_registry.async_update_device(
                device.id, remove_config_entry_id=entry.entry_id
            )
        elif device.sw_version != controller.software_version:
            device_registry.async_update_device(
                device.id, sw_version=controller.software_version
            )
