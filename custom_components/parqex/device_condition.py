"""Device conditions of an access point: is open, is held open."""

from __future__ import annotations

from typing import Any

from homeassistant.const import (
    CONF_CONDITION,
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_ENTITY_ID,
    CONF_TYPE,
    STATE_ON,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    condition,
    config_validation as cv,
    entity_registry as er,
)
from homeassistant.helpers.typing import ConfigType, TemplateVarsType

from .const import DOMAIN
from .device_automation import access_point_entities
from .validation import vol

IS_OPEN = "is_open"
IS_HELD_OPEN = "is_held_open"

CONDITION_SCHEMA = cv.DEVICE_CONDITION_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_TYPE): vol.In([IS_OPEN, IS_HELD_OPEN]),
        vol.Required(CONF_ENTITY_ID): cv.entity_id_or_uuid,
    }
)


async def async_get_conditions(
    hass: HomeAssistant, device_id: str
) -> list[dict[str, Any]]:
    """List the conditions of an access point's device (none for a controller)."""
    switch, held_open = access_point_entities(hass, device_id)
    base = {CONF_CONDITION: "device", CONF_DEVICE_ID: device_id, CONF_DOMAIN: DOMAIN}
    return [
        {**base, CONF_ENTITY_ID: entity.id, CONF_TYPE: kind}
        for entity, kind in ((switch, IS_OPEN), (held_open, IS_HELD_OPEN))
        if entity is not None
    ]


@callback
def async_condition_from_config(
    hass: HomeAssistant, config: ConfigType
) -> condition.ConditionCheckerType:
    """Whether the switch (open) or the held-open sensor is on."""
    entity_id = er.async_resolve_entity_id(er.async_get(hass), config[CONF_ENTITY_ID])

    @callback
    def _on(hass: HomeAssistant, variables: TemplateVarsType = None) -> bool:
        state = hass.states.get(entity_id or "")
        return state is not None and state.state == STATE_ON

    return _on
