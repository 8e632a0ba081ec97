"""Room for enabled entities: the switches first, the other kinds as wholes."""

from __future__ import annotations

from collections import Counter
import logging

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex import entity_budget
from custom_components.parqex.const import DOMAIN
from custom_components.parqex.ids import entity_kind
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    entity_platform,
    entity_registry as er,
    issue_registry as ir,
)

from .fake_parqex import CONTROLLER, GARAGE, USER_ID, FakeParqEx
from .helpers import set_up, tick

# The fake account: 3 access points (one with a door sensor), 2 controllers.
DOORS, CONTROLLERS = 3, 2
# Room for the switches, the controllers' connectivity and the access events.
LIMIT = DOORS + CONTROLLERS + DOORS


def _kinds(
    entity_registry: er.EntityRegistry, entry: MockConfigEntry, enabled: bool
) -> Counter[str | None]:
    return Counter(
        entity_kind(entity.unique_id)
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if (entity.disabled_by is None) == enabled
    )


@pytest.fixture
def limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small limit, ours and Home Assistant's (2026.x drops what is over)."""
    monkeypatch.setattr(entity_budget, "ENABLED_LIMIT", LIMIT)
    monkeypatch.setattr(
        entity_platform, "MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", LIMIT, raising=False
    )


@pytest.mark.usefixtures("credentials", "limit")
async def test_switches_get_room_first(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Over the limit, every access point keeps its switch; later kinds start
    disabled as wholes (registered, so the user can enable them), and Repairs
    says why. Home Assistant drops nothing.
    """
    caplog.set_level(logging.WARNING)
    await set_up(hass, config_entry)

    assert _kinds(entity_registry, config_entry, enabled=True) == {
        None: DOORS,
        "connectivity": CONTROLLERS,
        "access": DOORS,
    }
    assert _kinds(entity_registry, config_entry, enabled=False) == {
        "last_operated_by": DOORS,
        "held_open": DOORS,
        "last_changed": DOORS,
        "sensor_battery": 1,
        # Disabled by default at any size.
        "last_contact": CONTROLLERS,
    }
    disabled = entity_registry.async_get(
        entity_registry.async_get_entity_id(
            "sensor", DOMAIN, f"{USER_ID}_{GARAGE}_last_operated_by"
        )
    )
    assert disabled.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert "maximum of" not in caplog.text
    issue = issue_registry.async_get_issue(
        DOMAIN, f"entities_started_disabled_{config_entry.entry_id}"
    )
    assert issue.translation_key == "entities_started_disabled"
    assert issue.translation_placeholders["limit"] == str(LIMIT)

    # What started disabled stays as it is at the next start (the user decides).
    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _kinds(entity_registry, config_entry, enabled=True)["last_operated_by"] == 0


@pytest.mark.usefixtures("credentials")
async def test_an_account_that_fits_starts_all_enabled(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Under the limit, every kind starts enabled and Repairs stays quiet."""
    await set_up(hass, config_entry)

    assert set(_kinds(entity_registry, config_entry, enabled=False)) == {"last_contact"}
    assert {kind for kind, _ in entity_budget.ROOM} == set(
        _kinds(entity_registry, config_entry, enabled=True)
    )
    assert not issue_registry.async_get_issue(
        DOMAIN, f"entities_started_disabled_{config_entry.entry_id}"
    )


@pytest.mark.usefixtures("credentials", "limit")
async def test_a_door_added_when_the_room_is_full_is_kept_disabled(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    fake: FakeParqEx,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant would drop a new enabled switch: it is registered
    disabled instead, for the user to enable.
    """
    caplog.set_level(logging.WARNING)
    await set_up(hass, config_entry)
    fake.device(CONTROLLER)["doors"].append(
        {"id": "d" * 32, "name": "Elevator", "state": "CLOSED", "active": True}
    )
    await tick(hass, freezer, 30)

    switch = entity_registry.async_get("switch.elevator")
    assert switch.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert _kinds(entity_registry, config_entry, enabled=True)[None] == DOORS
    assert "maximum of" not in caplog.text
