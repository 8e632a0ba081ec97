"""Polls ParqEx's `sync` and carries out toggles for the entities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
import logging
import math
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr
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
from .history import AccessHistoryReader
from .models import AccessPoint, Controller, DoorState, ToggleEvent, UserSettings

if TYPE_CHECKING:
    from .webhook import ParqExWebhook

_LOGGER = logging.getLogger(__name__)

type ParqExConfigEntry = ConfigEntry[ParqExCoordinator]

# Translation keys of command failures, most specific first. Refusals the user
# can act on are ServiceValidationErrors (one log line, no traceback); faults of
# ParqEx or the controller stay HomeAssistantErrors.
_COMMAND_ERRORS: tuple[tuple[type[ParqExError], str, type[HomeAssistantError]], ...] = (
    (ParqExControllerNotFoundError, "controller_not_found", HomeAssistantError),
    (ParqExSensorRequiredError, "sensor_required", ServiceValidationError),
    (ParqExNotSupportedError, "not_supported", ServiceValidationError),
    (ParqExBadRequestError, "bad_request", ServiceValidationError),
    (ParqExAuthError, "auth_failed", HomeAssistantError),
    (ParqExConnectionError, "cannot_connect", HomeAssistantError),
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

    def with_access_point(self, changed: AccessPoint) -> ParqExData:
        """Return a copy in which one access point is replaced."""
        return ParqExData.from_controllers(
            tuple(
                replace(
                    controller,
                    access_points=tuple(
                        changed if access_point.id == changed.id else access_point
                        for access_point in controller.access_points
                    ),
                )
                if controller.id == changed.controller_id
                else controller
                for controller in self.controllers.values()
            )
        )


def _describe(access_point: AccessPoint | None) -> str:
    """Name an access point in a log line, as ParqEx names it."""
    if access_point is None:
        return "an access point that is gone"
    if access_point.name:
        return access_point.name
    return f"access point {access_point.entity_number or '?'}"


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
        # When ParqEx accepted the last command for each access point.
        self._commanded_at: dict[str, datetime] = {}
        self._fast_poll_until: datetime | None = None
        # Controllers that answered a toggle with 404 (offline) since the last sync.
        self._unreachable: set[str] = set()
        self.settings: UserSettings | None = None
        # ParqEx's timestamps have no zone: they are in the account's time zone.
        self.time_zone: tzinfo = dt_util.UTC
        self.history = AccessHistoryReader(hass, entry.entry_id, client)
        # Receives ParqEx's pushes once set up (see webhook.py).
        self.webhook: ParqExWebhook | None = None

    async def _async_setup(self) -> None:
        """Read what earlier runs announced."""
        await self.history.announced.async_load()

    async def _async_read_settings(self) -> None:
        """Learn the account's time zone; until then timestamps are read as UTC.

        Read after `sync` succeeded, and again at each poll until it is known.
        """
        try:
            settings = await self.client.async_get_user_settings()
        except ParqExAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except ParqExError as err:
            _LOGGER.debug("ParqEx settings not read yet: %s", err)
            return
        self.settings = settings
        zone = dt_util.get_time_zone(settings.time_zone) if settings.time_zone else None
        if settings.time_zone and zone is None:
            _LOGGER.warning(
                "ParqEx time zone %s is unknown; reading times as UTC",
                settings.time_zone,
            )
        self.time_zone = zone or dt_util.UTC

    def as_utc(self, naive: datetime | None) -> datetime | None:
        """Place one of ParqEx's zone-less timestamps in time."""
        if naive is None:
            return None
        return naive.replace(tzinfo=self.time_zone).astimezone(dt_util.UTC)

    def account_today(self) -> date:
        """Today in the account's time zone (ParqEx's history is asked by date)."""
        return dt_util.now(self.time_zone).date()

    async def _async_update_data(self) -> ParqExData:
        """Fetch `sync`; set the next interval from rate limits and pending commands."""
        self.history.hold()
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
        if self.settings is None:
            await self._async_read_settings()
        self._reload_if_renamed(data)
        self._log_reachability(data)
        previous = self.data.access_points if self.data else {}
        self.history.note_moved(previous, data.access_points)
        if self.history.started:
            await self.history.async_read(data.access_points, self.account_today())
        self._unreachable.clear()
        self._forget_answered_commands(data.access_points)
        self.update_interval = self._regular_interval()
        self._sync_registries(data)
        return data

    @callback
    def _async_refresh_finished(self) -> None:
        """Announce the poll's history news now that the entities are available."""
        if self.last_update_success:
            self.history.release()

    def _reload_if_renamed(self, data: ParqExData) -> None:
        """Entity names carry access point names; a reload renames them all."""
        previous = self.data.access_points if self.data else {}
        if any(
            door_id in previous and previous[door_id].name != access_point.name
            for door_id, access_point in data.access_points.items()
        ):
            _LOGGER.debug("An access point was renamed in ParqEx; reloading")
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)

    def _log_reachability(self, data: ParqExData) -> None:
        """Log a controller going offline once, and once when it is back."""
        previous = self.data.controllers if self.data else {}
        for controller in data.controllers.values():
            before = previous.get(controller.id)
            if before is None or before.active == controller.active:
                continue
            serial = (controller.blackbox_code or controller.id)[-6:].upper()
            if controller.active:
                _LOGGER.info("ParqEx controller %s is online again", serial)
            else:
                _LOGGER.info(
                    "ParqEx reports controller %s offline; its access points are"
                    " unavailable until it is back",
                    serial,
                )

    async def async_start_history(self) -> None:
        """Read history once the entities listen: catches up on missed events."""
        self.history.started = True
        await self.history.async_read(self.data.access_points, self.account_today())

    @callback
    def async_apply_pushed(self, event: ToggleEvent) -> bool:
        """Show a pushed door change at once, and announce it; False if unknown.

        The polling schedule is left alone: the next `sync` still confirms it,
        and costs no history request when it agrees (nothing moved since).
        """
        access_point = self.data.access_points.get(event.door_id)
        if access_point is None:
            return False
        # A delivery that ParqEx sent late does not move the switch backwards.
        if (
            access_point.last_toggled is None
            or event.toggled_at >= access_point.last_toggled
        ):
            pushed = replace(
                access_point, state=event.door_state, last_toggled=event.toggled_at
            )
            if pushed != access_point:
                self.data = self.data.with_access_point(pushed)
                self._forget_answered_commands(self.data.access_points)
                self.async_update_listeners()
        self.history.announce_pushed(event)
        return True

    def _forget_answered_commands(
        self, access_points: Mapping[str, AccessPoint]
    ) -> None:
        """Stop showing requested states ParqEx shows, or has moved on from.

        An access point that moved after the command (someone moved it since)
        shows what ParqEx reports at once, not after the fast-polling minute.
        """
        for door_id, wanted in list(self._awaited_states.items()):
            access_point = access_points.get(door_id)
            moved = access_point and self.as_utc(access_point.last_toggled)
            if (
                access_point is None
                or access_point.state == wanted
                or (moved and moved > self._commanded_at[door_id])
            ):
                del self._awaited_states[door_id]

    def requested_state(self, door_id: str) -> DoorState | None:
        """Return the state ParqEx accepted a command for and sync has not shown."""
        return self._awaited_states.get(door_id)

    def _regular_interval(self) -> timedelta:
        """Fast while a command waits to show, and for at most a minute."""
        if (
            self._awaited_states
            and self._fast_poll_until is not None
            and dt_util.utcnow() < self._fast_poll_until
        ):
            return FAST_POLL_INTERVAL
        for door_id, wanted in self._awaited_states.items():
            access_point = self.data.access_points.get(door_id) if self.data else None
            _LOGGER.warning(
                "ParqEx accepted the command to make %s %s, but has not reported it"
                " within %s s; showing the state ParqEx reports",
                _describe(access_point),
                wanted,
                round(FAST_POLL_DURATION.total_seconds()),
            )
        self._awaited_states.clear()
        return POLL_INTERVAL

    def _sync_registries(self, data: ParqExData) -> None:
        """Follow software updates; drop controllers (and their entities) gone."""
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

    def is_usable(self, door_id: str) -> bool:
        """Whether ParqEx can operate the access point now."""
        access_point = self.data.access_points.get(door_id)
        if access_point is None or not access_point.active:
            return False
        return self.is_reachable(access_point.controller_id)

    def is_reachable(self, controller_id: str) -> bool:
        """Whether ParqEx reports the controller active and it answered commands."""
        controller = self.data.controllers.get(controller_id)
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
            raise ServiceValidationError(
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
        self._commanded_at[access_point.id] = now
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
        key, error = next(
            (
                (key, error)
                for kind, key, error in _COMMAND_ERRORS
                if isinstance(err, kind)
            ),
            ("unexpected_response", HomeAssistantError),
        )
        return error(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        )
