"""Access points as switches: states, commands, errors, polling, devices."""

from __future__ import annotations

from copy import deepcopy
import gc
import logging
from typing import Any
import weakref

from awesomeversion import AwesomeVersion
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.parqex.const import DOMAIN
from custom_components.parqex.ids import owner_id
from custom_components.parqex.kinds import access_point_kind
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    __version__ as HA_VERSION,
)
from homeassistant.core import (
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.entity_platform import async_get_platforms

from .fake_parqex import (
    CONTROLLER,
    GARAGE,
    GATE,
    KITTY,
    OFFLINE_CONTROLLER,
    USER_ID,
    FakeParqEx,
    Fault,
)
from .helpers import parqex_device, set_up, tick

pytestmark = pytest.mark.usefixtures("credentials")

KITTY_SWITCH = "switch.kitty"
GARAGE_SWITCH = "switch.garage"
GATE_SWITCH = "switch.pedestrian_gate"
KITTY_CHANGED = "sensor.kitty_last_changed"


def _ours(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.levelno == level and r.name.startswith("custom_components.parqex")
    ]


def _states_of(hass: HomeAssistant, entity_id: str) -> list[str]:
    """Collect every state an entity shows from now on."""
    shown: list[str] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == entity_id and event.data["new_state"]:
            shown.append(event.data["new_state"].state)

    hass.bus.async_listen("state_changed", _changed)
    return shown


async def _switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def test_each_door_is_linked_to_a_controller_device_made_before_it(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No access point's device names a controller's not made yet (on any release).

    The platform set up first (binary sensors) has no controller entity.
    """
    await set_up(hass, config_entry)
    assert "via_device" not in caplog.text


async def test_set_up_and_reload_use_no_api_home_assistant_is_retiring(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant reports each use of an API it will remove (2026.10: looking a
    device up across entries); none of ours, at set-up or reload.
    """
    await set_up(hass, config_entry)
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert "Detected that custom integration 'parqex'" not in caplog.text


@pytest.mark.usefixtures("loaded_entry")
async def test_states_and_devices(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Each access point is a device behind its controller's, with its switch
    (named as the device); on = OPEN.
    """
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    # The second controller is inactive: its access point cannot be operated.
    assert hass.states.get(GATE_SWITCH).state == STATE_UNAVAILABLE
    assert hass.states.get(KITTY_SWITCH).attributes["friendly_name"] == ("Kitty")

    entity = entity_registry.async_get(GARAGE_SWITCH)
    assert entity.unique_id == f"{USER_ID}_{GARAGE}"
    access_point = device_registry.async_get(entity.device_id)
    assert access_point.identifiers == {(DOMAIN, GARAGE)}
    assert (access_point.name, access_point.model) == ("Garage", "Access point")
    device = device_registry.async_get(access_point.via_device_id)
    assert device.identifiers == {(DOMAIN, CONTROLLER)}
    assert device.manufacturer == "ParqEx"
    assert device.serial_number == "20000c2a6908848d"
    assert device.sw_version == "0"
    assert device.name == "ParqEx controller 08848D"
    # Every entity about the garage is on its device; the controller keeps its own.
    on_garage = {
        e.entity_id
        for e in er.async_entries_for_device(entity_registry, access_point.id)
    }
    assert on_garage == {
        GARAGE_SWITCH,
        "binary_sensor.garage_held_open",
        "event.garage_access",
        "sensor.garage_last_changed",
        "sensor.garage_last_operated_by",
        "sensor.garage_door_sensor_battery",
    }
    assert {
        e.entity_id for e in er.async_entries_for_device(entity_registry, device.id)
    } == {"binary_sensor.parqex_controller_08848d_parqex_connection"}


async def test_turn_on_polls_fast_until_open(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Turning on asks ParqEx to open; the switch shows it without bouncing back.

    ParqEx accepted, and the door moves for a while: syncs still say CLOSED.
    """
    fake.travel_syncs = 2
    shown = _states_of(hass, GARAGE_SWITCH)
    await _switch(hass, SERVICE_TURN_ON, GARAGE_SWITCH)
    assert fake.toggles == [(GARAGE, "OPEN")]
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON

    syncs = fake.calls["sync"]
    for _ in range(3):
        await tick(hass, freezer, 5)
        assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    assert fake.calls["sync"] == syncs + 3
    assert fake.door(GARAGE)["state"] == "OPEN"
    assert shown == [STATE_ON]

    # Back to the regular 30-second polling once the state showed.
    await tick(hass, freezer, 5)
    await tick(hass, freezer, 20)
    assert fake.calls["sync"] == syncs + 3
    await tick(hass, freezer, 5)
    assert fake.calls["sync"] == syncs + 4


async def test_the_state_parqex_confirms_names_who_asked(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_admin_user: MockUser,
) -> None:
    """A close shows once ParqEx reports it, 15 s on: that state (and the last
    change's) is written in the context of the action that asked, so the
    logbook and the activity view say who pressed.
    """
    fake.travel_syncs = 2
    pressed = Context(user_id=hass_admin_user.id)
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: KITTY_SWITCH},
        blocking=True,
        context=pressed,
    )
    for _ in range(3):
        await tick(hass, freezer, 5)
    state = hass.states.get(KITTY_SWITCH)
    assert state.state == STATE_OFF
    assert (state.context.id, state.context.user_id) == (
        pressed.id,
        hass_admin_user.id,
    )
    assert hass.states.get(KITTY_CHANGED).context.id == pressed.id
    # What follows on its own is not theirs.
    freezer.tick(1)
    fake.record(KITTY, "OPEN", channel="Remote")
    await tick(hass, freezer, 30)
    state = hass.states.get(KITTY_SWITCH)
    assert state.state == STATE_ON
    assert state.context.id != pressed.id


async def test_moved_by_someone_else_after_the_command(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Opened as asked, then closed by a remote before a poll saw it open: the
    switch shows ParqEx's CLOSED at once, not the requested OPEN for a minute.
    """
    fake.travel_syncs = 1000
    await _switch(hass, SERVICE_TURN_ON, GARAGE_SWITCH)
    await tick(hass, freezer, 5)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    freezer.tick(1)
    fake.record(GARAGE, "CLOSED", channel="Remote")
    await tick(hass, freezer, 5)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Front gate", "gate"),
        ("Parking barrier", "gate"),
        ("Garage", "garage_door"),
        ("Garage gate", "garage_door"),
        ("Elevator 3", "elevator"),
        ("Lift lobby door", "elevator"),
        ("Lobby door", "door"),
        ("Kitty", "door"),
        ("", "door"),
    ],
)
def test_the_name_tells_the_kind(name: str, kind: str) -> None:
    """ParqEx gives no type: the name does, and a door when it names none."""
    assert access_point_kind(name) == kind


@pytest.mark.usefixtures("loaded_entry")
async def test_each_kind_has_its_icons(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """The switch's translation key is its kind: icons.json gives its icons."""
    assert {
        entity_id: entity_registry.async_get(entity_id).translation_key
        for entity_id in (KITTY_SWITCH, GARAGE_SWITCH, GATE_SWITCH)
    } == {KITTY_SWITCH: "door", GARAGE_SWITCH: "garage_door", GATE_SWITCH: "gate"}


async def test_turn_off_closes(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Turning off asks ParqEx to close."""
    await _switch(hass, SERVICE_TURN_OFF, KITTY_SWITCH)
    assert fake.toggles == [(KITTY, "CLOSED")]
    await tick(hass, freezer, 5)
    await tick(hass, freezer, 5)
    assert hass.states.get(KITTY_SWITCH).state == STATE_OFF


async def test_fast_polling_stops_after_a_minute(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A door that never reports the requested state is not polled fast forever.

    The requested state shows for that minute; then ParqEx's state again, with
    one warning that names the access point.
    """
    fake.travel_syncs = 1000
    await _switch(hass, SERVICE_TURN_ON, GARAGE_SWITCH)
    syncs = fake.calls["sync"]
    for _ in range(11):
        await tick(hass, freezer, 5)
        assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    await tick(hass, freezer, 5)
    assert syncs + 11 <= fake.calls["sync"] <= syncs + 12
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    warnings = _ours(caplog, logging.WARNING)
    assert [r.getMessage() for r in warnings] == [
        "ParqEx accepted the command to make Garage OPEN, but has not reported it"
        " within 60 s; showing the state ParqEx reports"
    ]
    syncs = fake.calls["sync"]
    for _ in range(6):
        await tick(hass, freezer, 5)
    assert fake.calls["sync"] == syncs + 1
    assert len(_ours(caplog, logging.WARNING)) == 1


async def test_second_command_within_20_seconds_refused(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """ParqEx wants 20 s between toggles of one door; we say how long to wait."""
    await _switch(hass, SERVICE_TURN_ON, GARAGE_SWITCH)
    await tick(hass, freezer, 5)
    with pytest.raises(ServiceValidationError) as err:
        await _switch(hass, SERVICE_TURN_OFF, GARAGE_SWITCH)
    assert err.value.translation_key == "toggle_too_soon"
    assert err.value.translation_placeholders == {"name": "Garage", "seconds": "15"}
    assert str(err.value) == (
        "Garage was operated moments ago. ParqEx takes the next command for it in"
        " 15 s"
    )
    # The refused command does not show as accepted.
    assert hass.states.get(GARAGE_SWITCH).state == STATE_ON
    assert fake.toggles == [(GARAGE, "OPEN")]

    # Other access points are not held up.
    await _switch(hass, SERVICE_TURN_OFF, KITTY_SWITCH)
    await tick(hass, freezer, 16)
    await _switch(hass, SERVICE_TURN_OFF, GARAGE_SWITCH)
    assert fake.toggles == [(GARAGE, "OPEN"), (KITTY, "CLOSED"), (GARAGE, "CLOSED")]


@pytest.mark.parametrize(
    ("fault", "key", "message"),
    [
        (
            Fault(400, '{"success": true, "message": "Bad request"}'),
            "bad_request",
            "ParqEx rejected the command for Garage as malformed",
        ),
        (
            Fault(404, '{"success": true, "timestamp": 1608317245., "message": "x"}'),
            "controller_not_found",
            "The controller of Garage cannot be reached: it is offline or unplugged",
        ),
        (
            Fault(428, '{"success": true, "message": "Sensor required"}'),
            "sensor_required",
            "Garage needs a paired door sensor before ParqEx can operate it this way",
        ),
        (
            Fault(501, '{"success": true, "message": "Not supported"}'),
            "not_supported",
            "The controller of Garage does not support this command",
        ),
        (
            Fault(429, "", headers={"Retry-After": "42"}),
            "command_rate_limited",
            "ParqEx asked to slow down. Try Garage again in 42 s",
        ),
        (
            Fault(502, "<html>Bad gateway</html>"),
            "server_error",
            "ParqEx answered with an error when asked to operate Garage. Try again"
            " later",
        ),
        (
            Fault(200, "", exc=TimeoutError()),
            "cannot_connect",
            "Could not reach ParqEx to operate Garage. Try again later",
        ),
        (
            Fault(409, "{}"),
            "unexpected_response",
            "ParqEx answered the command for Garage in an unexpected way",
        ),
    ],
)
async def test_command_errors(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    fault: Fault,
    key: str,
    message: str,
) -> None:
    """Every documented refusal becomes a translated error naming the door.

    What the user can act on is a validation error (one log line, no traceback);
    faults of ParqEx or the controller are plain errors. Nothing shows as done.
    """
    fake.fail("toggle", fault)
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, SERVICE_TURN_ON, GARAGE_SWITCH)
    assert err.value.translation_key == key
    assert str(err.value) == message
    refusal = key in ("bad_request", "sensor_required", "not_supported")
    assert isinstance(err.value, ServiceValidationError) is refusal
    assert hass.states.get(GARAGE_SWITCH).state in (STATE_OFF, STATE_UNAVAILABLE)
    # A refused command does not start the cooldown.
    await _switch(hass, SERVICE_TURN_ON, GARAGE_SWITCH)


async def test_controller_not_found_makes_it_unavailable(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 404 from toggle marks the controller unavailable until the next sync."""
    fake.fail("toggle", Fault(404, '{"success": true, "message": "not found"}'))
    with pytest.raises(HomeAssistantError):
        await _switch(hass, SERVICE_TURN_ON, GARAGE_SWITCH)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_UNAVAILABLE
    assert hass.states.get(KITTY_SWITCH).state == STATE_UNAVAILABLE
    # A JSON 404 is ParqEx's answer, not a routing miss: no other path is tried.
    assert fake.calls["toggle"] == 1
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF


async def test_command_unauthorized_starts_reauth(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """A toggle refused even after a token refresh asks for a new sign-in."""
    unauthorized = Fault(401, '{"errors": [{"message": "Unauthorized"}]}')
    fake.fail("toggle", unauthorized, unauthorized)
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, SERVICE_TURN_ON, GARAGE_SWITCH)
    assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_unavailable_and_back_logged_once(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Failed polls make the switches unavailable; one log line each way."""
    caplog.set_level(logging.INFO)
    fake.fail("sync", Fault(500, "oops"), Fault(503, "busy"))
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_SWITCH).state == STATE_UNAVAILABLE
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_SWITCH).state == STATE_UNAVAILABLE
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    assert caplog.text.count("Error fetching parqex data") == 1
    assert caplog.text.count("Fetching parqex data recovered") == 1


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [("120", 120), ("86400", 3600)],
    ids=["as-asked", "capped-at-an-hour"],
)
async def test_rate_limit_backs_off(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    retry_after: str,
    wait: int,
) -> None:
    """429: the next poll waits Retry-After (at most an hour), then polling resumes."""
    fake.fail("sync", Fault(429, "", headers={"Retry-After": retry_after}))
    await tick(hass, freezer, 30)
    syncs = fake.calls["sync"]
    await tick(hass, freezer, wait - 10)
    assert fake.calls["sync"] == syncs
    await tick(hass, freezer, 10)
    assert fake.calls["sync"] == syncs + 1
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON
    await tick(hass, freezer, 30)
    assert fake.calls["sync"] == syncs + 2


async def test_new_and_vanished_controllers(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Controllers and access points come and go without a reload."""
    new_controller = deepcopy(fake.device(CONTROLLER))
    new_controller.update(id="b" * 32, blackbox_code="20000c2a6908bbbb")
    new_controller["doors"] = [
        {"id": "d" * 32, "name": "Elevator", "state": "CLOSED", "active": True}
    ]
    fake.sync["devices"].append(new_controller)
    await tick(hass, freezer, 30)
    assert hass.states.get("switch.elevator").state == (STATE_OFF)

    # The offline controller is removed from the account, a door from another.
    fake.sync["devices"] = [
        d for d in fake.sync["devices"] if d["id"] != OFFLINE_CONTROLLER
    ]
    kitty = fake.door(KITTY)
    fake.device(CONTROLLER)["doors"].remove(kitty)
    await tick(hass, freezer, 30)
    # Missing from one answer is not gone: unavailable, nothing the user set up lost.
    assert hass.states.get(KITTY_SWITCH).state == STATE_UNAVAILABLE
    assert entity_registry.async_get(GATE_SWITCH) is not None
    assert parqex_device(hass, OFFLINE_CONTROLLER)
    await tick(hass, freezer, 9 * 60)
    assert entity_registry.async_get(KITTY_SWITCH) is not None
    await tick(hass, freezer, 60)
    assert parqex_device(hass, OFFLINE_CONTROLLER) is None
    assert entity_registry.async_get(GATE_SWITCH) is None
    assert hass.states.get(GATE_SWITCH) is None
    assert entity_registry.async_get(KITTY_SWITCH) is None
    assert hass.states.get(KITTY_SWITCH) is None
    assert parqex_device(hass, CONTROLLER) is not None

    # An access point that comes back is added again.
    fake.device(CONTROLLER)["doors"].append(kitty)
    await tick(hass, freezer, 30)
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON


async def test_inactive_unknown_and_nameless_doors(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Inactive doors are unavailable, unknown states unknown, names follow ParqEx."""
    fake.door(GARAGE)["active"] = False
    fake.door(KITTY)["state"] = "MOVING"
    fake.device(OFFLINE_CONTROLLER)["active"] = True
    fake.door(GATE)["name"] = "Front gate"
    await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_UNAVAILABLE
    assert hass.states.get(KITTY_SWITCH).state == STATE_UNKNOWN
    assert hass.states.get(GATE_SWITCH).state == STATE_OFF
    assert hass.states.get(GATE_SWITCH).attributes["friendly_name"] == ("Front gate")


async def test_nameless_door_gets_translated_name(
    hass: HomeAssistant, fake: FakeParqEx, config_entry: MockConfigEntry
) -> None:
    """A door without a name is called by its relay number."""
    fake.door(GARAGE)["name"] = ""
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get("switch.access_point_2")
    assert state.attributes["friendly_name"] == "Access point 2"


async def test_software_update_reaches_the_device(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A controller's new software version shows on its device."""
    fake.device(CONTROLLER)["software_version"] = "1.4.2"
    await tick(hass, freezer, 30)
    device = parqex_device(hass, CONTROLLER)
    assert device.sw_version == "1.4.2"


async def test_a_quiet_poll_writes_no_state(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Nothing moved: no entity writes its state; one moved: only its entities do."""
    ours = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, loaded_entry.entry_id
        )
    }
    written: list[str] = []

    @callback
    def _written(event: Event) -> None:
        written.append(event.data["entity_id"])

    @callback
    def _ours(event_data: Any) -> bool:
        return event_data["entity_id"] in ours

    hass.bus.async_listen(EVENT_STATE_CHANGED, _written, _ours)
    hass.bus.async_listen(EVENT_STATE_REPORTED, _written, _ours)
    await tick(hass, freezer, 30)
    assert written == []

    fake.record(GARAGE, "OPEN")
    await tick(hass, freezer, 30)
    assert GARAGE_SWITCH in written
    assert {owner_id(entity_registry.async_get(e).unique_id) for e in written} == {
        GARAGE
    }


async def test_a_removed_entity_is_let_go(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Removed by the user: nothing keeps it, and its door's other entities go on."""
    platform = next(
        platform
        for platform in async_get_platforms(hass, DOMAIN)
        if platform.domain == SWITCH_DOMAIN
    )
    removed = weakref.ref(platform.entities[GARAGE_SWITCH])
    entity_registry.async_remove(GARAGE_SWITCH)
    await hass.async_block_till_done()
    changed = _states_of(hass, "sensor.garage_last_changed")

    fake.record(GARAGE, "OPEN")
    await tick(hass, freezer, 30)
    gc.collect()
    assert removed() is None
    assert hass.states.get(GARAGE_SWITCH) is None
    assert len(changed) == 1


async def test_controller_offline_is_logged_once_each_way(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Going offline is logged once, however long it lasts, and so is coming back."""
    caplog.set_level(logging.INFO, logger="custom_components.parqex")
    fake.device(CONTROLLER)["active"] = False
    for _ in range(3):
        await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_UNAVAILABLE
    fake.device(CONTROLLER)["active"] = True
    for _ in range(3):
        await tick(hass, freezer, 30)
    assert hass.states.get(GARAGE_SWITCH).state == STATE_OFF
    lines = [r.getMessage() for r in caplog.records if "08848D" in r.getMessage()]
    assert lines == [
        "ParqEx reports controller 08848D offline; its access points are"
        " unavailable until it is back",
        "ParqEx controller 08848D is online again",
    ]


async def test_a_fault_during_a_command_logs_one_line(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 5xx while turning a switch on from the UI: one line, and the integration
    adds none (Home Assistant 2025.4 adds a traceback of its own; 2026.2 does not)."""
    client = await hass_ws_client(hass)
    fake.fail("toggle", Fault(502, "<html>Bad gateway</html>"))
    caplog.clear()
    await client.send_json(
        {
            "id": 1,
            "type": "call_service",
            "domain": "switch",
            "service": "turn_on",
            "target": {"entity_id": GARAGE_SWITCH},
        }
    )
    response = await client.receive_json()
    assert not response["success"]
    assert response["error"]["translation_key"] == "server_error"
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == 1
    assert not [r for r in logged if r.name.startswith("custom_components.parqex")]
    if AwesomeVersion(HA_VERSION) >= "2026.2":
        assert logged[0].exc_info is None
        assert "ParqEx answered with an error" in logged[0].getMessage()
