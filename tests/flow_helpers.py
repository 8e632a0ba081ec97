"""Drive the ParqEx sign-in the way a browser does."""

from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .fake_parqex import AUTH_CODE

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
