"""The access log: newest first, failed attempts found, people, push health.

Each test drives Home Assistant as a user and ParqEx would: remotes operate
doors (the fake's history), ParqEx pushes (the webhook), the user configures
options and turns switches on, and the tests read entity states, the access
events the logbook describes, repair issues and diagnostics.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parqex.const import (
    CONF_ALLOWED_USERS,
    CONF_PEOPLE,
    CONF_SET_UP_PEOPLE,
    CONF_WEBHOOK_KEY,
    DOMAIN,
)
from custom_components.parqex.diagnostics import async_get_config_entry_diagnostics
from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .fake_parqex import (
    CONTROLLER,
    GARAGE,
    GARAGE_EVENT,
    GARAGE_SWITCH,
    GATE,
    GRACE,
    GUS,
    KITTY,
    USER_ID,
    WEBHOOK_KEY,
    FakeParqEx,
)
from .helpers import fired_events, logged_events, set_up, tick, until
from .push_helpers import deliver, door_change

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

GARAGE_LAST = "sensor.garage_last_operated_by"
GATE_EVENT = "event.pedestrian_gate_access"
OFFLINE_CONTROLLER_DOORS = 1


async def _user(hass: HomeAssistant, name: str) -> User:
    """A Home Assistant user who may sign in (an administrator)."""
    return await hass.auth.async_create_user(name, group_ids=["system-admin"])


async def _people(hass: HomeAssistant, **users: User) -> None:
    """Home Assistant's people: one per name, tied to a user where given."""
    assert await async_setup_component(
        hass,
        "person",
        {
            "person": [
                {"id": name, "name": name.title(), "user_id": user.id}
                for name, user in users.items()
            ]
        },
    )
    await hass.async_block_till_done()


async def _configure_people(
    hass: HomeAssistant, entry: MockConfigEntry, answers: dict[str, Any]
) -> dict[str, Any]:
    """Open Configure, tick the people box, answer the people step."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_WEBHOOK_KEY: entry.options.get(CONF_WEBHOOK_KEY, ""),
            CONF_SET_UP_PEOPLE: True,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "people"
    fields = [str(key) for key in result["data_schema"].schema]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answers
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    return {"fields": fields, "options": dict(entry.options)}


# Point 1: newest wins, nothing lost, across reloads and restarts.


async def test_an_older_failed_attempt_never_replaces_a_newer_operation(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Gus fails at the garage (nothing moves or is pushed), then Grace opens it.

    The sensor and the event entity show Grace through a reload and a restart;
    Gus's attempt is logged once, with its own time, when history shows it.
    """
    fired = fired_events(hass, GARAGE_EVENT)
    logged = logged_events(hass)
    gus_at = dt_util.utcnow() - timedelta(seconds=20)
    fake.record(
        GARAGE, "OPEN", user=GUS, success=False, at=fake.now() - timedelta(seconds=20)
    )
    fake.record(GARAGE, "OPEN", user=GRACE, channel="Remote")
    assert (
        await deliver(
            hass_client_no_auth, door_change(GARAGE, "OPEN", channel="Remote")
        )
    ).status == 200
    await hass.async_block_till_done()
    assert hass.states.get(GARAGE_LAST).state == "Grace Hopper"
    grace_at = dt_util.utcnow()

    # Twice: a reload (a rename in ParqEx does one) reads the stores and the
    # restored states a restart reads; the soak restarts for real.
    for _ in range(2):
        # A restored event entity is no firing: it shows an earlier time.
        await tick(hass, freezer, 1)
        await hass.config_entries.async_unload(pushing_entry.entry_id)
        await set_up(hass, pushing_entry)
        await tick(hass, freezer, 30)
        last = hass.states.get(GARAGE_LAST)
        assert last.state == "Grace Hopper"
        assert last.attributes["success"] is True
        event = hass.states.get(GARAGE_EVENT)
        assert event.attributes["event_type"] == "opened"
        assert event.attributes["user_name"] == "Grace Hopper"

    assert [(f["event_type"], f["user_name"]) for f in fired] == [
        ("opened", "Grace Hopper")
    ]
    assert [(e["event_type"], e["user_name"], e["toggled_at"]) for e in logged] == [
        ("opened", "Grace Hopper", grace_at.isoformat()),
        ("failed", "Gus Guest", gus_at.isoformat()),
    ]


async def test_events_found_together_show_in_order(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two operations read in one poll both fire, oldest first; the newest stays."""
    fired = fired_events(hass, GARAGE_EVENT)
    fake.record(
        GARAGE, "OPEN", user=GUS, success=False, at=fake.now() - timedelta(seconds=5)
    )
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    assert [(f["event_type"], f["user_name"]) for f in fired] == [
        ("failed", "Gus Guest"),
        ("opened", "Grace Hopper"),
    ]
    assert hass.states.get(GARAGE_LAST).state == "Grace Hopper"


# Point 2: failed attempts within 5 minutes, at one request per controller.


async def test_a_failed_attempt_while_nothing_moves_is_found_within_5_minutes(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Nothing moves, so no access point's history is read for a move; each
    controller's history is read once in 5 minutes, and the attempt fires.
    """
    fired = fired_events(hass, GARAGE_EVENT)
    fake.history_queries.clear()
    fake.record(GARAGE, "CLOSED", user=GUS, success=False)
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert [(f["event_type"], f["user_name"]) for f in fired] == [
        ("failed", "Gus Guest")
    ]
    # Two controllers: one request each, for the whole controller.
    assert sorted(
        (q["history_type"], q.get("device_id")) for q in fake.history_queries
    ) == sorted([("device", CONTROLLER), ("device", fake.sync["devices"][1]["id"])])


async def test_without_controller_history_each_access_point_is_asked(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Where ParqEx refuses `history_type=device`, one request per access point,
    and the refused kind is not asked again.
    """
    fake.device_history = False
    fired = fired_events(hass, GATE_EVENT)
    fake.history_queries.clear()
    fake.record(GATE, "OPEN", user=GUS, success=False)
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert [f["event_type"] for f in fired] == ["failed"]
    # Refused once: not asked again this session, for any controller.
    kinds = [q["history_type"] for q in fake.history_queries]
    assert kinds.count("device") == 1
    assert kinds.count("door") == 3
    fake.history_queries.clear()
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert [q["history_type"] for q in fake.history_queries] == ["door"] * 3


async def test_an_event_parqex_records_late_is_still_logged(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """ParqEx records Gus's attempt after Grace's later opening was read: it is
    logged once, with its own time, and "last operated by" stays Grace.
    """
    logged = logged_events(hass)
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    fake.record(
        GARAGE,
        "CLOSED",
        user=GUS,
        success=False,
        at=fake.now() - timedelta(seconds=40),
        move=False,
    )
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert [(e["event_type"], e["user_name"]) for e in logged] == [
        ("opened", "Grace Hopper"),
        ("failed", "Gus Guest"),
    ]
    assert hass.states.get(GARAGE_LAST).state == "Grace Hopper"


async def test_a_push_during_a_poll_cut_short_is_logged(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
) -> None:
    """A push that arrives while a poll waits is kept until the poll ends; a
    reload (a rename in ParqEx does one) that cuts the poll short logs it.
    """
    logged = logged_events(hass)
    fake.hold["sync"] = asyncio.Event()
    fake.calls.clear()
    poll = hass.async_create_task(
        pushing_entry.runtime_data.coordinator.async_refresh()
    )
    await until(lambda: fake.calls["sync"] == 1, "the poll to ask ParqEx")
    fake.record(GARAGE, "OPEN", user=GRACE)
    await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    assert logged == []
    await hass.config_entries.async_unload(pushing_entry.entry_id)
    assert [e["event_type"] for e in logged] == ["opened"]
    fake.hold["sync"].set()
    await poll
    del fake.hold["sync"]
    await set_up(hass, pushing_entry)
    assert [e["event_type"] for e in logged] == ["opened"]


# Point 4: the same identity whether pushed or polled.


async def test_a_pushed_name_is_a_label_until_history_gives_the_id(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A guest renamed "Grace Hopper" in ParqEx is not Grace: a push names nobody
    by id; history's entry with his own id shows him as he is, Grace's own push
    gets her person once history names her, and nothing fires twice.
    """
    grace = await _user(hass, "Grace")
    await _people(hass, grace=grace)
    hass.config_entries.async_update_entry(
        pushing_entry,
        options={**pushing_entry.options, CONF_PEOPLE: {GRACE[0]: "person.grace"}},
    )
    fired = fired_events(hass, GARAGE_EVENT)
    logged = logged_events(hass)

    # The guest, under Grace's name.
    await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    await hass.async_block_till_done()
    assert (fired[-1]["user_id"], fired[-1]["person"]) == (None, None)
    fake.record(GARAGE, "OPEN", user=(GUS[0], "Grace", "Hopper"))
    await tick(hass, freezer, 30)
    last = hass.states.get(GARAGE_LAST)
    assert (last.state, last.attributes["person"]) == ("Grace Hopper", None)

    # Grace herself: a label first, her person once history gives her id.
    await tick(hass, freezer, 5)
    await deliver(hass_client_no_auth, door_change(GARAGE, "CLOSED"))
    await hass.async_block_till_done()
    assert hass.states.get(GARAGE_LAST).attributes["person"] is None
    fake.record(GARAGE, "CLOSED", user=GRACE)
    # Nothing moved since the push: the 5-minute read of the controller finds it.
    for _ in range(10):
        await tick(hass, freezer, 30)
    last = hass.states.get(GARAGE_LAST)
    assert (last.state, last.attributes["person"]) == ("Grace", "person.grace")
    assert [e["event_type"] for e in fired] == ["opened", "closed"]
    assert [e["event_type"] for e in logged] == ["opened", "closed"]


# Point 5: people.


async def test_people_step_maps_parqex_users_to_persons(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The step lists the ParqEx users seen; a mapped user's events name the person."""
    grace_user = await _user(hass, "Grace")
    await _people(hass, grace=grace_user)
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_LAST).attributes["person"] is None

    configured = await _configure_people(
        hass, loaded_entry, {"Grace Hopper": "person.grace"}
    )
    assert configured["fields"] == ["Grace Hopper", CONF_ALLOWED_USERS]
    assert configured["options"] == {
        CONF_PEOPLE: {GRACE[0]: "person.grace"},
        CONF_ALLOWED_USERS: [],
    }
    # Shown at once, not at Grace's next operation.
    last = hass.states.get(GARAGE_LAST)
    assert (last.state, last.attributes["person"]) == ("Grace", "person.grace")

    fired = fired_events(hass, GARAGE_EVENT)
    await tick(hass, freezer, 1)
    fake.record(GARAGE, "CLOSED", user=GRACE)
    await tick(hass, freezer, 30)
    assert fired[-1]["person"] == "person.grace"
    last = hass.states.get(GARAGE_LAST)
    assert last.state == "Grace"
    assert last.attributes["person"] == "person.grace"

    # Unmapped: her ParqEx name again, at once, and after a reload.
    await _configure_people(hass, loaded_entry, {})
    last = hass.states.get(GARAGE_LAST)
    assert (last.state, last.attributes["person"]) == ("Grace Hopper", None)
    assert fired[-1]["person"] == "person.grace"
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(GARAGE_LAST).state == "Grace Hopper"


async def test_submitting_only_the_key_keeps_the_people(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """The first step alone saves and closes, as before, and keeps the mapping."""
    hass.config_entries.async_update_entry(
        loaded_entry, options={CONF_PEOPLE: {GRACE[0]: "person.grace"}}
    )
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {
        CONF_PEOPLE: {GRACE[0]: "person.grace"},
        CONF_WEBHOOK_KEY: WEBHOOK_KEY,
    }


async def test_a_command_is_credited_to_the_signed_in_user(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """ParqEx logs the toggle as the account's owner; the log names who asked."""
    henry = await _user(hass, "Henry")
    await _people(hass, henry=henry)
    fired = fired_events(hass, GARAGE_EVENT)
    logged = logged_events(hass)
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": GARAGE_SWITCH},
        blocking=True,
        context=Context(user_id=henry.id),
    )
    for _ in range(4):
        await tick(hass, freezer, 5)
    assert [(f["event_type"], f["person"], f["via"]) for f in fired] == [
        ("opened", "person.henry", "home_assistant")
    ]
    assert fired[-1]["user_id"] == USER_ID
    last = hass.states.get(GARAGE_LAST)
    assert (last.state, last.attributes["via"]) == ("Henry", "home_assistant")
    assert logged[-1]["person"] == "person.henry"

    # An automation's command (no user) says Home Assistant, and no person.
    await tick(hass, freezer, 21)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": GARAGE_SWITCH}, blocking=True
    )
    for _ in range(4):
        await tick(hass, freezer, 5)
    assert [(f["event_type"], f["person"], f["via"]) for f in fired][-1] == (
        "closed",
        None,
        "home_assistant",
    )


async def test_only_listed_users_operate_access_points(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
) -> None:
    """A user not on the list gets a translated refusal; automations go on."""
    allowed = await _user(hass, "Grace")
    other = await _user(hass, "Mallory")
    await _configure_people(hass, loaded_entry, {CONF_ALLOWED_USERS: [allowed.id]})
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            "switch",
            "turn_on",
            {"entity_id": GARAGE_SWITCH},
            blocking=True,
            context=Context(user_id=other.id),
        )
    assert refused.value.translation_key == "user_not_allowed"
    assert "Garage" in str(refused.value)
    assert fake.toggles == []
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": GARAGE_SWITCH},
        blocking=True,
        context=Context(user_id=allowed.id),
    )
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": "switch.kitty"},
        blocking=True,
    )
    assert len(fake.toggles) == 2


# Point 6: push health.


async def _unpushed(
    hass: HomeAssistant, fake: FakeParqEx, freezer: FrozenDateTimeFactory, state: str
) -> None:
    """Grace moves the garage; polling finds it and 90 s pass without a push."""
    fake.record(GARAGE, state, user=GRACE)
    for _ in range(3):
        await tick(hass, freezer, 30)


async def test_deliveries_that_stop_raise_a_repair_until_one_arrives(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Three changes polling found and ParqEx never pushed: the repair; then a
    delivery clears it. A change pushed late, within 60 s, is no miss.
    """
    issue_id = f"deliveries_missing_{pushing_entry.entry_id}"
    # Pushed 10 s after polling found it: in time.
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    await tick(hass, freezer, 10)
    await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    await tick(hass, freezer, 60)
    for state in ("CLOSED", "OPEN", "CLOSED"):
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
        await _unpushed(hass, fake, freezer, state)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "deliveries_missing"
    # Its dialog leads to the fix: the address to send ParqEx, the key.
    assert issue.is_fixable
    diagnostics = await async_get_config_entry_diagnostics(hass, pushing_entry)
    assert diagnostics["push"]["health"]["missed"] == 3

    # Polling stayed the net.
    assert hass.states.get(GARAGE_SWITCH).state == "off"
    await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get(GARAGE_SWITCH).state == "on"


async def test_each_undelivered_change_counts(
    hass: HomeAssistant,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Three changes of one door 30 s apart, none pushed: three misses, the repair."""
    for state in ("OPEN", "CLOSED", "OPEN"):
        fake.record(GARAGE, state, user=GRACE)
        await tick(hass, freezer, 30)
    for _ in range(3):
        await tick(hass, freezer, 30)
    diagnostics = await async_get_config_entry_diagnostics(hass, pushing_entry)
    assert diagnostics["push"]["health"]["missed"] == 3
    issue_id = f"deliveries_missing_{pushing_entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None


async def test_a_miss_from_before_a_delivery_is_not_in_a_row(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A change never pushed, then a delivery of a later one: ParqEx reached Home
    Assistant after that change, so it is a miss but not one in a row; the repair
    needs three undelivered changes after the last delivery.
    """
    issue_id = f"deliveries_missing_{pushing_entry.entry_id}"
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    fake.record(KITTY, "CLOSED", user=GRACE)
    await deliver(hass_client_no_auth, door_change(KITTY, "CLOSED"))
    for _ in range(3):
        await tick(hass, freezer, 30)
    health = (await async_get_config_entry_diagnostics(hass, pushing_entry))["push"][
        "health"
    ]
    assert (health["missed"], health["missed_in_a_row"]) == (1, 0)
    for state in ("CLOSED", "OPEN", "CLOSED"):
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
        await _unpushed(hass, fake, freezer, state)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None


async def test_a_push_dated_the_second_polling_found_is_no_miss(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Pushed and polled at the same second, whichever came first: delivered."""
    # Polled first last: no later delivery may clear what it left waiting.
    for state, push_first in (("OPEN", True), ("CLOSED", False)):
        at = dt_util.utcnow()
        fake.record(GARAGE, state, user=GRACE)
        if push_first:
            await deliver(hass_client_no_auth, door_change(GARAGE, state, at=at))
        await tick(hass, freezer, 30)
        if not push_first:
            await deliver(hass_client_no_auth, door_change(GARAGE, state, at=at))
        await tick(hass, freezer, 30)
    for _ in range(4):
        await tick(hass, freezer, 30)
    diagnostics = await async_get_config_entry_diagnostics(hass, pushing_entry)
    assert diagnostics["push"]["health"] == {
        "missed": 0,
        "missed_in_a_row": 0,
        "waiting": 0,
    }


async def test_no_push_no_repair(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """With push off, changes found by polling are what is expected."""
    for state in ("OPEN", "CLOSED", "OPEN", "CLOSED"):
        await _unpushed(hass, fake, freezer, state)
    assert not [i for i in issue_registry.issues.values() if i.domain == DOMAIN]
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert diagnostics["push"]["health"]["missed"] == 0


async def test_last_operated_by_comes_back_from_the_integrations_own_store(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A power cut after Grace's opening: Home Assistant's restore state (saved
    every 15 minutes) still says Gus; the access log's own store says Grace.
    """
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_LAST).state == "Grace Hopper"
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    mock_restore_cache(
        hass,
        [State(GARAGE_LAST, "Gus Guest", {"channel": "Remote", "success": True})],
    )
    await set_up(hass, loaded_entry)
    last = hass.states.get(GARAGE_LAST)
    assert (last.state, last.attributes["channel"]) == ("Grace Hopper", "ParqEx Web")


# Faults the suite once missed: each assertion here catches one.


async def test_a_failed_attempt_fires_once_however_many_sweeps_follow(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A failed attempt at the keypad (no ParqEx user) is the newest event: it
    fires once, not at each sweep, and the newest time shown is saved (a restart
    must not show it again).
    """
    fired = fired_events(hass, GARAGE_EVENT)
    fake.record(GARAGE, "CLOSED", user=("", "", ""), channel="Keypad", success=False)
    for _ in range(60):
        await tick(hass, freezer, 30)
    assert [f["event_type"] for f in fired] == ["failed"]
    stored = hass_storage[f"{DOMAIN}.{loaded_entry.entry_id}.access_log"]["data"]
    assert GARAGE in stored["newest"]


async def test_only_authenticated_deliveries_clear_the_repair_and_restart_the_count(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A delivery with a wrong key clears nothing; a real one restarts the count."""
    issue_id = f"deliveries_missing_{pushing_entry.entry_id}"

    async def _missed(states: tuple[str, ...]) -> None:
        for state in states:
            await _unpushed(hass, fake, freezer, state)

    await _missed(("OPEN", "CLOSED", "OPEN"))
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    forged = await deliver(
        hass_client_no_auth,
        door_change(GARAGE, "CLOSED"),
        headers={"X-ParqEx-Api-Key": "not-the-key-at-all-0000"},
    )
    assert forged.status == 401
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    await deliver(hass_client_no_auth, door_change(GATE, "OPEN"))
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    # Two misses after a delivery are not three in a row.
    await _missed(("CLOSED", "OPEN"))
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    await _missed(("CLOSED",))
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
