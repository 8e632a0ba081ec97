"""ParqEx's own triggers in the automation editor (Home Assistant 2026.2 and later).

Listed through the websocket API the new editor reads; run in real automations
aimed at an access point's switch, its device or its area.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.parqex.const import CONF_PEOPLE
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    trigger as trigger_helper,
)
from homeassistant.setup import async_setup_component

from .fake_parqex import GARAGE, GARAGE_SWITCH, GRACE, GUS, FakeParqEx
from .helpers import gus_opens_then_fails, parqex_device, tick

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
    pytest.mark.skipif(
        not hasattr(trigger_helper, "Trigger"),
        reason="Home Assistant before 2026.2 has no integration triggers",
    ),
]


async def test_the_editor_lists_parqex_triggers(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Opened, closed and failed attempt (by a person or ParqEx user) and held
    open, aimed at ParqEx's switches, with their descriptions."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "trigger_platforms/subscribe"})
    answer = await client.receive_json()
    assert answer["success"], answer
    listed = await client.receive_json()
    ours = {
        key: value
        for key, value in listed["event"].items()
        if key.startswith("parqex.")
    }
    assert set(ours) == {
        "parqex.opened",
        "parqex.closed",
        "parqex.failed_attempt",
        "parqex.held_open",
    }
    assert set(ours["parqex.opened"]["fields"]) == {"person", "user_name"}
    assert ours["parqex.held_open"]["target"] == {
        "entity": [{"integration": "parqex", "domain": ["switch"]}]
    }


async def test_opened_by_grace_runs_from_the_new_editor(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    area_registry: ar.AreaRegistry,
) -> None:
    """Aimed at the switch, the device or the area: Grace's opening runs hers,
    Gus's the plain one; a failed attempt runs "failed attempt", never "opened";
    held open follows the controller's alert time."""
    hass.config_entries.async_update_entry(
        loaded_entry, options={CONF_PEOPLE: {GRACE[0]: "person.grace"}}
    )
    garage = parqex_device(hass, GARAGE)
    assert garage is not None
    drive = area_registry.async_create("Drive")
    dr.async_get(hass).async_update_device(garage.id, area_id=drive.id)
    ran: list[str] = []
    who: dict[str, str] = {}

    @callback
    def _ran(call: ServiceCall) -> None:
        ran.append(call.data["what"])
        who[call.data["what"]] = call.data["who"]

    hass.services.async_register("test", "ran", _ran)

    def _automation(
        name: str, key: str, target: dict[str, Any], **options: Any
    ) -> dict[str, Any]:
        return {
            "alias": name,
            "triggers": [
                {"trigger": f"parqex.{key}", "target": target, "options": options}
            ],
            "actions": [
                {
                    "action": "test.ran",
                    "data": {
                        "what": name,
                        "who": "{{ (trigger.access or {}).get('user_name', '') }}",
                    },
                }
            ],
        }

    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                _automation(
                    "opened by Grace",
                    "opened",
                    {"entity_id": GARAGE_SWITCH},
                    person="person.grace",
                ),
                _automation("opened", "opened", {"device_id": garage.id}),
                _automation("failed", "failed_attempt", {"area_id": drive.id}),
                _automation("held open", "held_open", {"area_id": drive.id}),
                _automation("kitty opened", "opened", {"entity_id": "switch.kitty"}),
            ]
        },
    )
    await hass.async_block_till_done()
    assert all(
        state.state == "on" for state in hass.states.async_all("automation")
    ), hass.states.async_all("automation")

    await gus_opens_then_fails(hass, fake, freezer, ran)

    fake.record(GARAGE, "CLOSED", user=GUS)
    await tick(hass, freezer, 30)
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    assert sorted(ran[2:]) == ["opened", "opened by Grace"]
    # The access event's data, as the README's example reads it.
    assert who["opened by Grace"] == "Grace Hopper"

    # Still open past the controller's 900 s: held open, once.
    for _ in range(31):
        await tick(hass, freezer, 30)
    assert ran[4:] == ["held open"]
