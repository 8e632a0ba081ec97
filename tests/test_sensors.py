"""Sensors and binary sensors: last changed, held open, battery, controllers."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.ids import owner_id
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .fake_parqex import CONTROLLER, GARAGE, KITTY, FakeParqEx, Fault
from .helpers import parqex_device, set_up, tick

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

KITTY_LAST_CHANGED = "sensor.kitty_last_changed"
GARAGE_HELD_OPEN = "binary_sensor.garage_held_open"
KITTY_HELD_OPEN = "binary_sensor.kitty_held_open"
GATE_HELD_OPEN = "binary_sensor.pedestrian_gate_held_open"
GARAGE_BATTERY = "sensor.garage_door_sensor_battery"
ONLINE = "binary_sensor.parqex_controller_08848d_parqex_connection"
OFFLINE = "binary_sensor.parqex_controller_088aaa_parqex_connection"
LAST_CONTACT = "sensor.parqex_controller_08848d_last_contact"


async def test_entities_and_their_classes(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """Each entity exists where it should, with its class and category."""
    registry = er.async_get(hass)
    # Kitty's last toggle, 2020-12-18 18:32:25 in America/Chicago.
    assert hass.states.get(KITTY_LAST_CHANGED).state == "2020-12-19T00:32:25+00:00"
    assert hass.states.get(KITTY_LAST_CHANGED).attributes[ATTR_DEVICE_CLASS] == (
        "timestamp"
    )
    assert hass.states.get(KITTY_HELD_OPEN).state == STATE_ON
    assert hass.states.get(KITTY_HELD_OPEN).attributes[ATTR_DEVICE_CLASS] == "problem"
    assert hass.states.get(GARAGE_HELD_OPEN).state == STATE_OFF
    # The controller of the pedestrian gate is inactive.
    assert hass.states.get(GATE_HELD_OPEN).state == STATE_UNAVAILABLE

    battery = hass.states.get(GARAGE_BATTERY)
    assert battery.state == "87"
    assert battery.attributes[ATTR_UNIT_OF_MEASUREMENT] == "%"
    assert registry.async_get(GARAGE_BATTERY).entity_category is (
        EntityCategory.DIAGNOSTIC
    )
    # Only the garage has a Bluetooth door sensor.
    assert not [
        entity_id
        for entity_id in hass.states.async_entity_ids("sensor")
        if entity_id.endswith("_battery") and entity_id != GARAGE_BATTERY
    ]

    assert hass.states.get(ONLINE).state == STATE_ON
    assert hass.states.get(OFFLINE).state == STATE_OFF
    assert registry.async_get(ONLINE).entity_category is EntityCategory.DIAGNOSTIC

    # Last contact changes with every contact: off until the user wants it.
    assert hass.states.get(LAST_CONTACT) is None
    assert registry.async_get(LAST_CONTACT).disabled_by is (
        er.RegistryEntryDisabler.INTEGRATION
    )


async def test_last_contact_when_enabled(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """Enabled, last contact shows the controller's time in the account's zone."""
    er.async_get(hass).async_update_entity(LAST_CONTACT, disabled_by=None)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(LAST_CONTACT).state == "2020-12-19T00:47:25+00:00"


async def test_held_open_after_the_controllers_limit(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The garage is held open once OPEN longer than 900 seconds."""
    fake.record(GARAGE, "OPEN")
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_HELD_OPEN).state == STATE_OFF
    for _ in range(28):
        await tick(hass, freezer, 30)
    # 870 seconds open.
    assert hass.states.get(GARAGE_HELD_OPEN).state == STATE_OFF
    await tick(hass, freezer, 60)
    assert hass.states.get(GARAGE_HELD_OPEN).state == STATE_ON

    fake.record(GARAGE, "CLOSED")
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_HELD_OPEN).state == STATE_OFF


async def test_held_open_unknown_without_a_limit_or_time(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without the controller's limit or the door's time, it cannot be told."""
    fake.device(CONTROLLER)["time_before_door_open_alert"] = 0
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_HELD_OPEN).state == STATE_UNKNOWN

    fake.door(KITTY)["state"] = "SIDEWAYS"
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_HELD_OPEN).state == STATE_UNKNOWN


async def test_battery_leaves_with_the_door_sensor(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unpairing the door sensor removes its battery; pairing one adds it."""
    registry = er.async_get(hass)
    fake.door(GARAGE)["bluetooth_sensor"] = False
    await tick(hass, freezer, 30)
    assert registry.async_get(GARAGE_BATTERY) is None
    assert hass.states.get(GARAGE_BATTERY) is None

    fake.door(KITTY).update(bluetooth_sensor=True, bluetooth_sensor_battery_level=12)
    await tick(hass, freezer, 30)
    assert (hass.states.get("sensor.kitty_door_sensor_battery")).state == "12"


async def test_nameless_access_point_entities_are_numbered(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """A door without a name gets translated "Access point N" names."""
    fake.door(GARAGE)["name"] = ""
    await set_up(hass, config_entry)
    state = hass.states.get("binary_sensor.access_point_2_held_open")
    assert state.attributes["friendly_name"] == ("Access point 2 Held open")


async def test_renamed_access_point_renames_its_entities(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Names follow ParqEx, without a reload; entity ids stay. A name the user
    gave the device in Home Assistant stays above ParqEx's.
    """
    settings_read = fake.calls["user-info"]
    fake.door(KITTY)["name"] = "Cat flap"
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_HELD_OPEN).attributes["friendly_name"] == (
        "Cat flap Held open"
    )
    assert hass.states.get(KITTY_LAST_CHANGED).attributes["friendly_name"] == (
        "Cat flap Last changed"
    )
    assert hass.states.get("switch.kitty").name == "Cat flap"
    # Not reloaded (a reload reads the account's settings again).
    assert fake.calls["user-info"] == settings_read

    device = parqex_device(hass, KITTY)
    assert device is not None
    dr.async_get(hass).async_update_device(device.id, name_by_user="Back door")
    fake.door(KITTY)["name"] = "Dog flap"
    await tick(hass, freezer, 30)
    assert hass.states.get("switch.kitty").name == "Back door"
    assert dr.async_get(hass).async_get(device.id).name == "Dog flap"


async def test_times_read_as_utc_until_the_time_zone_is_known(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Settings unreadable at first: UTC; once read (asked again with back-off,
    here at the second poll), the account's zone.
    """
    fake.fail("user-info", Fault(500))
    await set_up(hass, config_entry)
    assert hass.states.get(KITTY_LAST_CHANGED).state == "2020-12-18T18:32:25+00:00"
    await tick(hass, freezer, 30)
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_LAST_CHANGED).state == "2020-12-19T00:32:25+00:00"


async def test_unknown_time_zone_falls_back_to_utc(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A time zone Home Assistant does not know is reported, and UTC used."""
    fake.settings["data"]["time_zone"] = "Mars/Olympus_Mons"
    await set_up(hass, config_entry)
    assert hass.states.get(KITTY_LAST_CHANGED).state == "2020-12-18T18:32:25+00:00"
    assert "Mars/Olympus_Mons is unknown" in caplog.text


async def test_controller_unreachable_after_toggle_404(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A controller that ParqEx cannot find shows disconnected until the next sync."""
    fake.fail("toggle", Fault(404, '{"success": true, "message": "not found"}'))
    with pytest.raises(Exception, match="offline"):
        await hass.services.async_call(
            "switch",
            "turn_off",
            {"entity_id": "switch.kitty"},
            blocking=True,
        )
    assert hass.states.get(ONLINE).state == STATE_OFF
    await tick(hass, freezer, 30)
    assert hass.states.get(ONLINE).state == STATE_ON
    assert hass.states.get(KITTY_HELD_OPEN).state == STATE_ON


async def test_entities_come_and_go_with_their_access_point(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new access point brings all its entities; a removed one takes them along."""
    registry = er.async_get(hass)
    shed = {**fake.door(GARAGE), "id": "5" * 32, "name": "Shed", "entity_number": 3}
    fake.device(CONTROLLER)["doors"].append(shed)
    await tick(hass, freezer, 30)
    shed_entities = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(registry, loaded_entry.entry_id)
        if owner_id(entry.unique_id) == "5" * 32
    }
    assert shed_entities == {
        "switch.shed",
        "event.shed_access",
        "sensor.shed_last_changed",
        "sensor.shed_door_sensor_battery",
        "sensor.shed_last_operated_by",
        "binary_sensor.shed_held_open",
    }
    assert all(hass.states.get(entity_id) for entity_id in shed_entities)

    fake.device(CONTROLLER)["doors"].remove(shed)
    await tick(hass, freezer, 30)
    # Gone for good only once missing from every sync for ten minutes.
    assert all(registry.async_get(entity_id) for entity_id in shed_entities)
    await tick(hass, freezer, 10 * 60)
    assert not [
        entity_id for entity_id in shed_entities if registry.async_get(entity_id)
    ]
    assert not [entity_id for entity_id in shed_entities if hass.states.get(entity_id)]
