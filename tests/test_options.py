"""Real-time updates set up as a user does: Configure, copy the URL, paste the key."""

from __future__ import annotations

from collections.abc import Callable
import json
import logging
import sys
from types import ModuleType
from unittest.mock import AsyncMock, Mock, patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parqex.const import CONF_WEBHOOK_KEY, DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.setup import async_setup_component

from .fake_parqex import CLIENT_ID, KITTY, WEBHOOK_ID, WEBHOOK_KEY, FakeParqEx
from .helpers import set_up
from .push_helpers import deliver, door_change

pytestmark = pytest.mark.usefixtures("credentials")

EXTERNAL = "https://doors.example.org"
CLOUDHOOK = "https://hooks.nabu.casa/0123456789abcdef"


@pytest.fixture
async def internal_only(hass: HomeAssistant) -> None:
    """Home Assistant known only at a plain-HTTP address on the home network."""
    await hass.config.async_update(
        internal_url="http://192.168.1.20:8123", external_url=None
    )


@pytest.fixture
async def external_https(hass: HomeAssistant) -> None:
    """Home Assistant reachable from the internet over HTTPS."""
    await hass.config.async_update(
        internal_url="http://192.168.1.20:8123", external_url=EXTERNAL
    )


class CloudNotAvailable(HomeAssistantError):
    """What Home Assistant Cloud raises when it cannot do what was asked."""


class CloudNotConnected(CloudNotAvailable):
    """What Home Assistant Cloud raises while it is not connected."""


class FakeCloud(ModuleType):
    """Home Assistant Cloud's functions that the integration uses, at the import edge.

    The real component cannot be imported in every test environment (its voice and
    camera requirements are not installed with the test plugin of newer releases).
    """

    def __init__(self) -> None:
        super().__init__("homeassistant.components.cloud")
        self.active = True
        self.async_is_connected = Mock(return_value=True)
        self.async_get_or_create_cloudhook = AsyncMock(return_value=CLOUDHOOK)
        self.async_delete_cloudhook = AsyncMock()
        self.listeners: list[Callable[[str], None]] = []
        # Home Assistant's own URL helper asks for the remote UI's address.
        self.CloudNotAvailable = CloudNotAvailable

    def async_remote_ui_url(self, hass: HomeAssistant) -> str:
        raise CloudNotAvailable

    def async_active_subscription(self, hass: HomeAssistant) -> bool:
        return self.active

    def async_listen_connection_change(
        self, hass: HomeAssistant, target: Callable[[str], None]
    ) -> Callable[[], None]:
        self.listeners.append(target)
        return lambda: self.listeners.remove(target)


@pytest.fixture
def home_assistant_cloud(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> FakeCloud:
    """An active, connected Home Assistant Cloud subscription."""
    fake_cloud = FakeCloud()
    monkeypatch.setitem(sys.modules, "homeassistant.components.cloud", fake_cloud)
    hass.config.components.add("cloud")
    return fake_cloud


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"webhook_unreachable_{entry.entry_id}"
    )


async def _configure(
    hass: HomeAssistant, entry: MockConfigEntry, key: str | None
) -> dict[str, object]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    user_input = {} if key is None else {CONF_WEBHOOK_KEY: key}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    return dict(entry.options)


@pytest.mark.usefixtures("external_https")
async def test_options_show_the_url_and_take_the_key(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Configure shows the HTTPS URL and the client ID; the key turns push on."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] is None
    assert result["description_placeholders"] == {
        "webhook_url": f"{EXTERNAL}/api/webhook/{WEBHOOK_ID}",
        "client_id": CLIENT_ID,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_WEBHOOK_KEY: f"  {WEBHOOK_KEY}\n"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    assert _issue(hass, loaded_entry) is None
    # No reload is needed: the next delivery is taken.
    response = await deliver(hass_client_no_auth, door_change(KITTY, "CLOSED"))
    assert response.status == 200
    assert hass.states.get("switch.kitty").state == "off"

    # Clearing the key turns push off again.
    assert await _configure(hass, loaded_entry, "") == {}
    response = await deliver(hass_client_no_auth, door_change(KITTY, "OPEN"))
    assert response.status == 401
    assert await _configure(hass, loaded_entry, None) == {}


@pytest.mark.usefixtures("external_https")
async def test_a_key_too_short_to_be_secret_is_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Fewer than 16 characters: a translated error on the field, nothing saved."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_WEBHOOK_KEY: "123456789012345"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_WEBHOOK_KEY: "key_too_short"}
    assert loaded_entry.options == {}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_WEBHOOK_KEY: "1234567890123456"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_WEBHOOK_KEY: "1234567890123456"}


@pytest.mark.usefixtures("internal_only")
async def test_no_https_url_is_said_in_options_and_repairs(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """ParqEx refuses plain HTTP: the form and a repair issue say so."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["errors"] == {"base": "webhook_unreachable"}
    assert result["description_placeholders"]["webhook_url"] == (
        f"http://192.168.1.20:8123/api/webhook/{WEBHOOK_ID}"
    )
    assert _issue(hass, loaded_entry) is None
    await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    issue = _issue(hass, loaded_entry)
    assert issue is not None
    assert issue.translation_key == "webhook_unreachable"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {"account": "Ada Lovelace"}

    # The user sets an external HTTPS URL: the issue goes by itself.
    await hass.config.async_update(external_url=EXTERNAL)
    await hass.async_block_till_done()
    assert _issue(hass, loaded_entry) is None
    await hass.config.async_update(external_url=None)
    await hass.async_block_till_done()
    assert _issue(hass, loaded_entry) is not None

    # Turning push off ends it too.
    await _configure(hass, loaded_entry, "")
    assert _issue(hass, loaded_entry) is None


async def test_no_url_at_all(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """With no URL configured, the form still opens and says what is missing."""
    with patch(
        "custom_components.parqex.webhook_url.get_url",
        side_effect=NoURLAvailableError,
    ):
        result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["errors"] == {"base": "webhook_unreachable"}
    assert result["description_placeholders"]["webhook_url"] == "-"


@pytest.mark.usefixtures("internal_only")
async def test_repair_issue_follows_setup_and_unload(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """Push on without HTTPS at startup raises the issue; unloading removes it."""
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    assert _issue(hass, config_entry) is not None
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert _issue(hass, config_entry) is None


@pytest.mark.usefixtures("internal_only")
async def test_cloudhook_preferred_and_deleted_with_the_entry(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    home_assistant_cloud: FakeCloud,
) -> None:
    """With Home Assistant Cloud, ParqEx gets a cloudhook; removal deletes it."""
    create = home_assistant_cloud.async_get_or_create_cloudhook
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["errors"] is None
    assert result["description_placeholders"]["webhook_url"] == CLOUDHOOK
    create.assert_awaited_once_with(hass, WEBHOOK_ID)
    assert loaded_entry.data["cloudhook_url"] == CLOUDHOOK
    await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    assert _issue(hass, loaded_entry) is None
    # Shown again, the stored cloudhook is reused.
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["description_placeholders"]["webhook_url"] == CLOUDHOOK
    assert create.await_count == 1

    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    home_assistant_cloud.async_delete_cloudhook.assert_awaited_once_with(
        hass, WEBHOOK_ID
    )


@pytest.mark.usefixtures("external_https")
async def test_cloud_not_connected_falls_back_to_the_external_url(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    home_assistant_cloud: FakeCloud,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A cloudhook that cannot be made now leaves the external URL."""
    home_assistant_cloud.async_get_or_create_cloudhook.side_effect = CloudNotConnected
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["description_placeholders"]["webhook_url"] == (
        f"{EXTERNAL}/api/webhook/{WEBHOOK_ID}"
    )
    assert "cloudhook_url" not in loaded_entry.data
    assert "made no cloudhook (CloudNotConnected)" in caplog.text


async def test_removal_without_cloudhook(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    home_assistant_cloud: FakeCloud,
) -> None:
    """An entry that never made a cloudhook is removed without asking Cloud."""
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    home_assistant_cloud.async_delete_cloudhook.assert_not_called()


@pytest.mark.usefixtures("internal_only")
async def test_cloud_not_set_up(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the Cloud component, Cloud is neither imported nor needed."""
    # Importing it would fail: nothing may try.
    monkeypatch.setitem(sys.modules, "homeassistant.components.cloud", None)
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["errors"] == {"base": "webhook_unreachable"}
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)


@pytest.mark.usefixtures("internal_only")
async def test_removal_when_cloud_is_gone(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    home_assistant_cloud: FakeCloud,
) -> None:
    """A cloudhook that Cloud cannot delete any more does not block removal."""
    await hass.config_entries.options.async_init(loaded_entry.entry_id)
    home_assistant_cloud.async_delete_cloudhook.side_effect = CloudNotConnected
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    home_assistant_cloud.async_delete_cloudhook.assert_awaited_once()


async def test_development_setting_accepts_the_simulator(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Against the simulator a loopback HTTP URL is fine (it is not ParqEx)."""
    monkeypatch.setenv("PARQEX_DEVELOPMENT_BASE_URL", "http://127.0.0.1:8765")
    await hass.config.async_update(internal_url="http://127.0.0.1:8123")
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["errors"] is None
    assert result["description_placeholders"]["webhook_url"] == (
        f"http://127.0.0.1:8123/api/webhook/{WEBHOOK_ID}"
    )


@pytest.mark.usefixtures("internal_only")
async def test_options_without_credentials(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """The form opens even when the application credentials were removed."""
    with patch(
        "custom_components.parqex.config_flow.config_entry_oauth2_flow"
        ".async_get_config_entry_implementation",
        side_effect=ValueError,
    ):
        result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["description_placeholders"]["client_id"] == "-"


async def test_push_diagnostics_and_no_secret_anywhere(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    home_assistant_cloud: FakeCloud,
) -> None:
    """Push health shows as booleans and counts; key, id and URL show nowhere."""
    caplog.set_level(logging.DEBUG, logger="custom_components.parqex")
    assert await async_setup_component(hass, "diagnostics", {})
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    await hass.config_entries.options.async_init(config_entry.entry_id)
    await deliver(hass_client_no_auth, door_change(KITTY, "CLOSED"))
    await deliver(hass_client_no_auth, {"id": "1" * 32, "eventType": "user_added"})
    await deliver(hass_client_no_auth, b"{", headers={"X-Key": WEBHOOK_KEY})
    await deliver(hass_client_no_auth, door_change(KITTY, "OPEN"), headers={})
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )
    push = diagnostics["push"]
    assert push.pop("seconds_since_last_delivery") >= 0
    assert push == {
        "registered": True,
        "enabled": True,
        "parqex_can_deliver": True,
        "cloudhook": True,
        "counts": {
            "door_changes": 1,
            "ignored": 1,
            "refused_bad": 1,
            "refused_unauthorized": 1,
        },
        "remembered_delivery_ids": 2,
        "health": {"missed": 0, "missed_in_a_row": 0, "waiting": 0},
    }
    states = json.dumps([state.as_dict() for state in hass.states.async_all()])
    ours = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.parqex")
    )
    for secret in (WEBHOOK_KEY, WEBHOOK_ID, CLOUDHOOK, "hooks.nabu.casa"):
        for text in (json.dumps(diagnostics), states, ours):
            assert secret not in text, secret


@pytest.mark.usefixtures("internal_only")
async def test_cloud_sign_in_clears_the_repair(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    home_assistant_cloud: FakeCloud,
) -> None:
    """Signing in to Home Assistant Cloud later gives ParqEx an address."""
    home_assistant_cloud.active = False
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    assert _issue(hass, config_entry) is not None
    home_assistant_cloud.active = True
    for listener in home_assistant_cloud.listeners:
        listener("cloud_connected")
    assert _issue(hass, config_entry) is None
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert home_assistant_cloud.listeners == []
