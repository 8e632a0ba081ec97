"""One command at a time per access point, for the whole Home Assistant.

Driven as users and automations do: switch actions, a slow ParqEx, two accounts
that share a door, a reload, and ParqEx asking us to slow down.
"""

from __future__ import annotations

import asyncio

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import STATE_OFF, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .fake_parqex import GARAGE, GARAGE_SWITCH, KITTY_SWITCH, FakeParqEx, Fault
from .helpers import spin_until, tick, turn

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]


async def _refused(hass: HomeAssistant, service: str, entity_id: str) -> str:
    """Call the action; return the translation key of its refusal."""
    with pytest.raises(HomeAssistantError) as refusal:
        await turn(hass, service, entity_id)
    assert refusal.value.translation_key is not None
    return refusal.value.translation_key


@pytest.fixture
def grace_garage(
    second_account: MockConfigEntry, entity_registry: er.EntityRegistry
) -> str:
    """The garage switch of Grace's account (it shares the garage)."""
    return next(
        entry.entity_id
        for entry in entity_registry.entities.values()
        if entry.domain == "switch"
        and entry.unique_id.endswith(GARAGE)
        and entry.config_entry_id == second_account.entry_id
    )


async def test_a_command_in_flight_holds_the_door_however_long_it_takes(
    hass: HomeAssistant,
    fake: FakeParqEx,
    grace_garage: str,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A slow command (25 s): nothing else reaches ParqEx until it is answered.

    The second command comes through the other account's switch: Home Assistant
    2026.10 queues actions aimed at one switch itself, not across accounts.
    """
    fake.hold["toggle"] = asyncio.Event()
    fake.fail("toggle", Fault(500), Fault(500))
    first = hass.async_create_task(turn(hass, "turn_on", GARAGE_SWITCH))
    await spin_until(lambda: fake.calls["toggle"] == 1)
    freezer.tick(25)
    # Past the 20 s, still in flight: refused, and ParqEx is not asked.
    assert await _refused(hass, "turn_off", grace_garage) == "toggle_too_soon"
    assert fake.calls["toggle"] == 1

    fake.hold["toggle"].set()
    with pytest.raises(HomeAssistantError) as failed:
        await first
    assert failed.value.translation_key == "server_error"
    # The failed command gave its guard back: the next goes out, fails the same way
    # (translated, no bare KeyError), and gives it back too.
    assert await _refused(hass, "turn_on", grace_garage) == "server_error"
    await turn(hass, "turn_on", grace_garage)
    assert await _refused(hass, "turn_off", GARAGE_SWITCH) == "toggle_too_soon"
    assert fake.calls["toggle"] == 3
    assert fake.toggles == [(GARAGE, "OPEN")]


async def test_the_guard_outlives_a_reload(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A reload (a rename in ParqEx reloads the entry) keeps the 20 s."""
    await turn(hass, "turn_on", KITTY_SWITCH)
    freezer.tick(3)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await _refused(hass, "turn_off", KITTY_SWITCH) == "toggle_too_soon"
    await tick(hass, freezer, 18)
    await turn(hass, "turn_off", KITTY_SWITCH)
    assert len(fake.toggles) == 2


async def test_two_accounts_that_share_a_door_send_one_command(
    hass: HomeAssistant, fake: FakeParqEx, grace_garage: str
) -> None:
    """One action aimed at both accounts' garage switches: one toggle reaches ParqEx."""
    with pytest.raises(ServiceValidationError) as refusal:
        await hass.services.async_call(
            "switch",
            "turn_on",
            {"entity_id": [GARAGE_SWITCH, grace_garage]},
            blocking=True,
        )
    assert refusal.value.translation_key == "toggle_too_soon"
    assert fake.toggles == [(GARAGE, "OPEN")]


async def test_parqex_asking_to_slow_down_drops_no_command(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 429 on `sync` is an answer: switches stay available, commands go out."""
    fake.fail("sync", Fault(429, headers={"Retry-After": "3600"}))
    await tick(hass, freezer, 30)
    assert fake.calls["sync"] >= 2
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF

    # "Close the garage at 23:00" is tried; ParqEx refusing it too says so.
    fake.fail("toggle", Fault(429, headers={"Retry-After": "30"}))
    assert await _refused(hass, "turn_on", GARAGE_SWITCH) == "command_rate_limited"
    await turn(hass, "turn_on", GARAGE_SWITCH)
    assert fake.calls["toggle"] == 2
    assert fake.toggles == [(GARAGE, "OPEN")]

    # A real outage still shows: ParqEx cannot be asked.
    fake.fail("sync", *(Fault(500) for _ in range(5)))
    await tick(hass, freezer, 3600)
    assert hass.states.get(KITTY_SWITCH).state == STATE_UNAVAILABLE
