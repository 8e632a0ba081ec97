"""Diagnostics: useful to support, with no secret or personal datum in them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parqex.const import DOMAIN
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from .fake_parqex import (
    CLIENT_SECRET,
    CONTROLLER,
    GARAGE,
    GATE,
    KITTY,
    OFFLINE_CONTROLLER,
    PIN_CODE,
    USER_ID,
    FakeParqEx,
)
from .helpers import parqex_device, set_up

# Not under freeze_time: the diagnostics view imports modules that freezegun breaks.
pytestmark = pytest.mark.usefixtures("credentials")


def _secrets(fake: FakeParqEx, entry: MockConfigEntry) -> list[str]:
    """Everything that must never appear in diagnostics."""
    token = entry.data["token"]
    return [
        token["access_token"],
        token["refresh_token"],
        CLIENT_SECRET,
        PIN_CODE,
        USER_ID,
        "Ada",
        "Lovelace",
        "ada@example.com",
        "Grace",
        "Hopper",
        "grace@example.com",
        "Production",  # the controllers' owner's last name
        "Kitty",
        "Garage",
        "Pedestrian gate",
        "20000c2a6908848d",  # the controllers' serials
        "20000c2a69088aaa",
        KITTY,
        GARAGE,
        GATE,
        CONTROLLER,
        OFFLINE_CONTROLLER,
    ]


@pytest.fixture
async def diagnosed_entry(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The account set up after the diagnostics component, with some history."""
    assert await async_setup_component(hass, "diagnostics", {})
    fake.record(GARAGE, "OPEN", user=("e7a1", "Grace", "Hopper"))
    await set_up(hass, config_entry)
    return config_entry


async def test_entry_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake: FakeParqEx,
    diagnosed_entry: MockConfigEntry,
) -> None:
    """Counts, states, timings and API dialect are there; secrets are not."""
    diagnostics: dict[str, Any] = await get_diagnostics_for_config_entry(
        hass, hass_client, diagnosed_entry
    )
    text = json.dumps(diagnostics)
    for secret in _secrets(fake, diagnosed_entry):
        assert secret.lower() not in text.lower(), secret

    assert diagnostics["entry"]["title"] == "**REDACTED**"
    assert diagnostics["entry"]["token"]["present"] is True
    assert diagnostics["account"] == {
        "settings_read": True,
        "time_zone": "America/Chicago",
        "door_open_alert_notification_enabled": True,
    }
    assert diagnostics["api"] == {
        "fallbacks_in_use": {},
        "token_request_by_get": False,
        "development_base_url": None,
    }
    assert diagnostics["polling"] == {
        "update_interval_seconds": 30.0,
        "last_update_success": True,
        "last_error": None,
    }
    assert diagnostics["history"] == {
        "started": True,
        "pending": 0,
        "refused": 0,
        # The first reading of each access point (3).
        "requests": 3,
        "device_history_supported": True,
        "last_error": None,
    }
    assert diagnostics["access_log"] == {
        "users_known": 0,
        "events_logged": 0,
        "commands_waiting": 0,
    }
    assert diagnostics["counts"] == {"controllers": 2, "access_points": 3}
    online, offline = diagnostics["controllers"]
    assert (online["active"], online["reachable"]) == (True, True)
    assert (offline["active"], offline["reachable"]) == (False, False)
    assert [ap["state"] for ap in online["access_points"]] == ["OPEN", "OPEN"]
    # Hashed ids still tell access points apart.
    assert len({ap["id"] for ap in online["access_points"]}) == 2


async def test_diagnostics_show_fallbacks_and_errors(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
) -> None:
    """The dialect in use, and the kind of the last error, help support."""
    assert await async_setup_component(hass, "diagnostics", {})
    fake.path_form = 2
    fake.sync_methods = {"POST"}
    fake.token_methods = {"GET"}
    await set_up(hass, config_entry)
    coordinator = config_entry.runtime_data.coordinator
    # Now sync answers no verb at all: an unexpected 405.
    fake.sync_methods = set()
    await coordinator.async_refresh()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )
    assert diagnostics["api"]["fallbacks_in_use"] == {
        "sync": "https://parqex.com/api/oauth/v1/endpoints/sync",
        "user-info": "https://parqex.com/api/oauth/v1/endpoints/user-info",
        "toggle-history": "https://parqex.com/api/oauth/v1/endpoints/toggle-history",
        "sync method": "POST",
    }
    assert diagnostics["polling"]["last_update_success"] is False
    assert diagnostics["polling"]["last_error"] == "ParqExUnexpectedResponseError"


async def test_device_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake: FakeParqEx,
    diagnosed_entry: MockConfigEntry,
) -> None:
    """A controller's diagnostics: its own state and access points, redacted."""
    device = parqex_device(hass, CONTROLLER)
    assert device is not None
    diagnostics = await get_diagnostics_for_device(
        hass, hass_client, diagnosed_entry, device
    )
    text = json.dumps(diagnostics)
    for secret in _secrets(fake, diagnosed_entry):
        assert secret.lower() not in text.lower(), secret
    controller = diagnostics["controller"]
    assert controller["software_version"] == "0"
    assert controller["time_before_door_open_alert"] == 900
    assert [
        ap["bluetooth_sensor_battery_level"] for ap in controller["access_points"]
    ] == [0, 87]

    # An access point's device: that access point.
    garage = parqex_device(hass, GARAGE)
    assert garage is not None
    diagnostics = await get_diagnostics_for_device(
        hass, hass_client, diagnosed_entry, garage
    )
    assert diagnostics["access_point"]["named"] is True
    assert diagnostics["access_point"]["bluetooth_sensor_battery_level"] == 87
    assert GARAGE not in json.dumps(diagnostics)


async def test_credentials_added_in_the_ui_are_not_named(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
) -> None:
    """Credentials added in the UI are named after their client ID: redacted."""
    assert await async_setup_component(hass, "diagnostics", {})
    # A second pair, as a user adds one in the UI (the entry's token is valid:
    # ParqEx is not asked for a new one).
    ui_client_id = "123456789012345678.api.parqex.com"
    ui_named = f"{DOMAIN}_{ui_client_id}"
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(ui_client_id, CLIENT_SECRET), ui_named
    )
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "auth_implementation": ui_named}
    )
    await set_up(hass, config_entry)
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )
    assert diagnostics["entry"]["auth_implementation"] == "**REDACTED**"
    assert ui_client_id.split(".")[0] not in json.dumps(diagnostics)
