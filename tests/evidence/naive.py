"""The naive way, as peer door integrations do it: one coordinator per access point.

Each polls `sync` for its access point's state, and that access point's history,
every 30 s, and writes its switch's state after every poll.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from typing import Any

import aiohttp

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

_LOGGER = logging.getLogger(__name__)
RESOURCES = "/oauth/v1/endpoints"


def naive_entity_id(door_id: str) -> str:
    """The naive switch of an access point."""
    return f"switch.naive_{door_id}"


class NaiveDoor(DataUpdateCoordinator[dict[str, Any]]):
    """One access point's own coordinator: its state and its history."""

    def __init__(
        self,
        hass: HomeAssistant,
        base: str,
        token: str,
        door_id: str,
        interval: timedelta,
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=None,
            name=f"naive {door_id}",
            update_interval=interval,
        )
        self.base = base
        self.door_id = door_id
        self.session = async_get_clientsession(hass)
        self.headers = {"Authorization": f"Bearer {token}"}

    async def _get(self, path: str, **params: str) -> Any:
        async with self.session.get(
            f"{self.base}{RESOURCES}/{path}", headers=self.headers, params=params
        ) as response:
            response.raise_for_status()
            return await response.json()

    async def _async_update_data(self) -> dict[str, Any]:
        today = dt_util.now().date().isoformat()
        try:
            synced, history = await asyncio.gather(
                self._get("sync"),
                self._get(
                    "toggle-history",
                    history_type="door",
                    door_id=self.door_id,
                    start_date=today,
                    end_date=today,
                ),
            )
        except aiohttp.ClientError as err:
            raise ValueError(str(err)) from err
        door = next(
            d
            for device in synced["devices"]
            for d in device["doors"]
            if d["id"] == self.door_id
        )
        return {"door": door, "history": history["data"]["toggle_events"]}

    @callback
    def write_state(self) -> None:
        """Write the switch's state, as a CoordinatorEntity does after every poll."""
        if self.data is not None:
            self.hass.states.async_set(
                naive_entity_id(self.door_id),
                "on" if self.data["door"]["state"] == "OPEN" else "off",
                {"last_toggled": self.data["door"]["last_toggled"]},
            )

    async def async_toggle(self, door_state: str) -> None:
        """Ask ParqEx to move the door, then refresh (it still shows the old state)."""
        async with self.session.post(
            f"{self.base}{RESOURCES}/toggle",
            headers=self.headers,
            json={"door_id": self.door_id, "door_state": door_state},
        ) as response:
            response.raise_for_status()
        await self.async_request_refresh()


class NaivePoller:
    """Every access point of an account, each polled on its own."""

    def __init__(
        self,
        hass: HomeAssistant,
        base: str,
        token: str,
        door_ids: list[str],
        interval: timedelta = timedelta(seconds=30),
    ) -> None:
        self.doors = {
            door_id: NaiveDoor(hass, base, token, door_id, interval)
            for door_id in door_ids
        }
        self._unlisten: list[Any] = []

    async def async_refresh(self) -> None:
        """One poll of every access point, all at once."""
        await asyncio.gather(*(door.async_refresh() for door in self.doors.values()))

    def start(self) -> None:
        """Poll on schedule, writing states after every poll."""
        for door in self.doors.values():
            self._unlisten.append(door.async_add_listener(door.write_state))

    def stop(self) -> None:
        """Stop polling."""
        for unlisten in self._unlisten:
            unlisten()
        self._unlisten.clear()
