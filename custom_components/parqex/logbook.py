"""Describe ParqEx's access events in the logbook: who operated which access point."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Event, HomeAssistant, callback

from .access_log import (
    EVENT_ACCESS,
    EVENT_CLOSED,
    EVENT_OPENED,
    EVENT_REFUSED,
    VIA_HOME_ASSISTANT,
    who,
)
from .const import DOMAIN

# The logbook shows what platforms describe as they wrote it (no translations).
_DONE = {EVENT_OPENED: "opened", EVENT_CLOSED: "closed"}
_TRIED = {"open": "open", "closed": "close"}


def describe_access(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    """Say what happened: "opened by Gus Guest (Remote)"."""
    by = who(hass, data) or "someone"
    how = (
        "Home Assistant"
        if data.get("via") == VIA_HOME_ASSISTANT
        else data.get("channel")
    )
    by = f"{by} ({how})" if how and how != by else by
    kind = data.get("event_type")
    if kind == EVENT_REFUSED:
        wanted = _TRIED.get(data.get("door_state") or "") or "operate"
        return f"refused to {wanted} for {who(hass, data) or 'someone'} (not allowed)"
    if kind in _DONE:
        return f"{_DONE[kind]} by {by}"
    tried = _TRIED.get(data.get("door_state") or "")
    return f"failed attempt to {tried} by {by}" if tried else f"failed attempt by {by}"


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe the access events the access log fires."""

    @callback
    def _describe(event: Event) -> dict[str, str]:
        data = event.data
        described = {
            LOGBOOK_ENTRY_NAME: data.get("access_point") or "ParqEx",
            LOGBOOK_ENTRY_MESSAGE: describe_access(hass, data),
        }
        if entity_id := data.get(ATTR_ENTITY_ID):
            described[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
        return described

    async_describe_event(DOMAIN, EVENT_ACCESS, _describe)
