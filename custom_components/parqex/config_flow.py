"""Config flow of ParqEx: OAuth2 sign-in, reauthentication and reconfiguration."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

from homeassistant.components.webhook import async_generate_id
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import callback
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .client.api import ParqExClient
from .client.errors import ParqExAuthError, ParqExError
from .const import (
    ALLOWED_CLOUD_VOICE,
    CONF_ALLOWED_USERS,
    CONF_PEOPLE,
    CONF_PUSH_TO_RENEW,
    CONF_SET_UP_PEOPLE,
    CONF_WEBHOOK_KEY,
    DOMAIN,
    OAUTH2_SCOPES,
)
from .removed_accounts import async_take as async_take_removed_account
from .validation import vol
from .webhook_url import (
    async_client_id,
    async_push_key_saved,
    async_webhook_target,
    webhook_key_error,
    with_webhook_key,
)

_LOGGER = logging.getLogger(__name__)

# From 2026.x Home Assistant words its shared OAuth abort reasons itself, in
# generic terms; these reasons are the integration's own, worded for ParqEx.
_OWN_REASONS = {
    "oauth_error": "invalid_token",
    "oauth_failed": "token_refused",
    "oauth_timeout": "token_timeout",
    "oauth_unauthorized": "sign_in_refused",
    "user_rejected_authorize": "access_denied",
}


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
    VERSION = 1
    # 1.2: the entry holds its webhook id; 1.3: unique ids start with the
    # account; 1.4: a device per access point.
    MINOR_VERSION = 4

    @callback
    def async_abort(
        self,
        *,
        reason: str,
        description_placeholders: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> ConfigFlowResult:
        """Abort with ParqEx's own words where Home Assistant's are generic.

        Newer releases take more keywords (`next_flow`): they are passed on.
        """
        return super().async_abort(
            reason=_OWN_REASONS.get(reason, reason),
            description_placeholders=description_placeholders,
            **kwargs,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> ParqExOptionsFlow:
        """Real-time updates: the URL to give ParqEx, and its API key."""
        return ParqExOptionsFlow()

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
            return self.async_abort(reason="sign_in_refused")
        except ParqExError as err:
            _LOGGER.debug("ParqEx user-info failed: %s", err)
            return self.async_abort(reason="cannot_connect")

        await self.async_set_unique_id(user.id)
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            # The webhook id (and cloudhook) stay: ParqEx still delivers there.
            return self.async_update_reload_and_abort(
                self._get_reauth_entry(), data_updates=data
            )
        if self.source == SOURCE_RECONFIGURE:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), data_updates=data
            )
        self._abort_if_unique_id_configured()
        # Added again after being deleted: who may operate stays as it was, and
        # the sign-in says that push needs the new address (a repair leads there).
        removed = await async_take_removed_account(self.hass, user.id)
        data = {**data, CONF_WEBHOOK_ID: async_generate_id()}
        if removed.push:
            data[CONF_PUSH_TO_RENEW] = True
        return self.async_create_entry(
            title=user.display_name or "ParqEx",
            data=data,
            options=removed.options,
            description=removed.description,
        )


class ParqExOptionsFlow(OptionsFlow):
    """Where ParqEx should deliver pushes and their API key; then, if asked, people.

    No update listener: the webhook, the access log and the switches read the
    options when they need them.
    """

    def __init__(self) -> None:
        """Start with the options as they are."""
        self._options: dict[str, Any] = {}

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the webhook URL and the e-mail to send; save or clear the key."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        if user_input is not None:
            key = str(user_input.get(CONF_WEBHOOK_KEY) or "").strip()
            if error := webhook_key_error(key):
                errors[CONF_WEBHOOK_KEY] = error
            else:
                async_push_key_saved(self.hass, entry, key)
                self._options = with_webhook_key(entry.options, key)
                if user_input.get(CONF_SET_UP_PEOPLE):
                    return await self.async_step_people()
                return self.async_create_entry(data=self._options)
        target = await async_webhook_target(self.hass, entry)
        if not target.reachable:
            errors["base"] = "webhook_unreachable"
        schema = self.add_suggested_values_to_schema(
            vol.Schema(
                {
                    vol.Optional(CONF_WEBHOOK_KEY): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    ),
                    vol.Optional(CONF_SET_UP_PEOPLE, default=False): BooleanSelector(),
                }
            ),
            entry.options,
        )
        return self.async_show_form(
            step_id="init",
            data_schema=schema,
            description_placeholders={
                "webhook_url": target.url or "-",
                "client_id": await async_client_id(self.hass, entry),
            },
            errors=errors or None,
        )

    async def async_step_people(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick a person for each ParqEx user seen, and who may use the switches.

        A field per ParqEx user, labelled with the user's name (as ParqEx has it).
        """
        users = self._parqex_users()
        if user_input is not None:
            people = {
                user_id: person
                for user_id, label in users.items()
                if (person := user_input.get(label))
            }
            self._options[CONF_PEOPLE] = people
            if self.config_entry.state is ConfigEntryState.LOADED:
                # Shown at once; options change without a reload.
                self.config_entry.runtime_data.access_log.show_people(people)
            self._options[CONF_ALLOWED_USERS] = list(
                user_input.get(CONF_ALLOWED_USERS) or []
            )
            return self.async_create_entry(data=self._options)
        mapped = self.config_entry.options.get(CONF_PEOPLE) or {}
        fields: dict[Any, Any] = {
            vol.Optional(
                label, description={"suggested_value": mapped.get(user_id)}
            ): EntitySelector(EntitySelectorConfig(domain="person"))
            for user_id, label in users.items()
        }
        fields[
            vol.Optional(
                CONF_ALLOWED_USERS,
                description={
                    "suggested_value": self.config_entry.options.get(CONF_ALLOWED_USERS)
                },
            )
        ] = SelectSelector(
            SelectSelectorConfig(
                options=[
                    *await self._async_home_assistant_users(),
                    # Labelled by its translation (selector.allowed_users).
                    SelectOptionDict(
                        value=ALLOWED_CLOUD_VOICE, label=ALLOWED_CLOUD_VOICE
                    ),
                ],
                multiple=True,
                translation_key=CONF_ALLOWED_USERS,
            )
        )
        return self.async_show_form(
            step_id="people",
            data_schema=vol.Schema(fields),
            description_placeholders={"users": str(len(users))},
        )

    def _parqex_users(self) -> dict[str, str]:
        """Return ParqEx user id -> a label unique in the form (the user's name)."""
        entry = self.config_entry
        seen = (
            entry.runtime_data.access_log.users
            if entry.state is ConfigEntryState.LOADED
            else {}
        )
        labels: dict[str, str] = {}
        for user_id, name in sorted(seen.items(), key=lambda item: item[1]):
            label = name
            if label in labels.values():
                # Two users of one name: the end of the id tells them apart.
                label = f"{name} ({user_id[-4:]})"
            labels[user_id] = label
        return labels

    async def _async_home_assistant_users(self) -> list[SelectOptionDict]:
        """Return the users who can sign in to Home Assistant (not system users)."""
        return [
            SelectOptionDict(value=user.id, label=user.name or user.id)
            for user in await self.hass.auth.async_get_users()
            if not user.system_generated and user.is_active
        ]
