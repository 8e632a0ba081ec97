"""Access history: read it for access points that moved, announce what is new.

ParqEx's events carry no id, so each access point keeps a watermark (the newest
announced event time, UTC) and the keys of the events read in the ten minutes
before it (ParqEx may record an event after a later one), stored across
restarts. Failed attempts move nothing: every 5 minutes each
controller's history is read too (one request where ParqEx answers for a whole
controller, else one per access point).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
import logging
from typing import Any, TypedDict

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .access_points import AccessPointStates
from .client.api import ParqExClient
from .client.errors import ParqExAuthError, ParqExError, ParqExRateLimitedError
from .client.models import TIMESTAMP_FORMAT, AccessPoint, ToggleEvent
from .client.times import local_to_utc
from .const import (
    DOMAIN,
    HISTORY_ATTEMPTS,
    HISTORY_CATCH_UP_DAYS,
    HISTORY_SWEEP_INTERVAL,
    LATE_RECORDING,
)

_LOGGER = logging.getLogger(__name__)

# 2: times in UTC (ISO 8601); 1 had ParqEx's local times.
STORAGE_VERSION = 2
SAVE_DELAY = 10
# Match keys of announced events kept per access point, at most.
MAX_ANNOUNCED_KEYS = 100
# Keys of events in a repeated local hour (clocks went back) are kept this long
# behind the watermark: a later reading tells them from the hour's second pass.
REPEATED_HOUR_MEMORY = timedelta(hours=2)


type Announce = Callable[[str, list[ToggleEvent]], None]


class _StoredDoor(TypedDict, total=False):
    last: str | None
    # Keys of the events read within LATE_RECORDING before `last`.
    keys: list[str]
    # Match keys of announced successes (pushed or read), to tell a push from
    # its history entry; and whether the history was read yet (pushes alone
    # do not count as a first reading).
    announced: list[str]
    read: bool
    checked: str | None
    # Whether `keys` covers the ten minutes before `last` (earlier versions
    # kept only the keys at `last`).
    window: bool
    # Keys of events whose local time happened twice (see REPEATED_HOUR_MEMORY).
    folded: list[str]


@dataclass(slots=True)
class _DoorLog:
    # Newest announced event time (UTC); None: nothing yet.
    last: datetime | None = None
    keys: set[str] = field(default_factory=set)
    announced: dict[str, datetime] = field(default_factory=dict)
    read: bool = True
    # The access point's last toggle when its history was last read: a door
    # that has not moved since has no news, even if its history is empty.
    checked: datetime | None = None
    # Keys known only from here on (stored by an earlier version).
    known_from: datetime | None = None
    folded: set[str] = field(default_factory=set)

    def place(
        self, event: ToggleEvent, last_toggled: datetime | None, now: datetime
    ) -> ToggleEvent:
        """Settle which of a repeated local hour's two instants an event is.

        From what is known, never from the order ParqEx lists events in: the
        second is not yet to come; an event read or pushed before is that one;
        the door's last toggle (from `sync`) names one; one behind the
        watermark that was not read is the second. Else the first.
        """
        if (later := event.later) is None:
            return event
        first = replace(event, later=None)
        second = replace(event, toggled_at=later, later=None)
        if later > now:
            return first
        for candidate in (first, second):
            if (
                candidate.key in self.keys
                or candidate.key in self.folded
                or candidate.match_key in self.announced
            ):
                return candidate
        if last_toggled is not None and event.was_success:
            for candidate in (first, second):
                if candidate.toggled_at == last_toggled:
                    return candidate
        if self.last is not None and first.toggled_at <= self.last < later:
            return second
        return first

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
        # History moves the watermark every few minutes; where ParqEx refuses it,
        # nothing would: the newest keys tell repeated deliveries apart.
        if len(self.announced) > MAX_ANNOUNCED_KEYS:
            by_time = sorted(self.announced.items(), key=lambda item: item[1])
            self.announced = dict(by_time[-MAX_ANNOUNCED_KEYS:])


class _HistoryStore(Store[dict[str, _StoredDoor]]):
    """Hands version 1 over as it is: its local times need the account's zone."""

    legacy = False

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: Any
    ) -> Any:
        self.legacy = old_major_version < 2
        return old_data


class AnnouncedHistory:
    """Per access point: what was announced, so that nothing is announced twice."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Initialize the log of one config entry."""
        self._store = _HistoryStore(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.history"
        )
        self._doors: dict[str, _DoorLog] = {}
        # Read once the account's time zone is known; never written before.
        self._loaded = False
        # Within `saving_once`: one write asked for at its end, not one per change.
        self._batched = 0
        self._unsaved = False

    async def async_load(self, zone: tzinfo) -> None:
        """Read what earlier runs announced; local times of version 1 in `zone`."""
        self._loaded = True
        stored = await self._store.async_load() or {}
        legacy = self._store.legacy
        for door_id, raw in stored.items():
            keys = [_key_in_utc(k, zone, legacy) for k in raw.get("keys") or ()]
            announced = {
                key: at
                for raw_key in raw.get("announced") or ()
                if (key := _key_in_utc(raw_key, zone, legacy))
                and (at := _parse(key.split("|")[1] if "|" in key else None))
            }
            self._doors[door_id] = _DoorLog(
                _parse(raw.get("last"), zone if legacy else None),
                {key for key in keys if key},
                announced,
                raw.get("read", True) is not False,
                _parse(raw.get("checked")),
                folded={k for k in raw.get("folded") or () if isinstance(k, str)},
            )
            if not raw.get("window"):
                self._doors[door_id].known_from = self._doors[door_id].last

    async def async_remove(self) -> None:
        """Forget everything (the config entry is being deleted)."""
        await self._store.async_remove()

    @contextmanager
    def saving_once(self) -> Iterator[None]:
        """Ask for one write at the end, for a sweep's many changes."""
        self._batched += 1
        try:
            yield
        finally:
            self._batched -= 1
            if not self._batched and self._unsaved:
                self._unsaved = False
                self._store.async_delay_save(self._data, SAVE_DELAY)

    def _save(self) -> None:
        if self._batched:
            self._unsaved = True
        else:
            self._store.async_delay_save(self._data, SAVE_DELAY)

    def knows(self, door_id: str) -> bool:
        """Whether this access point's history was read before."""
        log = self._doors.get(door_id)
        return log is not None and log.read

    def has_news(self, access_point: AccessPoint) -> bool:
        """Whether ParqEx may have events of it that were not announced yet."""
        log = self._doors.get(access_point.id)
        if log is None or not log.read or access_point.last_toggled is None:
            return True
        known = max((t for t in (log.last, log.checked) if t), default=None)
        return known is None or access_point.last_toggled > known

    def checked(self, door_id: str, last_toggled: datetime | None) -> None:
        """Note that history was read while the access point showed this toggle."""
        log = self._doors.get(door_id)
        if log is None or last_toggled is None:
            return
        if log.checked is None or last_toggled > log.checked:
            # Only a change is written: a sweep confirms most access points.
            log.checked = last_toggled
            self._save()

    def start_date(self, door_ids: Iterable[str], today: date, zone: tzinfo) -> date:
        """First day to ask for: back to the oldest watermark, within the window.

        One reading may cover several access points (a controller's history);
        the window is the catch-up days.
        """
        yesterday = today - timedelta(days=1)
        oldest: datetime | None = None
        for door_id in door_ids:
            log = self._doors.get(door_id)
            if log is None or log.last is None:
                return yesterday
            if oldest is None or log.last < oldest:
                oldest = log.last
        if oldest is None:
            return yesterday
        earliest = today - timedelta(days=HISTORY_CATCH_UP_DAYS)
        return max(earliest, min(oldest.astimezone(zone).date(), yesterday))

    def _log(self, door_id: str) -> _DoorLog:
        """Return an access point's log; a new one counts as not read yet."""
        log = self._doors.get(door_id)
        if log is None:
            log = self._doors[door_id] = _DoorLog(read=False)
        return log

    def take_new(
        self,
        door_id: str,
        events: tuple[ToggleEvent, ...],
        last_toggled: datetime | None = None,
    ) -> tuple[list[ToggleEvent], list[ToggleEvent]]:
        """Return the events not announced yet, oldest first, and remember them.

        `last_toggled` is the access point's last toggle as `sync` reported it.

        The first reading of an access point only sets the watermark: events from
        before Home Assistant knew the access point are history, not news. Events
        announced already by push move the watermark and come back second: they
        carry the user id the push lacked.
        """
        log = self._log(door_id)
        first_reading, log.read = not log.read, True
        mine = [event for event in events if event.door_id == door_id]
        if not mine:
            # Nothing of this access point (as most sweeps find): only a first
            # reading changes what is kept.
            if first_reading:
                self._save()
            return [], []
        now = dt_util.utcnow()
        placed = sorted(
            (
                (log.place(event, last_toggled, now), event.later is not None)
                for event in mine
            ),
            key=lambda item: item[0].toggled_at,
        )
        events = tuple(event for event, _ in placed)
        # ParqEx may record an event after a later one: those dated shortly
        # before the watermark are news too, unless their key is known.
        late = log.last - LATE_RECORDING if log.last is not None else None
        if late is not None and log.known_from is not None:
            late = max(late, log.known_from)
        new = [
            event
            for event in events
            if (
                late is None
                or (log.last is not None and event.toggled_at > log.last)
                or (event.toggled_at >= late and event.key not in log.keys)
            )
        ]
        news = []
        pushed = []
        for event in new:
            if event.match_key is None or event.match_key not in log.announced:
                news.append(event)
            else:
                pushed.append(event)
            if log.last is None or event.toggled_at > log.last:
                log.last = event.toggled_at
            log.keys.add(event.key)
            log.remember(event)
        log.folded.update(event.key for event, folded in placed if folded)
        if log.last is not None:
            oldest = log.last - LATE_RECORDING
            log.keys = {
                key for key in log.keys if (at := _key_time(key)) and at >= oldest
            }
            oldest = log.last - REPEATED_HOUR_MEMORY
            log.folded = {
                key for key in log.folded if (at := _key_time(key)) and at >= oldest
            }
        self._save()
        return ([], []) if first_reading else (news, pushed)

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
        self._save()
        return True

    def _data(self) -> dict[str, _StoredDoor]:
        return {
            door_id: {
                "last": None if log.last is None else log.last.isoformat(),
                "keys": sorted(log.keys),
                "announced": sorted(log.announced),
                "read": log.read,
                "checked": None if log.checked is None else log.checked.isoformat(),
                "window": True,
                "folded": sorted(log.folded),
            }
            for door_id, log in self._doors.items()
        }

    async def async_flush(self) -> None:
        """Write pending changes now (on unload); nothing if never read."""
        if self._loaded:
            await self._store.async_save(self._data())


def _parse(value: Any, legacy_zone: tzinfo | None = None) -> datetime | None:
    """Read a stored time: ISO 8601 in UTC, or version 1's local time in a zone."""
    if not isinstance(value, str):
        return None
    try:
        if legacy_zone is not None:
            naive = datetime.strptime(value, TIMESTAMP_FORMAT)
            return local_to_utc(naive, legacy_zone)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _key_time(key: str) -> datetime | None:
    """Return the time in an event key (its second field)."""
    parts = key.split("|")
    return _parse(parts[1]) if len(parts) > 1 else None


def _key_in_utc(key: Any, zone: tzinfo, legacy: bool) -> str | None:
    """Return an event key as this version writes it (its time in UTC)."""
    if not isinstance(key, str) or "|" not in key:
        return None
    if not legacy:
        return key
    parts = key.split("|")
    at = _parse(parts[1], zone)
    if at is None:
        return None
    parts[1] = at.isoformat()
    return "|".join(parts)


class AccessHistoryReader:
    """Reads the history of access points that moved, and announces the news."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        client: ParqExClient,
        announce: Announce,
        identify: Announce,
    ) -> None:
        """Initialize the reader of one config entry.

        News goes to `announce`; history entries of events a push announced
        (which name the user by ParqEx's id) go to `identify`.
        """
        self._client = client
        self._on_news = announce
        self._on_identified = identify
        self.announced = AnnouncedHistory(hass, entry_id)
        # Set once the event entities listen (after platform setup).
        self.started = False
        # Access points whose history is worth reading, with the attempts left,
        # and the last toggle that made it worth reading.
        self._pending: dict[str, int] = {}
        self._toggled: dict[str, datetime | None] = {}
        # Controller -> when its history was last read whole.
        self._swept: dict[str, datetime] = {}
        self.requests = 0
        # Access points whose history ParqEx refuses to this user (owners only).
        self.refused: set[str] = set()
        self.last_error: str | None = None
        self._lock = asyncio.Lock()
        # News kept during a poll (see hold); None: announce at once.
        self._held: list[tuple[str, list[ToggleEvent]]] | None = None
        # Access points whose push `sync` disputes: their next reading settles it.
        self._disputed: set[str] = set()

    def note_moved(self, moved: Iterable[AccessPoint], *, first_sync: bool) -> None:
        """Mark access points that moved since the watermark: history has news.

        In the first `sync` of a run every access point is new; only those that
        moved since the stored watermark are read, once each.
        """
        attempts = 1 if first_sync else HISTORY_ATTEMPTS
        for access_point in moved:
            if access_point.id not in self.refused and self.announced.has_news(
                access_point
            ):
                self._pending[access_point.id] = attempts
                self._toggled[access_point.id] = access_point.last_toggled

    def settle(self, door_ids: Iterable[str]) -> None:
        """Read these access points' history: a push and `sync` disagree on them."""
        for door_id in door_ids:
            if door_id not in self.refused:
                self._disputed.add(door_id)
                self._pending.setdefault(door_id, 1)

    async def async_read(self, states: AccessPointStates, today: date) -> None:
        """Read what is pending, then the controllers due; announce what is new.

        Access points ParqEx no longer lists are not asked about. Nothing is
        read before the account's time zone is known (times would be misplaced).
        """
        if not states.time_zone_known:
            return
        async with self._lock:
            if await self._async_sweep(states, today):
                await self._async_read_pending(states, today)

    async def async_start(self, states: AccessPointStates, today: date) -> None:
        """Read history once the entities listen: catches up on missed events."""
        self.started = True
        await self.async_read(states, today)

    async def _async_sweep(self, states: AccessPointStates, today: date) -> bool:
        """Read the history of controllers not read whole for 5 minutes.

        False when ParqEx asks us to slow down.
        """
        now = dt_util.utcnow()
        self._swept = {c: t for c, t in self._swept.items() if c in states.controllers}
        due = [
            controller_id
            for controller_id in states.controllers
            if now - self._swept.setdefault(controller_id, now)
            >= HISTORY_SWEEP_INTERVAL
        ]
        if not due:
            return True
        with self.announced.saving_once():
            return await self._async_sweep_due(states, today, due, now)

    async def _async_sweep_due(
        self,
        states: AccessPointStates,
        today: date,
        due: list[str],
        now: datetime,
    ) -> bool:
        by_controller: dict[str, list[AccessPoint]] = {}
        for access_point in states.access_points.values():
            by_controller.setdefault(access_point.controller_id, []).append(
                access_point
            )
        zone = self._client.time_zone
        for controller_id in due:
            self._swept[controller_id] = now
            doors = [
                access_point
                for access_point in by_controller.get(controller_id, ())
                if states.is_listed(access_point.id)
                and access_point.id not in self.refused
            ]
            if not doors:
                continue
            start = self.announced.start_date((d.id for d in doors), today, zone)
            try:
                events = await self._async_controller_history(
                    controller_id, start, today
                )
            except ParqExError as err:
                if self._failed(err):
                    return False
                continue
            # Each access point's own events: one pass over the answer.
            of_door: dict[str, list[ToggleEvent]] = {}
            for event in events or ():
                of_door.setdefault(event.door_id, []).append(event)
            for door in doors:
                self._toggled[door.id] = door.last_toggled
                if events is None:
                    # ParqEx lacks a controller's history: each is read alone.
                    self._pending.setdefault(door.id, 1)
                else:
                    self._take_swept(states, door.id, of_door.get(door.id, []))
        return True

    def _take_swept(
        self, states: AccessPointStates, door_id: str, events: list[ToggleEvent]
    ) -> None:
        """Take a sweep's reading of one access point; most have nothing new."""
        if (
            events
            or door_id in self._pending
            or door_id in self._disputed
            or not self.announced.knows(door_id)
        ):
            self._pending.setdefault(door_id, 1)
            self._take(states, door_id, tuple(events))
        else:
            self.announced.checked(door_id, self._toggled.get(door_id))

    async def _async_controller_history(
        self, controller_id: str, start: date, today: date
    ) -> tuple[ToggleEvent, ...] | None:
        """Read a controller's history in one request; None: ask per access point."""
        if not self._client.device_history_supported:
            return None
        self.requests += 1
        try:
            return await self._client.async_get_device_history(
                controller_id, start, today
            )
        except ParqExAuthError:
            return None

    async def _async_read_pending(self, states: AccessPointStates, today: date) -> None:
        for door_id in list(self._pending):
            if not states.is_listed(door_id):
                del self._pending[door_id]
                continue
            self.requests += 1
            try:
                events = await self._client.async_get_door_history(
                    door_id, self._start(door_id, today), today
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
                self._spend_attempt(door_id)
                if self._failed(err):
                    break
                continue
            self._take(states, door_id, events)

    def _start(self, door_id: str, today: date) -> date:
        return self.announced.start_date((door_id,), today, self._client.time_zone)

    def _failed(self, err: ParqExError) -> bool:
        """Note a failed reading; True when ParqEx asks us to slow down."""
        # Only the kind: a message may quote ParqEx's answer.
        self.last_error = type(err).__name__
        return isinstance(err, ParqExRateLimitedError)

    def _take(
        self, states: AccessPointStates, door_id: str, events: tuple[ToggleEvent, ...]
    ) -> None:
        """Announce an access point's news in a reading; settle its pending read."""
        first_reading = not self.announced.knows(door_id)
        new, pushed = self.announced.take_new(
            door_id, events, self._toggled.get(door_id)
        )
        if door_id in self._disputed:
            self._disputed.discard(door_id)
            moves = [
                (event.toggled_at, event.door_state)
                for event in events
                if event.door_id == door_id and event.was_success and event.door_state
            ]
            if moves:
                at, door_state = max(moves)
                states.settle(door_id, door_state, at)
        if pushed:
            self._on_identified(door_id, pushed)
        self.announced.checked(door_id, self._toggled.get(door_id))
        if door_id in self._pending:
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
            self._on_news(door_id, events)

    def _announce(self, door_id: str, events: list[ToggleEvent]) -> None:
        if self._held is not None:
            self._held.append((door_id, events))
            return
        self._on_news(door_id, events)

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
            "requests": self.requests,
            "device_history_supported": self._client.device_history_supported,
            "last_error": self.last_error,
        }
