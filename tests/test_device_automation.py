"""Device triggers and conditions, as people pick them in the automation editor.

Listed through the websocket API the frontend uses; run in real automations.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.parqex.const import CONF_PEOPLE, DOMAIN
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from .fake_parqex import CONTROLLER, GARAGE, GARAGE_SWITCH, GRACE, GUS, FakeParqEx
from .helpers import gus_opens_then_fails, parqex_device, tick

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

HELD_OPEN = "binary_sensor.garage_held_open"


async def _listed(
    hass: HomeAssistant, ws: WebSocketGenerator, kind: str, device_id: str
) -> list[dict[str, Any]]:
    client = await ws(hass)
    await client.send_json_auto_id(
        {"type": f"device_automation/{kind}/list", "device_id": device_id}
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    return [item for item in answer["result"] if item["domain"] == DOMAIN]


async def test_an_access_points_triggers_and_conditions_are_listed(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    loaded_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The garage's device offers opened, closed, failed attempt and held open
    (the first three by a person or ParqEx user), and is open / is held open;
    its controller's device offers none of these.
    """
    assert await async_setup_component(hass, "device_automation", {})
    garage = parqex_device(hass, GARAGE)
    controller = parqex_device(hass, CONTROLLER)
    assert garage is not None
    assert controller is not None
    switch = entity_registry.async_get(GARAGE_SWITCH)
    held_open = entity_registry.async_get(HELD_OPEN)

    triggers = await _listed(hass, hass_ws_client, "trigger", garage.id)
    assert {(t["type"], t["entity_id"]) for t in triggers} == {
        ("opened", switch.id),
        ("closed", switch.id),
        ("failed_attempt", switch.id),
        ("held_open", held_open.id),
    }
    conditions = await _listed(hass, hass_ws_client, "condition", garage.id)
    assert {(c["type"], c["entity_id"]) for c in conditions} == {
        ("is_open", switch.id),
        ("is_held_open", held_open.id),
    }
    assert await _listed(hass, hass_ws_client, "trigger", controller.id) == []

    client = await hass_ws_client(hass)
    opened = next(t for t in triggers if t["type"] == "opened")
    await client.send_json_auto_id(
        {"type": "device_automation/trigger/capabilities", "trigger": opened}
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    fields = {f["name"] for f in answer["result"]["extra_fields"]}
    assert fields == {"person", "user_name"}


async def test_opened_by_grace_runs_her_automation_only(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """ "Garage opened by Grace" runs when Grace opens it, not when Gus does; a
    failed attempt runs "failed attempt", never "opened"; the condition "is
    open" holds once the garage is open.
    """
    hass.config_entries.async_update_entry(
        loaded_entry, options={CONF_PEOPLE: {GRACE[0]: "person.grace"}}
    )
    garage = parqex_device(hass, GARAGE)
    assert garage is not None
    switch = entity_registry.async_get(GARAGE_SWITCH).id
    ran: list[str] = []

    @callback
    def _ran(call: ServiceCall) -> None:
        ran.append(call.data["what"])

    hass.services.async_register("test", "ran", _ran)

    def _automation(name: str, trigger: dict[str, Any], **more: Any) -> dict[str, Any]:
        return {
            "alias": name,
            "triggers": [
                {
                    "trigger": "device",
                    "domain": DOMAIN,
                    "device_id": garage.id,
                    "entity_id": switch,
                    **trigger,
                }
            ],
            **more,
            "actions": [{"action": "test.ran", "data": {"what": name}}],
        }

    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                _automation(
                    "opened by Grace", {"type": "opened", "person": "person.grace"}
                ),
                _automation("opened", {"type": "opened"}),
                _automation("failed", {"type": "failed_attempt"}),
                _automation(
                    "closed while open",
                    {"type": "closed"},
                    conditions=[
                        {
                            "condition": "device",
                            "domain": DOMAIN,
                            "device_id": garage.id,
                            "entity_id": switch,
                            "type": "is_open",
                        }
                    ],
                ),
            ]
        },
    )
    await hass.async_block_till_done()

    await gus_opens_then_fails(hass, fake, freezer, ran)

    fake.record(GARAGE, "OPEN", user=GRACE, move=False)
    fake.record(GARAGE, "CLOSED", user=GUS)
    await tick(hass, freezer, 30)
    await tick(hass, freezer, 30)
    assert sorted(ran[2:]) == ["opened", "opened by Grace"]
    # Closed, and no longer open when it ran: the condition held it back.
    assert "closed while open" not in ran
