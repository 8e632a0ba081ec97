"""The ParqEx integration: access points of ParqEx controllers in Home Assistant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry

from .api import ParqExClient
from .auth import ParqExOAuth
from .const import DOMAIN
from .coordinator import ParqExConfigEntry, ParqExCoordinator

PLATFORMS: list[Platform] = [Platform.SWITCH]

# Home Assistant 2025.12+ raises ImplementationUnavailableError when credentials
# may come back; older versions raise a plain ValueError.
_IMPLEMENTATION_UNAVAILABLE: type[Exception] = getattr(
    config_entry_oauth2_flow, "ImplementationUnavailableError", ValueError
)


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

    client = ParqExClient(
        async_get_clientsession(hass), ParqExOAuth(hass, entry, implementation)
    )
    coordinator = ParqExCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ParqExConfigEntry) -> bool:
    """Unload a ParqEx config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ParqExConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a controller's device only once ParqEx no longer has it."""
    controllers = entry.runtime_data.data.controllers
    return not any(
        domain == DOMAIN and ident in controllers
        for domain, ident in device.identifiers
    )
