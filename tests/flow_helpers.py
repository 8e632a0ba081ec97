"""Drive the ParqEx sign-in the way a browser does."""

from __future__ import annotations

from typing import Any

import aiohttp
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.parqex.const import DOMAIN
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component

from .fake_parqex import AUTH_CODE
from .sim_helpers import CLIENT_ID, CLIENT_SECRET, allow

REDIRECT_URI = "https://example.com/auth/external/callback"


def authorize_query(result: ConfigFlowResult) -> dict[str, str]:
    """Return the query of the authorize URL the flow sends the browser to."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    return dict(URL(result["url"]).query)


async def return_from_parqex(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    result: ConfigFlowResult,
    **query: str,
) -> ConfigFlowResult:
    """Follow ParqEx's redirect back to Home Assistant, then finish the flow."""
    params: dict[str, Any] = {"state": authorize_query(result)["state"]}
    params.update(query or {"code": AUTH_CODE})
    client = await hass_client_no_auth()
    response = await client.get("/auth/external/callback", params=params)
    assert response.status == 200
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def sign_in_with_simulator(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, base: str
) -> ConfigEntry:
    """Add ParqEx as a user does, signing in as the owner on the simulator's page."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["url"].startswith(f"{base}/oauth/v2/endpoints/authorization/")
    async with aiohttp.ClientSession() as browser:
        query = await allow(browser, result["url"])
    result = await return_from_parqex(
        hass, hass_client_no_auth, result, code=query["code"][0]
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Olivia Owner"
    await hass.async_block_till_done(wait_background_tasks=True)
    entry: ConfigEntry = result["result"]
    return entry
