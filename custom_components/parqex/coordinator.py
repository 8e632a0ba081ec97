"""Polls ParqEx's `sync` and carries out toggles for the entities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
import math

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import ParqExClient
from .const import (
    DEFAULT_RATE_LIMIT_BACKOFF,
    DOMAIN,
    FAST_POLL_DURATION,
    FAST_POLL_INTERVAL,
    MAX_RATE_LIMIT_BACKOFF,
    POLL_INTERVAL,
    TOGGLE_COOLDOWN,
)
from .errors import (
    ParqExAuthError,
    ParqExBadRequestError,
    ParqExConnectionError,
    ParqExControllerNotFoundError,
    ParqExError,
    ParqExNotSupportedError,
    ParqExRateLimitedError,
    ParqExSensorRequiredError,
)
from .models import AccessPoint, Controller, DoorState

_LOGGER = logging.getLogger(__name__)

type ParqExConfigEntry = ConfigEntry[ParqExCoordinator]

# Translation keys of command failures, most specific first.
_COMMAND_ERRORS: tuple[tuple[type[ParqExError], str], ...] = (
    (ParqExControllerNotFoundError, "controller_not_found"),
    (ParqExSensorRequiredError, "sensor_required"),
    (ParqExNotSupportedError, "not_supported"),
    (ParqExBadRequestError, "bad_request"),
    (ParqExAuthError, "auth_failed"),
    (ParqExConnectionError, "cannot_connect"),
)


@dataclass(frozen=True, slots=True)
class ParqExData:
    """One `sync` of the account, indexed by ParqEx id."""

    controllers: Mapping[str, Controller]
    access_points: Mapping[str, AccessPoint]

    @classmethod
    def from_controllers(cls, controllers: tuple[Controller, ...]) -> ParqExData:
        """Index controllers and their access points."""
        return cls(
            controllers={controller.id: controller for controller in controllers},
            access_points={
                access_point.id: access_point
                for controller in controllers
                for access_point in controller.access_points
            },
        )


def _seconds(delta: timedelta) -> str:
    return str(max(1, math.ceil(delta.total_seconds())))


class ParqExCoordinator(DataUpdateCoordinator[ParqExData]):
    """Keeps the account's controllers and access points up to date."""

    config_entry: ParqExConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: ParqExConfigEntry, client: ParqExClient
    ) -> None:
        """Initialize the coordinator of one ParqEx account."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=POLL_INTERVAL,
        )
        self.client = client
        self._last_toggle: dict[str, datetime] = {}
        self._awaited_states: dict[str, DoorState] = {}
        self._fast_poll_until: datetime | None = None
        # Controllers that answered a toggle with 404 (offline) since the last sync.
        self._unreachable: set[str] = set()

    async def _async_update_data(self) -> ParqExData:
        """Fetch `sync`; set the next interval from rate limits and pending commands."""
        try:
            controllers = await self.client.async_get_controllers()
        except ParqExAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except ParqExRateLimitedError as err:
            backoff = DEFAULT_RATE_LIMIT_BACKOFF
            if err.retry_after is not None:
                backoff = min(
                    timedelta(seconds=max(err.retry_after, 1)), MAX_RATE_LIMIT_BACKOFF
                )
            self.update_interval = max(backoff, self._regular_interval())
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"seconds": _seconds(self.update_interval)},
            ) from err
        except ParqExError as err:
            self.update_interval = self._regular_interval()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        data = ParqExData.from_controllers(controllers)
        self._unreachable.clear()
        for door_id, wanted in list(self._awaited_states.items()):
            access_point = data.access_points.get(door_id)
            if access_point is None or access_point.state == wanted:
                del self._awaited_states[door_id]
        self.update_interval = self._regular_interval()
        self._sync_registries(data)
        return data

    def _regular_interval(self) -> timedelta:
        """Fast while a command waits to show, and for at most a minute."""
        if (
            self._awaited_states
            and self._fast_poll_until is not None
            and dt_util.utcnow() < self._fast_poll_until
        ):
            return FAST_POLL_INTERVAL
        self._awaited_states.clear()
        return POLL_INTERVAL

    def _sync_registries(self, data: ParqExData) -> None:
        """Follow software updates; drop controllers and access points that are gone."""
        entry_id = self.config_entry.entry_id
        device_registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(device_registry, entry_id):
            ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            controller = next(
                (data.controllers[i] for i in ids if i in data.controllers), None
            )
            if controller is None:
                _LOGGER.debug("Removing a ParqEx controller that is gone")
                device_registry.async_update_device(
                    device.id, remove_config_entry_id=entry_id
                )
            elif device.sw_version != controller.software_version:
                device_registry.async_update_device(
                    device.id, sw_version=controller.software_version
                )
        entity_registry = er.async_get(self.hass)
        for entity in er.async_entries_for_config_entry(entity_registry, entry_id):
            # Unique ids start with the id of the access point or controller they serve.
            owner = entity.unique_id.partition("_")[0]
            if owner not in data.access_points and owner not in data.controllers:
                entity_registry.async_remove(entity.entity_id)

    def is_usable(self, door_id: str) -> bool:
        """Whether ParqEx can operate the access point now."""
        access_point = self.data.access_points.get(door_id)
        if access_point is None or not access_point.active:
            return False
        controller = self.data.controllers.get(access_point.controller_id)
        return (
            controller is not None
            and controller.active
            and controller.id not in self._unreachable
        )

    async def async_toggle(
        self, access_point: AccessPoint, door_state: DoorState, name: str
    ) -> None:
        """Ask ParqEx to open or close an access point, then poll until it has."""
        now = dt_util.utcnow()
        last = self._last_toggle.get(access_point.id)
        if last is not None and now - last < TOGGLE_COOLDOWN:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="toggle_too_soon",
                translation_placeholders={
                    "name": name,
                    "seconds": _seconds(last + TOGGLE_COOLDOWN - now),
                },
            )
        try:
            await self.client.async_toggle(access_point.id, door_state)
        except ParqExError as err:
            raise self._command_error(err, access_point, name) from err
        self._last_toggle[access_point.id] = now
        self._awaited_states[access_point.id] = door_state
        self._fast_poll_until = now + FAST_POLL_DURATION
        self.update_interval = FAST_POLL_INTERVAL
        self._schedule_refresh()

    def _command_error(
        self, err: ParqExError, access_point: AccessPoint, name: str
    ) -> HomeAssistantError:
        """Translate a refused toggle; some refusals also change what we show."""
        placeholders = {"name": name}
        if isinstance(err, ParqExControllerNotFoundError):
            self._unreachable.add(access_point.controller_id)
            self.async_update_listeners()
        elif isinstance(err, ParqExAuthError):
            self.config_entry.async_start_reauth(self.hass)
        elif isinstance(err, ParqExRateLimitedError):
            seconds = err.retry_after or DEFAULT_RATE_LIMIT_BACKOFF.total_seconds()
            return HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_rate_limited",
                translation_placeholders={
                    **placeholders,
                    "seconds": _seconds(timedelta(seconds=seconds)),
                },
            )
        key = next(
            (key for kind, key in _COMMAND_ERRORS if isinstance(err, kind)),
            "unexpected_response",
        )
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        )
