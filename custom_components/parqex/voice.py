"""Keep gate openers away from voice assistants unless the user exposes them.

Switches are exposed to Assist, Alexa and Google Assistant by default, so a
voice command or "turn on all switches" could open a gate, and Google
Assistant's PIN for doors does not apply to switches.
"""

from __future__ import annotations

from homeassistant.components.homeassistant.const import DATA_EXPOSED_ENTITIES
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
    async_get_entity_settings,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

# Home Assistant's voice assistants (exposed_entities.KNOWN_ASSISTANTS).
VOICE_ASSISTANTS = ("conversation", "cloud.alexa", "cloud.google_assistant")


@callback
def async_keep_from_voice_assistants(hass: HomeAssistant, entity_id: str) -> None:
    """Do not expose the entity where no choice was made; never undo a choice."""
    if DATA_EXPOSED_ENTITIES not in hass.data:
        return
    try:
        settings = async_get_entity_settings(hass, entity_id)
    except HomeAssistantError:
        # Not in the entity registry: nothing can be stored for it.
        return
    for assistant in VOICE_ASSISTANTS:
        if "should_expose" not in settings.get(assistant, {}):
            async_expose_entity(hass, assistant, entity_id, False)
