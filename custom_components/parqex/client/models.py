"""Typed models of ParqEx API data, parsed tolerantly (no Home Assistant imports).

Unknown fields are ignored and optional fields may be missing; only the ids that the
integration cannot work without are required.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
import re
from typing import Any

from .errors import ParqExUnexpectedResponseError
from .times import Earlier, readings

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
# Device, door and webhook ids are 32 hex digits; delivery ids are not documented.
PARQEX_ID = re.compile(r"[0-9a-fA-F]{32}")
MAX_DELIVERY_ID_LENGTH = 64


class DoorState(StrEnum):
    """State of an access point as ParqEx reports and requests it."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ParqExUnexpectedResponseError(f"{what} is not an object")
    return value


def _required_id(raw: Mapping[str, Any], what: str) -> str:
    value = raw.get("id")
    if not isinstance(value, str) or not value:
        raise ParqExUnexpectedResponseError(f"{what} has no id")
    return value


def _str(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _bool(raw: Mapping[str, Any], key: str) -> bool | None:
    value = raw.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _int(raw: Mapping[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _naive_timestamp(raw: Mapping[str, Any], key: str) -> datetime | None:
    """Parse ParqEx's zone-less `YYYY-MM-DD HH:MM:SS` (or a bare date)."""
    return _naive(raw.get(key))


def _naive(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    # `YYYY-MM-DD HH:MM:SS`, with a T, or a bare date; fromisoformat is much
    # faster than strptime, which a sync of 1,000 access points would feel.
    if len(text) not in (10, 19):
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else None


def _utc_timestamp(
    raw: Mapping[str, Any], key: str, zone: tzinfo, earlier: Earlier, owner_id: str
) -> datetime | None:
    """Parse one of ParqEx's local times and place it in UTC."""
    return read_local_time(raw.get(key), owner_id, zone, earlier)


def read_local_time(
    value: Any, owner_id: str, zone: tzinfo, earlier: Earlier
) -> datetime | None:
    """Place one of ParqEx's zone-less local times in UTC (None: not one)."""
    naive = _naive(value)
    return None if naive is None else earlier.place(owner_id, naive, zone)


def _door_state(raw: Mapping[str, Any], key: str) -> DoorState | None:
    value = _str(raw, key)
    if value is None:
        return None
    try:
        return DoorState(value.upper())
    except ValueError:
        return None


def envelope_data(body: Any) -> Mapping[str, Any]:
    """Return the `data` object of ParqEx's envelope, or the body if it has none."""
    payload = _mapping(body, "response")
    data = payload.get("data", payload)
    return _mapping(data, "response data")


@dataclass(frozen=True, slots=True)
class UserInfo:
    """The signed-in ParqEx user."""

    id: str
    first_name: str
    last_name: str

    @property
    def display_name(self) -> str:
        """Name to show, as the user entered it in ParqEx."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @classmethod
    def from_json(cls, body: Any) -> UserInfo:
        """Parse the `user-info` answer."""
        data = envelope_data(body)
        return cls(
            id=_required_id(data, "user"),
            first_name=_str(data, "first_name") or "",
            last_name=_str(data, "last_name") or "",
        )


@dataclass(frozen=True, slots=True)
class UserSettings:
    """The user's ParqEx settings (the PIN code, a secret, is not even read)."""

    time_zone: str | None
    door_open_alert_notification_enabled: bool | None
    door_open_alert_notification_tone: str | None

    @classmethod
    def from_json(cls, body: Any) -> UserSettings:
        """Parse the `POST user-info` answer."""
        data = envelope_data(body)
        return cls(
            time_zone=_str(data, "time_zone") or None,
            door_open_alert_notification_enabled=_bool(
                data, "door_open_alert_notification_enabled"
            ),
            door_open_alert_notification_tone=_str(
                data, "door_open_alert_notification_tone"
            ),
        )


@dataclass(frozen=True, slots=True)
class AccessPoint:
    """One access point (door, gate, garage door, elevator button) of a controller."""

    id: str
    controller_id: str
    name: str
    state: DoorState | None
    # Aware, UTC.
    last_toggled: datetime | None
    active: bool
    user_relationship: str | None
    entity_number: int | None
    door_auto_close_enabled: bool | None
    door_auto_close_delay: int | None
    bluetooth_sensor: bool
    bluetooth_sensor_battery_level: int | None

    @classmethod
    def from_json(
        cls,
        raw: Any,
        controller_id: str,
        zone: tzinfo,
        earlier: Earlier,
    ) -> AccessPoint:
        """Parse one entry of a device's `doors`.

        `earlier` holds what ParqEx reported before: on the night clocks go
        back it tells which pass of the repeated hour is meant.
        """
        door = _mapping(raw, "door")
        door_id = _required_id(door, "door")
        return cls(
            id=door_id,
            controller_id=controller_id,
            name=(_str(door, "name") or "").strip(),
            state=_door_state(door, "state"),
            last_toggled=_utc_timestamp(door, "last_toggled", zone, earlier, door_id),
            # A door that does not say is assumed usable; ParqEx refuses it otherwise.
            active=_bool(door, "active") is not False,
            user_relationship=_str(door, "user_relationship"),
            entity_number=_int(door, "entity_number"),
            door_auto_close_enabled=_bool(door, "door_auto_close_enabled"),
            door_auto_close_delay=_int(door, "door_auto_close_delay"),
            bluetooth_sensor=_bool(door, "bluetooth_sensor") is True,
            bluetooth_sensor_battery_level=_int(door, "bluetooth_sensor_battery_level"),
        )


@dataclass(frozen=True, slots=True)
class Controller:
    """One ParqEx access controller (a `device` in ParqEx's API)."""

    id: str
    active: bool
    registered: bool | None
    # Aware, UTC.
    last_contact: datetime | None
    blackbox_code: str | None
    software_version: str | None
    bluetooth_onboard: bool | None
    time_before_door_open_alert: int | None
    # None when ParqEx did not list the doors (`doors` missing or null): not "none".
    access_points: tuple[AccessPoint, ...] | None

    @classmethod
    def from_json(
        cls,
        raw: Any,
        zone: tzinfo = UTC,
        earlier: Earlier | None = None,
        cache: SyncCache | None = None,
    ) -> Controller:
        """Parse one entry of `sync`'s `devices`."""
        device = _mapping(raw, "device")
        controller_id = _required_id(device, "device")
        known = earlier or Earlier()
        doors = device.get("doors")
        if doors is not None and not isinstance(doors, list):
            raise ParqExUnexpectedResponseError("device doors is not a list")
        return cls(
            id=controller_id,
            active=_bool(device, "active") is not False,
            registered=_bool(device, "registered"),
            last_contact=_utc_timestamp(
                device, "last_contact", zone, known, controller_id
            ),
            blackbox_code=_str(device, "blackbox_code") or None,
            software_version=_str(device, "software_version") or None,
            bluetooth_onboard=_bool(device, "bluetooth_onboard"),
            time_before_door_open_alert=_int(device, "time_before_door_open_alert"),
            access_points=None
            if doors is None
            else _access_points(doors, controller_id, zone, known, cache),
        )

    def contacted(self, last_contact: datetime | None) -> Controller:
        """Return this controller as of a newer check-in (all else unchanged)."""
        return Controller(
            self.id,
            self.active,
            self.registered,
            last_contact,
            self.blackbox_code,
            self.software_version,
            self.bluetooth_onboard,
            self.time_before_door_open_alert,
            self.access_points,
        )


@dataclass(slots=True)
class SyncCache:
    """What the last `sync` gave, by id, with the raw entries and the zone read in.

    An unchanged entry is not parsed again. A controller's entry changes with
    every check-in (its last contact) and seldom otherwise: then only the new
    time is read. A changed entry reuses its unchanged `doors` list's access
    points, or else each unchanged door's.
    """

    doors: dict[str, tuple[Mapping[str, Any], str, tzinfo, AccessPoint]] = field(
        default_factory=dict
    )
    controllers: dict[str, tuple[dict[str, Any], tzinfo, Controller]] = field(
        default_factory=dict
    )

    def clear(self) -> None:
        """Forget everything (the zone changed: every time reads differently)."""
        self.doors.clear()
        self.controllers.clear()

    def keep_only(self, controllers: tuple[Controller, ...]) -> None:
        """Forget what the newest answer no longer lists."""
        listed = {c.id for c in controllers}
        for controller_id in [c for c in self.controllers if c not in listed]:
            del self.controllers[controller_id]
        doors = {a.id for c in controllers for a in c.access_points or ()}
        for door_id in [d for d in self.doors if d not in doors]:
            del self.doors[door_id]


def _controller(
    raw: Any, zone: tzinfo, known: Earlier, cache: SyncCache | None
) -> Controller:
    """Parse a controller's entry, or reuse what the same entry gave last time."""
    controller_id = raw.get("id") if isinstance(raw, dict) else None
    if cache is None or not isinstance(controller_id, str):
        return Controller.from_json(raw, zone, known, cache)
    hit = cache.controllers.get(controller_id)
    if hit is not None and hit[1] == zone:
        before_raw, _, before = hit
        contact = raw.get("last_contact")
        if before_raw.get("last_contact") == contact and before_raw == raw:
            return before
        # Compared with the new check-in in place: equal then means nothing else
        # changed (the copy is ours; the new answer's entry replaces it anyway).
        before_raw["last_contact"] = contact
        if before_raw == raw:
            controller = before.contacted(
                _utc_timestamp(raw, "last_contact", zone, known, controller_id)
            )
            cache.controllers[controller_id] = (raw, zone, controller)
            return controller
    controller = Controller.from_json(raw, zone, known, cache)
    cache.controllers[controller_id] = (raw, zone, controller)
    return controller


def _access_points(
    doors: list[Any],
    controller_id: str,
    zone: tzinfo,
    known: Earlier,
    cache: SyncCache | None,
) -> tuple[AccessPoint, ...]:
    """Parse a controller's doors, or reuse what the same list gave last time."""
    if cache is not None and (hit := cache.controllers.get(controller_id)):
        before_raw, before_zone, before = hit
        if before_zone == zone and before_raw.get("doors") == doors:
            return before.access_points or ()
    return tuple(_door(door, controller_id, zone, known, cache) for door in doors)


def _door(
    raw: Any,
    controller_id: str,
    zone: tzinfo,
    known: Earlier,
    cache: SyncCache | None,
) -> AccessPoint:
    """Parse a door, or reuse what the same entry gave last time."""
    door_id = raw.get("id") if isinstance(raw, Mapping) else None
    if cache is not None and isinstance(door_id, str):
        hit = cache.doors.get(door_id)
        if hit is not None and hit[1:3] == (controller_id, zone) and hit[0] == raw:
            return hit[3]
        access_point = AccessPoint.from_json(raw, controller_id, zone, known)
        cache.doors[door_id] = (raw, controller_id, zone, access_point)
        return access_point
    return AccessPoint.from_json(raw, controller_id, zone, known)


def sync_devices(body: Any) -> list[Any]:
    """Return the `sync` answer's `devices`: at the top level or inside `data`."""
    payload = _mapping(body, "response")
    devices = payload.get("devices")
    if devices is None and isinstance(payload.get("data"), Mapping):
        devices = payload["data"].get("devices")
    if not isinstance(devices, list):
        raise ParqExUnexpectedResponseError("sync answer has no devices list")
    return devices


def parse_sync(
    body: Any,
    zone: tzinfo = UTC,
    previous: Mapping[str, datetime | None] | None = None,
    cache: SyncCache | None = None,
    read_at: datetime | None = None,
) -> tuple[Controller, ...]:
    """Parse the `sync` answer: `devices` at the top level or inside `data`.

    Times are read in the account's `zone`; `previous` (last toggle per door id,
    last contact per controller id) and when it was read (`read_at`) resolve
    the hour that repeats in autumn.
    """
    devices = sync_devices(body)
    earlier = Earlier(previous or {}, read_at)
    parsed = tuple(_controller(device, zone, earlier, cache) for device in devices)
    if cache is not None:
        cache.keep_only(parsed)
    return parsed


@dataclass(frozen=True, slots=True)
class ToggleEvent:
    """One entry of ParqEx's access history: who moved (or tried to move) a door."""

    door_id: str
    door_name: str
    door_state: DoorState | None
    channel: str
    user_id: str
    user_first_name: str
    user_last_name: str
    was_success: bool
    # Aware, UTC, to the second.
    toggled_at: datetime
    # Set when ParqEx's local time happened twice (clocks went back): the later
    # instant, while `toggled_at` is the earlier. The history reader settles it.
    later: datetime | None = None
    # E-mail addresses are personal data the integration never needs; not kept.

    @property
    def user_name(self) -> str:
        """The user's name as entered in ParqEx."""
        return " ".join(
            part for part in (self.user_first_name, self.user_last_name) if part
        )

    @property
    def key(self) -> str:
        """What tells events apart: ParqEx gives them no id."""
        return "|".join(
            (
                self.door_id,
                self.toggled_at.isoformat(),
                self.door_state or "",
                self.channel,
                self.user_id or self.user_name,
                str(self.was_success),
            )
        )

    @property
    def match_key(self) -> str | None:
        """What a pushed event and its history entry share; None for a failure.

        A push names the user without an id, and is never a failed attempt.
        """
        if not self.was_success:
            return None
        return "|".join(
            (
                self.door_id,
                self.toggled_at.isoformat(),
                self.door_state or "",
                self.channel,
            )
        )

    @classmethod
    def from_json(
        cls, raw: Any, toggled_at: datetime, later: datetime | None = None
    ) -> ToggleEvent | None:
        """Parse one entry of `toggle_events` (placed in time already)."""
        door_id = _str(raw, "door_id")
        if not door_id:
            return None
        user = raw.get("user")
        if not isinstance(user, Mapping):
            user = {}
        return cls(
            door_id=door_id,
            door_name=(_str(raw, "door_name") or "").strip(),
            door_state=_door_state(raw, "door_state"),
            channel=(_str(raw, "channel") or "").strip(),
            user_id=_str(user, "id") or "",
            user_first_name=_str(user, "first_name") or "",
            user_last_name=_str(user, "last_name") or "",
            was_success=_bool(raw, "was_success") is not False,
            toggled_at=toggled_at,
            later=later,
        )


def parse_toggle_history(body: Any, zone: tzinfo = UTC) -> tuple[ToggleEvent, ...]:
    """Parse `toggle-history`, skipping entries without a door or time, oldest first.

    Times are read in the account's `zone`; ParqEx documents no order, so none
    is assumed (a repeated hour keeps both readings, see `ToggleEvent.later`).
    """
    events = envelope_data(body).get("toggle_events")
    if events is None:
        return ()
    if not isinstance(events, list):
        raise ParqExUnexpectedResponseError("toggle_events is not a list")
    dated = [
        (raw, naive)
        for raw in events
        if isinstance(raw, Mapping)
        and (naive := _naive_timestamp(raw, "toggle_date_time")) is not None
    ]
    parsed = (
        ToggleEvent.from_json(raw, *readings(naive, zone)) for raw, naive in dated
    )
    return tuple(
        sorted((event for event in parsed if event), key=lambda e: e.toggled_at)
    )


class ParqExDeliveryError(ParqExUnexpectedResponseError):
    """A webhook delivery that is not one ParqEx would send."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook delivery: an event ParqEx pushed, identified by `id`.

    Only door changes carry `doorID` and `doorState`; management, Enforcer and
    other events have neither and are not acted on.
    """

    id: str
    door_id: str | None
    door_state: DoorState | None
    channel: str
    user_first_name: str
    user_last_name: str
    # When it happened (aware, UTC); None when the delivery does not say.
    occurred_at: datetime | None

    @classmethod
    def from_json(cls, body: Any) -> Delivery:
        """Parse a delivery; raise ParqExDeliveryError for one to refuse."""
        if not isinstance(body, Mapping):
            raise ParqExDeliveryError("delivery is not a JSON object")
        delivery_id = body.get("id")
        if not isinstance(delivery_id, str) or not delivery_id.strip():
            raise ParqExDeliveryError("delivery has no id")
        if len(delivery_id.strip()) > MAX_DELIVERY_ID_LENGTH:
            raise ParqExDeliveryError("delivery id is too long")
        for key in ("doorID", "deviceID"):
            if (value := body.get(key)) not in (None, "") and not (
                isinstance(value, str) and PARQEX_ID.fullmatch(value.strip())
            ):
                raise ParqExDeliveryError(f"{key} is not a ParqEx id")
        door_state: DoorState | None = None
        if (raw_state := body.get("doorState")) is not None:
            if raw_state not in (DoorState.OPEN, DoorState.CLOSED):
                raise ParqExDeliveryError("doorState is neither OPEN nor CLOSED")
            door_state = DoorState(raw_state)
        door_id = body.get("doorID")
        if not isinstance(door_id, str) or not door_id.strip():
            door_id = None
        user = body.get("userThatToggled")
        if not isinstance(user, Mapping):
            user = {}
        return cls(
            id=delivery_id.strip(),
            door_id=door_id.strip() if door_id else None,
            door_state=door_state,
            channel=(_str(body, "channel") or "").strip(),
            user_first_name=(_str(user, "firstName") or "").strip(),
            user_last_name=(_str(user, "lastName") or "").strip(),
            occurred_at=_occurred_at(body),
        )

    def toggle_event(self, received_at: datetime) -> ToggleEvent | None:
        """Return the door change as the history entry ParqEx will record.

        None when the delivery is no door change. History is written to the
        second; an undated delivery is taken as of when it arrived.
        """
        if self.door_id is None or self.door_state is None:
            return None
        at = (self.occurred_at or received_at).astimezone(UTC)
        return ToggleEvent(
            door_id=self.door_id,
            door_name="",
            door_state=self.door_state,
            channel=self.channel,
            # A delivery names who toggled but carries no user id.
            user_id="",
            user_first_name=self.user_first_name,
            user_last_name=self.user_last_name,
            was_success=True,
            toggled_at=at.replace(microsecond=0),
        )


def _occurred_at(body: Mapping[str, Any]) -> datetime | None:
    """Read `eventOccurredUTC` (ISO 8601), else `eventOccurred` (Unix seconds)."""
    text = body.get("eventOccurredUTC")
    if isinstance(text, str):
        try:
            parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(
                UTC
            )
    seconds = body.get("eventOccurred")
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None
