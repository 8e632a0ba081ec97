"""One command at a time per access point, for the whole Home Assistant.

ParqEx asks for one toggle per access point per 20 seconds. The guard of an
access point is taken before ParqEx is asked and refuses every other command
while that one is in flight, and for 20 seconds after ParqEx took it. It lives
in `hass.data`, not in a config entry: accounts that share an access point share
its guard, and a reload (a rename in ParqEx reloads the entry) keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .command_errors import too_soon
from .const import DOMAIN, TOGGLE_COOLDOWN

DATA_GUARDS: HassKey[CommandGuards] = HassKey(f"{DOMAIN}_command_guards")


@dataclass(slots=True, eq=False)
class Guard:
    """One command's hold on an access point; only it can give the hold back."""

    door_id: str
    taken_at: datetime
    in_flight: bool = True


class CommandGuards:
    """The guards of every access point Home Assistant commands."""

    def __init__(self) -> None:
        """Initialize with no access point guarded."""
        self._held: dict[str, Guard] = {}

    def take(self, door_id: str, name: str) -> Guard:
        """Hold the access point for one command, or refuse with the time left.

        A command still in flight holds it however long ParqEx takes to answer.
        """
        self._prune()
        now = dt_util.utcnow()
        if (held := self._held.get(door_id)) is not None:
            free_at = held.taken_at + TOGGLE_COOLDOWN
            # In flight past its 20 s, it is still in flight: a full wait.
            raise too_soon(name, free_at - now if now < free_at else TOGGLE_COOLDOWN)
        guard = self._held[door_id] = Guard(door_id, now)
        return guard

    def accepted(self, guard: Guard) -> None:
        """ParqEx took the command: the hold ends 20 s after it was taken."""
        guard.in_flight = False

    def give_back(self, guard: Guard) -> None:
        """ParqEx did not take the command: free the access point, if still ours."""
        if self._held.get(guard.door_id) is guard:
            del self._held[guard.door_id]

    def _prune(self) -> None:
        """Forget holds that ended."""
        oldest = dt_util.utcnow() - TOGGLE_COOLDOWN
        self._held = {
            door_id: guard
            for door_id, guard in self._held.items()
            if guard.in_flight or guard.taken_at > oldest
        }


def command_guards(hass: HomeAssistant) -> CommandGuards:
    """Return Home Assistant's command guards (made on first use)."""
    if (guards := hass.data.get(DATA_GUARDS)) is None:
        guards = hass.data[DATA_GUARDS] = CommandGuards()
    return guards
