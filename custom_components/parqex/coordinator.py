"""Fetches ParqEx's `sync` and decides when to fetch it next.

What a `sync` says is merged by the access point states (access_points.py);
history news is read by the history reader. This module only fetches and
schedules: every 30 s, every 5 s for a minute after a command, slower when
ParqEx asks us to.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
import logging
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .access_points import AccessPointStates
from .client.api import ParqExClient
from .client.errors import ParqExAuthError, ParqExError, ParqExRateLimitedError
from .client.models import UserSettings
from .command_errors import seconds_text
from .const import (
    DEFAULT_RATE_LIMIT_BACKOFF,
    DOMAIN,
    FAST_POLL_DURATION,
    FAST_POLL_INTERVAL,
    MAX_RATE_LIMIT_BACKOFF,
    POLL_INTERVAL,
    SETTINGS_ATTEMPTS,
)
from .devices import async_follow_devices
from .history import AccessHistoryReader
from .push_health import PushHealth

if TYPE_CHECKING:
    from .runtime import ParqExRuntime

_LOGGER = logging.getLogger(__name__)


class ParqExCoordinator(DataUpdateCoordinator[None]):
    """Polls one ParqEx account; the states keep what it read."""

    config_entry: ConfigEntry[ParqExRuntime]

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[ParqExRuntime],
        client: ParqExClient,
        states: AccessPointStates,
        history: AccessHistoryReader,
        push_health: PushHealth,
    ) -> None:
        """Initialize the poller of one ParqEx account."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=POLL_INTERVAL,
        )
        self.client = client
        self._states = states
        self._history = history
        self._push_health = push_health
        self._fast_poll_until: datetime | None = None
        self._synced = False
        self.settings: UserSettings | None = None
        # Asking for the settings (the zone): attempts, and polls until the next.
        self._settings_attempts = 0
        self._polls_to_settings = 0
        # ParqEx answers polls with "too many requests" (logged once).
        self.rate_limited = False

    async def _async_setup(self) -> None:
        """Learn the account's time zone (it says where ParqEx's times are)."""
        await self._async_read_settings()

    async def _async_read_settings(self) -> None:
        """Learn the account's time zone.

        Until it is known, no history is read and no push is applied (their
        times would be misplaced). Tried before the first `sync`, then with
        back-off; after 3 failures Home Assistant's own zone stands in, with a
        repair saying so, and ParqEx is still asked now and then.
        """
        self._settings_attempts += 1
        self._polls_to_settings = min(2**self._settings_attempts, 32)
        try:
            settings = await self.client.async_get_user_settings()
        except ParqExAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except ParqExError as err:
            _LOGGER.debug("ParqEx settings not read yet: %s", err)
            if (
                self._settings_attempts >= SETTINGS_ATTEMPTS
                and not self._states.time_zone_known
            ):
                await self._async_assume_home_assistant_zone()
            return
        self.settings = settings
        zone = dt_util.get_time_zone(settings.time_zone) if settings.time_zone else None
        if settings.time_zone and zone is None:
            _LOGGER.warning(
                "ParqEx time zone %s is unknown; reading times as UTC",
                settings.time_zone,
            )
        ir.async_delete_issue(self.hass, DOMAIN, self.zone_issue_id)
        await self._async_zone_known(zone or dt_util.UTC)

    async def _async_assume_home_assistant_zone(self) -> None:
        zone = dt_util.get_default_time_zone()
        _LOGGER.warning(
            "ParqEx did not share the account's time zone; reading its times in"
            " Home Assistant's (%s) until it does",
            zone,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.zone_issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="time_zone_assumed",
            translation_placeholders={
                "account": self.config_entry.title,
                "time_zone": str(zone),
            },
        )
        await self._async_zone_known(zone)

    async def _async_zone_known(self, zone: tzinfo) -> None:
        self.client.time_zone = zone
        if not self._states.time_zone_known:
            # What earlier runs announced (version 1 stored local times).
            await self._history.announced.async_load(zone)
            self._states.set_time_zone_known()

    @property
    def zone_issue_id(self) -> str:
        """The repair issue raised while Home Assistant's zone stands in."""
        return f"time_zone_assumed_{self.config_entry.entry_id}"

    def account_today(self) -> date:
        """Today in the account's time zone (ParqEx's history is asked by date)."""
        return dt_util.now(self.client.time_zone).date()

    async def _async_update_data(self) -> None:
        """Fetch `sync`; set the next interval from rate limits and pending commands."""
        self._history.hold()
        if self.settings is None and self._synced:
            self._polls_to_settings -= 1
            if self._polls_to_settings <= 0:
                await self._async_read_settings()
        requested_at = dt_util.utcnow()
        try:
            controllers = await self.client.async_get_controllers(
                self._states.reported_times
            )
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
            if self._synced:
                # ParqEx answers and shows what it showed: entities stay available
                # (Home Assistant drops actions aimed at unavailable ones).
                if not self.rate_limited:
                    _LOGGER.warning(
                        "ParqEx asked to slow down; the next update is in %s s",
                        seconds_text(self.update_interval),
                    )
                self.rate_limited = True
                return
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={
                    "seconds": seconds_text(self.update_interval)
                },
            ) from err
        except ParqExError as err:
            self.rate_limited = False
            self.update_interval = self._regular_interval()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.rate_limited = False
        news = self._states.apply_sync(controllers, requested_at)
        if news.renamed or news.controllers_changed or news.members_changed:
            # Devices follow: a rename renames the access point's device (and
            # so its entities), without a reload.
            async_follow_devices(self.hass, self.config_entry, self._states)
        self._history.note_moved(news.moved, first_sync=not self._synced)
        self._history.settle(news.disputed)
        if self._synced:
            self._push_health.polled(news.moved)
        self._synced = True
        if self._history.started:
            await self._history.async_read(self._states, self.account_today())
        self.update_interval = self._regular_interval()

    @callback
    def poll_fast(self) -> None:
        """Poll often for a minute, starting soon: a command was accepted."""
        self._fast_poll_until = dt_util.utcnow() + FAST_POLL_DURATION
        self.update_interval = FAST_POLL_INTERVAL
        self._schedule_refresh()

    def _regular_interval(self) -> timedelta:
        """Fast while a command waits to show, and for at most a minute."""
        if (
            self._states.has_pending_commands()
            and self._fast_poll_until is not None
            and dt_util.utcnow() < self._fast_poll_until
        ):
            return FAST_POLL_INTERVAL
        self._states.expire_commands()
        return POLL_INTERVAL
