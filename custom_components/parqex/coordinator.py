"""Fetches ParqEx's `sync` and decides when to fetch it next.

What a `sync` says is merged by the access point states (access_points.py);
history news is read by the history reader. This module only fetches and
schedules: every 30 s, every 5 s for a minute after a command, slower when
ParqEx asks us to.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
import logging
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .access_points import AccessPointStates
from .api import ParqExClient
from .command_errors import seconds_text
from .const import (
    DEFAULT_RATE_LIMIT_BACKOFF,
    DOMAIN,
    FAST_POLL_DURATION,
    FAST_POLL_INTERVAL,
    MAX_RATE_LIMIT_BACKOFF,
    POLL_INTERVAL,
)
from .devices import async_follow_controllers
from .errors import ParqExAuthError, ParqExError, ParqExRateLimitedError
from .history import AccessHistoryReader
from .models import UserSettings
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
        # ParqEx answers polls with "too many requests" (logged once).
        self.rate_limited = False

    async def _async_setup(self) -> None:
        """Learn the account's time zone, then read what earlier runs announced."""
        await self._async_read_settings()
        await self._history.announced.async_load(self.client.time_zone)

    async def _async_read_settings(self) -> None:
        """Learn the account's time zone; until then ParqEx's times are read as UTC.

        Tried before the first `sync`, and again before each until it is known.
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
        self.client.time_zone = zone or dt_util.UTC
        self._states.set_time_zone_known()

    def account_today(self) -> date:
        """Today in the account's time zone (ParqEx's history is asked by date)."""
        return dt_util.now(self.client.time_zone).date()

    async def _async_update_data(self) -> None:
        """Fetch `sync`; set the next interval from rate limits and pending commands."""
        self._history.hold()
        if self.settings is None and self._synced:
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
        if news.renamed:
            # Entity names carry access point names; a reload renames them all.
            _LOGGER.debug("An access point was renamed in ParqEx; reloading")
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
        if news.controllers_changed:
            async_follow_controllers(self.hass, self.config_entry, self._states)
        self._history.note_moved(news.moved, first_sync=not self._synced)
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
