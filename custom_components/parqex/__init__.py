"""The ParqEx integration: access points of ParqEx controllers in Home Assistant."""

from __future__ import annotations

import logging

from homeassistant.components.webhook import async_generate_id
from homeassistant.const import CONF_WEBHOOK_ID, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import (
    config_entry_oauth2_flow,
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.json import json_loads

from .access_log import AccessLog
from .access_points import AccessPointStates
from .auth import ParqExOAuth
from .client.api import ParqExClient
from .client.urls import DEVELOPMENT_BASE_URL_ENV, development_base_url
from .const import DOMAIN
from .coordinator import ParqExCoordinator
from .history import AccessHistoryReader, AnnouncedHistory
from .ids import account_id, owner_id
from .people import async_follow_allowed_list
from .push_health import PushHealth
from .removed_accounts import async_remember as async_remember_removed_account
from .runtime import ParqExConfigEntry, ParqExRuntime
from .services import async_setup_services
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
        async_get_clientsession(hass),
        ParqExOAuth(hass, entry, implementation),
        loads=json_loads,
    )
    states = AccessPointStates(hass, entry, client.async_toggle)
    # What earlier runs made entities and devices for is removed only if it stays
    # missing from ParqEx's answers, not because the first one left it out.
    states.expect(_known_ids(hass, entry))
    access_log = AccessLog(hass, entry)
    await access_log.async_load()
    history = AccessHistoryReader(
        hass, entry.entry_id, client, access_log.announce, access_log.identify
    )
    push_health = PushHealth(hass, entry)
    coordinator = ParqExCoordinator(hass, entry, client, states, history, push_health)
    entry.runtime_data = ParqExRuntime(
        client, states, coordinator, history, access_log, push_health
    )
    await coordinator.async_config_entry_first_refresh()

    @callback
    def _after_poll() -> None:
        # Entities first learn that ParqEx answers, then hear the poll's news.
        states.set_answering(coordinator.last_update_success)
        if coordinator.last_update_success:
            history.release()

    # The only listener of the coordinator (it polls while it has one).
    entry.async_on_unload(coordinator.async_add_listener(_after_poll))

    @callback
    def _stopping(_: Event) -> None:
        # Home Assistant stops without unloading: news of a poll cut short go now.
        history.release()

    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, _stopping))
    entry.async_on_unload(async_follow_allowed_list(hass, entry))
    _after_poll()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Deliveries are taken once the entities can show them.
    entry.runtime_data.webhook = ParqExWebhook(hass, entry)
    await entry.runtime_data.webhook.async_register()
    entry.async_on_unload(async_track_push_issue(hass, entry))
    # Now that the event entities listen, announce what happened while we were away.
    entry.async_create_background_task(
        hass,
        history.async_start(states, coordinator.account_today()),
        "parqex access history catch-up",
    )
    return True


def _known_ids(hass: HomeAssistant, entry: ParqExConfigEntry) -> set[str]:
    """Access point and controller ids of the entry's entities and devices."""
    ids = {
        owner_id(entity.unique_id)
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    }
    ids.update(
        ident
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        for domain, ident in device.identifiers
        if domain == DOMAIN
    )
    ids.discard("")
    return ids


async def async_unload_entry(hass: HomeAssistant, entry: ParqExConfigEntry) -> bool:
    """Unload a ParqEx config entry: stop what feeds it, then flush its logs."""
    runtime = entry.runtime_data
    if runtime.webhook is not None:
        runtime.webhook.async_unregister()
    await runtime.coordinator.async_shutdown()
    # A poll cut short keeps its news: log them while the entities are there
    # (their history marks them announced already).
    runtime.history.release()
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    # A reload reads the logs at once: they must hold everything handled so far.
    await runtime.history.announced.async_flush()
    await runtime.access_log.async_flush()
    if runtime.webhook is not None:
        await runtime.webhook.deliveries.async_flush()
    if unloaded:
        async_delete_push_issue(hass, entry)
        ir.async_delete_issue(hass, DOMAIN, runtime.coordinator.zone_issue_id)
        runtime.push_health.async_stop()
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
    if entry.minor_version < 3:
        # 1.3: unique ids start with the ParqEx user id, so that two accounts
        # sharing an access point both have its entities; ids, areas and names stay.
        account = account_id(entry)

        @callback
        def _with_account(entity: er.RegistryEntry) -> dict[str, str] | None:
            if entity.unique_id.startswith(f"{account}_"):
                return None
            return {"new_unique_id": f"{account}_{entity.unique_id}"}

        await er.async_migrate_entries(hass, entry.entry_id, _with_account)
        hass.config_entries.async_update_entry(entry, minor_version=3)
    if entry.minor_version < 4:
        # 1.4: each access point is a device of its own, behind its controller.
        _async_move_access_points_to_devices(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=4)
    return True


# Keys of entities about a controller itself (the others are an access point's).
_CONTROLLER_KEYS = {"connectivity", "last_contact"}


@callback
def _async_move_access_points_to_devices(
    hass: HomeAssistant, entry: ParqExConfigEntry
) -> None:
    """Give each access point's entities a device of its own.

    0.3.0 had them on the controller's. Entity ids and the names users gave
    stay, and so does the area each entity shows in: the device takes the
    switch's own area (the switch now goes by the device's name, and Home
    Assistant keeps areas of such entities on the device) or else the
    controller's; an entity that showed in another area gets it as its own.
    """
    entity_registry = er.async_get(hass)
    device_registry = dr.async_get(hass)
    by_door: dict[str, list[er.RegistryEntry]] = {}
    for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
        key = entity.unique_id.split("_", 2)[2:]
        if not (key and key[0] in _CONTROLLER_KEYS) and entity.device_id:
            by_door.setdefault(owner_id(entity.unique_id), []).append(entity)
    for door_id, entities in by_door.items():
        controller = device_registry.async_get(entities[0].device_id or "")
        if controller is None or (DOMAIN, door_id) in controller.identifiers:
            continue
        switch = next((e for e in entities if e.domain == Platform.SWITCH), None)
        # The switch moves its own area to the device, unless the user named it.
        area_from_switch = (
            switch.area_id if switch is not None and not switch.name else None
        )
        device = device_registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(DOMAIN, door_id)},
            manufacturer="ParqEx",
            model="Access point",
            # The switch was named after the access point, as ParqEx names it.
            name=switch.original_name if switch is not None else None,
        )
        area_id = device.area_id or area_from_switch or controller.area_id
        device_registry.async_update_device(
            device.id, via_device_id=controller.id, area_id=area_id
        )
        for entity in entities:
            if entity is switch and area_from_switch is not None:
                own_area = None
            elif entity.area_id is None and controller.area_id != area_id:
                own_area = controller.area_id
            else:
                own_area = entity.area_id
            entity_registry.async_update_entity(
                entity.entity_id, device_id=device.id, area_id=own_area
            )


async def async_remove_entry(hass: HomeAssistant, entry: ParqExConfigEntry) -> None:
    """Forget a deleted account's logs, repair issue and cloudhook.

    What adding it again needs is kept (see removed_accounts).
    """
    await async_remember_removed_account(hass, entry)
    await AnnouncedHistory(hass, entry.entry_id).async_remove()
    await AccessLog(hass, entry).async_remove()
    await DeliveryLog(hass, entry.entry_id).async_remove()
    async_delete_push_issue(hass, entry)
    await async_remove_cloudhook(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ParqExConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a device only once ParqEx no longer has it."""
    states = entry.runtime_data.states
    return not any(
        domain == DOMAIN
        and (ident in states.controllers or ident in states.access_points)
        for domain, ident in device.identifiers
    )
