"""What a poll and a push cost against what they change, at one account size.

Side by side in one run: the floor (decoding the JSON of the same `sync` answer,
nothing else), parsing all of it into models, a quiet poll while every
controller's last contact moves (as real controllers check in), one push, the
state writes of each (changed and unchanged apart), and the history requests of
a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import json
import statistics
import time
from typing import Any

from custom_components.parqex.client.models import parse_sync
from custom_components.parqex.const import CONF_WEBHOOK_KEY, DOMAIN
from custom_components.parqex.runtime import ParqExRuntime
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from .accounts import door_id
from .measure import Writes, counting_writes
from .simulator import SimulatorProcess

DELIVERY_KEY = "bench-delivery-key-5f0c9a1e"
SAMPLES = 5


@dataclass
class ChangeCost:
    """One account size: CPU in ms (median of a few), writes, requests."""

    floor_ms: float
    parse_ms: float
    quiet_ms: float
    push_ms: float
    quiet_changed: int
    quiet_unchanged: int
    push_changed: int
    push_unchanged: int
    restart_history_requests: int

    @property
    def ratio(self) -> float:
        return self.quiet_ms / self.floor_ms


async def _cpu_ms(
    work: Callable[[], Awaitable[None]], before: Callable[[], Awaitable[None]]
) -> float:
    spent = []
    for _ in range(SAMPLES):
        await before()
        started = time.process_time()
        await work()
        spent.append(time.process_time() - started)
    return statistics.median(spent) * 1000


async def measure(
    hass: HomeAssistant,
    client: Any,
    sim: SimulatorProcess,
    entry: ConfigEntry,
) -> ChangeCost:
    """Measure one signed-in account on the simulator (push is set up here)."""
    runtime: ParqExRuntime = entry.runtime_data
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(
        flow["flow_id"], {CONF_WEBHOOK_KEY: DELIVERY_KEY}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    runtime = entry.runtime_data

    async def _check_in() -> None:
        # A minute passes at the simulator: every controller online checks in.
        await sim.control("POST", "/clock", {"seconds": 60})

    # The floor: the same answer, decoded and parsed as the client does.
    token = entry.data["token"]["access_token"]
    async with sim.session.get(
        f"{sim.base}/oauth/v1/endpoints/sync",
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        raw = await response.read()
    zone = runtime.client.time_zone

    async def _decode() -> None:
        json.loads(raw)

    async def _parse() -> None:
        parse_sync(json.loads(raw), zone, runtime.states.reported_times)

    async def _nothing() -> None:
        return

    floor_ms = await _cpu_ms(_decode, _nothing)
    parse_ms = await _cpu_ms(_parse, _nothing)

    async def _poll() -> None:
        await runtime.coordinator.async_refresh()
        await hass.async_block_till_done()

    ours = [
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    ]
    await _check_in()
    await _poll()
    with counting_writes(hass, ours) as quiet:
        await _check_in()
        await _poll()
    quiet_ms = await _cpu_ms(_poll, _check_in)

    # The webhook handler alone, timed: registered again around our own handler
    # through the webhook component's public calls (its registrations are dicts
    # before 2026.10 and dataclasses after).
    webhook_id = entry.data["webhook_id"]
    receiver = entry.runtime_data.webhook
    assert receiver is not None
    handle = receiver._async_handle
    spent: list[float] = []

    async def _timed(*args: Any) -> Any:
        started = time.process_time()
        try:
            return await handle(*args)
        finally:
            spent.append(time.process_time() - started)

    def _register(handler: Callable[..., Awaitable[Any]]) -> None:
        webhook.async_unregister(hass, webhook_id)
        webhook.async_register(
            hass, DOMAIN, "ParqEx", webhook_id, handler, allowed_methods=["POST"]
        )

    _register(_timed)
    http = await client()
    door = door_id(0, 0)
    states = ["OPEN", "CLOSED"] * SAMPLES
    pushed = Writes()
    try:
        for number, state in enumerate(states):
            body = {
                "id": f"{number:032X}",
                "eventType": "door_state_change",
                "doorID": door,
                "doorState": state,
                "channel": "ParqEx Web",
                "eventOccurredUTC": dt_util.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "userThatToggled": {"firstName": "Bench", "lastName": "Mark"},
            }
            with counting_writes(hass, ours) as writes:
                answer = await http.post(
                    f"/api/webhook/{entry.data['webhook_id']}",
                    json=body,
                    headers={"X-ParqEx-Api-Key": DELIVERY_KEY},
                )
                assert answer.status == 200
                await hass.async_block_till_done()
            if number == 0:
                pushed = writes
            # ParqEx's times have whole seconds: one change per second.
            await asyncio.sleep(1.05)
    finally:
        _register(handle)

    await sim.requests()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    restart = [r for r in await sim.requests() if r["endpoint"] == "toggle-history"]
    return ChangeCost(
        floor_ms=floor_ms,
        parse_ms=parse_ms,
        quiet_ms=quiet_ms,
        push_ms=statistics.median(spent) * 1000,
        quiet_changed=len(quiet) - len(quiet.unchanged),
        quiet_unchanged=len(quiet.unchanged),
        push_changed=len(pushed) - len(pushed.unchanged),
        push_unchanged=len(pushed.unchanged),
        restart_history_requests=len(restart),
    )
