"""Access history: event entities fire from ParqEx's history, once, in order."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.const import DOMAIN
from homeassistant.const import STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant

from .fake_parqex import CONTROLLER, GARAGE, GATE, KITTY, USER_ID, FakeParqEx, Fault
from .helpers import fired_events, set_up, tick

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

KITTY_EVENT = "event.kitty_access"
GARAGE_EVENT = "event.garage_access"
GRACE = ("e7a1c2d3-0000-4000-8000-00000000beef", "Grace", "Hopper")


async def test_first_start_announces_nothing_old(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """Events from before Home Assistant knew the account are not news."""
    fake.record(GARAGE, "OPEN", user=GRACE, at=fake.now() - timedelta(hours=1))
    fired = fired_events(hass, GARAGE_EVENT)
    await set_up(hass, config_entry)

    assert fired == []
    assert hass.states.get(GARAGE_EVENT).state == STATE_UNKNOWN
    # Once per access point at startup, over yesterday and today (Chicago time).
    assert sorted(q["door_id"] for q in fake.history_queries) == sorted(
        [KITTY, GARAGE, GATE]
    )
    assert {
        (q["history_type"], q["start_date"], q["end_date"])
        for q in fake.history_queries
    } == {("door", "2026-11-26", "2026-11-27")}


async def test_quiet_account_costs_one_sync_per_poll(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """However many access points, a quiet poll is one `sync` request."""
    fake.calls.clear()
    for _ in range(4):
        await tick(hass, freezer, 30)
    assert fake.calls == Counter({"sync": 4})


async def test_someone_opens_the_garage(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A door that moved has its history read; the event says who, how and when."""
    fired = fired_events(hass, GARAGE_EVENT)
    fake.calls.clear()
    fake.history_queries.clear()
    fake.record(GARAGE, "OPEN", user=GRACE, channel="ParqEx Web")
    await tick(hass, freezer, 30)

    assert fake.calls == Counter({"sync": 1, "toggle-history": 1})
    assert [q["door_id"] for q in fake.history_queries] == [GARAGE]
    assert len(fired) == 1
    state = hass.states.get(GARAGE_EVENT)
    assert state.state == "2026-11-27T18:00:30.000+00:00"
    assert state.attributes["event_type"] == "opened"
    assert state.attributes["friendly_name"] == "Garage Access"
    assert {
        key: state.attributes[key]
        for key in (
            "user_name",
            "user_id",
            "channel",
            "door_state",
            "success",
            "toggled_at",
        )
    } == {
        "user_name": "Grace Hopper",
        "user_id": GRACE[0],
        "channel": "ParqEx Web",
        "door_state": "open",
        "success": True,
        # 12:00 in the account's time zone (America/Chicago).
        "toggled_at": "2026-11-27T18:00:00+00:00",
    }
    assert not any("@" in str(value) for value in state.attributes.values())


async def test_events_fire_in_the_order_they_happened(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failed attempt, then a close: both fire, oldest first."""
    fired = fired_events(hass, KITTY_EVENT)
    now = fake.now()
    fake.record(
        KITTY, "CLOSED", user=GRACE, success=False, at=now - timedelta(seconds=20)
    )
    fake.record(KITTY, "CLOSED", at=now - timedelta(seconds=10))
    await tick(hass, freezer, 30)

    assert [(f["event_type"], f["user_name"]) for f in fired] == [
        ("failed", "Grace Hopper"),
        ("closed", "Grace Hopper"),
    ]
    assert [f["success"] for f in fired] == [False, True]


async def test_own_toggle_is_announced_with_the_signed_in_user(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Opening from Home Assistant shows up as the account's own event."""
    fired = fired_events(hass, GARAGE_EVENT)
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": "switch.garage"},
        blocking=True,
    )
    # The door takes one more poll to move.
    await tick(hass, freezer, 5)
    await tick(hass, freezer, 5)
    assert hass.states.get("switch.garage").state == STATE_ON
    assert [(f["event_type"], f["user_id"], f["channel"]) for f in fired] == [
        ("opened", USER_ID, "ParqEx API")
    ]


async def test_a_sweep_that_finds_nothing_writes_nothing(
    hass: HomeAssistant,
    fake: FakeParqEx,
    hass_storage: dict[str, Any],
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The 5-minute sweep reads every controller; with nothing new, nothing is saved."""
    key = f"{DOMAIN}.{loaded_entry.entry_id}.history"
    await tick(hass, freezer, 30)
    assert key in hass_storage
    del hass_storage[key]
    fake.history_queries.clear()
    for _ in range(12):
        await tick(hass, freezer, 30)
    assert {q["history_type"] for q in fake.history_queries} == {"device"}
    assert key not in hass_storage


async def test_no_event_twice_across_restarts(
    hass: HomeAssistant,
    fake: FakeParqEx,
    hass_storage: dict[str, Any],
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Announced events stay announced; ones missed while stopped come afterwards."""
    fired = fired_events(hass, GARAGE_EVENT)
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    assert [f["event_type"] for f in fired] == ["opened"]

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    # Written at unload, not some seconds later: a reload reads it at once.
    stored = hass_storage[f"{DOMAIN}.{loaded_entry.entry_id}.history"]["data"]
    assert stored[GARAGE]["last"] == "2026-11-27T18:00:00+00:00"
    await tick(hass, freezer, 60)
    fake.record(GARAGE, "CLOSED", channel="Door Sensor")

    await set_up(hass, loaded_entry)
    await tick(hass, freezer, 30)
    await tick(hass, freezer, 30)
    assert [(f["event_type"], f["channel"]) for f in fired] == [
        ("opened", "ParqEx Web"),
        ("closed", "Door Sensor"),
    ]


async def test_history_that_lags_is_asked_again_a_few_times(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """ParqEx may record an event after the state changed; asking stops after three."""
    fired = fired_events(hass, GARAGE_EVENT)
    fake.history_queries.clear()
    late = fake.record(GARAGE, "OPEN", user=GRACE)
    fake.history.remove(late)
    await tick(hass, freezer, 30)
    assert fired == []
    fake.history.append(late)
    await tick(hass, freezer, 30)
    assert [f["event_type"] for f in fired] == ["opened"]
    assert len(fake.history_queries) == 2

    fake.history_queries.clear()
    fake.record(GARAGE, "CLOSED")
    fake.history.clear()
    for _ in range(5):
        await tick(hass, freezer, 30)
    assert len(fake.history_queries) == 3


async def test_history_refused_to_a_user_is_left_alone(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """ParqEx may show history to owners only: no reauth, no asking again."""
    fake.fail("toggle-history", Fault(403, '{"errors": [{"message": "Forbidden"}]}'))
    fake.record(KITTY, "CLOSED")
    await tick(hass, freezer, 30)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert hass.states.get("switch.kitty").state == "off"

    fake.history_queries.clear()
    fake.record(KITTY, "OPEN", at=fake.now() + timedelta(seconds=1))
    await tick(hass, freezer, 30)
    assert fake.history_queries == []


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(429, headers={"Retry-After": "30"}), "ParqExRateLimitedError"),
        (Fault(500), "ParqExServerError"),
    ],
)
async def test_history_failures_do_not_make_doors_unavailable(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fault: Fault,
    error: str,
) -> None:
    """A history error is retried at the next poll; the switches stay usable."""
    fired = fired_events(hass, GARAGE_EVENT)
    fake.fail("toggle-history", fault)
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    assert fired == []
    assert hass.states.get("switch.garage").state == "on"
    assert loaded_entry.runtime_data.history.last_error == error
    await tick(hass, freezer, 30)
    assert [f["event_type"] for f in fired] == ["opened"]


async def test_history_entries_without_door_or_time_are_skipped(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Malformed entries do not break reading the good ones."""
    fired = fired_events(hass, GARAGE_EVENT)
    good = fake.record(GARAGE, "OPEN", user=GRACE)
    fake.history.append({**good, "toggle_date_time": "2026-11-27 noon"})
    fake.history.append("not an event")  # type: ignore[arg-type]
    fake.history.append({**good, "door_state": "AJAR", "user": None})
    await tick(hass, freezer, 30)
    assert [f["event_type"] for f in fired] == ["opened"]


async def test_a_vanished_access_point_is_not_asked_again(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An access point whose read failed, then left the account, is dropped."""
    fake.fail("toggle-history", Fault(500))
    fake.record(GARAGE, "OPEN", user=GRACE)
    await tick(hass, freezer, 30)
    fake.device(CONTROLLER)["doors"] = [
        door for door in fake.device(CONTROLLER)["doors"] if door["id"] != GARAGE
    ]
    fake.history_queries.clear()
    await tick(hass, freezer, 30)
    assert fake.history_queries == []


async def test_events_read_as_an_outage_ends_fire(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """What happened while ParqEx failed fires once it answers, though the poll
    that reads it is the one that makes the entities available again.
    """
    fired = fired_events(hass, GARAGE_EVENT)
    fake.fail("sync", Fault(500))
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_EVENT).state == "unavailable"
    fake.record(GARAGE, "OPEN", user=GRACE)
    freezer.tick(timedelta(seconds=1))
    fake.record(GARAGE, "CLOSED", user=GRACE)
    await tick(hass, freezer, 30)
    assert [f["door_state"] for f in fired] == ["open", "closed"]
    assert hass.states.get(GARAGE_EVENT).attributes["door_state"] == "closed"


async def test_events_of_a_controller_gone_offline_fire(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Opened just before its controller went offline: ParqEx's history has it."""
    fired = fired_events(hass, GARAGE_EVENT)
    fake.record(GARAGE, "OPEN", user=GRACE)
    fake.device(CONTROLLER)["active"] = False
    await tick(hass, freezer, 30)
    assert hass.states.get("switch.garage").state == ("unavailable")
    assert [f["door_state"] for f in fired] == ["open"]
