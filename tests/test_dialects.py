"""The integration against the simulator in every dialect of ParqEx's API.

Real HTTP on 127.0.0.1: sign in on the simulator's page, set up, read states and
history, operate a door, see a refusal, and survive an expired access token.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from parqex_sim import Dialect

from .flow_helpers import sign_in_with_simulator
from .helpers import until
from .sim_helpers import FRONT_GATE as FRONT_GATE_DOOR, running_simulator

pytestmark = pytest.mark.usefixtures("socket_enabled", "current_request_with_host")

FRONT_GATE = "switch.front_gate"
FRONT_GATE_EVENT = "event.front_gate_access"
LOBBY_DOOR = "switch.lobby_door"
BACK_GATE = "switch.back_gate"

DIALECTS = [
    Dialect(token_method, toggle_path, sync_method, gzip)
    for token_method in ("post", "get")
    for toggle_path in ("endpoints", "endpoint", "api")
    for sync_method in ("get", "post")
    for gzip in (True, False)
]


def _dialect_id(dialect: Dialect) -> str:
    return (
        f"token_{dialect.token_method}-toggle_{dialect.toggle_path}"
        f"-sync_{dialect.sync_method}-{'gzip' if dialect.gzip else 'plain'}"
    )


async def _later(hass: HomeAssistant, seconds: float) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize("dialect", DIALECTS, ids=_dialect_id)
async def test_dialect(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
    dialect: Dialect,
) -> None:
    """Everything a user does works whichever way ParqEx reads its docs."""
    async with running_simulator(dialect, travel_time=0.05) as (base, sim):
        monkeypatch.setenv("PARQEX_DEVELOPMENT_BASE_URL", base)
        entry = await sign_in_with_simulator(hass, hass_client_no_auth, base)
        assert entry.state is ConfigEntryState.LOADED

        assert hass.states.get(FRONT_GATE).state == "off"
        assert hass.states.get(BACK_GATE).state == "unavailable"

        fired: list[dict[str, Any]] = []
        hass.bus.async_listen(
            "state_changed",
            lambda event: fired.append(dict(event.data["new_state"].attributes))
            if event.data["entity_id"] == FRONT_GATE_EVENT
            else None,
        )
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": FRONT_GATE}, blocking=True
        )
        await until(
            lambda: sim.account.door(FRONT_GATE_DOOR)[1].state == "OPEN",  # type: ignore[index]
            "the gate's travel",
        )
        await _later(hass, 6)
        assert hass.states.get(FRONT_GATE).state == "on"
        assert [(f["event_type"], f["user_name"]) for f in fired] == [
            ("opened", "Olivia Owner")
        ]

        with pytest.raises(HomeAssistantError, match="needs a paired door sensor"):
            await hass.services.async_call(
                "switch", "turn_off", {"entity_id": LOBBY_DOOR}, blocking=True
            )

        # The simulator's access token expires: one refresh in this dialect.
        refresh_token = entry.data["token"]["refresh_token"]
        sim.clock.advance(7200)
        await _later(hass, 60)
        assert entry.state is ConfigEntryState.LOADED
        assert hass.states.get(FRONT_GATE).state == "on"
        assert entry.data["token"]["refresh_token"] != refresh_token

        token_methods = {r["method"] for r in sim.requests if r["endpoint"] == "token"}
        assert dialect.token_method.upper() in token_methods
        assert await hass.config_entries.async_unload(entry.entry_id)
