"""Access history: read it for access points that moved, announce what is new.

ParqEx's events carry no id, so each access point keeps a watermark (the newest
announced event time) and the keys of the events at that very time, stored
across restarts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
import logging
from typing import Any, TypedDict

from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store

from .api import ParqExClient
from .const import DOMAIN, HISTORY_ATTEMPTS, HISTORY_CATCH_UP_DAYS
from .errors import ParqExAuthError, ParqExError, ParqExRateLimitedError
from .models import TIMESTAMP_FORMAT, AccessPoint, ToggleEvent

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
SAVE_DELAY = 10


def access_event_signal(entry_id: str, door_id: str) -> str:
    """Dispatcher signal carrying an access point's new history events."""
    return f"{DOMAIN}_{entry_id}_{door_id}_toggle_events"


class _StoredDoor(TypedDict, total=False):
    last: str | None
    keys: list[str]
    # Match keys of announced successes (pushed or read), to tell a push from
    # its history entry; and whether the history was read yet (pushes alone
    # do not count as a first reading).
    announced: list[str]
    read: bool


@dataclass(slots=True)
class _DoorLog:
    # Newest announced event time (naive, account time zone); None: nothing yet.
    last: datetime | None = None
    keys: set[str] = field(default_factory=set)
    announced: dict[str, datetime] = field(default_factory=dict)
    read: bool = True

    def remember(self, event: ToggleEvent) -> None:
        if (match := event.match_key) is not None:
            self.announced[match] = event.toggled_at
        # Older ones are behind the watermark: neither history nor a push can
        # announce them again. Pushes alone keep the catch-up window.
        newest = max(self.announced.values(), default=None)
        floor = self.last or (
            newest - timedelta(days=HISTORY_CATCH_UP_DAYS) if newest else None
        )
        if floor is not None:
            self.announced = {k: t for k, t in self.announced.items() if t >= floor}


class AnnouncedHistory:
    """Per access point: what was announced, so that nothing is announced twice."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Initialize the log of one config entry."""
        self._store: Store[dict[str, _StoredDoor]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.history"
        )
        self._doors: dict[str, _DoorLog] = {}

    async def async_load(self) -> None:
        """Read what earlier runs announced."""
        stored = await self._store.async_load() or {}
        for door_id, raw in stored.items():
            announced = {
                key: at
                for key in raw.get("announced") or ()
                if (at := _parse(key.split("|")[1] if "|" in key else None))
            }
            self._doors[door_id] = _DoorLog(
                _parse(raw.get("last")),
                set(raw.get("keys") or ()),
                announced,
                raw.get("read", True) is not False,
            )

    async def async_remove(self) -> None:
        """Forget everything (the config entry is being deleted)."""
        await self._store.async_remove()

    def knows(self, door_id: str) -> bool:
        """Whether this access point's history was read before."""
        log = self._doors.get(door_id)
        return log is not None and log.read

    def start_date(self, door_id: str, today: date) -> date:
        """First day to ask for: back to the watermark, within the catch-up window."""
        earliest = today - timedelta(days=HISTORY_CATCH_UP_DAYS)
        log = self._doors.get(door_id)
        if log is None or log.last is None:
            return today - timedelta(days=1)
        return max(earliest, min(log.last.date(), today - timedelta(days=1)))

    def _log(self, door_id: str) -> _DoorLog:
        """Return an access point's log; a new one counts as not read yet."""
        log = self._doors.get(door_id)
        if log is None:
            log = self._doors[door_id] = _DoorLog(read=False)
        return log

    def take_new(
        self, door_id: str, events: tuple[ToggleEvent, ...]
    ) -> list[ToggleEvent]:
        """Return the events not announced yet, oldest first, and remember them.

        The first reading of an access point only sets the watermark: events from
        before Home Assistant knew the access point are history, not news. Events
        announced already by push move the watermark but are not returned.
        """
        log = self._log(door_id)
        first_reading, log.read = not log.read, True
        new = [
            event
            for event in events
            if event.door_id == door_id
            and (
                log.last is None
                or event.toggled_at > log.last
                or (event.toggled_at == log.last and event.key not in log.keys)
            )
        ]
        news = []
        for event in new:
            if event.match_key is None or event.match_key not in log.announced:
                news.append(event)
            if log.last is None or event.toggled_at > log.last:
                log.last, log.keys = event.toggled_at, set()
            log.keys.add(event.key)
            log.remember(event)
        self._store.async_delay_save(self._data, SAVE_DELAY)
        return [] if first_reading else news

    def take_pushed(self, event: ToggleEvent) -> bool:
        """Remember a pushed event; False when it was announced already.

        A push older than the watermark was in a history reading already.
        """
        log = self._log(event.door_id)
        if event.match_key in log.announced or (
            log.last is not None and event.toggled_at < log.last
        ):
            return False
        log.remember(event)
        self._store.async_delay_save(self._data, SAVE_DELAY)
        return True

    def _data(self) -> dict[str, _StoredDoor]:
        return {
            door_id: {
                "last": None
                if log.last is None
                else log.last.strftime(TIMESTAMP_FORMAT),
                "keys": sorted(log.keys),
                "announced": sorted(log.announced),
                "read": log.read,
            }
            for door_id, log in self._doors.items()
        }

    async def async_flush(self) -> None:
        """Write pending changes now (on unload)."""
        await self._store.async_save(self._data())


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, TIMESTAMP_FORMAT)
    except ValueError:
        return None


class AccessHistoryReader:
    """Reads the history of access points that moved, and announces the news."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, client: ParqExClient
    ) -> None:
        """Initialize the reader of one config entry."""
        self._hass = hass
        self._entry_id = entry_id
        self._client = client
        self.announced = AnnouncedHistory(hass, entry_id)
        # Set once the event entities listen (after platform setup).
        self.started = False
        # Access points whose history is worth reading, with the attempts left.
        self._pending: dict[str, int] = {}
        # Access points whose history ParqEx refuses to this user (owners only).
        self.refused: set[str] = set()
        self.last_error: str | None = None
        self._lock = asyncio.Lock()
        # News kept during a poll (see hold); None: announce at once.
        self._held: list[tuple[str, list[ToggleEvent]]] | None = None

    def note_moved(
        self,
        previous: Mapping[str, AccessPoint],
        current: Mapping[str, AccessPoint],
    ) -> None:
        """Mark access points whose state or last toggle changed: history has news."""
        for door_id, access_point in current.items():
            before = previous.get(door_id)
            if door_id not in self.refused and (
                before is None
                or (before.state, before.last_toggled)
                != (access_point.state, access_point.last_toggled)
            ):
                self._pending[door_id] = HISTORY_ATTEMPTS

    async def async_read(
        self, access_points: Mapping[str, AccessPoint], today: date
    ) -> None:
        """Read the history of pending access points and announce what is new."""
        async with self._lock:
            for door_id in list(self._pending):
                if door_id not in access_points:
                    del self._pending[door_id]
                    continue
                first_reading = not self.announced.knows(door_id)
                try:
                    events = await self._client.async_get_door_history(
                        door_id, self.announced.start_date(door_id, today), today
                    )
                except ParqExAuthError:
                    _LOGGER.info(
                        "ParqEx does not share the history of an access point with"
                        " this user; its events stay empty"
                    )
                    self.refused.add(door_id)
                    del self._pending[door_id]
                    continue
                except ParqExError as err:
                    # Only the kind: a message may quote ParqEx's answer.
                    self.last_error = type(err).__name__
                    self._spend_attempt(door_id)
                    if isinstance(err, ParqExRateLimitedError):
                        break
                    continue
                new = self.announced.take_new(door_id, events)
                if new or first_reading:
                    del self._pending[door_id]
                else:
                    # ParqEx may record the event a little after the state changes.
                    self._spend_attempt(door_id)
                if new:
                    self._announce(door_id, new)

    def announce_pushed(self, event: ToggleEvent) -> None:
        """Announce a pushed event unless history (or a push) announced it."""
        if self.announced.take_pushed(event):
            self._announce(event.door_id, [event])

    def hold(self) -> None:
        """Keep news until `release`: during a poll, entities are not ready.

        The poll that ends an outage reads what happened meanwhile, while the
        entities still count as unavailable; an event fired then would be lost.
        """
        if self._held is None:
            self._held = []

    def release(self) -> None:
        """Announce the news kept since `hold`, in order."""
        held, self._held = self._held or [], None
        for door_id, events in held:
            self._announce(door_id, events)

    def _announce(self, door_id: str, events: list[ToggleEvent]) -> None:
        if self._held is not None:
            self._held.append((door_id, events))
            return
        async_dispatcher_send(
            self._hass, access_event_signal(self._entry_id, door_id), events
        )

    def _spend_attempt(self, door_id: str) -> None:
        attempts = self._pending[door_id] - 1
        if attempts > 0:
            self._pending[door_id] = attempts
        else:
            del self._pending[door_id]

    def diagnostics(self) -> dict[str, Any]:
        """Return how history reading goes, without ids."""
        return {
            "started": self.started,
            "pending": len(self._pending),
            "refused": len(self.refused),
            "last_error": self.last_error,
        }
