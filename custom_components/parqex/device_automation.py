"""What device automations need of an access point's device: its entities.

Triggers and conditions are offered on access point devices only (a
controller's device has none of its own), by the entities on them.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN

# The key in an entity's unique id of the "held open" binary sensor.
HELD_OPEN_KEY = "held_open"


def access_point_entities(
    hass: HomeAssistant, device_id: str
) -> tuple[er.RegistryEntry | None, er.RegistryEntry | None]:
    """Return the switch and the held-open sensor of an access point's device."""
    switch: er.RegistryEntry | None = None
    held_open: er.RegistryEntry | None = None
    for entity in er.async_entries_for_device(er.async_get(hass), device_id):
        if entity.platform != DOMAIN:
            continue
        if entity.domain == "switch":
            switch = entity
        elif entity.domain == "binary_sensor" and entity.unique_id.endswith(
            f"_{HELD_OPEN_KEY}"
        ):
            held_open = entity
    return switch, held_open
