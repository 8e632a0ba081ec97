"""One switch per ParqEx access point: on means OPEN."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .access_points import AccessPointStates
from .client.models import AccessPoint, DoorState
from .entity import (
    ParqExAccessPointEntity,
    ParqExEntity,
    async_track_entities,
)
from .ids import account_id, unique_id
from .kinds import CLOSING_ICONS, DOOR, access_point_kind
from .people import async_caller, not_allowed
from .runtime import ParqExConfigEntry
from .voice import async_keep_from_voice_assistants

# One command at a time, as ParqEx asks. Home Assistant calls a service aimed at
# one entity without this semaphore: the states' 20 s guard covers that case.
PARALLEL_UPDATES = 1

ATTR_CLOSE_PENDING = "close_pending"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch for every access point, now and whenever one appears."""
    account = account_id(entry)

    def _wanted(states: AccessPointStates) -> dict[str, Callable[[], ParqExEntity]]:
        return {
            unique_id(account, door_id): partial(
                ParqExAccessPointSwitch, entry, access_point
            )
            for door_id, access_point in states.access_points.items()
        }

    async_track_entities(hass, entry, async_add_entities, _wanted)


class ParqExAccessPointSwitch(ParqExAccessPointEntity, SwitchEntity):
    """Opens (on) and closes (off) an access point through ParqEx."""

    # The access point's main entity: it takes its device's name ("Garage").
    _attr_name = None

    def __init__(self, entry: ParqExConfigEntry, access_point: AccessPoint) -> None:
        """Initialize the switch of an access point; its kind gives its icons."""
        super().__init__(entry, access_point)
        self._attr_translation_key = access_point_kind(access_point.name)

    async def async_added_to_hass(self) -> None:
        """Keep a new gate opener away from voice assistants (see voice.py)."""
        await super().async_added_to_hass()
        async_keep_from_voice_assistants(self.hass, self.entity_id)

    @property
    def is_on(self) -> bool | None:
        """Return True when the access point is (or was just told to be) OPEN.

        An accepted open shows at once, with no bounce back; an accepted close
        shows only once ParqEx reports the access point CLOSED.
        """
        state = self.states.shown_state(self.door_id)
        return None if state is None else state is DoorState.OPEN

    @property
    def icon(self) -> str | None:
        """Say "closing" while ParqEx carries out an accepted close.

        The switch stays on until ParqEx reports the access point closed; the
        icon is what shows on dashboards that a close is under way.
        """
        if self.states.close_pending(self.door_id):
            return CLOSING_ICONS[self.translation_key or DOOR]
        return None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Whether ParqEx accepted a close it has not reported carried out yet."""
        return {ATTR_CLOSE_PENDING: self.states.close_pending(self.door_id)}

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Ask ParqEx to open the access point."""
        await self._async_request(DoorState.OPEN)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Ask ParqEx to close the access point."""
        await self._async_request(DoorState.CLOSED)

    async def _async_request(self, door_state: DoorState) -> None:
        # As the user sees it (the device's name, or the one they gave).
        shown = self.hass.states.get(self.entity_id)
        name = shown.name if shown is not None else self.entity_id
        # The context of the action that asked, and who caused it (if a person did,
        # directly or by starting the automation or script that asks).
        context = self._context
        runtime = self._entry.runtime_data
        caller = await async_caller(self.hass, self._entry, context)
        if not caller.allowed:
            runtime.access_log.refused(self.door_id, door_state, caller, context)
            raise not_allowed(name)
        await self.states.async_command(self.door_id, door_state, name, context)
        runtime.access_log.note_command(
            self.door_id, door_state, context, caller.user_id
        )
        runtime.coordinator.poll_fast()
