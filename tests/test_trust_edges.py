"""Trust at every edge: who may open (automations included), who did it, what it costs.

Driven as people and ParqEx would: users run automations and scripts, ParqEx
records events in its history, a controller's history is "not found".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.parqex.const import (
    ALLOWED_CLOUD_VOICE,
    CONF_ALLOWED_USERS,
    DOMAIN,
)
from custom_components.parqex.diagnostics import async_get_config_entry_diagnostics
from custom_components.parqex.logbook import describe_access
from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component

from .fake_parqex import (
    CONTROLLER,
    GARAGE,
    GARAGE_SWITCH,
    GATE,
    OFFLINE_CONTROLLER,
    FakeParqEx,
)
from .helpers import logged_events, spin_until, tick
from .push_helpers import deliver, door_change

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

OPEN_GARAGE = "automation.open_the_garage"
# An event nobody touched starts the automation (as a time or sun trigger does).
BEDTIME = "parqex_test_bedtime"


async def _user(hass: HomeAssistant, name: str) -> User:
    """A user who is not an administrator (Home Assistant's "Users" group)."""
    return await hass.auth.async_create_user(name, group_ids=["system-users"])


async def _allow(hass: HomeAssistant, entry: MockConfigEntry, *allowed: str) -> None:
    """Set the allowed list as Configure saves it (options change, no reload)."""
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_ALLOWED_USERS: list(allowed)}
    )


async def _open_garage_automation(hass: HomeAssistant, *, waits: bool = False) -> None:
    """An automation the user wrote: at bedtime (or when run), open the garage.

    One that `waits` opens when run, once bedtime comes.
    """
    opens = {"action": "switch.turn_on", "target": {"entity_id": GARAGE_SWITCH}}
    wait = {"wait_for_trigger": [{"trigger": "event", "event_type": BEDTIME}]}
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "open_the_garage",
                "alias": "Open the garage",
                "triggers": [
                    {"trigger": "event", "event_type": "never" if waits else BEDTIME}
                ],
                "actions": [wait, opens] if waits else [opens],
            }
        },
    )
    await hass.async_block_till_done()


async def _run_actions(hass: HomeAssistant, user: User) -> None:
    """Press the automation's Run actions as this user."""
    await hass.services.async_call(
        "automation",
        "trigger",
        {"entity_id": OPEN_GARAGE},
        blocking=True,
        context=Context(user_id=user.id),
    )
    await hass.async_block_till_done()


async def test_a_person_not_allowed_cannot_open_through_an_automation(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """Run actions (`automation.trigger`) by a user not on the list is refused,
    and the refusal is logged; the same automation started on its own opens.
    """
    grace = await _user(hass, "Grace")
    vera = await _user(hass, "Vera")
    await _allow(hass, loaded_entry, grace.id)
    await _open_garage_automation(hass)
    logged = logged_events(hass)

    await _run_actions(hass, vera)
    assert fake.toggles == []
    assert [(e["event_type"], e["user_name"], e["success"]) for e in logged] == [
        ("refused", "Vera", False)
    ]
    assert describe_access(hass, logged[0]) == "refused to open for Vera (not allowed)"

    # Grace on the list may run it; and it runs on its own (no user anywhere).
    await _run_actions(hass, grace)
    assert fake.toggles == [(GARAGE, "OPEN")]


@pytest.mark.timeout(60)
async def test_a_user_deleted_since_is_refused(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    hass_owner_user: MockUser,
) -> None:
    """Grace, on the list, runs an automation that waits; she is deleted while it
    waits: when it goes on, Home Assistant no longer knows her, and it is refused.
    (An owner exists, as in every Home Assistant: 2026.10 never removes one.)
    """
    grace = await _user(hass, "Grace")
    await _allow(hass, loaded_entry, grace.id)
    await _open_garage_automation(hass, waits=True)
    logged = logged_events(hass)
    # Run actions returns at once here: the automation waits.
    await hass.services.async_call(
        "automation",
        "trigger",
        {"entity_id": OPEN_GARAGE},
        context=Context(user_id=grace.id),
    )
    await spin_until(lambda: hass.states.get(OPEN_GARAGE).attributes["current"] == 1)
    await hass.auth.async_remove_user(grace)
    hass.bus.async_fire(BEDTIME)
    await spin_until(lambda: hass.states.get(OPEN_GARAGE).attributes["current"] == 0)
    assert fake.toggles == []
    assert [(e["event_type"], e["user_name"]) for e in logged] == [("refused", None)]


async def test_an_automation_started_on_its_own_is_never_refused(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """No person caused it (an event with no user): the list does not apply."""
    grace = await _user(hass, "Grace")
    await _allow(hass, loaded_entry, grace.id)
    await _open_garage_automation(hass)
    hass.bus.async_fire(BEDTIME)
    await hass.async_block_till_done()
    assert fake.toggles == [(GARAGE, "OPEN")]


async def test_cloud_voice_assistants_are_a_choice_of_their_own(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """Google Assistant and Alexa through Cloud act as Cloud's system user."""
    grace = await _user(hass, "Grace")
    # As Home Assistant Cloud makes it.
    cloud = await hass.auth.async_create_system_user(
        "Home Assistant Cloud", group_ids=["system-admin"]
    )

    async def _by_voice() -> None:
        await hass.services.async_call(
            "switch",
            "turn_on",
            {"entity_id": GARAGE_SWITCH},
            blocking=True,
            context=Context(user_id=cloud.id),
        )

    await _allow(hass, loaded_entry, grace.id)
    with pytest.raises(ServiceValidationError) as refused:
        await _by_voice()
    assert refused.value.translation_key == "user_not_allowed"
    await _allow(hass, loaded_entry, grace.id, ALLOWED_CLOUD_VOICE)
    await _by_voice()
    assert fake.toggles == [(GARAGE, "OPEN")]


async def test_the_history_action_answers_admins_and_allowed_users(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """Names and ParqEx user ids are not for everyone once a list is set."""
    grace = await _user(hass, "Grace")
    vera = await _user(hass, "Vera")
    admin = await hass.auth.async_create_user("Ada", group_ids=["system-admin"])
    await _allow(hass, loaded_entry, grace.id)

    async def _history(user: User) -> dict[str, Any]:
        response = await hass.services.async_call(
            DOMAIN,
            "get_access_history",
            {"config_entry_id": loaded_entry.entry_id},
            blocking=True,
            return_response=True,
            context=Context(user_id=user.id),
        )
        assert response is not None
        return dict(response)

    with pytest.raises(ServiceValidationError) as refused:
        await _history(vera)
    assert refused.value.translation_key == "history_not_allowed"
    assert "events" in await _history(grace)
    assert "events" in await _history(admin)


async def test_an_event_before_a_command_is_not_its_result(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A door sensor opening 15 s before Henry's tap stays the sensor's."""
    henry = await _user(hass, "Henry")
    assert await async_setup_component(
        hass,
        "person",
        {"person": [{"id": "henry", "name": "Henry", "user_id": henry.id}]},
    )
    logged = logged_events(hass)
    fake.record(
        GARAGE,
        "OPEN",
        user=("", "", ""),
        channel="Door sensor",
        at=fake.now() - timedelta(seconds=15),
        move=False,
    )
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": GARAGE_SWITCH},
        blocking=True,
        context=Context(user_id=henry.id),
    )
    for _ in range(4):
        await tick(hass, freezer, 5)
    assert [(e["channel"], e["person"], e["via"]) for e in logged] == [
        ("Door sensor", None, None),
        ("ParqEx API", "person.henry", "home_assistant"),
    ]


async def test_one_controller_not_found_concerns_that_controller_only(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An offline controller's history "not found": its access points are asked
    one by one; the other controller is still read whole, and next time both are.
    """
    fake.device_history_not_found.add(OFFLINE_CONTROLLER)
    fake.history_queries.clear()
    for _ in range(10):
        await tick(hass, freezer, 30)
    asked = sorted(
        (q["history_type"], q.get("device_id") or q.get("door_id"))
        for q in fake.history_queries
    )
    assert asked == sorted(
        [("device", CONTROLLER), ("device", OFFLINE_CONTROLLER), ("door", GATE)]
    )
    fake.device_history_not_found.clear()
    fake.history_queries.clear()
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert sorted(q["history_type"] for q in fake.history_queries) == [
        "device",
        "device",
    ]
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert diagnostics["history"]["device_history_supported"] is True


async def test_pushes_where_history_is_refused_keep_few_keys(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A door pushed every 2 minutes for a day, history never read: bounded keys."""
    history = pushing_entry.runtime_data.history
    history.refused.add(GARAGE)
    for number in range(300):
        state = "OPEN" if number % 2 else "CLOSED"
        body = door_change(GARAGE, state)
        assert (await deliver(hass_client_no_auth, body)).status == 200
        freezer.tick(timedelta(minutes=2))
    await history.announced.async_flush()
    stored = hass_storage[f"{DOMAIN}.{pushing_entry.entry_id}.history"]["data"]
    assert 0 < len(stored[GARAGE]["announced"]) <= 100
