"""Which access history events were already announced, kept across restarts.

ParqEx's events carry no id, so each access point keeps a watermark (the newest
announced event time) and the keys of the events at that very time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN, HISTORY_CATCH_UP_DAYS
from .models import TIMESTAMP_FORMAT, ToggleEvent

STORAGE_VERSION = 1
SAVE_DELAY = 10


class _StoredDoor(TypedDict):
    last: str | None
    keys: list[str]


@dataclass(slots=True)
class _DoorLog:
    # Newest announced event time (naive, account time zone); None: nothing yet.
    last: datetime | None = None
    keys: set[str] = field(default_factory=set)


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
            last = _parse(raw.get("last"))
            self._doors[door_id] = _DoorLog(last, set(raw.get("keys") or ()))

    async def async_remove(self) -> None:
        """Forget everything (the config entry is being deleted)."""
        await self._store.async_remove()

    def knows(self, door_id: str) -> bool:
        """Whether this access point's history was read before."""
        return door_id in self._doors

    def start_date(self, door_id: str, today: date) -> date:
        """First day to ask for: back to the watermark, within the catch-up window."""
        earliest = today - timedelta(days=HISTORY_CATCH_UP_DAYS)
        log = self._doors.get(door_id)
        if log is None or log.last is None:
            return today - timedelta(days=1)
        return max(earliest, min(log.last.date(), today - timedelta(days=1)))

    def take_new(
        self, door_id: str, events: tuple[ToggleEvent, ...]
    ) -> list[ToggleEvent]:
        """Return the events not announced yet, oldest first, and remember them.

        The first reading of an access point only sets the watermark: events from
        before Home Assistant knew the access point are history, not news.
        """
        first_reading = door_id not in self._doors
        log = self._doors.setdefault(door_id, _DoorLog())
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
        for event in new:
            if log.last is None or event.toggled_at > log.last:
                log.last, log.keys = event.toggled_at, set()
            log.keys.add(event.key)
        self._store.async_delay_save(self._data, SAVE_DELAY)
        return [] if first_reading else new

    def _data(self) -> dict[str, _StoredDoor]:
        return {
            door_id: {
                "last": None
                if log.last is None
                else log.last.strftime(TIMESTAMP_FORMAT),
                "keys": sorted(log.keys),
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
