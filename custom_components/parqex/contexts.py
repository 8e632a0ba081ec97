"""Who caused a command: its context's user, or the user one step up the chain.

An automation or script that a person starts (Run actions, `automation.trigger`,
a button an automation watches) runs in a context of its own, with no user,
whose parent is the context of that person's action. Home Assistant keeps no
record of contexts, so while an account has an allowed list the user contexts
of recent actions are remembered here: at most 512, for at most 10 minutes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
import time

from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import CALLBACK_TYPE, Context, Event, HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

MAX_CONTEXTS = 512
CONTEXT_MEMORY = timedelta(minutes=10)

DATA_CONTEXTS: HassKey[RecentUserContexts] = HassKey(f"{DOMAIN}_user_contexts")


class RecentUserContexts:
    """The users of recent actions, by context id, while someone needs them."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize, not listening yet."""
        self._hass = hass
        self._users: OrderedDict[str, tuple[str, float]] = OrderedDict()
        # Config entry id -> whether it needs them now (it has an allowed list).
        self._needed_by: dict[str, Callable[[], bool]] = {}
        self._unlisten: CALLBACK_TYPE | None = None

    @callback
    def async_need(self, entry_id: str, needed: Callable[[], bool]) -> CALLBACK_TYPE:
        """Remember user contexts while `needed()`, until the callback returned."""
        self._needed_by[entry_id] = needed
        if self._unlisten is None:
            self._unlisten = self._hass.bus.async_listen(
                EVENT_CALL_SERVICE, self._remember
            )

        @callback
        def _release() -> None:
            self._needed_by.pop(entry_id, None)
            if not self._needed_by and self._unlisten is not None:
                self._unlisten()
                self._unlisten = None
                self._users.clear()

        return _release

    @callback
    def _remember(self, event: Event) -> None:
        context = event.context
        if context.user_id is None or not any(
            needed() for needed in self._needed_by.values()
        ):
            return
        self._users[context.id] = (context.user_id, time.monotonic())
        self._users.move_to_end(context.id)
        while len(self._users) > MAX_CONTEXTS:
            self._users.popitem(last=False)

    def user_of(self, context: Context | None) -> str | None:
        """Return the user who caused an action: its own, or its parent context's."""
        if context is None:
            return None
        if context.user_id is not None:
            return context.user_id
        if context.parent_id is None:
            return None
        remembered = self._users.get(context.parent_id)
        if remembered is None:
            return None
        user_id, at = remembered
        if time.monotonic() - at > CONTEXT_MEMORY.total_seconds():
            return None
        return user_id


def recent_user_contexts(hass: HomeAssistant) -> RecentUserContexts:
    """Return Home Assistant's memory of recent user contexts (made on first use)."""
    if (contexts := hass.data.get(DATA_CONTEXTS)) is None:
        contexts = hass.data[DATA_CONTEXTS] = RecentUserContexts(hass)
    return contexts
