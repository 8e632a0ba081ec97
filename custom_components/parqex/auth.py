"""The one adapter between Home Assistant's OAuth2 session and the ParqEx client."""

from __future__ import annotations

import asyncio
from http import HTTPStatus

import aiohttp

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2Implementation,
    OAuth2Session,
)

from .client.errors import ParqExAuthError, ParqExConnectionError


def _is_refusal(status: int) -> bool:
    """Tell a lost grant (4xx but 429) from a passing failure."""
    return 400 <= status < 500 and status != HTTPStatus.TOO_MANY_REQUESTS


class ParqExOAuth:
    """Access tokens of a config entry; refreshed tokens are stored at once."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        implementation: AbstractOAuth2Implementation,
    ) -> None:
        """Initialize with the entry whose token this hands out."""
        self._hass = hass
        self._entry = entry
        self._oauth_session = OAuth2Session(hass, entry, implementation)
        self._lock = asyncio.Lock()

    async def async_get_access_token(self, rejected_token: str | None = None) -> str:
        """Return a valid token; refresh it if ParqEx rejected the current one."""
        async with self._lock:
            try:
                if rejected_token is not None and rejected_token == self._access_token:
                    await self._async_force_refresh()
                else:
                    await self._oauth_session.async_ensure_token_valid()
            # Both the old and the 2026.3+ token errors are ClientResponseErrors.
            except aiohttp.ClientResponseError as err:
                if _is_refusal(err.status):
                    raise ParqExAuthError(
                        f"ParqEx refused the token refresh ({err.status})"
                    ) from err
                raise ParqExConnectionError(
                    f"ParqEx token refresh failed ({err.status})"
                ) from err
            except (aiohttp.ClientError, TimeoutError) as err:
                raise ParqExConnectionError("ParqEx token refresh failed") from err
            return self._access_token

    @property
    def _access_token(self) -> str:
        return str(self._oauth_session.token["access_token"])

    async def _async_force_refresh(self) -> None:
        # A refresh token works once: the new token must reach the entry immediately.
        implementation = self._oauth_session.implementation
        new_token = await implementation.async_refresh_token(self._oauth_session.token)
        self._hass.config_entries.async_update_entry(
            self._entry, data={**self._entry.data, "token": new_token}
        )
