"""Who operated which access point: each access event once, newest first, named.

History and pushes announce access events here, each once. The log fills in
what one source lacks (a pushed event's user id, learned from history), names
who did it (a Home Assistant person, or who made a command in Home Assistant),
fires one `parqex_access` event per access event (the logbook describes it),
and tells the access point's entities only of events newer than the newest
they showed: an older event found later is logged, never shown as the latest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .client.models import DoorState, ToggleEvent
from .const import DOMAIN
from .ids import access_record_signal, account_id, shown_signal, unique_id
from .people import Caller, mapped_person, person_of_user

if TYPE_CHECKING:
    from .runtime import ParqExConfigEntry

EVENT_ACCESS = f"{DOMAIN}_access"
EVENT_OPENED = "opened"
EVENT_CLOSED = "closed"
EVENT_FAILED = "failed"
# A command Home Assistant refused: its user is not on the entry's allowed list.
EVENT_REFUSED = "refused"
# `via` of an operation made in Home Assistant (ParqEx logs it as the account's).
VIA_HOME_ASSISTANT = "home_assistant"
# A command's history entry is dated within this after ParqEx accepted it, or
# a little before (ParqEx's clock and ours differ; its times have whole seconds).
COMMAND_WINDOW = timedelta(minutes=1)
COMMAND_CLOCK_SKEW = timedelta(seconds=5)
# ParqEx users remembered (learned from history, for the people step).
MAX_USERS = 500

STORAGE_VERSION = 1
SAVE_DELAY = 10


def event_type(event: ToggleEvent) -> str | None:
    """Return opened, closed or failed; None for a success without a state."""
    if not event.was_success:
        return EVENT_FAILED
    if event.door_state is DoorState.OPEN:
        return EVENT_OPENED
    if event.door_state is DoorState.CLOSED:
        return EVENT_CLOSED
    return None


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """An access event as Home Assistant tells it: who, how, when."""

    event: ToggleEvent
    # From history, or learned from it for a push; empty when not known.
    user_id: str
    # The Home Assistant person, when known (mapped user, or a command's user).
    person: str | None
    via: str | None
    # The same operation as shown already, now named by ParqEx's user id (a push
    # names users without one): entities show it again, nothing fires again.
    identified: bool = False

    @property
    def kind(self) -> str | None:
        """Opened, closed or failed."""
        return event_type(self.event)

    def data(self) -> dict[str, Any]:
        """Who, how, whether it worked and when; never an e-mail address."""
        event = self.event
        return {
            "user_name": event.user_name or None,
            "user_id": self.user_id or None,
            "person": self.person,
            "via": self.via,
            "channel": event.channel or None,
            "door_state": event.door_state.lower() if event.door_state else None,
            "success": event.was_success,
            "toggled_at": event.toggled_at.isoformat(),
        }


def who(hass: HomeAssistant, data: Mapping[str, Any]) -> str | None:
    """Name who did it: the person, else the ParqEx user, else the channel."""
    person = data.get("person")
    if person and (state := hass.states.get(person)) is not None:
        return state.name
    return data.get("user_name") or data.get("channel")


@dataclass(slots=True)
class _Command:
    door_id: str
    door_state: DoorState
    at: datetime
    context: Context | None
    # Who caused it: the context's user, or the one who started its automation.
    user_id: str | None


class _Stored(TypedDict, total=False):
    users: dict[str, str]
    newest: dict[str, str]
    shown: dict[str, dict[str, Any]]


@dataclass(slots=True)
class _Memory:
    # ParqEx user id -> name, as history gave them.
    users: dict[str, str] = field(default_factory=dict)
    # Access point -> time of the newest event its entities show.
    newest: dict[str, datetime] = field(default_factory=dict)
    # Access point -> what "last operated by" shows (restored from here, saved
    # within seconds: Home Assistant's own restore state is saved every 15 min).
    shown: dict[str, dict[str, Any]] = field(default_factory=dict)


class AccessLog:
    """The access events of one account, as people read them."""

    def __init__(self, hass: HomeAssistant, entry: ParqExConfigEntry) -> None:
        """Initialize the log of one config entry."""
        self._hass = hass
        self._entry = entry
        self._store: Store[_Stored] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.access_log"
        )
        self._memory = _Memory()
        self._commands: list[_Command] = []
        self.logged = 0

    async def async_load(self) -> None:
        """Read the users and newest events earlier runs saw."""
        stored = await self._store.async_load() or {}
        users = stored.get("users") or {}
        self._memory.users = {
            str(user_id): str(name)
            for user_id, name in users.items()
            if user_id and isinstance(name, str)
        }
        for door_id, text in (stored.get("newest") or {}).items():
            if isinstance(text, str) and (at := dt_util.parse_datetime(text)):
                self._memory.newest[door_id] = at
        self._memory.shown = {
            door_id: dict(data)
            for door_id, data in (stored.get("shown") or {}).items()
            if isinstance(data, dict) and door_id in self._memory.newest
        }

    async def async_flush(self) -> None:
        """Write pending changes now (on unload)."""
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Forget everything (the config entry is being deleted)."""
        await self._store.async_remove()

    @property
    def users(self) -> dict[str, str]:
        """ParqEx users seen in the account's history: id -> name."""
        return dict(self._memory.users)

    def newest(self, door_id: str) -> datetime | None:
        """Time of the newest event the access point's entities show."""
        return self._memory.newest.get(door_id)

    def shown(self, door_id: str) -> dict[str, Any] | None:
        """Return the newest access event's data ("last operated by" shows it)."""
        return self._memory.shown.get(door_id)

    def show_people(self, people: Mapping[str, str]) -> None:
        """Name the newest events anew by a changed mapping of users to persons.

        Called as the mapping is saved: "last operated by" shows it at once. Only
        ParqEx's user ids map to persons; commands made in Home Assistant keep who
        made them.
        """
        for door_id, shown in self._memory.shown.items():
            user_id = shown.get("user_id")
            if not user_id or shown.get("via") == VIA_HOME_ASSISTANT:
                continue
            person = people.get(user_id) or None
            if person == shown.get("person"):
                continue
            self._memory.shown[door_id] = renamed = {**shown, "person": person}
            async_dispatcher_send(
                self._hass, shown_signal(self._entry.entry_id, door_id), renamed
            )
        self._store.async_delay_save(self._data, SAVE_DELAY)

    def note_command(
        self,
        door_id: str,
        door_state: DoorState,
        context: Context | None,
        user_id: str | None,
    ) -> None:
        """Remember a command ParqEx accepted, to tell who made it in the log."""
        now = dt_util.utcnow()
        self._commands = [
            command for command in self._commands if now - command.at <= COMMAND_WINDOW
        ]
        self._commands.append(_Command(door_id, door_state, now, context, user_id))

    def refused(
        self,
        door_id: str,
        door_state: DoorState,
        caller: Caller,
        context: Context | None,
    ) -> None:
        """Log a command refused to a user not on the allowed list."""
        attempt = ToggleEvent(
            door_id=door_id,
            door_name="",
            door_state=door_state,
            channel="",
            user_id="",
            user_first_name=caller.name or "",
            user_last_name="",
            was_success=False,
            toggled_at=dt_util.utcnow(),
        )
        person = person_of_user(self._hass, caller.user_id) if caller.user_id else None
        record = AccessRecord(attempt, "", person, VIA_HOME_ASSISTANT)
        self._fire(door_id, EVENT_REFUSED, record.data(), context)

    def announce(self, door_id: str, events: Iterable[ToggleEvent]) -> None:
        """Log new access events, each once; show the newest on the entities."""
        newest = self._memory.newest.get(door_id)
        shown: list[AccessRecord] = []
        for event in sorted(events, key=lambda event: event.toggled_at):
            self._learn(event)
            record, context = self._record(event)
            if record.kind is None:
                continue
            self._log(door_id, record, context)
            if newest is None or event.toggled_at >= newest:
                newest = event.toggled_at
                shown.append(record)
        if not shown or newest is None:
            return
        self._memory.newest[door_id] = newest
        self._memory.shown[door_id] = shown[-1].data()
        self._store.async_delay_save(self._data, SAVE_DELAY)
        async_dispatcher_send(
            self._hass, access_record_signal(self._entry.entry_id, door_id), shown
        )

    def identify(self, door_id: str, events: Iterable[ToggleEvent]) -> None:
        """Name pushed operations by the user ids their history entries give.

        The one shown as the newest is shown again, with its person; nothing is
        logged twice. Commands made in Home Assistant keep who made them.
        """
        newest = self._memory.newest.get(door_id)
        for event in events:
            self._learn(event)
            if (
                event.user_id
                and event.user_id != account_id(self._entry)
                and event.toggled_at == newest
                and event_type(event) is not None
            ):
                record = AccessRecord(
                    event,
                    event.user_id,
                    mapped_person(self._entry, event.user_id),
                    None,
                    identified=True,
                )
                self._memory.shown[door_id] = record.data()
                self._store.async_delay_save(self._data, SAVE_DELAY)
                async_dispatcher_send(
                    self._hass,
                    access_record_signal(self._entry.entry_id, door_id),
                    [record],
                )

    def _learn(self, event: ToggleEvent) -> None:
        """Keep the ids history gives users: pushes name users without one."""
        users = self._memory.users
        if not event.user_id or not event.user_name:
            return
        if users.get(event.user_id) == event.user_name:
            return
        users.pop(event.user_id, None)
        if len(users) >= MAX_USERS:
            del users[next(iter(users))]
        users[event.user_id] = event.user_name
        self._store.async_delay_save(self._data, SAVE_DELAY)

    def _record(self, event: ToggleEvent) -> tuple[AccessRecord, Context | None]:
        """Who did it: a command made in Home Assistant, else the ParqEx user."""
        # Only ParqEx's ids name a user: a pushed name is a label, whoever wrote it.
        user_id = event.user_id
        command = self._command_for(event, user_id)
        if command is not None:
            user = command.user_id
            person = person_of_user(self._hass, user) if user else None
            return AccessRecord(event, user_id, person, VIA_HOME_ASSISTANT), (
                command.context
            )
        person = mapped_person(self._entry, user_id) if user_id else None
        return AccessRecord(event, user_id, person, None), None

    def _command_for(self, event: ToggleEvent, user_id: str) -> _Command | None:
        """Find the command an event carried out, and forget it.

        Same access point and state, by the account's own user (ParqEx logs API
        toggles as it), within a minute after the command: an event before it
        (a door sensor, a remote) cannot be its result.
        """
        account = account_id(self._entry)
        if not event.was_success or user_id not in ("", account):
            return None
        # A push names no id: another user's name is not the account's command.
        own_name = self._memory.users.get(account)
        if not user_id and event.user_name and own_name not in (None, event.user_name):
            return None
        for command in self._commands:
            if (
                command.door_id == event.door_id
                and command.door_state is event.door_state
                and -COMMAND_CLOCK_SKEW
                <= event.toggled_at - command.at
                <= COMMAND_WINDOW
            ):
                self._commands.remove(command)
                return command
        return None

    def _log(self, door_id: str, record: AccessRecord, context: Context | None) -> None:
        """Log an access event ParqEx recorded."""
        self.logged += 1
        self._fire(
            door_id,
            record.kind,
            record.data(),
            context,
            record.event.door_name,
            # The logbook reads in the order things happened, not were learned.
            record.event.toggled_at,
        )

    def _fire(
        self,
        door_id: str,
        kind: str | None,
        data: dict[str, Any],
        context: Context | None,
        door_name: str = "",
        at: datetime | None = None,
    ) -> None:
        """Fire the event the logbook describes, on the access point's switch."""
        access_point = self._entry.runtime_data.states.access_points.get(door_id)
        registry = er.async_get(self._hass)
        entity_id = registry.async_get_entity_id(
            "switch", DOMAIN, unique_id(account_id(self._entry), door_id)
        )
        switch = registry.async_get(entity_id) if entity_id else None
        self._hass.bus.async_fire(
            EVENT_ACCESS,
            {
                ATTR_ENTITY_ID: entity_id,
                # The access point's device (what device triggers follow).
                ATTR_DEVICE_ID: switch.device_id if switch else None,
                "access_point": (access_point.name if access_point else None)
                or door_name
                or None,
                "event_type": kind,
                **data,
            },
            context=context,
            time_fired=None if at is None else at.timestamp(),
        )

    def _data(self) -> _Stored:
        return {
            "users": dict(self._memory.users),
            "newest": {
                door_id: at.isoformat() for door_id, at in self._memory.newest.items()
            },
            "shown": dict(self._memory.shown),
        }

    def diagnostics(self) -> dict[str, Any]:
        """How many users are known and events logged; no names."""
        return {
            "users_known": len(self._memory.users),
            "events_logged": self.logged,
            "commands_waiting": len(self._commands),
        }
