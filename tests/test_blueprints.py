"""The automation blueprints load with Home Assistant's schema and work with ParqEx."""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict

from .fake_parqex import GARAGE, FakeParqEx
from .helpers import tick

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

BLUEPRINTS = Path(__file__).parents[1] / "blueprints" / "automation" / "parqex"
GARAGE_EVENT = "event.garage_access"
GARAGE_SWITCH = "switch.garage"
GRACE = ("e7a1c2d3-0000-4000-8000-00000000beef", "Grace", "Hopper")


@pytest.mark.parametrize(
    "name", ["notify_who_opened", "held_open_warning", "open_on_arrival"]
)
def test_blueprint_is_valid(name: str) -> None:
    """Each blueprint passes the automation blueprint schema and links to itself."""
    path = BLUEPRINTS / f"{name}.yaml"
    blueprint = Blueprint(
        load_yaml_dict(str(path)),
        path=str(path),
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.domain == "automation"
    assert blueprint.name.startswith("ParqEx - ")
    source = blueprint.metadata["source_url"]
    assert source.endswith(f"/blueprints/automation/parqex/{name}.yaml")
    readme = (BLUEPRINTS.parents[2] / "README.md").read_text("utf-8")
    assert source in readme


async def _automation(hass: HomeAssistant, name: str, inputs: dict[str, Any]) -> None:
    """Create an automation from a blueprint, as the UI does."""
    target = Path(hass.config.path("blueprints", "automation", "parqex"))
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(BLUEPRINTS / f"{name}.yaml", target / f"{name}.yaml")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": name,
                "use_blueprint": {"path": f"parqex/{name}.yaml", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()


async def test_notify_who_opened(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Grace opens the garage: the actions get who, how and what."""
    calls = async_mock_service(hass, "test", "notify")
    await _automation(
        hass,
        "notify_who_opened",
        {
            "access_event": GARAGE_EVENT,
            "notify": [
                {
                    "action": "test.notify",
                    "data": {
                        "message": "{{ who }} {{ event_type }} {{ access_point }}"
                        " ({{ channel }})"
                    },
                }
            ],
        },
    )
    fake.record(GARAGE, "OPEN", user=GRACE, channel="Keypad")
    await tick(hass, freezer, 30)
    # Closing is not among the chosen events.
    fake.record(GARAGE, "CLOSED", user=GRACE, channel="Keypad")
    await tick(hass, freezer, 30)
    assert [call.data["message"] for call in calls] == [
        "Grace Hopper opened Garage (Keypad)"
    ]


async def test_held_open_warning_closes(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Open for longer than allowed: warn, then ask ParqEx to close it."""
    calls = async_mock_service(hass, "test", "notify")
    await _automation(
        hass,
        "held_open_warning",
        {
            "access_point": GARAGE_SWITCH,
            "open_for": {"minutes": 2},
            "close": True,
            "notify": [
                {
                    "action": "test.notify",
                    "data": {"message": "{{ access_point }}: {{ minutes }} min"},
                }
            ],
        },
    )
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == "on"
    await tick(hass, freezer, 60)
    assert calls == []
    assert fake.toggles == []
    await tick(hass, freezer, 61)
    assert [call.data["message"] for call in calls] == ["Garage: 2 min"]
    assert fake.toggles == [(GARAGE, "CLOSED")]


async def _settle(hass: HomeAssistant) -> None:
    """Let the automation run up to its wait (block_till_done would wait for it)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_open_on_arrival_only_when_confirmed(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Arriving asks the phone; only the tap on Open opens, and only in time."""
    assert await async_setup_component(hass, "zone", {})
    asked = async_mock_service(hass, "notify", "mobile_app_adas_phone")
    away = {"latitude": 10.0, "longitude": 10.0}
    home = {"latitude": hass.config.latitude, "longitude": hass.config.longitude}
    ada = await hass.auth.async_create_user("Ada")
    mallory = await hass.auth.async_create_user("Mallory")
    hass.states.async_set("person.ada", "not_home", {**away, "user_id": ada.id})
    await _automation(
        hass,
        "open_on_arrival",
        {
            "person": "person.ada",
            "access_point": GARAGE_SWITCH,
            "notify_phone": "notify.mobile_app_adas_phone",
            "answer_within": {"minutes": 2},
        },
    )

    # No answer in time: nothing opens.
    hass.states.async_set("person.ada", "home", {**home, "user_id": ada.id})
    await _settle(hass)
    assert len(asked) == 1
    assert asked[0].data["title"] == "Open Garage?"
    await tick(hass, freezer, 121)
    assert fake.toggles == []

    # Back again, and Ada taps Open: ParqEx is asked to open.
    hass.states.async_set("person.ada", "not_home", {**away, "user_id": ada.id})
    hass.states.async_set("person.ada", "home", {**home, "user_id": ada.id})
    await _settle(hass)
    assert len(asked) == 2
    (button,) = asked[1].data["data"]["actions"]
    # A tap on an older notification does nothing.
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": asked[0].data["data"]["actions"][0]["action"]},
        context=Context(user_id=ada.id),
    )
    # Someone else who answers, or an event without a user, opens nothing.
    for context in (Context(user_id=mallory.id), Context()):
        hass.bus.async_fire(
            "mobile_app_notification_action",
            {"action": button["action"]},
            context=context,
        )
    await _settle(hass)
    assert fake.toggles == []
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": button["action"]},
        context=Context(user_id=ada.id),
    )
    await _settle(hass)
    assert fake.toggles == [(GARAGE, "OPEN")]
