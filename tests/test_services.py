"""The parqex.get_access_history action: answers, targets, validation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .fake_parqex import CONTROLLER, GARAGE, GATE, KITTY, FakeParqEx, Fault
from .helpers import parqex_device

pytestmark = [
    pytest.mark.usefixtures("credentials"),
    pytest.mark.freeze_time("2026-11-27 18:00:00+00:00"),
]

GRACE = ("e7a1c2d3-0000-4000-8000-00000000beef", "Grace", "Hopper")


async def _history(hass: HomeAssistant, **data: Any) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        DOMAIN, "get_access_history", data, blocking=True, return_response=True
    )
    assert response is not None
    events: list[dict[str, Any]] = response["events"]  # type: ignore[assignment]
    return events


@pytest.fixture
def recorded(fake: FakeParqEx) -> None:
    """A few days of access history on the account."""
    now = fake.now()
    fake.record(GARAGE, "OPEN", user=GRACE, at=now - timedelta(days=3))
    fake.record(KITTY, "CLOSED", at=now - timedelta(days=1), channel="Door Sensor")
    fake.record(GATE, "OPEN", success=False, at=now - timedelta(hours=2))
    fake.record(GARAGE, "CLOSED", at=now - timedelta(hours=1))


@pytest.mark.usefixtures("recorded")
async def test_whole_account_newest_first(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """Without a target: every access point, newest first, the last 7 days."""
    fake.history_queries.clear()
    events = await _history(hass, config_entry_id=loaded_entry.entry_id)
    assert [(e["access_point"], e["event_type"]) for e in events] == [
        ("Garage", "closed"),
        ("Pedestrian gate", "failed"),
        ("Kitty", "closed"),
        ("Garage", "opened"),
    ]
    assert events[-1] == {
        "access_point": "Garage",
        "entity_id": "switch.garage",
        "event_type": "opened",
        "user_name": "Grace Hopper",
        "user_id": GRACE[0],
        "person": None,
        "via": None,
        "channel": "ParqEx Web",
        "door_state": "open",
        "success": True,
        "toggled_at": "2026-11-24T18:00:00+00:00",
    }
    assert "@" not in str(events)
    assert {(q["start_date"], q["end_date"]) for q in fake.history_queries} == {
        ("2026-11-21", "2026-11-27")
    }


@pytest.mark.usefixtures("recorded")
async def test_one_access_point_a_range_and_a_limit(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """An access point's events within the dates, at most `limit` of them."""
    fake.history_queries.clear()
    events = await _history(
        hass,
        config_entry_id=loaded_entry.entry_id,
        entity_id="switch.garage",
        start_date="2026-11-20",
        end_date="2026-11-27",
        limit=1,
    )
    assert [(e["access_point"], e["event_type"]) for e in events] == [
        ("Garage", "closed")
    ]
    assert fake.history_queries == [
        {
            "history_type": "door",
            "door_id": GARAGE,
            "start_date": "2026-11-20",
            "end_date": "2026-11-27",
        }
    ]


@pytest.mark.usefixtures("recorded")
async def test_one_controller(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
) -> None:
    """A controller's access points only; an access point's device, its own."""
    device = parqex_device(hass, CONTROLLER)
    assert device is not None
    events = await _history(
        hass, config_entry_id=loaded_entry.entry_id, device_id=device.id
    )
    assert {e["access_point"] for e in events} == {"Garage", "Kitty"}
    # An access point's own device: that access point.
    garage = parqex_device(hass, GARAGE)
    assert garage is not None
    events = await _history(
        hass, config_entry_id=loaded_entry.entry_id, device_id=garage.id
    )
    assert {e["access_point"] for e in events} == {"Garage"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"start_date": "2026-11-20", "end_date": "2026-11-19"},
            "The end date is before the start date",
        ),
        (
            {"start_date": "2026-10-01", "end_date": "2026-11-27"},
            "ParqEx history can be read for at most 31 days at once",
        ),
        (
            {
                "entity_id": "switch.garage",
                "device_id": "abc",
            },
            "Choose an access point or a controller, not both",
        ),
        (
            {"entity_id": "switch.somewhere_else"},
            "switch.somewhere_else is not an access point of this ParqEx account",
        ),
        (
            {"device_id": "not-a-device"},
            "The chosen device is not a controller of this ParqEx account",
        ),
    ],
)
async def test_bad_input_is_refused(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    message: str,
) -> None:
    """Bad input gets a translated validation error and asks ParqEx nothing."""
    fake.history_queries.clear()
    with pytest.raises(ServiceValidationError, match=message):
        await _history(hass, config_entry_id=loaded_entry.entry_id, **data)
    assert fake.history_queries == []


async def test_account_must_be_loaded(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """An unknown or unloaded account is refused, with a translated message."""
    with pytest.raises(ServiceValidationError, match="is not a ParqEx account"):
        await _history(hass, config_entry_id="nope")
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    with pytest.raises(
        ServiceValidationError, match="The ParqEx account Ada Lovelace is not loaded"
    ):
        await _history(hass, config_entry_id=loaded_entry.entry_id)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            Fault(403, '{"errors": [{"message": "Forbidden"}]}'),
            "ParqEx does not share the access history of Garage with this account",
        ),
        (Fault(500), "Could not read the access history from ParqEx"),
    ],
)
async def test_parqex_refusals(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
    fault: Fault,
    message: str,
) -> None:
    """ParqEx's refusals become translated errors; no reauthentication starts."""
    fake.fail("toggle-history", fault, fault)
    with pytest.raises(HomeAssistantError, match=message):
        await _history(
            hass,
            config_entry_id=loaded_entry.entry_id,
            entity_id="switch.garage",
        )
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


@pytest.mark.usefixtures("recorded")
async def test_one_controller_is_one_request(
    hass: HomeAssistant,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
) -> None:
    """A controller's history is asked once (`history_type=device`), if ParqEx can."""
    device = parqex_device(hass, CONTROLLER)
    assert device is not None
    fake.history_queries.clear()
    events = await _history(
        hass, config_entry_id=loaded_entry.entry_id, device_id=device.id
    )
    assert {e["access_point"] for e in events} == {"Garage", "Kitty"}
    assert [q["history_type"] for q in fake.history_queries] == ["device"]

    # A ParqEx that does not know it: per access point, and not asked again.
    fake.device_history = False
    loaded_entry.runtime_data.client._device_history = None
    fake.history_queries.clear()
    for _ in range(2):
        events = await _history(
            hass, config_entry_id=loaded_entry.entry_id, device_id=device.id
        )
        assert {e["access_point"] for e in events} == {"Garage", "Kitty"}
    assert [q["history_type"] for q in fake.history_queries] == [
        "device",
        "door",
        "door",
        "door",
        "door",
    ]


@pytest.mark.usefixtures("recorded")
async def test_refused_access_points_are_skipped_and_listed(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> None:
    """An account with Owner and "Has Access" doors: what can be read is returned."""
    # ParqEx refuses the first access point asked about (Kitty) to this user.
    fake.fail("toggle-history", Fault(403, '{"errors": [{"message": "Forbidden"}]}'))
    response = await hass.services.async_call(
        DOMAIN,
        "get_access_history",
        {"config_entry_id": loaded_entry.entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["refused"] == [
        {"access_point": "Kitty", "entity_id": "switch.kitty"}
    ]
    assert {e["access_point"] for e in response["events"]} == {  # type: ignore[union-attr]
        "Garage",
        "Pedestrian gate",
    }
