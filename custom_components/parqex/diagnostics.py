"""Diagnostics of ParqEx: what support needs, with nothing secret or personal.

Tokens, the PIN code, names, e-mail addresses and serials are left out or
redacted; ParqEx ids are replaced by short hashes that still tell things apart.
"""

from __future__ import annotations

from hashlib import sha256
from typing import Any

from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .application_credentials import DATA_TOKEN_BY_GET
from .client.models import AccessPoint, Controller
from .client.urls import development_base_url
from .const import CONF_CLOUDHOOK_URL, DOMAIN
from .runtime import ParqExConfigEntry, ParqExRuntime
from .webhook_url import parqex_can_deliver


def _hash(value: str) -> str:
    return sha256(value.encode()).hexdigest()[:12]


def _time(value: Any) -> str | None:
    return None if value is None else str(value)


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ParqExConfigEntry
) -> dict[str, Any]:
    """Return diagnostics of a ParqEx account."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    settings = coordinator.settings
    token = entry.data.get("token", {})
    return {
        "entry": {
            "title": REDACTED,
            "unique_id": REDACTED,
            # Credentials added in the UI are named after their client ID.
            "auth_implementation": REDACTED,
            "token": {
                "present": bool(token.get("access_token")),
                "expires_at": token.get("expires_at"),
            },
        },
        "account": {
            "settings_read": settings is not None,
            "time_zone": str(runtime.client.time_zone),
            "door_open_alert_notification_enabled": (
                settings.door_open_alert_notification_enabled if settings else None
            ),
        },
        "api": {
            "fallbacks_in_use": runtime.client.fallbacks_in_use,
            "token_request_by_get": DATA_TOKEN_BY_GET in hass.data
            and bool(hass.data[DATA_TOKEN_BY_GET]),
            "development_base_url": development_base_url(),
        },
        "polling": {
            "update_interval_seconds": (
                coordinator.update_interval.total_seconds()
                if coordinator.update_interval
                else None
            ),
            "last_update_success": coordinator.last_update_success,
            "last_error": _error(coordinator.last_exception),
        },
        "history": runtime.history.diagnostics(),
        "access_log": runtime.access_log.diagnostics(),
        "push": _push(hass, entry),
        "counts": {
            "controllers": len(runtime.states.controllers),
            "access_points": len(runtime.states.access_points),
        },
        "controllers": [
            _controller(runtime, controller)
            for controller in runtime.states.controllers.values()
        ],
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: ParqExConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """Return diagnostics of one controller, or of one access point."""
    runtime = entry.runtime_data
    states = runtime.states
    idents = [ident for domain, ident in device.identifiers if domain == DOMAIN]
    if door_id := next((i for i in idents if i in states.access_points), None):
        return {"access_point": _access_point(runtime, states.access_points[door_id])}
    controller_id = next((i for i in idents if i in states.controllers), None)
    if controller_id is None:
        return {"controller": None}
    return {"controller": _controller(runtime, states.controllers[controller_id])}


def _push(hass: HomeAssistant, entry: ParqExConfigEntry) -> dict[str, Any]:
    # The key, the webhook id and its URL are secrets: only whether they exist.
    webhook = entry.runtime_data.webhook
    return {
        "registered": webhook is not None,
        "parqex_can_deliver": parqex_can_deliver(hass),
        "cloudhook": CONF_CLOUDHOOK_URL in entry.data,
        **(webhook.diagnostics() if webhook is not None else {}),
        "health": entry.runtime_data.push_health.diagnostics(),
    }


def _error(err: BaseException | None) -> str | None:
    # Only the kind of ParqEx error behind it: a message may quote ParqEx's answer.
    if err is None:
        return None
    return type(err.__cause__ or err).__name__


def _controller(runtime: ParqExRuntime, controller: Controller) -> dict[str, Any]:
    states = runtime.states
    return {
        "id": _hash(controller.id),
        "active": controller.active,
        "reachable": states.is_reachable(controller.id),
        "missing": states.is_missing(controller.id),
        "registered": controller.registered,
        "last_contact": _time(controller.last_contact),
        "software_version": controller.software_version,
        "bluetooth_onboard": controller.bluetooth_onboard,
        "time_before_door_open_alert": controller.time_before_door_open_alert,
        "access_points": [
            _access_point(runtime, access_point)
            for access_point in states.access_points_of(controller.id)
        ],
    }


def _access_point(runtime: ParqExRuntime, access_point: AccessPoint) -> dict[str, Any]:
    return {
        "id": _hash(access_point.id),
        "named": bool(access_point.name),
        "state": access_point.state,
        "last_toggled": _time(access_point.last_toggled),
        "active": access_point.active,
        "user_relationship": access_point.user_relationship,
        "entity_number": access_point.entity_number,
        "door_auto_close_enabled": access_point.door_auto_close_enabled,
        "door_auto_close_delay": access_point.door_auto_close_delay,
        "bluetooth_sensor": access_point.bluetooth_sensor,
        "bluetooth_sensor_battery_level": access_point.bluetooth_sensor_battery_level,
        "shown_state": runtime.states.shown_state(access_point.id),
        "close_pending": runtime.states.close_pending(access_point.id),
        "history_refused": access_point.id in runtime.history.refused,
    }
