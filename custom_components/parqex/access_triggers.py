"""Triggers the automation editor lists under ParqEx (Home Assistant 2026.2 and later).

The same four as the device triggers, aimed at access points by any target
(their switches, devices, areas, floors or labels): opened, closed and a failed
attempt follow the `parqex_access` event (optionally by a person or a ParqEx
user, by name); held open follows the held-open sensor turning on. A failed
attempt never fires "opened". Imported by trigger.py only where Home Assistant
has the `Trigger` class (the type checker sees it only there too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from homeassistant.const import (
    ATTR_DEVICE_ID,
    CONF_OPTIONS,
    CONF_TARGET,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.event import (
    EventStateChangedData,
    async_track_state_change_event,
)
from homeassistant.helpers.target import (
    TargetSelection,
    async_extract_referenced_entity_ids,
)
from homeassistant.helpers.trigger import (  # type: ignore[attr-defined,unused-ignore]
    Trigger,
    TriggerActionRunner,
    TriggerConfig,
)
from homeassistant.helpers.typing import ConfigType

from .access_log import EVENT_ACCESS
from .const import DOMAIN
from .device_automation import access_point_entities
from .device_trigger import ACCESS_TYPES, CONF_PERSON, CONF_USER_NAME, HELD_OPEN
from .validation import vol

_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_TARGET): cv.TARGET_FIELDS,
        vol.Optional(CONF_OPTIONS, default=dict): vol.Schema(
            {
                vol.Optional(CONF_PERSON): cv.entity_id,
                vol.Optional(CONF_USER_NAME): cv.string,
            }
        ),
    }
)


def _access_point_devices(hass: HomeAssistant, target: ConfigType) -> set[str]:
    """Return the devices of the ParqEx access points a target names, as of now."""
    selected = async_extract_referenced_entity_ids(hass, TargetSelection(target))
    registry = er.async_get(hass)
    devices: set[str] = set()
    for entity_id in selected.referenced | selected.indirectly_referenced:
        entity = registry.async_get(entity_id)
        if (
            entity is not None
            and entity.platform == DOMAIN
            and entity.domain == "switch"
            and entity.device_id
        ):
            devices.add(entity.device_id)
    return devices


class _AccessPointTrigger(Trigger):  # type: ignore[misc,unused-ignore]
    """A trigger aimed at access points."""

    @classmethod
    async def async_validate_config(
        cls, hass: HomeAssistant, config: ConfigType
    ) -> ConfigType:
        """Validate the target and the options."""
        return cast(ConfigType, _SCHEMA(config))

    def __init__(self, hass: HomeAssistant, config: TriggerConfig) -> None:
        """Keep the target and the options."""
        super().__init__(hass, config)
        self._target: ConfigType = config.target or {}
        self._options: ConfigType = config.options or {}


class AccessTrigger(_AccessPointTrigger):
    """Opened, closed or a failed attempt: ParqEx's access events."""

    event_type: str

    async def async_attach_runner(
        self, run_action: TriggerActionRunner, did_not_trigger: Any = None
    ) -> CALLBACK_TYPE:
        """Follow the access events of the targeted access points."""
        wanted = {
            key: value
            for key in (CONF_PERSON, CONF_USER_NAME)
            if (value := self._options.get(key))
        }

        @callback
        def _matches(data: Mapping[str, Any]) -> bool:
            # Cheap checks first; the target is resolved only for a candidate.
            return (
                data.get("event_type") == self.event_type
                and all(data.get(key) == value for key, value in wanted.items())
                and data.get(ATTR_DEVICE_ID)
                in _access_point_devices(self._hass, self._target)
            )

        @callback
        def _access(event: Event[dict[str, Any]]) -> None:
            data = event.data
            run_action(
                {"event": event, "access": dict(data)},
                f"{data.get('access_point')} {self.event_type}",
                event.context,
            )

        return self._hass.bus.async_listen(EVENT_ACCESS, _access, event_filter=_matches)


class OpenedTrigger(AccessTrigger):
    """An access point opened."""

    event_type = ACCESS_TYPES["opened"]


class ClosedTrigger(AccessTrigger):
    """An access point closed."""

    event_type = ACCESS_TYPES["closed"]


class FailedAttemptTrigger(AccessTrigger):
    """A failed attempt at an access point (it never fires "opened")."""

    event_type = ACCESS_TYPES["failed_attempt"]


class HeldOpenTrigger(_AccessPointTrigger):
    """An access point held open past ParqEx's alert time."""

    async def async_attach_runner(
        self, run_action: TriggerActionRunner, did_not_trigger: Any = None
    ) -> CALLBACK_TYPE:
        """Follow the held-open sensors of the targeted access points."""
        sensors = [
            held_open.entity_id
            for device_id in _access_point_devices(self._hass, self._target)
            if (held_open := access_point_entities(self._hass, device_id)[1])
        ]

        @callback
        def _changed(event: Event[EventStateChangedData]) -> None:
            old, new = event.data["old_state"], event.data["new_state"]
            if new is None or new.state != STATE_ON:
                return
            if old is None or old.state != STATE_OFF:
                return
            run_action(
                {
                    "entity_id": new.entity_id,
                    "from_state": old,
                    "to_state": new,
                },
                f"{new.name} held open",
                event.context,
            )

        return async_track_state_change_event(self._hass, sensors, _changed)


TRIGGERS: dict[str, type[Trigger]] = {
    "opened": OpenedTrigger,
    "closed": ClosedTrigger,
    "failed_attempt": FailedAttemptTrigger,
    HELD_OPEN: HeldOpenTrigger,
}
