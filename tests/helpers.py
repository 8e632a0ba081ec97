"""Small helpers shared by the ParqEx tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.parqex.access_log import EVENT_ACCESS
from custom_components.parqex.const import DOMAIN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from .fake_parqex import GARAGE, GUS, FakeParqEx


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Let time pass and everything due run (polls, history reading)."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the account up, including the history catch-up that follows."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def parqex_device(hass: HomeAssistant, parqex_id: str) -> dr.DeviceEntry | None:
    """The device of a ParqEx controller or access point, by its ParqEx id.

    Home Assistant 2026.10 refuses `async_get_device` outside an integration
    (identifiers are unique per config entry only); this works on every release.
    """
    registry = dr.async_get(hass)
    return next(
        (
            device
            for entry in hass.config_entries.async_entries(DOMAIN)
            for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
            if (DOMAIN, parqex_id) in device.identifiers
        ),
        None,
    )


def fired_events(hass: HomeAssistant, entity_id: str) -> list[dict[str, Any]]:
    """Collect what an event entity fires (a restored state is not a firing)."""
    fired: list[dict[str, Any]] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        # A firing is stamped with the current time (2026.10 and newer keep an
        # entity's firings at least 1 ms apart: later); a restored state is older.
        stamp = None if new is None else dt_util.parse_datetime(new.state)
        if (
            event.data["entity_id"] == entity_id
            and stamp is not None
            and stamp >= dt_util.utcnow()
        ):
            fired.append(dict(new.attributes))

    hass.bus.async_listen("state_changed", _changed)
    return fired


def logged_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect every access event the access log fires (what the logbook shows)."""
    logged: list[dict[str, Any]] = []

    @callback
    def _logged(event: Event[dict[str, Any]]) -> None:
        logged.append(dict(event.data))

    hass.bus.async_listen(EVENT_ACCESS, _logged)
    return logged


async def until(condition: Callable[[], bool], what: str, within: float = 5.0) -> None:
    """Wait until `condition()` holds (a door has travelled, a file is written)."""
    for _ in range(int(within / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{what}: not within {within} s")


async def spin_until(condition: Callable[[], bool]) -> None:
    """Let the loop run (time stands still) until `condition()` holds."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("never happened")


async def turn(hass: HomeAssistant, service: str, entity_id: str) -> None:
    """Turn a switch on or off as a user does, waiting for the answer."""
    await hass.services.async_call(
        "switch", service, {"entity_id": entity_id}, blocking=True
    )


async def gus_opens_then_fails(
    hass: HomeAssistant,
    fake: FakeParqEx,
    freezer: FrozenDateTimeFactory,
    ran: list[str],
) -> None:
    """Gus opens the garage by remote, then fails to close it: automations watching
    for "opened" and "failed attempt" each run once, in that order."""
    fake.record(GARAGE, "OPEN", user=GUS, channel="Remote")
    await tick(hass, freezer, 30)
    assert ran == ["opened"]
    fake.record(GARAGE, "CLOSED", user=GUS, success=False)
    # Nothing moved: the 5-minute read of the controller finds the attempt.
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert ran == ["opened", "failed"]
