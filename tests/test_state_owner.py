"""One owner of each access point's state: polls, pushes and commands never race.

Each test drives Home Assistant as ParqEx and a user would: polls and pushes
from the fake ParqEx, service calls on the switches, restarts.
"""

from __future__ import annotations

import asyncio
from copy import deepcopy
from datetime import UTC, datetime, timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    load_fixture,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parqex.access_points import AccessPointStates
from custom_components.parqex.client.models import DoorState, parse_sync
from custom_components.parqex.const import (
    CONF_WEBHOOK_KEY,
    DOMAIN,
    MISSING_REMOVAL_DELAY,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util

from .evidence.measure import counting_writes
from .fake_parqex import (
    CONTROLLER,
    GARAGE,
    GARAGE_EVENT,
    GARAGE_SWITCH,
    GRACE,
    KITTY,
    KITTY_SWITCH,
    USER_ID,
    WEBHOOK_ID,
    WEBHOOK_KEY,
    FakeParqEx,
    Fault,
)
from .helpers import (
    fired_events,
    logged_events,
    parqex_device,
    set_up,
    spin_until,
    tick,
    turn,
)
from .push_helpers import deliver, door_change

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

GARAGE_CHANGED = "sensor.garage_last_changed"
GARAGE_HELD_OPEN = "binary_sensor.garage_held_open"


# Rule 1: merge by ParqEx's time in UTC; a sync asked before a push never undoes it.


async def test_a_sync_in_flight_never_undoes_a_push(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A poll reads the garage closed; meanwhile it opens and ParqEx pushes it."""
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    fake.hold["sync"] = asyncio.Event()
    fake.calls.clear()
    poll = hass.async_create_task(
        pushing_entry.runtime_data.coordinator.async_refresh()
    )
    await spin_until(lambda: fake.calls["sync"] == 1)

    fake.record(GARAGE, "OPEN", user=GRACE)
    response = await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    assert response.status == 200
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON

    # The poll's answer, read before the garage opened, arrives now.
    fake.hold["sync"].set()
    await poll
    await hass.async_block_till_done()
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    # The next poll agrees with the push.
    del fake.hold["sync"]
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON


@pytest.mark.freeze_time("2026-11-01 05:55:00+00:00")
@pytest.mark.parametrize("oldest_first", [False, True], ids=["newest", "oldest"])
async def test_the_night_the_clocks_go_back(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    oldest_first: bool,
) -> None:
    """01:50 EDT, then 01:10 EST twenty minutes later: both fire, in order,
    whichever order ParqEx lists them in (it documents none).
    """
    fake.settings["data"]["time_zone"] = "America/New_York"
    fake.history_oldest_first = oldest_first
    await set_up(hass, config_entry)
    fired = fired_events(hass, GARAGE_EVENT)
    logged = logged_events(hass)
    # 05:50 UTC is 01:50 EDT.
    fake.record(GARAGE, "OPEN", user=GRACE, at=datetime(2026, 11, 1, 1, 50))
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    freezer.move_to("2026-11-01 06:10:00+00:00")
    # 06:10 UTC is 01:10 EST, after the clocks went back.
    fake.record(GARAGE, "CLOSED", user=GRACE, at=datetime(2026, 11, 1, 1, 10))
    await tick(hass, freezer, 5)

    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    assert [f["door_state"] for f in fired] == ["open", "closed"]
    assert [f["toggled_at"] for f in fired] == [
        "2026-11-01T05:50:00+00:00",
        "2026-11-01T06:10:00+00:00",
    ]
    assert hass.states.get(GARAGE_CHANGED).state == "2026-11-01T06:10:00+00:00"
    # An hour on, 01:50 EST has come too: each sweep reads both again, and
    # neither is taken for news of the hour's second pass.
    for _ in range(30):
        await tick(hass, freezer, 150)
    assert len(logged) == 2


@pytest.mark.freeze_time("2026-11-01 06:09:00+00:00")
@pytest.mark.parametrize("oldest_first", [False, True], ids=["newest", "oldest"])
async def test_a_push_in_the_repeated_hour_is_logged_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    oldest_first: bool,
) -> None:
    """A push at 01:10 EST (the hour's second pass) and its history entry, whose
    local time happened twice, are one event: logged once, at its own time.
    """
    fake.settings["data"]["time_zone"] = "America/New_York"
    fake.history_oldest_first = oldest_first
    # The door's only other event today: 01:05 EDT, the hour's first pass.
    fake.record(GARAGE, "CLOSED", user=GRACE, at=datetime(2026, 11, 1, 1, 5))
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    logged = logged_events(hass)
    freezer.move_to("2026-11-01 06:10:00+00:00")
    fake.record(GARAGE, "OPEN", user=GRACE, at=datetime(2026, 11, 1, 1, 10))
    assert (
        await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    ).status == 200
    await hass.async_block_till_done()
    # Polls, and the 5-minute sweeps, read the entry back from history.
    for _ in range(12):
        await tick(hass, freezer, 30)

    assert fake.history_queries
    assert [(e["door_state"], e["toggled_at"]) for e in logged] == [
        ("open", "2026-11-01T06:10:00+00:00")
    ]
    assert hass.states.get(GARAGE_CHANGED).state == "2026-11-01T06:10:00+00:00"


# Rule 2: deliveries in time.


async def test_a_delivery_from_the_future_is_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
) -> None:
    """Dated more than 5 minutes ahead: 400, and nothing changes."""
    fired = fired_events(hass, GARAGE_EVENT)
    ahead = datetime(2026, 11, 27, 18, 6, tzinfo=UTC)
    response = await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN", at=ahead))
    assert response.status == 400
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    assert fired == []
    # A little ahead (ParqEx's clock is not ours) is taken.
    near = datetime(2026, 11, 27, 18, 4, tzinfo=UTC)
    response = await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN", at=near))
    assert response.status == 200
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON


async def test_an_undated_delivery_never_moves_a_state(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without a time a delivery may be old news: ParqEx's sync is asked instead."""
    body = door_change(GARAGE, "OPEN")
    del body["eventOccurred"], body["eventOccurredUTC"]
    fake.calls.clear()
    assert (await deliver(hass_client_no_auth, body)).status == 200
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    await tick(hass, freezer, 1)
    assert fake.calls["sync"] == 1
    # ParqEx says the garage is still closed: it stays off.
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF

    # The change it told of, once ParqEx's history dates it: logged once.
    logged = logged_events(hass)
    fake.record(GARAGE, "OPEN", user=GRACE, at=fake.now() - timedelta(seconds=1))
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert [(e["event_type"], e["user_name"]) for e in logged] == [
        ("opened", "Grace Hopper")
    ]


async def test_pushes_wait_for_the_time_zone(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Until ParqEx's settings say the zone, pushes are held, then applied once."""
    fake.fail("user-info", Fault(500))
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    fired = fired_events(hass, GARAGE_EVENT)
    fake.record(GARAGE, "OPEN", user=GRACE)
    assert (
        await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    ).status == 200
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    assert fired == []
    # Nor is history read: its times would be misplaced.
    assert fake.history_queries == []

    # Asked again with back-off: at the second poll.
    await tick(hass, freezer, 30)
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    assert [f["door_state"] for f in fired] == ["open"]
    await tick(hass, freezer, 30)
    assert len(fired) == 1
    assert fake.history_queries


async def test_settings_never_read_home_assistant_zone_stands_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """ParqEx refuses its settings every time: after 3 tries Home Assistant's zone,
    a repair that says so, held pushes applied; the repair goes once ParqEx answers.
    """
    fake.fail("user-info", *(Fault(502) for _ in range(3)))
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    assert (
        await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    ).status == 200
    issue_id = f"time_zone_assumed_{config_entry.entry_id}"
    settings_asked = []
    for _ in range(6):
        await tick(hass, freezer, 30)
        settings_asked.append(fake.calls["user-info"])
    # Tried at set-up, then at the 2nd and the 6th poll.
    assert settings_asked == [1, 2, 2, 2, 2, 3]
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["time_zone"] == "US/Pacific"
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    assert fake.history_queries

    for _ in range(20):
        await tick(hass, freezer, 30)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


# Rule 3: one command at a time per access point.


async def test_two_commands_started_together_reach_parqex_once(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """The guard is taken before ParqEx is asked: the second is refused."""
    fake.hold["toggle"] = asyncio.Event()
    opening = hass.async_create_task(turn(hass, "turn_on", GARAGE_SWITCH))
    closing = hass.async_create_task(turn(hass, "turn_off", GARAGE_SWITCH))
    await spin_until(lambda: fake.calls["toggle"] == 1)
    fake.hold["toggle"].set()
    results = await asyncio.gather(opening, closing, return_exceptions=True)

    assert fake.toggles == [(GARAGE, "OPEN")]
    assert results[0] is None
    assert isinstance(results[1], ServiceValidationError)
    assert results[1].translation_key == "toggle_too_soon"


async def test_a_refused_command_gives_the_guard_back(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """ParqEx did not take it: the user may try again at once."""
    fake.fail("toggle", Fault(500))
    with pytest.raises(Exception, match="operate"):
        await turn(hass, "turn_on", GARAGE_SWITCH)
    await turn(hass, "turn_on", GARAGE_SWITCH)
    assert fake.toggles == [(GARAGE, "OPEN")]


# Rule 4: never show an access point closed before ParqEx says it is closed.


async def test_a_close_shows_only_once_parqex_reports_it(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An obstructed gate: accepted, never closed; the switch stays on."""
    fake.travel_syncs = 10**6
    await turn(hass, "turn_off", KITTY_SWITCH)
    state = hass.states.get(KITTY_SWITCH)
    assert state.state == STATE_ON
    assert state.attributes["close_pending"] is True
    # Dashboards show the close under way: a closing icon, still on.
    assert state.attributes["icon"] == "mdi:arrow-collapse-horizontal"
    await tick(hass, freezer, 5)
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON


async def test_a_close_never_confirmed_ends_with_a_warning(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After the fast polling, the warning; what ParqEx reports stays shown."""
    fake.travel_syncs = 10**6
    await turn(hass, "turn_off", KITTY_SWITCH)
    for _ in range(14):
        await tick(hass, freezer, 5)
    state = hass.states.get(KITTY_SWITCH)
    assert state.state == STATE_ON
    assert state.attributes["close_pending"] is False
    assert caplog.text.count("has not reported it within 60 s") == 1


async def test_a_confirmed_close_turns_the_switch_off(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """ParqEx reports CLOSED: off, and the close is no longer pending."""
    await turn(hass, "turn_off", KITTY_SWITCH)
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    await tick(hass, freezer, 5)
    await tick(hass, freezer, 5)
    state = hass.states.get(KITTY_SWITCH)
    assert state.state == STATE_OFF
    assert state.attributes["close_pending"] is False
    # Its kind's icons again (icons.json), not the closing one.
    assert "icon" not in state.attributes


# Rule 5: only what changed is touched.


async def test_only_the_pushed_access_point_is_written(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Controllers check in (last contact moves): a quiet poll writes nothing.

    A push writes the pushed access point's switch and its last change, nothing else.
    """
    ours = [
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, pushing_entry.entry_id
        )
    ]
    for device in fake.sync["devices"]:
        device["last_contact"] = fake.now().strftime("%Y-%m-%d %H:%M:%S")
    with counting_writes(hass, ours) as written:
        await tick(hass, freezer, 30)
    assert written == []

    fake.record(GARAGE, "OPEN", user=GRACE)
    with counting_writes(hass, ours) as written:
        await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
        await hass.async_block_till_done()
    assert sorted(written) == sorted(
        [
            GARAGE_SWITCH,
            GARAGE_CHANGED,
            GARAGE_EVENT,
            "sensor.garage_last_operated_by",
        ]
    )


async def test_held_open_turns_on_without_a_poll(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The controller's limit (900 s) passes: held open turns on by itself."""
    fake.record(GARAGE, "OPEN", user=GRACE)
    await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    await hass.async_block_till_done()
    assert hass.states.get(GARAGE_HELD_OPEN).state == STATE_OFF
    freezer.tick(timedelta(seconds=901))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(GARAGE_HELD_OPEN).state == STATE_ON


# Rule 6: history at a restart.


async def test_a_restart_reads_only_access_points_with_news(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Quiet access points cost no history request; one that moved costs one."""
    await set_up(hass, config_entry)
    assert len(fake.history_queries) == 3
    await hass.config_entries.async_unload(config_entry.entry_id)

    fake.history_queries.clear()
    await set_up(hass, config_entry)
    await tick(hass, freezer, 30)
    await tick(hass, freezer, 30)
    assert fake.history_queries == []

    await hass.config_entries.async_unload(config_entry.entry_id)
    # While Home Assistant was stopped, Grace opened the garage.
    fake.record(GARAGE, "OPEN", user=GRACE)
    fired = fired_events(hass, GARAGE_EVENT)
    await set_up(hass, config_entry)
    await tick(hass, freezer, 30)
    await tick(hass, freezer, 30)
    assert [query["door_id"] for query in fake.history_queries] == [GARAGE]
    assert [f["door_state"] for f in fired] == ["open"]


# Rule 7: nothing the user set up is lost to one bad answer.


@pytest.mark.parametrize(
    "bad_answer",
    [
        pytest.param(lambda sync: sync.update(devices=[]), id="no controllers"),
        pytest.param(
            lambda sync: sync["devices"][0].update(doors=None), id="doors null"
        ),
        pytest.param(
            lambda sync: sync["devices"][0]["doors"].pop(0), id="one door left out"
        ),
    ],
)
async def test_one_bad_answer_loses_nothing(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    area_registry: ar.AreaRegistry,
    caplog: pytest.LogCaptureFixture,
    bad_answer: Any,
) -> None:
    """The renamed entity id and its device's area survive; the door comes back
    as it was.
    """
    area = area_registry.async_create("Hall")
    entity_registry.async_update_entity(KITTY_SWITCH, new_entity_id="switch.cat_flap")
    device = parqex_device(hass, KITTY)
    assert device is not None
    dr.async_get(hass).async_update_device(device.id, area_id=area.id)
    await hass.async_block_till_done()
    good = deepcopy(fake.sync)
    bad_answer(fake.sync)
    await tick(hass, freezer, 30)
    await tick(hass, freezer, 30)

    assert entity_registry.async_get("switch.cat_flap") is not None
    assert parqex_device(hass, KITTY).area_id == area.id
    fake.sync = good
    await tick(hass, freezer, 30)
    assert hass.states.get("switch.cat_flap").state == STATE_ON
    assert parqex_device(hass, KITTY).area_id == area.id
    assert caplog.text.count("ParqEx answered without any controller") <= 1


async def test_empty_answers_after_a_restart_delete_nothing(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Restarted into ten minutes of empty answers: the renamed switch stays."""
    entity_registry.async_update_entity(KITTY_SWITCH, new_entity_id="switch.cat_flap")
    devices = fake.sync["devices"]
    fake.sync["devices"] = []
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    for _ in range(3):
        await tick(hass, freezer, 30)
    await tick(hass, freezer, MISSING_REMOVAL_DELAY.total_seconds())
    assert entity_registry.async_get("switch.cat_flap") is not None
    assert hass.states.get("switch.cat_flap").state == STATE_UNAVAILABLE
    fake.sync["devices"] = devices
    await tick(hass, freezer, 30)
    assert hass.states.get("switch.cat_flap").state == STATE_ON


async def test_an_empty_answer_shows_everything_unavailable_and_logs_once(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No controllers at all: unavailable (not removed), one warning, then back."""
    devices = fake.sync["devices"]
    fake.sync["devices"] = []
    for _ in range(3):
        await tick(hass, freezer, 30)
    await tick(hass, freezer, MISSING_REMOVAL_DELAY.total_seconds())
    assert hass.states.get(KITTY_SWITCH).state == STATE_UNAVAILABLE
    assert caplog.text.count("ParqEx answered without any controller") == 1
    fake.sync["devices"] = devices
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON


async def test_doors_null_keeps_the_doors_as_they_were(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """`doors: null` says nothing about the doors: they stay, available."""
    doors = fake.device(CONTROLLER)["doors"]
    fake.device(CONTROLLER)["doors"] = None
    await tick(hass, freezer, MISSING_REMOVAL_DELAY.total_seconds() + 30)
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    fake.device(CONTROLLER)["doors"] = doors
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON


async def test_access_points_back_as_the_very_objects_are_listed_again(
    hass: HomeAssistant,
) -> None:
    """A controller left out of one answer, then back with the very `doors` merged
    before (the parser hands back what did not change): its access points are
    listed again, not kept missing by the shortcut for an unchanged list."""

    async def _toggle(door_id: str, door_state: DoorState) -> None:
        raise AssertionError("no command here")

    states = AccessPointStates(hass, MockConfigEntry(domain=DOMAIN), _toggle)
    controllers = parse_sync(json.loads(load_fixture("sync.json")))
    first = controllers[0]
    assert first.access_points
    door = first.access_points[0].id
    now = dt_util.utcnow()
    states.apply_sync(controllers, now)
    states.apply_sync(controllers, now)
    states.apply_sync(controllers[1:], now)
    assert not states.is_listed(door)
    assert not states.is_reachable(first.id)
    states.apply_sync(controllers, now)
    assert states.is_listed(door)
    assert states.is_reachable(first.id)


async def test_an_access_point_gone_from_a_restart_is_removed_only_later(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Left out of the first answer after a restart: kept, removed 10 min later."""
    await set_up(hass, config_entry)
    await hass.config_entries.async_unload(config_entry.entry_id)
    kitty = fake.door(KITTY)
    fake.device(CONTROLLER)["doors"].remove(kitty)
    await set_up(hass, config_entry)
    assert entity_registry.async_get(KITTY_SWITCH) is not None
    await tick(hass, freezer, MISSING_REMOVAL_DELAY.total_seconds() - 30)
    assert entity_registry.async_get(KITTY_SWITCH) is not None
    await tick(hass, freezer, 60)
    assert entity_registry.async_get(KITTY_SWITCH) is None


# Rule 8: unload in order.


async def test_unload_stops_deliveries_before_anything_else(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A delivery that arrives while entities unload is not taken (ParqEx retries).

    Taken, it would be logged as handled but reach no entity.
    """
    unload_platforms = hass.config_entries.async_unload_platforms
    answers: list[int] = []
    late = door_change(GARAGE, "OPEN")

    async def _unload_platforms(*args: Any) -> bool:
        answers.append((await deliver(hass_client_no_auth, late)).status)
        return await unload_platforms(*args)

    monkeypatch.setattr(
        hass.config_entries, "async_unload_platforms", _unload_platforms
    )
    fake.calls.clear()
    assert await hass.config_entries.async_unload(pushing_entry.entry_id)
    assert answers == [200]
    stored = hass_storage[f"{DOMAIN}.{pushing_entry.entry_id}.deliveries"]["data"]
    assert late["id"] not in stored
    assert fake.calls["sync"] == 0
    assert WEBHOOK_ID not in hass.data.get("webhook", {})


# Rule 9: unique ids per account.


async def test_two_accounts_that_share_a_door_both_have_it(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    second_account: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A second ParqEx user with access to the same garage gets its own entities."""
    second = second_account
    assert second.state is ConfigEntryState.LOADED
    garages = [
        entry
        for entry in entity_registry.entities.values()
        if entry.domain == "switch" and entry.unique_id.endswith(GARAGE)
    ]
    assert {entry.config_entry_id for entry in garages} == {
        loaded_entry.entry_id,
        second.entry_id,
    }
    assert all(hass.states.get(entry.entity_id).state == STATE_OFF for entry in garages)


async def test_migration_keeps_what_the_user_set_up(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
) -> None:
    """Entries of 1.2 had bare ParqEx ids: moved, with entity id, area and name."""
    hass.config_entries.async_update_entry(config_entry, minor_version=2)
    area = area_registry.async_create("Garage")
    old = entity_registry.async_get_or_create(
        "switch",
        DOMAIN,
        GARAGE,
        config_entry=config_entry,
        suggested_object_id="big_door",
    )
    entity_registry.async_update_entity(old.entity_id, area_id=area.id, name="Big door")
    await set_up(hass, config_entry)

    assert config_entry.minor_version == 4
    moved = entity_registry.async_get("switch.big_door")
    assert moved is not None
    assert moved.unique_id == f"{USER_ID}_{GARAGE}"
    assert (moved.area_id, moved.name) == (area.id, "Big door")
    assert hass.states.get("switch.big_door").state == STATE_OFF
    assert not hass.states.get(GARAGE_SWITCH)


async def test_upgrade_from_0_3_0_gives_each_access_point_its_device(
    hass: HomeAssistant,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
) -> None:
    """Registries as 0.3.0 (entry 1.3) leaves them: every entity on the
    controller's device, in the controller's area. After the upgrade each access
    point has a device behind the controller's; entity ids, the names users gave
    and the area each entity shows in stay.
    """
    hass.config_entries.async_update_entry(config_entry, minor_version=3)
    garage_area = area_registry.async_create("Garage")
    driveway = area_registry.async_create("Driveway")
    controller = device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, CONTROLLER)},
        manufacturer="ParqEx",
        model="Access controller",
        name="ParqEx controller 08848D",
    )
    device_registry.async_update_device(controller.id, area_id=garage_area.id)

    def _old(
        domain: str, key: str | None, object_id: str, name: str, door: str = GARAGE
    ) -> str:
        entity = entity_registry.async_get_or_create(
            domain,
            DOMAIN,
            f"{USER_ID}_{door}" + (f"_{key}" if key else ""),
            config_entry=config_entry,
            device_id=controller.id,
            suggested_object_id=object_id,
            original_name=name,
            has_entity_name=True,
        )
        return entity.entity_id

    switch = _old("switch", None, "parqex_controller_08848d_garage", "Garage")
    changed = _old(
        "sensor",
        "last_changed",
        "parqex_controller_08848d_garage_last_changed",
        "Garage last changed",
    )
    operated = _old(
        "sensor",
        "last_operated_by",
        "parqex_controller_08848d_garage_last_operated_by",
        "Garage last operated by",
    )
    entity_registry.async_update_entity(switch, name="Big door")
    entity_registry.async_update_entity(changed, area_id=driveway.id)
    # The kitty's switch has an area of its own, and no name of its own.
    hall = area_registry.async_create("Hall")
    kitty = _old("switch", None, "parqex_controller_08848d_kitty", "Kitty", KITTY)
    kitty_changed = _old(
        "sensor",
        "last_changed",
        "parqex_controller_08848d_kitty_last_changed",
        "Kitty last changed",
        KITTY,
    )
    entity_registry.async_update_entity(kitty, area_id=hall.id)
    connection = entity_registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"{USER_ID}_{CONTROLLER}_connectivity",
        config_entry=config_entry,
        device_id=controller.id,
        suggested_object_id="parqex_controller_08848d_parqex_connection",
    ).entity_id

    await set_up(hass, config_entry)

    assert config_entry.minor_version == 4
    garage = parqex_device(hass, GARAGE)
    assert garage is not None
    assert garage.via_device_id == controller.id
    assert garage.area_id == garage_area.id
    assert garage.name == "Garage"
    for entity_id in (switch, changed, operated):
        assert entity_registry.async_get(entity_id).device_id == garage.id
    assert entity_registry.async_get(connection).device_id == controller.id
    # Names and areas as the user left them; the ids have not moved.
    assert entity_registry.async_get(switch).name == "Big door"
    assert hass.states.get(switch).name == "Big door"
    assert hass.states.get(switch).state == STATE_OFF
    assert entity_registry.async_get(changed).area_id == driveway.id
    assert entity_registry.async_get(operated).area_id is None
    assert hass.states.get(operated).name == "Garage Last operated by"
    assert not hass.states.get(GARAGE_SWITCH)
    # A switch now goes by its device's name: its own area moved to the device
    # (Home Assistant keeps such entities' areas there); the sensor that showed
    # in the controller's area keeps it, as its own.
    cat = parqex_device(hass, KITTY)
    assert cat is not None
    assert cat.area_id == hall.id
    assert entity_registry.async_get(kitty).area_id is None
    assert entity_registry.async_get(kitty_changed).area_id == garage_area.id
    assert hass.states.get(kitty).name == "Kitty"
