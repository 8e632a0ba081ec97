"""Push: ParqEx's webhook deliveries reach Home Assistant through its HTTP server."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncGenerator
from datetime import timedelta
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.parqex.const import CONF_WEBHOOK_KEY, DOMAIN, PUSH_PRECEDENCE
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .fake_parqex import (
    CONTROLLER,
    GARAGE,
    GARAGE_EVENT,
    GARAGE_SWITCH,
    GRACE,
    KITTY,
    KITTY_SWITCH,
    WEBHOOK_ID,
    WEBHOOK_KEY,
    FakeParqEx,
    Fault,
)
from .helpers import fired_events, logged_events, set_up, tick
from .push_helpers import KEY_HEADER, WEBHOOK_PATH, deliver, door_change

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

KITTY_EVENT = "event.kitty_access"
KITTY_CHANGED = "sensor.kitty_last_changed"
NEW_DOOR = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _push_counts(entry: MockConfigEntry) -> dict[str, int]:
    webhook = entry.runtime_data.webhook
    assert webhook is not None
    return dict(webhook.counts)


async def test_webhook_registered_until_unload(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    pushing_entry: MockConfigEntry,
) -> None:
    """One POST-only webhook per entry, reachable from outside, gone on unload."""
    ws = await hass_ws_client(hass)
    await ws.send_json({"id": 1, "type": "webhook/list"})
    listed = (await ws.receive_json())["result"]
    assert {
        "webhook_id": WEBHOOK_ID,
        "domain": DOMAIN,
        "name": "ParqEx",
        "local_only": False,
        "allowed_methods": ["POST"],
    } in listed
    client = await hass_client_no_auth()
    assert (await client.get(WEBHOOK_PATH)).status == 405

    assert await hass.config_entries.async_unload(pushing_entry.entry_id)
    await ws.send_json({"id": 2, "type": "webhook/list"})
    assert WEBHOOK_ID not in {
        hook["webhook_id"] for hook in (await ws.receive_json())["result"]
    }


async def test_push_off_refuses_every_delivery(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Without a saved key every delivery gets 401, whatever it carries."""
    for headers in ({}, {KEY_HEADER: WEBHOOK_KEY}, {KEY_HEADER: ""}):
        response = await deliver(
            hass_client_no_auth, door_change(KITTY, "CLOSED"), headers=headers
        )
        assert response.status == 401
    await hass.async_block_till_done()
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    assert _push_counts(loaded_entry) == {"refused_unauthorized": 3}


async def test_delivery_without_the_key_changes_nothing(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Missing, wrong, partial or padded keys get 401; the refusal is logged once."""
    fired = fired_events(hass, KITTY_EVENT)
    refused: list[dict[str, str]] = [
        {},
        {KEY_HEADER: "wrong"},
        {KEY_HEADER: WEBHOOK_KEY[:-1]},
        {KEY_HEADER: WEBHOOK_KEY + "x"},
        {"Authorization": f"Basic {WEBHOOK_KEY}"},
        {"Authorization": f"Bearer{WEBHOOK_KEY}"},
    ]
    for headers in refused:
        response = await deliver(
            hass_client_no_auth, door_change(KITTY, "CLOSED"), headers=headers
        )
        assert response.status == 401, headers
    await hass.async_block_till_done()
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    assert fired == []
    assert _push_counts(pushing_entry) == {"refused_unauthorized": len(refused)}
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and "API key" in r.msg
    ]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {KEY_HEADER: WEBHOOK_KEY},
        {"X-Api-Key": WEBHOOK_KEY},
        {"Authorization": f"Bearer {WEBHOOK_KEY}"},
    ],
)
async def test_key_in_any_header(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushing_entry: MockConfigEntry,
    headers: dict[str, str],
) -> None:
    """The key counts in any header, as is or as a bearer token."""
    response = await deliver(
        hass_client_no_auth, door_change(KITTY, "CLOSED"), headers=headers
    )
    assert response.status == 200
    assert hass.states.get(KITTY_SWITCH).state == STATE_OFF


async def test_pushed_change_shows_at_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The switch, the event and the last-changed sensor change with no request.

    The next sync confirms the change and costs no history request.
    """
    fired = fired_events(hass, KITTY_EVENT)
    fake.calls.clear()
    occurred = dt_util.utcnow() - timedelta(seconds=2)
    response = await deliver(
        hass_client_no_auth, door_change(KITTY, "CLOSED", at=occurred)
    )
    assert response.status == 200
    # Answered before anything slow: the state is there when the answer is.
    assert hass.states.get(KITTY_SWITCH).state == STATE_OFF
    await hass.async_block_till_done()
    assert fake.calls == Counter()
    assert hass.states.get(KITTY_CHANGED).state == "2026-11-27T17:59:58+00:00"
    assert len(fired) == 1
    event = fired[0]
    assert {
        key: event[key]
        for key in (
            "event_type",
            "user_name",
            "user_id",
            "channel",
            "door_state",
            "success",
            "toggled_at",
        )
    } == {
        "event_type": "closed",
        "user_name": "Grace Hopper",
        "user_id": None,
        "channel": "ParqEx Web",
        "door_state": "closed",
        "success": True,
        "toggled_at": "2026-11-27T17:59:58+00:00",
    }
    assert "@" not in str(hass.states.get(KITTY_EVENT).attributes)

    # ParqEx records the same event; sync agrees with what was pushed.
    fake.record(KITTY, "CLOSED", user=GRACE, at=fake.now() - timedelta(seconds=2))
    await tick(hass, freezer, 30)
    assert fake.calls == Counter({"sync": 1})
    assert hass.states.get(KITTY_SWITCH).state == STATE_OFF
    assert len(fired) == 1
    assert _push_counts(pushing_entry) == {"door_changes": 1}


async def test_polling_stays_the_safety_net(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A push does not delay the next poll, and sync has the last word in the end."""
    await tick(hass, freezer, 20)
    fake.calls.clear()
    assert (
        await deliver(hass_client_no_auth, door_change(KITTY, "CLOSED"))
    ).status == 200
    assert hass.states.get(KITTY_SWITCH).state == STATE_OFF
    # The poll due 30 s after the last one still runs 10 s later.
    await tick(hass, freezer, 10)
    assert fake.calls["sync"] == 1
    # ParqEx's sync still says OPEN, as of before the push: the push is newer.
    assert hass.states.get(KITTY_SWITCH).state == STATE_OFF
    # A sync that goes on disagreeing wins (the push was wrong, or a later
    # change was lost).
    await tick(hass, freezer, PUSH_PRECEDENCE.total_seconds())
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON


async def test_a_stale_sync_never_closes_a_pushed_open(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """ParqEx's sync keeps saying CLOSED as of before a pushed OPEN: still open."""
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    assert (
        await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    ).status == 200
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    # A sync that has seen a later change has the last word.
    fake.record(GARAGE, "CLOSED", user=GRACE)
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF


async def test_history_settles_a_push_and_a_sync_that_disagree(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A pushed OPEN, its close's push lost, and a `sync` stuck before both:
    after 2 minutes of disagreeing, the door's history says it closed.
    """
    fake.history_queries.clear()
    opened_at = fake.now()
    assert (
        await deliver(hass_client_no_auth, door_change(GARAGE, "OPEN"))
    ).status == 200
    fake.record(GARAGE, "OPEN", user=GRACE, at=opened_at, move=False)
    fake.record(
        GARAGE, "CLOSED", user=GRACE, at=opened_at + timedelta(seconds=20), move=False
    )
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    assert [q for q in fake.history_queries if q.get("door_id") == GARAGE] == []

    for _ in range(4):
        await tick(hass, freezer, 30)
    assert [q["door_id"] for q in fake.history_queries] == [GARAGE]
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    # Once per push: the quiet polls that follow ask nothing more.
    for _ in range(4):
        await tick(hass, freezer, 30)
    assert len(fake.history_queries) == 1
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF


async def test_event_read_by_polling_first_does_not_fire_again(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A delivery that comes after polling announced its event fires nothing."""
    fired = fired_events(hass, GARAGE_EVENT)
    at = fake.now()
    fake.record(GARAGE, "OPEN", user=GRACE, at=at)
    await tick(hass, freezer, 30)
    assert len(fired) == 1

    late = door_change(GARAGE, "OPEN", at=dt_util.utcnow() - timedelta(seconds=30))
    assert (await deliver(hass_client_no_auth, late)).status == 200
    await hass.async_block_till_done()
    assert len(fired) == 1
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON


async def test_events_fire_once_across_restarts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Pushed, then read at startup: once. Delivery ids are remembered too."""
    fired = fired_events(hass, GARAGE_EVENT)
    pushed = door_change(GARAGE, "OPEN", delivery_id="A" * 32)
    assert (await deliver(hass_client_no_auth, pushed)).status == 200
    fake.record(GARAGE, "OPEN", user=GRACE, at=fake.now())
    assert len(fired) == 1
    await tick(hass, freezer, 5)

    assert await hass.config_entries.async_unload(pushing_entry.entry_id)
    # While Home Assistant is stopped the garage closes again.
    await tick(hass, freezer, 60)
    fake.record(GARAGE, "CLOSED", user=GRACE, at=fake.now(), channel="Remote")
    await set_up(hass, pushing_entry)
    # The catch-up announces the close only, not the pushed opening.
    assert [e["event_type"] for e in fired] == ["opened", "closed"]

    # The same delivery id again, even with other content, is a duplicate.
    again = door_change(GARAGE, "OPEN", delivery_id="A" * 32)
    response = await deliver(hass_client_no_auth, again)
    assert response.status == 200
    await hass.async_block_till_done()
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    assert [e["event_type"] for e in fired] == ["opened", "closed"]
    assert _push_counts(pushing_entry) == {"duplicates": 1}


async def test_duplicates_and_repeats_fire_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushing_entry: MockConfigEntry,
) -> None:
    """The same delivery twice, or the same event under another id, fires once."""
    fired = fired_events(hass, KITTY_EVENT)
    change = door_change(KITTY, "CLOSED")
    for body in (change, change, {**change, "id": "B" * 32}):
        assert (await deliver(hass_client_no_auth, body)).status == 200
    await hass.async_block_till_done()
    assert len(fired) == 1
    assert _push_counts(pushing_entry) == {"door_changes": 2, "duplicates": 1}


async def test_out_of_order_deliveries(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushing_entry: MockConfigEntry,
) -> None:
    """A late delivery of an older change is logged, but moves nothing back.

    The switch stays, and the event entity and "last operated by" keep showing
    the newer change; the older one is logged once, with its own time.
    """
    fired = fired_events(hass, KITTY_EVENT)
    logged = logged_events(hass)
    now = dt_util.utcnow()
    newer = door_change(KITTY, "CLOSED", at=now - timedelta(seconds=5))
    older = door_change(KITTY, "OPEN", at=now - timedelta(seconds=20))
    for body in (newer, older):
        assert (await deliver(hass_client_no_auth, body)).status == 200
    await hass.async_block_till_done()
    assert hass.states.get(KITTY_SWITCH).state == STATE_OFF
    assert [(e["event_type"], e["toggled_at"]) for e in fired] == [
        ("closed", "2026-11-27T17:59:55+00:00"),
    ]
    assert [(e["event_type"], e["toggled_at"]) for e in logged] == [
        ("closed", "2026-11-27T17:59:55+00:00"),
        ("opened", "2026-11-27T17:59:40+00:00"),
    ]
    last = hass.states.get("sensor.kitty_last_operated_by")
    assert last.attributes["toggled_at"] == "2026-11-27T17:59:55+00:00"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"",
        b"[1, 2]",
        b'"a string"',
        {"eventType": "door_state_change", "doorID": KITTY, "doorState": "CLOSED"},
        {"id": "", "doorID": KITTY, "doorState": "CLOSED"},
        {"id": 17, "doorID": KITTY, "doorState": "CLOSED"},
        {"id": "C" * 32, "doorID": KITTY, "doorState": "AJAR"},
        {"id": "C" * 32, "doorID": KITTY, "doorState": "closed"},
    ],
)
async def test_malformed_delivery_is_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    body: Any,
) -> None:
    """Not an object, no id, or a door state other than OPEN/CLOSED: 400."""
    fired = fired_events(hass, KITTY_EVENT)
    fake.calls.clear()
    response = await deliver(hass_client_no_auth, body)
    assert response.status == 400
    await hass.async_block_till_done()
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    assert fired == []
    assert fake.calls == Counter()


async def test_oversized_delivery_is_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushing_entry: MockConfigEntry,
) -> None:
    """No ParqEx event is 64 KiB; a larger body is not read."""
    body = door_change(KITTY, "CLOSED")
    body["padding"] = "x" * 70_000
    assert (await deliver(hass_client_no_auth, body)).status == 413
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON


async def test_other_event_types_are_ignored(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
) -> None:
    """Management and Enforcer events get 200, change nothing, and are counted."""
    fake.calls.clear()
    for body in (
        {"id": "D" * 32, "eventType": "user_added", "userID": "x"},
        {"id": "E" * 32, "eventType": "enforcer_unauthorised_access"},
        {"id": "F" * 32, "eventType": "door_state_change", "doorID": KITTY},
    ):
        assert (await deliver(hass_client_no_auth, body)).status == 200
    await hass.async_block_till_done()
    assert fake.calls == Counter()
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    assert _push_counts(pushing_entry) == {"ignored": 3}


async def test_unknown_access_point_triggers_one_refresh(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    pushing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new access point appears at once; one unknown to sync is not asked again."""
    fake.device(CONTROLLER)["doors"].append(
        {**fake.door(KITTY), "id": NEW_DOOR, "name": "Bike room", "entity_number": 3}
    )
    fake.calls.clear()
    body = door_change(NEW_DOOR, "OPEN")
    assert (await deliver(hass_client_no_auth, body)).status == 200
    await tick(hass, freezer, 1)
    assert fake.calls["sync"] == 1
    assert hass.states.get("switch.bike_room") is not None

    stranger = "ffffffffffffffffffffffffffffffff"
    for _ in range(3):
        body = door_change(stranger, "OPEN")
        assert (await deliver(hass_client_no_auth, body)).status == 200
        await tick(hass, freezer, 11)
    assert fake.calls["sync"] == 2
    assert _push_counts(pushing_entry) == {"unknown_access_point": 4}


async def test_time_from_unix_seconds_or_arrival(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushing_entry: MockConfigEntry,
) -> None:
    """Without eventOccurredUTC the Unix time counts; without a usable time, the
    delivery is not logged (history gives its time later: it would be logged twice).
    """
    fired = fired_events(hass, KITTY_EVENT)
    first = door_change(KITTY, "CLOSED", at=dt_util.utcnow() - timedelta(seconds=9))
    del first["eventOccurredUTC"]
    second = door_change(KITTY, "OPEN")
    second["eventOccurredUTC"] = "yesterday"
    del second["eventOccurred"]
    third = door_change(KITTY, "CLOSED", channel="Remote")
    del third["eventOccurredUTC"]
    third["eventOccurred"] = 10**20
    for body in (first, second, third):
        assert (await deliver(hass_client_no_auth, body)).status == 200
    assert [e["toggled_at"] for e in fired] == ["2026-11-27T17:59:51+00:00"]


async def test_pushes_fire_where_history_is_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """ParqEx may show history to owners only; its pushes still fire, once."""
    fake.fail("toggle-history", *(Fault(403) for _ in range(3)))
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    fired = fired_events(hass, KITTY_EVENT)
    body = door_change(KITTY, "CLOSED")
    assert (await deliver(hass_client_no_auth, body)).status == 200
    assert len(fired) == 1
    await tick(hass, freezer, 5)

    # After a restart ParqEx shares the history; the pushed event is not news.
    fake.record(KITTY, "CLOSED", user=GRACE, at=fake.now() - timedelta(seconds=5))
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await set_up(hass, config_entry)
    assert len(fired) == 1
    fake.record(KITTY, "OPEN", user=GRACE, at=fake.now())
    await tick(hass, freezer, 30)
    assert [e["event_type"] for e in fired] == ["closed", "opened"]


async def test_migration_gives_old_entries_a_webhook(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """Entries from before push (1.1) get a webhook id of their own."""
    data = {k: v for k, v in config_entry.data.items() if k != "webhook_id"}
    hass.config_entries.async_update_entry(config_entry, data=data, minor_version=1)
    await set_up(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.minor_version == 4
    webhook_id = config_entry.data["webhook_id"]
    assert len(webhook_id) == 64
    assert int(webhook_id, 16) >= 0
    assert webhook_id != WEBHOOK_ID


async def test_newer_entry_is_not_migrated(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """An entry from a newer version of the integration is left alone."""
    hass.config_entries.async_update_entry(config_entry, version=2)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.MIGRATION_ERROR


async def test_delivery_in_chunks_is_read_whole(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushing_entry: MockConfigEntry,
) -> None:
    """A body sent in small chunks (no Content-Length) is read whole; a huge one not."""

    async def chunks(body: bytes) -> AsyncGenerator[bytes]:
        for start in range(0, len(body), 16):
            yield body[start : start + 16]
            await asyncio.sleep(0)

    client = await hass_client_no_auth()
    small = json.dumps(door_change(KITTY, "CLOSED")).encode()
    response = await client.post(
        WEBHOOK_PATH, data=chunks(small), headers={KEY_HEADER: WEBHOOK_KEY}
    )
    assert response.status == 200
    assert hass.states.get(KITTY_SWITCH).state == STATE_OFF

    huge = json.dumps({**door_change(KITTY, "OPEN"), "pad": "x" * 70_000}).encode()
    response = await client.post(
        WEBHOOK_PATH, data=chunks(huge), headers={KEY_HEADER: WEBHOOK_KEY}
    )
    assert response.status == 413
    assert hass.states.get(KITTY_SWITCH).state == STATE_OFF


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"id": "A" * 65}, id="delivery id too long"),
        pytest.param({"doorID": "kitty"}, id="door id not hex"),
        pytest.param({"doorID": KITTY + "0"}, id="door id too long"),
        pytest.param({"deviceID": CONTROLLER[:31]}, id="device id too short"),
        pytest.param({"deviceID": 42}, id="device id a number"),
    ],
)
async def test_ids_that_are_not_parqex_ids_are_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushing_entry: MockConfigEntry,
    change: dict[str, Any],
) -> None:
    """ParqEx's ids are 32 hex digits (delivery ids at most 64 characters): 400."""
    body = {**door_change(KITTY, "CLOSED"), **change}
    assert (await deliver(hass_client_no_auth, body)).status == 400
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    assert _push_counts(pushing_entry) == {"refused_bad": 1}


async def test_a_huge_chunked_delivery_is_refused_quietly(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushing_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Past Home Assistant's own 16 MiB limit too: 413, read no further, no error."""
    sent = 0

    async def chunks() -> AsyncGenerator[bytes]:
        nonlocal sent
        while sent < 17 * 1024 * 1024:
            sent += 64 * 1024
            yield b" " * (64 * 1024)
            await asyncio.sleep(0)

    caplog.set_level(logging.DEBUG)
    client = await hass_client_no_auth()
    response = await client.post(
        WEBHOOK_PATH, data=chunks(), headers={KEY_HEADER: WEBHOOK_KEY}
    )
    assert response.status == 413
    assert not [r for r in caplog.records if r.levelno > logging.INFO]
    # Home Assistant's own debug and access logs name the path; ours never do.
    assert not [
        r
        for r in caplog.records
        if r.name.startswith("custom_components.parqex")
        and WEBHOOK_ID in r.getMessage()
    ]
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
