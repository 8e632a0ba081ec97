"""Config flow of ParqEx: OAuth2 sign-in, reauthentication and reconfiguration."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlowResult,
)
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import ParqExClient
from .const import DOMAIN, OAUTH2_SCOPES
from .errors import ParqExAuthError, ParqExError

_LOGGER = logging.getLogger(__name__)


class _FreshToken:
    """Token provider for the single user-info call of the flow."""

    def __init__(self, access_token: str) -> None:
        self._access_token = access_token

    async def async_get_access_token(self, rejected_token: str | None = None) -> str:
        if rejected_token is not None:
            raise ParqExAuthError("ParqEx refused a token it has just issued")
        return self._access_token


class ParqExFlowHandler(
    config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN
):
    """Sign in to ParqEx; the ParqEx user id identifies the entry."""

    DOMAIN = DOMAIN

    @property
    def logger(self) -> logging.Logger:
        """Return the flow's logger."""
        return _LOGGER

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask for both of ParqEx's scopes."""
        return {"scope": OAUTH2_SCOPES}

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start over when ParqEx no longer accepts the stored tokens."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tell the user why they must sign in again."""
        if user_input is None:
            return self.async_show_form(step_id="reauth_confirm")
        return await self.async_step_user()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in again, for example with other application credentials."""
        return await self.async_step_user()

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Identify the ParqEx user, then create or update the entry."""
        client = ParqExClient(
            async_get_clientsession(self.hass),
            _FreshToken(data["token"]["access_token"]),
        )
        try:
            user = await client.async_get_user_info()
        except ParqExAuthError:
            return self.async_abort(reason="oauth_unauthorized")
        except ParqExError as err:
            _LOGGER.debug("ParqEx user-info failed: %s", err)
            return self.async_abort(reason="cannot_connect")

        await self.async_set_unique_id(user.id)
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(
                self._get_reauth_entry(), data=data
            )
        if self.source == SOURCE_RECONFIGURE:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), data=data
            )
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=user.display_name or "ParqEx", data=data)
