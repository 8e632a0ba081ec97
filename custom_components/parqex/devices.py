"""Controllers and access points as Home Assistant devices.

One device per controller, and one per access point linked to it, as door
integrations in Home Assistant do: a gate and a garage door can sit in
different areas, and each door's device page shows its own entities.
"""

from __future__ import annotations

import logging
from typing import cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .access_points import AccessPointStates
from .client.models import AccessPoint, Controller
from .const import DOMAIN

# Home Assistant 2026.x links a child device by the parent's device id; older
# releases by the parent's identifiers (`via_device`, removed in 2027.8).
_VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__annotations__

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
def controller_device_id(
    hass: HomeAssistant, entry: ConfigEntry, controller: Controller
) -> str:
    """Return the controller's device id, registering the device if needed.

    Asked for each access point entity: a lookup, not a registration, once the
    device is this entry's (registering it each time cost a set-up a fifth more).
    """
    device_registry = dr.async_get(hass)
    device = _own_device(device_registry, entry.entry_id, (DOMAIN, controller.id))
    if device is None:
        device = device_registry.async_get_or_create(
            config_entry_id=entry.entry_id, **controller_device_info(controller)
        )
    return device.id


def _own_device(
    registry: dr.DeviceRegistry, entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """Return the entry's device of that identifier, if registered."""
    if hasattr(registry, "async_get_device_by_identifier"):
        # Home Assistant 2026.10: a device belongs to one entry, found within it.
        own: dr.DeviceEntry | None = registry.async_get_device_by_identifier(
            identifier, entry_id
        )
        return own
    # Older releases share a device among entries (`config_entries`).
    device = registry.async_get_device(identifiers={identifier})
    if device is None or entry_id not in device.config_entries:
        return None
    return device


@callback
def access_point_device_info(
    hass: HomeAssistant,
    entry: ConfigEntry,
    access_point: AccessPoint,
    controller: Controller,
) -> DeviceInfo:
    """Describe an access point as a device behind its controller.

    Named as in ParqEx; a nameless one by its number (translated).
    """
    info: dict[str, object] = {
        "identifiers": {(DOMAIN, access_point.id)},
        "manufacturer": "ParqEx",
        "model": "Access point",
    }
    if access_point.name:
        info["name"] = access_point.name
    else:
        info["translation_key"] = "access_point"
        info["translation_placeholders"] = {
            "number": str(access_point.entity_number or "")
        }
    # The controller's device first: the first platform set up may not be the
    # one that makes it, and a link to a device not yet made is refused.
    controller_id = controller_device_id(hass, entry, controller)
    if _VIA_DEVICE_ID:
        info["via_device_id"] = controller_id
    else:
        info["via_device"] = (DOMAIN, controller.id)
    return cast(DeviceInfo, info)


@callback
def async_follow_devices(
    hass: HomeAssistant, entry: ConfigEntry, states: AccessPointStates
) -> None:
    """Follow what ParqEx says of the devices; drop those gone for good.

    A controller's software updates; an access point's name (a name the user
    gave the device stays above it); what the states still keep (missing only
    for a while) stays.
    """
    device_registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
        controller = next(
            (states.controllers[i] for i in ids if i in states.controllers), None
        )
        access_point = next(
            (states.access_points[i] for i in ids if i in states.access_points), None
        )
        if controller is None and access_point is None:
            if any(states.is_missing(i) for i in ids):
                continue
            _LOGGER.debug("Removing a ParqEx device that is gone")
            device_registry.async_update_device(
                device.id, remove_config_entry_id=entry.entry_id
            )
        elif controller is not None:
            if device.sw_version != controller.software_version:
                device_registry.async_update_device(
                    device.id, sw_version=controller.software_version
                )
        elif access_point is not None and access_point.name not in ("", device.name):
            device_registry.async_update_device(device.id, name=access_point.name)
