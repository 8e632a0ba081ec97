"""Device triggers of an access point: opened, closed, failed attempt, held open.

Opened, closed and a failed attempt may be narrowed to a person or a ParqEx
user (by name); they follow the `parqex_access` event the access log fires for the
access point's device; "held open" follows its held-open sensor turning on.
A failed attempt never fires "opened".
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.homeassistant.triggers import (
    event as event_trigger,
    state as state_trigger,
)
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_ENTITY_ID,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
    STATE_ON,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.selector import EntitySelector, EntitySelectorConfig
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .access_log import EVENT_ACCESS, EVENT_CLOSED, EVENT_FAILED, EVENT_OPENED
from .const import DOMAIN
from .device_automation import access_point_entities
from .validation import vol

CONF_PERSON = "person"
CONF_USER_NAME = "user_name"
HELD_OPEN = "held_open"
# Trigger type -> the access event's `event_type`.
ACCESS_TYPES = {
    "opened": EVENT_OPENED,
    "closed": EVENT_CLOSED,
    "failed_attempt": EVENT_FAILED,
}

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_TYPE): vol.In([*ACCESS_TYPES, HELD_OPEN]),
        vol.Required(CONF_ENTITY_ID): cv.entity_id_or_uuid,
        vol.Optional(CONF_PERSON): cv.entity_id,
        vol.Optional(CONF_USER_NAME): cv.string,
    }
)


async def async_get_triggers(
    hass: HomeAssistant, device_id: str
) -> list[dict[str, Any]]:
    """List the triggers of an access point's device (none for a controller)."""
    switch, held_open = access_point_entities(hass, device_id)
    base = {CONF_PLATFORM: "device", CONF_DEVICE_ID: device_id, CONF_DOMAIN: DOMAIN}
    triggers = []
    if switch is not None:
        triggers = [
            {**base, CONF_ENTITY_ID: switch.id, CONF_TYPE: kind}
            for kind in ACCESS_TYPES
        ]
    if held_open is not None:
        triggers.append({**base, CONF_ENTITY_ID: held_open.id, CONF_TYPE: HELD_OPEN})
    return triggers


async def async_get_trigger_capabilities(
    hass: HomeAssistant, config: ConfigType
) -> dict[str, vol.Schema]:
    """Access events may be narrowed to a person or a ParqEx user."""
    if config[CONF_TYPE] not in ACCESS_TYPES:
        return {}
    return {
        "extra_fields": vol.Schema(
            {
                vol.Optional(CONF_PERSON): EntitySelector(
                    EntitySelectorConfig(domain="person")
                ),
                vol.Optional(CONF_USER_NAME): cv.string,
            }
        )
    }


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Follow the access point's access events, or its held-open sensor."""
    if config[CONF_TYPE] == HELD_OPEN:
        entity_id = er.async_resolve_entity_id(
            er.async_get(hass), config[CONF_ENTITY_ID]
        )
        state_config = state_trigger.TRIGGER_STATE_SCHEMA(
            {
                CONF_PLATFORM: "state",
                CONF_ENTITY_ID: entity_id,
                state_trigger.CONF_TO: STATE_ON,
            }
        )
        return await state_trigger.async_attach_trigger(
            hass, state_config, action, trigger_info, platform_type="device"
        )
    event_data: dict[str, Any] = {
        CONF_DEVICE_ID: config[CONF_DEVICE_ID],
        "event_type": ACCESS_TYPES[config[CONF_TYPE]],
    }
    for key in (CONF_PERSON, CONF_USER_NAME):
        if config.get(key):
            event_data[key] = config[key]
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: EVENT_ACCESS,
            CONF_EVENT_DATA: event_data,
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
