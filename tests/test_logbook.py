"""The logbook names who operated an access point, with the real recorder.

The recorder must exist before Home Assistant starts: this module's autouse
fixture asks for it before anything else takes `hass`.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    RecorderInstanceGenerator,
    WebSocketGenerator,
)

from custom_components.parqex.const import CONF_WEBHOOK_KEY
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .fake_parqex import GARAGE, GARAGE_SWITCH, GATE, WEBHOOK_KEY, FakeParqEx
from .helpers import set_up, tick
from .push_helpers import deliver, door_change

pytestmark = pytest.mark.usefixtures("credentials")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: RecorderInstanceGenerator, enable_custom_integrations: None
) -> Generator[None]:
    """Start the recorder first, then let Home Assistant load ours."""
    yield


async def _logbook(
    hass: HomeAssistant, ws: WebSocketGenerator, entity_id: str
) -> list[dict[str, Any]]:
    await async_wait_recording_done(hass)
    client = await ws()
    await client.send_json_auto_id(
        {
            "type": "logbook/get_events",
            "start_time": (dt_util.utcnow() - timedelta(hours=1)).isoformat(),
            # Time stands still: what happened now is not before now.
            "end_time": (dt_util.utcnow() + timedelta(hours=1)).isoformat(),
            "entity_ids": [entity_id],
        }
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    return answer["result"]


async def test_every_operation_is_one_entry_naming_who(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Grace opens, closes and opens the garage by remote: three entries name her.

    A failed attempt by Gus, found in history later, is one entry that says so.
    """
    assert await async_setup_component(hass, "logbook", {})
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    start = dt_util.utcnow() - timedelta(minutes=5)
    for minute, state in enumerate(("OPEN", "CLOSED", "OPEN")):
        body = door_change(
            GARAGE, state, channel="Remote", at=start + timedelta(minutes=minute)
        )
        assert (await deliver(hass_client_no_auth, body)).status == 200
    await hass.async_block_till_done()

    entries = await _logbook(hass, hass_ws_client, GARAGE_SWITCH)
    named = [e["message"] for e in entries if "Grace Hopper" in e.get("message", "")]
    assert named == [
        "opened by Grace Hopper (Remote)",
        "closed by Grace Hopper (Remote)",
        "opened by Grace Hopper (Remote)",
    ]
    assert {e["name"] for e in entries if e.get("message") in named} == {"Garage"}

    # A failed attempt that moved nothing: found in history within 5 minutes.
    fake.record(GATE, "OPEN", user=("", "Gus", "Guest"), success=False, move=False)
    for _ in range(10):
        await tick(hass, freezer, 30)
    gate = "switch.pedestrian_gate"
    messages = [e.get("message") for e in await _logbook(hass, hass_ws_client, gate)]
    assert "failed attempt to open by Gus Guest (ParqEx Web)" in messages


async def test_the_logbook_reads_in_the_order_things_happened(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Gus's failed attempt, found minutes after Grace's later opening, comes first."""
    assert await async_setup_component(hass, "logbook", {})
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    fake.record(GARAGE, "OPEN", user=("", "Gus", "Guest"), success=False, move=False)
    await tick(hass, freezer, 60)
    body = door_change(GARAGE, "OPEN", channel="Remote")
    assert (await deliver(hass_client_no_auth, body)).status == 200
    for _ in range(10):
        await tick(hass, freezer, 30)
    entries = [
        e
        for e in await _logbook(hass, hass_ws_client, GARAGE_SWITCH)
        if "Gus" in e.get("message", "") or "Grace" in e.get("message", "")
    ]
    assert [e["message"] for e in entries] == [
        "failed attempt to open by Gus Guest (ParqEx Web)",
        "opened by Grace Hopper (Remote)",
    ]
    assert entries[0]["when"] < entries[1]["when"]
