"""Application credentials of ParqEx: its OAuth2 endpoints and token request dialect."""

from __future__ import annotations

import json
import logging
from typing import Any, Final, cast

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.hass_dict import HassKey

from .client.urls import parqex_urls

_LOGGER = logging.getLogger(__name__)

TOKEN_TIMEOUT: Final = aiohttp.ClientTimeout(total=30)
# Used when ParqEx leaves out expires_in: refreshing early is harmless, late is not.
DEFAULT_EXPIRES_IN: Final = 3600

# Token URLs whose server only took the documented GET form, for this run.
DATA_TOKEN_BY_GET: HassKey[set[str]] = HassKey("parqex_token_by_get")


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Return ParqEx's authorize and token URLs."""
    urls = parqex_urls()
    return AuthorizationServer(authorize_url=urls.authorize, token_url=urls.token)


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> AuthImplementation:
    """Return the implementation that speaks ParqEx's token dialect."""
    return ParqExAuthImplementation(
        hass, auth_domain, credential, await async_get_authorization_server(hass)
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Fill the placeholders of the application credentials dialog."""
    return {
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
        "client_id_example": "555555555555555555.api.parqex.com",
    }


def _wants_get(status: int, text: str) -> bool:
    """Tell a server that refuses the RFC's POST (but may take the documented GET)."""
    return status in (404, 405) or (status == 400 and "method" in text.lower())


class ParqExAuthImplementation(AuthImplementation):
    """OAuth2 implementation: RFC 6749 POST first, ParqEx's documented GET after."""

    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """Request a token, falling back once to the GET form the docs show."""
        form = {
            **data,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        by_get = self.hass.data.setdefault(DATA_TOKEN_BY_GET, set())
        if self.token_url not in by_get:
            status, text = await self._send("POST", form)
            if not _wants_get(status, text):
                return self._token_from(status, text, "POST")
            _LOGGER.debug("ParqEx token endpoint refused POST (%s); trying GET", status)
        status, text = await self._send("GET", form)
        if 200 <= status < 300:
            by_get.add(self.token_url)
        return self._token_from(status, text, "GET")

    async def _send(self, method: str, form: dict[str, Any]) -> tuple[int, str]:
        session = async_get_clientsession(self.hass)
        # The GET form carries the client secret in the query: it is never logged,
        # and errors below name the token URL without it.
        kwargs: dict[str, Any] = (
            {"data": form} if method == "POST" else {"params": form}
        )
        async with session.request(
            method, self.token_url, timeout=TOKEN_TIMEOUT, **kwargs
        ) as response:
            return response.status, await response.text(errors="replace")

    def _token_from(self, status: int, text: str, method: str) -> dict[str, Any]:
        """Return the token of a 2xx answer, or raise without leaking the query."""
        try:
            body: Any = json.loads(text) if text else None
        except ValueError:
            body = None
        if 200 <= status < 300 and isinstance(body, dict) and body.get("access_token"):
            token = cast(dict[str, Any], body)
            try:
                token["expires_in"] = int(token["expires_in"])
            except (KeyError, TypeError, ValueError):
                token["expires_in"] = DEFAULT_EXPIRES_IN
            return token
        error_code = (
            body.get("error", "unknown") if isinstance(body, dict) else "unknown"
        )
        # Debug only: the caller says what it means (an outage of polling is
        # logged once by the coordinator, a failed sign-in shows in the flow).
        _LOGGER.debug(
            "ParqEx token request failed with status %s (%s)", status, error_code
        )
        url = URL(self.token_url)
        # Every Home Assistant version handles a ClientResponseError here (newer ones
        # map it to their typed token errors); its URL carries no query, so no secret.
        raise aiohttp.ClientResponseError(
            aiohttp.RequestInfo(url, method, CIMultiDictProxy(CIMultiDict()), url),
            (),
            # A 2xx without a token is a broken answer, not a refusal of the user.
            status=status if status >= 400 else 502,
            message=f"ParqEx token request failed ({error_code})",
        )
