"""The simulated ParqEx account: users, controllers, doors and their history.

Loaded from a JSON file (see accounts/default.json). Times are kept in UTC and
written the way ParqEx writes them: `YYYY-MM-DD HH:MM:SS` in the reader's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_ACCOUNT = Path(__file__).parent / "accounts" / "default.json"
TIMESTAMP = "%Y-%m-%d %H:%M:%S"
# Real controllers check in with ParqEx about once a minute, each at its own second.
CHECK_IN_PERIOD = 60


def _text(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime(TIMESTAMP)


@dataclass
class Client:
    """A developer app registered with ParqEx."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]


@dataclass
class User:
    """A ParqEx user who can sign in."""

    id: str
    email: str
    password: str
    first_name: str
    last_name: str
    time_zone: str = "UTC"
    pin_code: str = "0000"
    door_open_alert_notification_enabled: bool = True
    door_open_alert_notification_tone: str = "chime"

    def info(self) -> dict[str, Any]:
        """Return the `GET user-info` data."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email_address": self.email,
        }

    def settings(self) -> dict[str, Any]:
        """Return the `POST user-info` data."""
        return {
            "door_open_alert_notification_enabled": (
                self.door_open_alert_notification_enabled
            ),
            "door_open_alert_notification_tone": self.door_open_alert_notification_tone,
            "time_zone": self.time_zone,
            "pin_code": self.pin_code,
        }


@dataclass
class Door:
    """An access point of a controller."""

    id: str
    name: str
    entity_number: int
    state: str
    last_toggled: datetime
    kind: str = "door"
    active: bool = True
    bluetooth_sensor: bool = False
    bluetooth_sensor_mac_address: str = "000000000000"
    bluetooth_sensor_battery_level: int = 0
    door_auto_close_enabled: bool = False
    door_auto_close_delay: int = 0
    # Simulator behaviour: CLOSED asks for a door sensor (428), or is not supported.
    close_needs_sensor: bool = False
    close_unsupported: bool = False
    # Users other than the owner who may use this door, with their name for it.
    users: dict[str, str] = field(default_factory=dict)


@dataclass
class Controller:
    """A ParqEx access controller (a `device`)."""

    id: str
    owner: str
    doors: list[Door]
    last_contact: datetime
    active: bool = True
    registered: bool = True
    blackbox_code: str = "0000000000000000"
    software_version: str = "1.0.0"
    bluetooth_onboard: bool = False
    bluetooth_mac_address: str = "000000000000"
    time_before_door_open_alert: int = 900


@dataclass
class HistoryEvent:
    """One entry of the access history (a toggle or an out-of-band change)."""

    door_id: str
    door_state: str
    channel: str
    user: User | None
    was_success: bool
    at: datetime


class Account:
    """Everything the simulated ParqEx knows."""

    def __init__(self, raw: dict[str, Any], now: datetime) -> None:
        """Build the account from its JSON description."""
        self.clients = [Client(**client) for client in raw.get("clients", [])]
        self.users = [User(**user) for user in raw.get("users", [])]
        self.controllers = [
            self.controller_from_json(controller, now)
            for controller in raw.get("controllers", [])
        ]
        self.history: list[HistoryEvent] = []
        # Told of every recorded event (the webhooks deliver door changes).
        self.listeners: list[Callable[[HistoryEvent], None]] = []

    @classmethod
    def load(cls, path: Path, now: datetime) -> Account:
        """Read an account file."""
        return cls(json.loads(path.read_text(encoding="utf-8")), now)

    @staticmethod
    def controller_from_json(raw: dict[str, Any], now: datetime) -> Controller:
        """Build a controller (and its doors) from JSON, as the control API takes it."""
        doors = [
            Door(**{"last_toggled": now - timedelta(hours=3), **door})
            for door in raw.get("doors", [])
        ]
        return Controller(
            **{"last_contact": now, **{k: v for k, v in raw.items() if k != "doors"}},
            doors=doors,
        )

    # -- lookups ----------------------------------------------------------------

    def client(self, client_id: str) -> Client | None:
        """Return a registered app."""
        return next((c for c in self.clients if c.client_id == client_id), None)

    def user_by_email(self, email: str) -> User | None:
        """Return a user by sign-in name."""
        return next((u for u in self.users if u.email == email.strip().lower()), None)

    def user_by_id(self, user_id: str) -> User | None:
        """Return a user by id."""
        return next((u for u in self.users if u.id == user_id), None)

    def door(self, door_id: str) -> tuple[Controller, Door] | None:
        """Return a door and its controller."""
        for controller in self.controllers:
            for door in controller.doors:
                if door.id == door_id:
                    return controller, door
        return None

    def doors_of(self, user: User) -> list[tuple[Controller, Door, str, str]]:
        """Doors the user may use: (controller, door, their name, relationship)."""
        found = []
        for controller in self.controllers:
            for door in controller.doors:
                if controller.owner == user.email:
                    found.append((controller, door, door.name, "Owner"))
                elif user.email in door.users:
                    found.append(
                        (controller, door, door.users[user.email], "Has Access")
                    )
        return found

    def may_use(self, user: User, door_id: str) -> bool:
        """Whether the user has access to the door."""
        return any(door.id == door_id for _, door, _, _ in self.doors_of(user))

    # -- answers ------------------------------------------------------------------

    def check_in(self, now: datetime) -> None:
        """Move the last contact of controllers online, as their check-ins do."""
        for controller in self.controllers:
            if not controller.active:
                continue
            phase = sum(controller.id.encode()) % CHECK_IN_PERIOD
            since = (now.timestamp() - phase) % CHECK_IN_PERIOD
            latest = (now - timedelta(seconds=since)).replace(microsecond=0)
            controller.last_contact = max(controller.last_contact, latest)

    def sync(self, user: User) -> dict[str, Any]:
        """Return the `sync` answer for a user: their controllers, doors and names."""
        devices: dict[str, dict[str, Any]] = {}
        owner_names = {u.email: (u.first_name, u.last_name) for u in self.users}
        for controller, door, name, relationship in self.doors_of(user):
            first, last = owner_names.get(controller.owner, ("", ""))
            device = devices.setdefault(
                controller.id,
                {
                    "id": controller.id,
                    "active": controller.active,
                    "registered": controller.registered,
                    "last_contact": _text(controller.last_contact, user.time_zone),
                    "number_of_entities_controlled": len(controller.doors),
                    "owner_first_name": first,
                    "owner_last_name": last,
                    "bluetooth_onboard": controller.bluetooth_onboard,
                    "bluetooth_mac_address": controller.bluetooth_mac_address,
                    "time_before_door_open_alert": (
                        controller.time_before_door_open_alert
                    ),
                    "blackbox_code": controller.blackbox_code,
                    "software_version": controller.software_version,
                    "doors": [],
                },
            )
            device["doors"].append(
                {
                    "id": door.id,
                    "name": name,
                    "state": door.state,
                    "last_toggled": _text(door.last_toggled, user.time_zone),
                    "active": door.active,
                    "user_relationship": relationship,
                    "entity_number": door.entity_number,
                    "door_auto_close_enabled": door.door_auto_close_enabled,
                    "door_auto_close_delay": door.door_auto_close_delay,
                    "bluetooth_sensor": door.bluetooth_sensor,
                    "bluetooth_sensor_mac_address": door.bluetooth_sensor_mac_address,
                    "bluetooth_sensor_battery_level": (
                        door.bluetooth_sensor_battery_level
                    ),
                    "image": "",
                    "light": False,
                    "sensor": door.bluetooth_sensor,
                }
            )
        return {"devices": list(devices.values())}

    def record(
        self,
        door: Door,
        door_state: str,
        channel: str,
        user: User | None,
        at: datetime,
        *,
        was_success: bool = True,
    ) -> None:
        """Log a toggle or change; a successful one moves the door."""
        event = HistoryEvent(door.id, door_state, channel, user, was_success, at)
        self.history.append(event)
        if was_success:
            door.state = door_state
            door.last_toggled = at
        for listener in self.listeners:
            listener(event)

    def toggle_events(
        self,
        reader: User,
        door_ids: set[str],
        start: date,
        end: date,
    ) -> list[dict[str, Any]]:
        """Return history of some doors between dates (reader's zone), newest first."""
        names = {door.id: name for _, door, name, _ in self.doors_of(reader)}
        zone = ZoneInfo(reader.time_zone)
        events = []
        for event in reversed(self.history):
            day = event.at.astimezone(zone).date()
            if event.door_id not in door_ids or not start <= day <= end:
                continue
            user = event.user
            events.append(
                {
                    "door_id": event.door_id,
                    "door_name": names.get(event.door_id, ""),
                    "door_state": event.door_state,
                    "channel": event.channel,
                    "user": {
                        "id": user.id if user else "",
                        "first_name": user.first_name if user else "",
                        "last_name": user.last_name if user else "",
                        "email_address": user.email if user else "",
                    },
                    "was_success": event.was_success,
                    "toggle_date_time": _text(event.at, reader.time_zone),
                }
            )
        return events

    def snapshot(self) -> dict[str, Any]:
        """Return the whole state for the control API (without users' secrets)."""
        return {
            "users": [u.info() for u in self.users],
            "controllers": [
                {
                    "id": c.id,
                    "owner": c.owner,
                    "active": c.active,
                    "doors": [
                        {
                            "id": d.id,
                            "name": d.name,
                            "kind": d.kind,
                            "state": d.state,
                            "active": d.active,
                            "last_toggled": d.last_toggled.isoformat(),
                        }
                        for d in c.doors
                    ],
                }
                for c in self.controllers
            ],
            "history": len(self.history),
        }
