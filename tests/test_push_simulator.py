"""Push against the simulator over loopback, through every delivery fault.

Home Assistant's own HTTP server receives the simulator's deliveries. After each
fault the switch matches the simulator within one poll, and every successful
change in the simulator's history fired exactly once.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parqex.access_log import EVENT_ACCESS
from custom_components.parqex.const import CONF_WEBHOOK_KEY
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util import dt as dt_util
from parqex_sim.state import SimulatorState

from .flow_helpers import sign_in_with_simulator
from .helpers import until
from .sim_helpers import FRONT_GATE, running_simulator, sim_control

pytestmark = pytest.mark.usefixtures("socket_enabled", "current_request_with_host")

GATE_SWITCH = "switch.front_gate"


class Pushing:
    """Home Assistant signed in to the simulator, with push on."""

    def __init__(
        self,
        hass: HomeAssistant,
        base: str,
        sim: SimulatorState,
        entry: ConfigEntry,
        session: aiohttp.ClientSession,
    ) -> None:
        self.hass = hass
        self.base = base
        self.sim = sim
        self.entry = entry
        self.session = session
        self.fired: list[dict[str, Any]] = []

        @callback
        def _logged(event: Event[dict[str, Any]]) -> None:
            if event.data["entity_id"] == GATE_SWITCH:
                self.fired.append(dict(event.data))

        # Every access event once, late ones too (the event entity shows the newest).
        hass.bus.async_listen(EVENT_ACCESS, _logged)

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        return await sim_control(self.session, self.base, method, path, body)

    async def remote(self, door_state: str, *faults: dict[str, Any]) -> None:
        """Change the gate by remote, with faults for its deliveries (one per user)."""
        # One change a second, as ParqEx's times tell them apart.
        await self.control("POST", "/clock", {"seconds": 1})
        for fault in faults:
            await self.control("POST", "/webhook/faults", fault)
        await self.control("POST", f"/doors/{FRONT_GATE}/state", {"state": door_state})
        await self.settle()

    async def settle(self) -> None:
        """Let deliveries arrive and Home Assistant act on them."""
        await self.sim.webhooks.wait()
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def poll(self) -> None:
        """Move Home Assistant's clock past the next poll."""
        async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=31))
        await self.hass.async_block_till_done(wait_background_tasks=True)

    def shows(self) -> str:
        return self.hass.states.get(GATE_SWITCH).state

    def expected(self) -> str:
        found = self.sim.account.door(FRONT_GATE)
        assert found is not None
        return "on" if found[1].state == "OPEN" else "off"

    def fired_once_each(self) -> None:
        """Every successful change of the gate in ParqEx's history was logged once."""
        history = [
            (event.door_state.lower(), event.channel)
            for event in self.sim.account.history
            if event.door_id == FRONT_GATE and event.was_success
        ]
        fired = [(f["door_state"], f["channel"]) for f in self.fired]
        assert sorted(fired) == sorted(history)


@pytest.fixture
async def pushing(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncGenerator[Pushing]:
    """Signed in as the owner; the simulator delivers to Home Assistant's server."""
    async with (
        running_simulator(travel_time=0.05) as (base, sim),
        aiohttp.ClientSession() as session,
    ):
        monkeypatch.setenv("PARQEX_DEVELOPMENT_BASE_URL", base)
        entry = await sign_in_with_simulator(hass, hass_client_no_auth, base)
        client = await hass_client_no_auth()
        url = str(client.make_url(f"/api/webhook/{entry.data['webhook_id']}"))
        pushing = Pushing(hass, base, sim, entry, session)
        registered = await pushing.control("POST", "/webhook", {"url": url})
        result = await hass.config_entries.options.async_init(entry.entry_id)
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_WEBHOOK_KEY: registered["key"]}
        )
        yield pushing
        await hass.config_entries.async_unload(entry.entry_id)


async def test_pushes_through_every_fault(pushing: Pushing) -> None:
    """Duplicates, drops, delays, reordering, a wrong key, a cut-off body."""
    assert pushing.shows() == "off"

    # A clean delivery (two: owner and guest each get one) shows at once.
    await pushing.remote("OPEN")
    assert pushing.shows() == pushing.expected() == "on"
    pushing.fired_once_each()

    # Both deliveries sent twice: still one event.
    await pushing.remote("CLOSED", {"kind": "duplicate", "count": 2})
    assert pushing.shows() == pushing.expected() == "off"
    pushing.fired_once_each()

    # Both dropped, or refused (wrong key, cut-off body): the next poll finds it.
    for fault in ("drop", "wrong_key", "malformed"):
        want = "on" if pushing.shows() == "off" else "off"
        await pushing.remote(
            "OPEN" if want == "on" else "CLOSED", {"kind": fault, "count": 2}
        )
        assert pushing.shows() != want, fault
        await pushing.poll()
        assert pushing.shows() == pushing.expected() == want, fault
        pushing.fired_once_each()

    # Delayed past a poll: the poll shows it, the late deliveries change nothing.
    delay = {"kind": "delay", "count": 2, "delay": 0.3}
    await pushing.control("POST", "/webhook/faults", delay)
    await pushing.control("POST", f"/doors/{FRONT_GATE}/state", {"state": "CLOSED"})
    await pushing.poll()
    assert pushing.shows() == "off"
    await pushing.settle()
    assert pushing.shows() == pushing.expected() == "off"
    pushing.fired_once_each()

    # Held back until the next change went: the newer state stays.
    await pushing.remote("OPEN", {"kind": "reorder", "count": 2})
    assert pushing.shows() == "off"
    await pushing.remote("CLOSED")
    assert pushing.shows() == pushing.expected() == "off"
    pushing.fired_once_each()
    await pushing.poll()
    assert pushing.shows() == pushing.expected() == "off"
    pushing.fired_once_each()

    deliveries = pushing.sim.webhooks.deliveries
    assert {d["status"] for d in deliveries if d["fault"] == "wrong_key"} == {401}
    assert {d["status"] for d in deliveries if d["fault"] == "malformed"} == {400}
    assert {d["status"] for d in deliveries if d["fault"] in (None, "reorder")} == {200}


async def test_toggle_shows_when_the_door_has_moved(pushing: Pushing) -> None:
    """A command's result is pushed when the door has moved: no poll needed."""
    await pushing.hass.services.async_call(
        "switch", "turn_on", {"entity_id": GATE_SWITCH}, blocking=True
    )
    # The door travels for 0.05 s.
    await until(lambda: pushing.expected() == "on", "the gate's travel")
    await pushing.settle()
    assert pushing.shows() == pushing.expected() == "on"
    assert [(f["event_type"], f["user_name"]) for f in pushing.fired] == [
        ("opened", "Olivia Owner")
    ]
