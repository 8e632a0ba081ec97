"""Setting up, refreshing tokens for, and unloading a ParqEx account."""

from __future__ import annotations

from datetime import timedelta
import json
import time
from typing import Any

from aiohttp import ClientConnectionError
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    load_fixture,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.parqex.const import DOMAIN
from homeassistant import exceptions
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import config_entry_oauth2_flow, device_registry as dr
from homeassistant.setup import async_setup_component

from .fake_parqex import (
    CONTROLLER,
    GARAGE,
    GATE,
    KITTY,
    OFFLINE_CONTROLLER,
    FakeParqEx,
    Fault,
)
from .helpers import parqex_device, set_up

pytestmark = pytest.mark.usefixtures("credentials")


def _expire_access_token(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    token = {**entry.data["token"], "expires_at": 0}
    hass.config_entries.async_update_entry(entry, data={**entry.data, "token": token})


async def test_setup_and_unload(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """The account loads, makes its switches, and unloads cleanly."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert len(hass.states.async_entity_ids("switch")) == 3
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("switch.kitty").state == ("unavailable")


@pytest.mark.parametrize(
    "fault",
    [
        Fault(500, "oops"),
        Fault(429, "", headers={"Retry-After": "120"}),
        Fault(200, "<html>maintenance</html>"),
        Fault(200, "", exc=TimeoutError()),
    ],
)
async def test_setup_retries_on_temporary_failure(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry, fault: Fault
) -> None:
    """ParqEx being down or confused at startup means: try again later."""
    fake.fail("sync", fault)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_refused_token_starts_reauth(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """A revoked grant (refresh refused) asks the user to sign in again."""
    fake.revoke_all()
    _expire_access_token(hass, config_entry)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_setup_token_server_down_retries(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """A token endpoint that is down is not a reason to ask for a new sign-in."""
    # Down for the settings read and the sync that follow it.
    fake.fail("token", Fault(503, "busy"), Fault(503, "busy"))
    _expire_access_token(hass, config_entry)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_setup_rejected_access_token_refreshes_once(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """A 401 refreshes the token once, and the call is repeated with the new one."""
    fake.access_tokens.clear()
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.LOADED
    assert fake.calls["token"] == 1
    # The settings read (before the first sync) met the 401 and was repeated.
    assert fake.calls["sync"] == 1
    assert config_entry.data["token"]["access_token"] in fake.access_tokens


async def test_setup_second_401_starts_reauth(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """A 401 even after a refresh means the grant is gone: reauthentication."""
    unauthorized = Fault(401, '{"errors": [{"message": "Unauthorized"}]}')
    fake.fail("sync", unauthorized, unauthorized)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert fake.calls["token"] == 1
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_missing_credentials_retries(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake: FakeParqEx
) -> None:
    """An entry whose application credentials are gone: what each release decides.

    From 2026.10 Home Assistant tells credentials gone for good (the user signs in
    again: a reauthentication flow) from a provider that is down (retry). Older
    releases cannot tell them apart: the entry retries, saying why.
    """
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "auth_implementation": "gone"}
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    reauth = [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == "reauth"
    ]
    if hasattr(exceptions, "UnknownImplementationError"):
        assert config_entry.state is ConfigEntryState.SETUP_ERROR
        assert [flow["handler"] for flow in reauth] == [DOMAIN]
    else:
        assert config_entry.state is ConfigEntryState.SETUP_RETRY
        assert config_entry.error_reason_translation_key == "implementation_unavailable"
        assert reauth == []


async def test_rotated_refresh_token_is_stored(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, object],
) -> None:
    """An expired access token is refreshed and the rotated refresh token saved."""
    old_refresh = loaded_entry.data["token"]["refresh_token"]
    freezer.tick(timedelta(hours=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    new_token = loaded_entry.data["token"]
    assert new_token["refresh_token"] == fake.refresh_token != old_refresh
    assert new_token["expires_at"] > time.time()
    # The old refresh token no longer works at ParqEx: losing the new one would
    # lock the account out, so it must reach storage.
    freezer.tick(timedelta(seconds=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    stored = hass_storage["core.config_entries"]["data"]["entries"]
    stored_entry = next(e for e in stored if e["entry_id"] == loaded_entry.entry_id)
    assert stored_entry["data"]["token"]["refresh_token"] == fake.refresh_token


async def test_stale_device_can_be_removed(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Users may delete a device only when ParqEx no longer has it."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    live = parqex_device(hass, CONTROLLER)
    live_access_point = parqex_device(hass, GARAGE)
    stale = device_registry.async_get_or_create(
        config_entry_id=loaded_entry.entry_id, identifiers={(DOMAIN, "f" * 32)}
    )
    for device, allowed in ((live, False), (live_access_point, False), (stale, True)):
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": loaded_entry.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        assert response["success"] is allowed
    assert parqex_device(hass, OFFLINE_CONTROLLER)


@pytest.mark.parametrize(
    "exc", [ClientConnectionError("reset"), TimeoutError()], ids=["reset", "timeout"]
)
async def test_token_refresh_unreachable_retries(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    exc: Exception,
) -> None:
    """A token endpoint that cannot be reached means: try again later."""
    fake.fail("token", Fault(200, exc=exc), Fault(200, exc=exc))
    _expire_access_token(hass, config_entry)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


class _UnknownImplementationError(ConfigEntryAuthFailed, ValueError):
    """What Home Assistant 2026.10+ raises for credentials that are gone for good."""


async def test_unknown_implementation_on_newer_home_assistant(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Newer versions decide themselves that a lost implementation needs reauth."""

    async def unknown(*args: object) -> None:
        raise _UnknownImplementationError

    monkeypatch.setattr(
        config_entry_oauth2_flow, "async_get_config_entry_implementation", unknown
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_settings_refused_starts_reauth(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """Settings refused even after a token refresh: sign in again."""
    unauthorized = Fault(401, '{"errors": [{"message": "Unauthorized"}]}')
    fake.fail("user-info", unauthorized, unauthorized)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_deleting_the_entry_forgets_its_history(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
) -> None:
    """The log of announced events goes with the account."""
    key = f"{DOMAIN}.{loaded_entry.entry_id}.history"
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert set(hass_storage[key]["data"]) == {KITTY, GARAGE, GATE}
    await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_development_setting_points_everything_at_a_simulator(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With the development setting, ParqEx's URLs all move to its base URL."""
    monkeypatch.setenv("PARQEX_DEVELOPMENT_BASE_URL", "http://127.0.0.1:8765/")
    aioclient_mock.clear_requests()
    aioclient_mock.get(
        "http://127.0.0.1:8765/oauth/v1/endpoints/sync",
        json=json.loads(load_fixture("sync.json")),
    )
    aioclient_mock.post(
        "http://127.0.0.1:8765/oauth/v1/endpoints/user-info",
        json=json.loads(load_fixture("user_settings.json")),
    )
    aioclient_mock.get(
        "http://127.0.0.1:8765/oauth/v1/endpoints/toggle-history",
        json={"data": {"toggle_events": []}},
    )
    await set_up(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert "talking to http://127.0.0.1:8765, not ParqEx" in caplog.text
    assert {str(call[1].with_query(None)) for call in aioclient_mock.mock_calls} == {
        "http://127.0.0.1:8765/oauth/v1/endpoints/sync",
        "http://127.0.0.1:8765/oauth/v1/endpoints/user-info",
        "http://127.0.0.1:8765/oauth/v1/endpoints/toggle-history",
    }
    implementation = (
        await config_entry_oauth2_flow.async_get_config_entry_implementation(
            hass, config_entry
        )
    )
    assert implementation.authorize_url == (  # type: ignore[attr-defined]
        "http://127.0.0.1:8765/oauth/v2/endpoints/authorization/"
    )
    assert implementation.token_url == (  # type: ignore[attr-defined]
        "http://127.0.0.1:8765/oauth/v2/endpoints/token/"
    )
