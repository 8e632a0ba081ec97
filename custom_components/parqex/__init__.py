"""The ParqEx integration: access points of ParqEx controllers in Home Assistant."""

from __future__ import annotations

import logging

from homeassistant.components.webhook import async_generate_id
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_entry_oauth2_flow, config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .api import ParqExClient
from .auth import ParqExOAuth
from .const import DOMAIN
from .coordinator import ParqExConfigEntry, ParqExCoordinator
from .history import AnnouncedHistory
from .services import async_setup_services
from .urls import DEVELOPMENT_BASE_URL_ENV, development_base_url
from .webhook import DeliveryLog, ParqExWebhook
from .webhook_url import (
    async_delete_push_issue,
    async_remove_cloudhook,
    async_track_push_issue,
)

_LOGGER = logging.getLogger(__name__)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]

# Home Assistant 2025.12+ raises ImplementationUnavailableError when credentials
# may come back; older versions raise a plain ValueError.
_IMPLEMENTATION_UNAVAILABLE: type[Exception] = getattr(
    config_entry_oauth2_flow, "ImplementationUnavailableError", ValueError
)

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the ParqEx actions (they answer for any loaded account)."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ParqExConfigEntry) -> bool:
    """Set up a ParqEx account from a config entry."""
    try:
        implementation = (
            await config_entry_oauth2_flow.async_get_config_entry_implementation(
                hass, entry
            )
        )
    except (ValueError, _IMPLEMENTATION_UNAVAILABLE) as err:
        if isinstance(err, ConfigEntryAuthFailed):
            # 2026.10+: the implementation is gone for good; reauth links it again.
            raise
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="implementation_unavailable",
        ) from err

    if base_url := development_base_url():
        _LOGGER.warning(
            "ParqEx development setting %s is in use: talking to %s, not ParqEx",
            DEVELOPMENT_BASE_URL_ENV,
            base_url,
        )
    client = ParqExClient(
        async_get_clientsession(hass), ParqExOAuth(hass, entry, implementation)
    )
    coordinator = ParqExCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Deliveries are taken once the entities can show them.
    coordinator.webhook = ParqExWebhook(hass, entry, coordinator)
    await coordinator.webhook.async_register()
    entry.async_on_unload(async_track_push_issue(hass, entry))
    # Now that the event entities listen, announce what happened while we were away.
    entry.async_create_background_task(
        hass, coordinator.async_start_history(), "parqex access history catch-up"
    )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ParqExConfigEntry) -> bool:
    """Unload a ParqEx config entry."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        # A reload reads the logs at once: they must hold everything handled so far.
        coordinator = entry.runtime_data
        await coordinator.history.announced.async_flush()
        if coordinator.webhook is not None:
            await coordinator.webhook.deliveries.async_flush()
        async_delete_push_issue(hass, entry)
    return unloaded


async def async_migrate_entry(hass: HomeAssistant, entry: ParqExConfigEntry) -> bool:
    """Bring entries of earlier versions up to date; refuse newer ones."""
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        # 1.2: every entry has a webhook of its own (push is off until a key is saved).
        hass.config_entries.async_update_entry(
            entry,
            data={**entry.data, CONF_WEBHOOK_ID: async_generate_id()},
            minor_version=2,
        )
    return True


async def async_remove_entry(hass: HomeAssistant, entry: ParqExConfigEntry) -> None:
    """Forget a deleted account's logs, repair issue and cloudhook."""
    await AnnouncedHistory(hass, entry.entry_id).async_remove()
    await DeliveryLog(hass, entry.entry_id).async_remove()
    async_delete_push_issue(hass, entry)
    await async_remove_cloudhook(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ParqExConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a controller's device only once ParqEx no longer has it."""
    controllers = entry.runtime_data.data.controllers
    return not any(
        domain == DOMAIN and ident in controllers
        for domain, ident in device.identifiers
    )
