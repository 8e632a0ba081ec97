"""Where ParqEx should deliver pushes: a cloudhook, else the external HTTPS URL.

ParqEx refuses plain HTTP (its deliveries carry the API key), so while push is
on without an HTTPS address a repair issue says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import importlib
import logging
from types import ModuleType
from typing import Any

from aiohttp import ClientError

from homeassistant.components.webhook import async_generate_path
from homeassistant.const import CONF_WEBHOOK_ID, EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_entry_oauth2_flow, issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .client.urls import development_base_url
from .const import (
    CONF_CLOUDHOOK_URL,
    CONF_PUSH_TO_RENEW,
    CONF_WEBHOOK_KEY,
    DOMAIN,
    MIN_WEBHOOK_KEY_LENGTH,
)
from .runtime import ParqExConfigEntry

_LOGGER = logging.getLogger(__name__)


def _cloud(hass: HomeAssistant) -> ModuleType | None:
    """Home Assistant Cloud, when it is set up.

    Importing it loads voice assistants and cameras; when Cloud is not set up
    their requirements may be missing, and it is not needed.
    """
    if "cloud" not in hass.config.components:
        return None
    return importlib.import_module("homeassistant.components.cloud")


def _cloud_active(hass: HomeAssistant) -> bool:
    cloud = _cloud(hass)
    return cloud is not None and bool(cloud.async_active_subscription(hass))


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """The URL to give ParqEx, and whether ParqEx can deliver to it."""

    url: str | None
    reachable: bool
    cloudhook: bool


def _external_https_url(hass: HomeAssistant) -> str | None:
    try:
        return get_url(hass, allow_internal=False, require_ssl=True)
    except NoURLAvailableError:
        return None


def parqex_can_deliver(hass: HomeAssistant) -> bool:
    """Whether Home Assistant has an address ParqEx accepts.

    With the development setting the simulator delivers plain HTTP on loopback.
    """
    return (
        _cloud_active(hass)
        or _external_https_url(hass) is not None
        or development_base_url() is not None
    )


async def async_webhook_target(
    hass: HomeAssistant, entry: ParqExConfigEntry
) -> WebhookTarget:
    """Return the URL to give ParqEx, creating a cloudhook when Cloud is active."""
    webhook_id: str = entry.data[CONF_WEBHOOK_ID]
    cloud = _cloud(hass)
    if cloud is not None and cloud.async_active_subscription(hass):
        url: str | None = entry.data.get(CONF_CLOUDHOOK_URL)
        if url is None and cloud.async_is_connected(hass):
            try:
                url = str(await cloud.async_get_or_create_cloudhook(hass, webhook_id))
            except (HomeAssistantError, ClientError, TimeoutError) as err:
                _LOGGER.warning(
                    "Home Assistant Cloud made no cloudhook (%s)", type(err).__name__
                )
            else:
                hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_CLOUDHOOK_URL: url}
                )
        if url is not None:
            return WebhookTarget(url, reachable=True, cloudhook=True)
    path = async_generate_path(webhook_id)
    if (base := _external_https_url(hass)) is not None:
        return WebhookTarget(base + path, reachable=True, cloudhook=False)
    try:
        base = get_url(hass)
    except NoURLAvailableError:
        return WebhookTarget(None, reachable=False, cloudhook=False)
    return WebhookTarget(
        base + path, reachable=development_base_url() is not None, cloudhook=False
    )


async def async_remove_cloudhook(hass: HomeAssistant, entry: ParqExConfigEntry) -> None:
    """Delete the entry's cloudhook, if it made one."""
    cloud = _cloud(hass)
    if cloud is None or CONF_CLOUDHOOK_URL not in entry.data:
        return
    try:
        await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
    except (HomeAssistantError, ValueError):
        # Gone already, or Cloud is not set up: nothing is left to delete.
        return


async def async_client_id(hass: HomeAssistant, entry: ParqExConfigEntry) -> str:
    """Return the client ID of the entry's credentials, for the e-mail to ParqEx."""
    try:
        implementation = (
            await config_entry_oauth2_flow.async_get_config_entry_implementation(
                hass, entry
            )
        )
    except (ValueError, HomeAssistantError):
        # Credentials removed (newer releases raise their own error for it).
        return "-"
    return str(getattr(implementation, "client_id", "-"))


def with_webhook_key(options: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Return the entry's options with this API key saved (empty: push off)."""
    kept = {k: v for k, v in options.items() if k != CONF_WEBHOOK_KEY}
    return {**kept, CONF_WEBHOOK_KEY: key} if key else kept


def webhook_key_error(key: str) -> str | None:
    """Return the error for a key anyone who has the URL could guess, or None."""
    return "key_too_short" if key and len(key) < MIN_WEBHOOK_KEY_LENGTH else None


@callback
def async_push_key_saved(
    hass: HomeAssistant, entry: ParqExConfigEntry, key: str
) -> None:
    """Follow an API key saved (or cleared) by the user: push is set up as asked."""
    if CONF_PUSH_TO_RENEW in entry.data:
        hass.config_entries.async_update_entry(
            entry,
            data={k: v for k, v in entry.data.items() if k != CONF_PUSH_TO_RENEW},
        )
    async_update_push_issue(hass, entry, push_enabled=bool(key))


@callback
def async_update_push_issue(
    hass: HomeAssistant, entry: ParqExConfigEntry, push_enabled: bool | None = None
) -> None:
    """Raise or clear the push repair issues.

    One while push is on and ParqEx cannot deliver; one while push, on before
    the account was deleted and added again, waits for the new address.
    """
    if push_enabled is None:
        push_enabled = bool(entry.options.get(CONF_WEBHOOK_KEY))
    _async_show_issue(
        hass,
        entry,
        "push_off",
        up=bool(entry.data.get(CONF_PUSH_TO_RENEW)) and not push_enabled,
        fixable=True,
    )
    _async_show_issue(
        hass,
        entry,
        "webhook_unreachable",
        up=push_enabled and not parqex_can_deliver(hass),
        fixable=False,
    )


@callback
def _async_show_issue(
    hass: HomeAssistant,
    entry: ParqExConfigEntry,
    kind: str,
    *,
    up: bool,
    fixable: bool,
) -> None:
    """Raise or clear one of an account's push issues.

    A fixable one's dialog is repairs.py's, which needs the entry.
    """
    issue_id = f"{kind}_{entry.entry_id}"
    if not up:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=fixable,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=kind,
        translation_placeholders={"account": entry.title},
        data={"entry_id": entry.entry_id} if fixable else None,
    )


@callback
def async_delete_push_issue(hass: HomeAssistant, entry: ParqExConfigEntry) -> None:
    """Forget the repair issues (the entry is unloaded or deleted)."""
    for kind in ("push_off", "webhook_unreachable"):
        _async_show_issue(hass, entry, kind, up=False, fixable=False)


@callback
def async_track_push_issue(
    hass: HomeAssistant, entry: ParqExConfigEntry
) -> Callable[[], None]:
    """Check now, and whenever the URLs or the Cloud connection change."""
    async_update_push_issue(hass, entry)

    @callback
    def _changed(*_: Any) -> None:
        async_update_push_issue(hass, entry)

    unsubscribers = [hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, _changed)]
    if (cloud := _cloud(hass)) is not None:
        unsubscribers.append(cloud.async_listen_connection_change(hass, _changed))

    @callback
    def _stop() -> None:
        for unsubscribe in unsubscribers:
            unsubscribe()

    return _stop
