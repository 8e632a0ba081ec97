"""The `parqex.get_access_history` action: who operated which access point, when."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)

from .access_log import AccessRecord
from .client.errors import ParqExAuthError, ParqExError
from .client.models import ToggleEvent
from .const import (
    DEFAULT_HISTORY_LIMIT,
    DOMAIN,
    MAX_HISTORY_LIMIT,
    MAX_HISTORY_RANGE_DAYS,
)
from .ids import owner_id
from .people import async_caller, mapped_person
from .runtime import ParqExConfigEntry, ParqExRuntime
from .validation import vol

SERVICE_GET_ACCESS_HISTORY = "get_access_history"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_START_DATE = "start_date"
ATTR_END_DATE = "end_date"
ATTR_LIMIT = "limit"

GET_ACCESS_HISTORY_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_ENTITY_ID): cv.entity_id,
        vol.Optional(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_START_DATE): cv.date,
        vol.Optional(ATTR_END_DATE): cv.date,
        vol.Optional(ATTR_LIMIT, default=DEFAULT_HISTORY_LIMIT): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_HISTORY_LIMIT)
        ),
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the ParqEx actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_ACCESS_HISTORY,
        _async_get_access_history,
        schema=GET_ACCESS_HISTORY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> ParqExConfigEntry:
    entry: ParqExConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise _invalid("unknown_entry")
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded", title=entry.title)
    return entry


def _target_doors(
    hass: HomeAssistant, entry: ParqExConfigEntry, call: ServiceCall
) -> tuple[list[str], str | None]:
    """Return the access points asked for (one, a controller's, or all).

    With the controller, when one is the target.
    """
    data = entry.runtime_data.states
    entity_id: str | None = call.data.get(ATTR_ENTITY_ID)
    device_id: str | None = call.data.get(ATTR_DEVICE_ID)
    if entity_id and device_id:
        raise _invalid("one_target")
    if entity_id:
        entity = er.async_get(hass).async_get(entity_id)
        door_id = (
            owner_id(entity.unique_id)
            if entity is not None and entity.config_entry_id == entry.entry_id
            else None
        )
        if door_id is None or door_id not in data.access_points:
            raise _invalid("unknown_access_point", entity_id=entity_id)
        return [door_id], None
    if device_id:
        device = dr.async_get(hass).async_get(device_id)
        idents = [
            ident
            for domain, ident in (device.identifiers if device else ())
            if domain == DOMAIN
        ]
        # An access point's device: that access point.
        if door_id := next((i for i in idents if i in data.access_points), None):
            return [door_id], None
        controller_id = next((i for i in idents if i in data.controllers), None)
        if controller_id is None:
            raise _invalid("unknown_controller")
        return [
            access_point.id for access_point in data.access_points_of(controller_id)
        ], controller_id
    return list(data.access_points), None


def _date_range(runtime: ParqExRuntime, call: ServiceCall) -> tuple[date, date]:
    end: date = call.data.get(ATTR_END_DATE) or runtime.coordinator.account_today()
    start: date = call.data.get(ATTR_START_DATE) or end - timedelta(days=6)
    if end < start:
        raise _invalid("end_before_start")
    if (end - start).days + 1 > MAX_HISTORY_RANGE_DAYS:
        raise _invalid("range_too_long", days=str(MAX_HISTORY_RANGE_DAYS))
    return start, end


async def _async_get_access_history(call: ServiceCall) -> ServiceResponse:
    """Return the access events of the target, newest first.

    For a controller or the whole account, access points whose history ParqEx
    refuses to this user are skipped and listed under `refused`.
    """
    hass = call.hass
    entry = _loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    # Names and ParqEx user ids: only for administrators and those on the list.
    caller = await async_caller(hass, entry, call.context)
    if not caller.allowed and not caller.is_admin:
        raise _invalid("history_not_allowed")
    runtime = entry.runtime_data
    doors, controller_id = _target_doors(hass, entry, call)
    start, end = _date_range(runtime, call)
    one_door = bool(call.data.get(ATTR_ENTITY_ID))
    events: list[ToggleEvent] = []
    refused: list[str] = []
    read = None
    if controller_id is not None:
        try:
            read = await runtime.client.async_get_device_history(
                controller_id, start, end
            )
        except ParqExAuthError:
            read = None
        except ParqExError as err:
            raise _history_failed(err) from err
    if read is not None:
        events.extend(event for event in read if event.door_id in doors)
    else:
        for door_id in doors:
            try:
                events.extend(
                    await runtime.client.async_get_door_history(door_id, start, end)
                )
            except ParqExAuthError as err:
                if one_door:
                    raise HomeAssistantError(
                        translation_domain=DOMAIN,
                        translation_key="history_not_permitted",
                        translation_placeholders={"name": _name(runtime, door_id)},
                    ) from err
                refused.append(door_id)
            except ParqExError as err:
                raise _history_failed(err) from err
    events.sort(key=lambda event: event.toggled_at, reverse=True)
    switch_ids = _switch_entity_ids(hass, entry)
    return {
        "events": [
            _describe(entry, event, switch_ids)
            for event in events[: call.data[ATTR_LIMIT]]
        ],
        "refused": [
            {
                "access_point": _name(runtime, door_id),
                "entity_id": switch_ids.get(door_id),
            }
            for door_id in refused
        ],
    }


def _history_failed(err: ParqExError) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="history_failed",
        translation_placeholders={"error": str(err)},
    )


def _name(runtime: ParqExRuntime, door_id: str) -> str:
    access_point = runtime.states.access_points.get(door_id)
    if access_point is None:
        return door_id
    return access_point.name or f"#{access_point.entity_number or '?'}"


def _switch_entity_ids(hass: HomeAssistant, entry: ParqExConfigEntry) -> dict[str, str]:
    """Access point id -> its switch, so that answers point at entities."""
    return {
        owner_id(entity.unique_id): entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.domain == "switch"
    }


def _describe(
    entry: ParqExConfigEntry, event: ToggleEvent, switch_ids: dict[str, str]
) -> dict[str, Any]:
    user_id = event.user_id
    record = AccessRecord(
        event, user_id, mapped_person(entry, user_id) if user_id else None, None
    )
    return {
        "access_point": event.door_name or _name(entry.runtime_data, event.door_id),
        "entity_id": switch_ids.get(event.door_id),
        "event_type": record.kind,
        **record.data(),
    }
