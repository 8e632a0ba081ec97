"""Repairs that lead to their fix: push set up again from the repair's dialog.

Push waits for its new address after the account was deleted and added again,
or ParqEx's deliveries stopped arriving: both are fixed by sending ParqEx the
address shown and entering the API key it answers with, here.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import CONF_WEBHOOK_KEY
from .runtime import ParqExConfigEntry
from .validation import vol
from .webhook_url import (
    async_client_id,
    async_push_key_saved,
    async_webhook_target,
    webhook_key_error,
    with_webhook_key,
)

# Repair flows return their own result type in the releases for Python 3.14
# (as validation.py tells them apart), a plain flow result before.
if TYPE_CHECKING and sys.version_info >= (3, 14):
    from homeassistant.components.repairs import RepairsFlowResult as FixResult
else:
    from homeassistant.data_entry_flow import FlowResult as FixResult


class PushAddressFlow(RepairsFlow):
    """Show the address to send ParqEx; save the API key it answers with."""

    def __init__(self, entry: ParqExConfigEntry | None) -> None:
        """Fix push for one account (None: the account is gone)."""
        self._entry = entry

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> FixResult:
        """Start at the only step."""
        return await self.async_step_address()

    async def async_step_address(
        self, user_input: dict[str, Any] | None = None
    ) -> FixResult:
        """Show the address and the e-mail to send; take the key."""
        entry = self._entry
        if entry is None:
            return self.async_abort(reason="account_removed")
        errors: dict[str, str] = {}
        if user_input is not None:
            key = str(user_input.get(CONF_WEBHOOK_KEY) or "").strip()
            if error := webhook_key_error(key):
                errors[CONF_WEBHOOK_KEY] = error
            else:
                self.hass.config_entries.async_update_entry(
                    entry, options=with_webhook_key(entry.options, key)
                )
                async_push_key_saved(self.hass, entry, key)
                return self.async_create_entry(data={})
        target = await async_webhook_target(self.hass, entry)
        return self.async_show_form(
            step_id="address",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_WEBHOOK_KEY): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
            description_placeholders={
                "account": entry.title,
                "webhook_url": target.url or "-",
                "client_id": await async_client_id(self.hass, entry),
            },
            errors=errors or None,
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Return the flow that fixes one of ParqEx's fixable repairs."""
    entry_id = str((data or {}).get("entry_id", ""))
    return PushAddressFlow(hass.config_entries.async_get_entry(entry_id))
