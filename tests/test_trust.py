"""What people see and can trust: who operated it, icons, voice, readable numbers."""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
import re

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parqex.const import CONF_WEBHOOK_KEY
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
    async_get_entity_settings,
)
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from .fake_parqex import GARAGE, KITTY, WEBHOOK_KEY, FakeParqEx
from .helpers import set_up, tick
from .push_helpers import deliver, door_change

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

GARAGE_BY = "sensor.garage_last_operated_by"
KITTY_BY = "sensor.kitty_last_operated_by"
GARAGE_EVENT = "event.garage_access"
GARAGE_SWITCH = "switch.garage"
KITTY_SWITCH = "switch.kitty"
GRACE = ("e7a1c2d3-0000-4000-8000-00000000beef", "Grace", "Hopper")
TRANSLATIONS = (
    Path(__file__).parents[1] / "custom_components/parqex/translations/en.json"
)


async def test_last_operated_by_follows_history(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The ParqEx user's name; the channel when no user did it; failures too."""
    assert hass.states.get(GARAGE_BY).state == STATE_UNKNOWN
    assert hass.states.get(GARAGE_BY).attributes["friendly_name"] == (
        "Garage Last operated by"
    )
    fake.record(GARAGE, "OPEN", user=GRACE, channel="ParqEx Web")
    await tick(hass, freezer, 30)
    state = hass.states.get(GARAGE_BY)
    assert state.state == "Grace Hopper"
    assert (state.attributes["channel"], state.attributes["success"]) == (
        "ParqEx Web",
        True,
    )

    fake.record(GARAGE, "CLOSED", user=("", "", ""), channel="Door Sensor")
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_BY).state == "Door Sensor"

    # A failed attempt right after a move: read with it, and the newest.
    fake.record(GARAGE, "OPEN", user=("", "", ""), channel="Door Sensor")
    later = fake.now() + timedelta(seconds=1)
    fake.record(GARAGE, "CLOSED", user=GRACE, channel="Remote", success=False, at=later)
    await tick(hass, freezer, 30)
    state = hass.states.get(GARAGE_BY)
    assert state.state == "Grace Hopper"
    assert (state.attributes["channel"], state.attributes["success"]) == (
        "Remote",
        False,
    )


async def test_last_operated_by_follows_pushes(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
) -> None:
    """A pushed change names who did it at once."""
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    body = door_change(KITTY, "CLOSED", user=("Ada", "Lovelace"), channel="Keypad")
    assert (await deliver(hass_client_no_auth, body)).status == 200
    state = hass.states.get(KITTY_BY)
    assert state.state == "Ada Lovelace"
    assert state.attributes["channel"] == "Keypad"


async def test_last_operated_by_survives_a_restart(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """Who it was is restored, with its attributes."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(
                    GARAGE_BY, "Grace Hopper", {"channel": "Remote", "success": True}
                ),
                {"native_value": "Grace Hopper", "native_unit_of_measurement": None},
            )
        ],
    )
    await set_up(hass, config_entry)
    state = hass.states.get(GARAGE_BY)
    assert state.state == "Grace Hopper"
    assert (state.attributes["channel"], state.attributes["success"]) == (
        "Remote",
        True,
    )


async def test_event_icon_shows_what_happened(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Opened, closed and failed attempts each have their icon."""
    assert "icon" not in hass.states.get(GARAGE_EVENT).attributes
    for door_state, icon in (("OPEN", "mdi:door-open"), ("CLOSED", "mdi:door-closed")):
        fake.record(GARAGE, door_state, user=GRACE)
        await tick(hass, freezer, 30)
        assert hass.states.get(GARAGE_EVENT).attributes["icon"] == icon
    # Failed attempts are read with the next move.
    fake.record(GARAGE, "OPEN", user=GRACE)
    later = fake.now() + timedelta(seconds=1)
    fake.record(GARAGE, "CLOSED", user=GRACE, success=False, at=later)
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_EVENT).attributes["icon"] == (
        "mdi:door-closed-cancel"
    )


async def test_switches_kept_from_voice_assistants(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """New gate openers are exposed to no voice assistant; choices are kept."""
    assert await async_setup_component(hass, "homeassistant", {})
    # The user already chose to expose the garage to Assist (an existing choice).
    # Made by an earlier version, whose unique ids had no account in them.
    entity_registry.async_get_or_create(
        "switch",
        "parqex",
        GARAGE,
        config_entry=config_entry,
        suggested_object_id="garage",
    )
    async_expose_entity(hass, "conversation", GARAGE_SWITCH, True)

    await set_up(hass, config_entry)

    kitty = async_get_entity_settings(hass, KITTY_SWITCH)
    assert {name: kitty[name]["should_expose"] for name in kitty} == {
        "conversation": False,
        "cloud.alexa": False,
        "cloud.google_assistant": False,
    }
    garage = async_get_entity_settings(hass, GARAGE_SWITCH)
    assert garage["conversation"]["should_expose"] is True
    assert garage["cloud.alexa"]["should_expose"] is False
    # Sensors are not gate openers: left to Home Assistant's defaults.
    assert async_get_entity_settings(hass, KITTY_BY) == {}

    # A reload does not undo what the user decides later.
    async_expose_entity(hass, "cloud.alexa", KITTY_SWITCH, True)
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert async_get_entity_settings(hass, KITTY_SWITCH)["cloud.alexa"] == {
        "should_expose": True
    }


def test_numbers_read_right_for_one_and_many() -> None:
    """No message says "1 seconds": units are abbreviated or never singular."""
    messages = [
        text
        for group in json.loads(TRANSLATIONS.read_text())["exceptions"].values()
        for text in group.values()
    ]
    numbered = [text for text in messages if re.search(r"\{(seconds|days)\}", text)]
    assert len(numbered) == 4
    for text in numbered:
        rendered = re.sub(r"\{seconds\}", "1", text)
        assert not re.search(r"\b1 (more )?(seconds|minutes|hours)\b", rendered), text
    # Days is always the fixed maximum, 31.
    assert all("{days} days" not in t or "at most {days}" in t for t in numbered)


async def test_toggle_too_soon_for_one_second(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With one second left the message still reads right."""
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": GARAGE_SWITCH}, blocking=True
    )
    freezer.tick(timedelta(seconds=19.5))
    with pytest.raises(Exception, match=r"takes the next command for it in 1 s$"):
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": GARAGE_SWITCH}, blocking=True
        )


async def test_a_cover_made_from_a_switch_is_kept_from_voice_assistants(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """A switch changed into a cover (switch_as_x) passes its choice to the cover."""
    assert await async_setup_component(hass, "homeassistant", {})
    await set_up(hass, config_entry)
    helper = MockConfigEntry(
        domain="switch_as_x",
        title="Garage door",
        options={
            "entity_id": GARAGE_SWITCH,
            "invert": False,
            "target_domain": "cover",
        },
    )
    helper.add_to_hass(hass)
    assert await hass.config_entries.async_setup(helper.entry_id)
    await hass.async_block_till_done()
    cover = er.async_get(hass).async_get_entity_id(
        "cover", "switch_as_x", helper.entry_id
    )
    assert cover is not None
    assert hass.states.get(cover) is not None
    settings = async_get_entity_settings(hass, cover)
    assert settings["conversation"]["should_expose"] is False
    assert settings["cloud.google_assistant"]["should_expose"] is False
