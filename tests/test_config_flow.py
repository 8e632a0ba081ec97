"""The ParqEx sign-in, reauthentication and reconfiguration, as a user runs them."""

from __future__ import annotations

import json
import logging

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.parqex.client.urls import parqex_urls
from custom_components.parqex.const import (
    CONF_ALLOWED_USERS,
    CONF_PEOPLE,
    CONF_WEBHOOK_KEY,
    DOMAIN,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_entry_oauth2_flow, issue_registry as ir
from homeassistant.setup import async_setup_component

from .fake_parqex import (
    CLIENT_ID,
    CLIENT_SECRET,
    GRACE,
    KITTY,
    KITTY_SWITCH,
    PIN_CODE,
    USER_ID,
    WEBHOOK_ID,
    WEBHOOK_KEY,
    FakeParqEx,
    Fault,
)
from .flow_helpers import REDIRECT_URI, authorize_query, return_from_parqex
from .helpers import set_up
from .push_helpers import KEY_HEADER, door_change

pytestmark = pytest.mark.usefixtures("credentials", "current_request_with_host")

OTHER_USER = "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"
# Home Assistant before 2026.3 aborts a 401 from the token endpoint as unauthorized;
# later versions abort every token failure that is not a typed reauth error as failed.
UNAUTHORIZED = (
    "token_refused"
    if hasattr(config_entry_oauth2_flow, "OAuth2TokenRequestReauthError")
    else "sign_in_refused"
)


async def _start(hass: HomeAssistant) -> object:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )


async def test_full_flow(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
) -> None:
    """The user signs in; the entry is the ParqEx user, titled with their name."""
    result = await _start(hass)
    query = authorize_query(result)
    assert result["url"].startswith(parqex_urls().authorize)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["scope"] == "opendoor,closedoor"
    assert query["state"]

    result = await return_from_parqex(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Ada Lovelace"
    assert result["result"].unique_id == USER_ID
    # Its own secret webhook id, for ParqEx's pushes.
    assert len(result["data"]["webhook_id"]) == 64
    assert (result["result"].version, result["result"].minor_version) == (1, 4)
    token = result["data"]["token"]
    assert token["access_token"] in fake.access_tokens
    assert token["refresh_token"] == fake.refresh_token
    # RFC 6749: POST with a form body, carrying the code and the redirect URI.
    method, form = fake.token_requests[0]
    assert method == "POST"
    assert form["grant_type"] == "authorization_code"
    assert form["redirect_uri"] == REDIRECT_URI
    assert form["client_secret"] == CLIENT_SECRET
    await hass.async_block_till_done()
    assert hass.states.get("switch.kitty").state == "on"


async def test_tampered_state_requests_no_token(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
) -> None:
    """A callback whose state was altered is refused before any token request."""
    result = await _start(hass)
    state = authorize_query(result)["state"]
    tampered = state[:-2] + ("AA" if not state.endswith("AA") else "BB")
    client = await hass_client_no_auth()
    response = await client.get(
        "/auth/external/callback", params={"code": "x" * 32, "state": tampered}
    )
    assert response.status == 400
    assert fake.calls["token"] == 0
    # The flow still waits for a genuine answer.
    flow = hass.config_entries.flow.async_get(result["flow_id"])
    assert flow["step_id"] == "auth"


async def test_user_denies(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
) -> None:
    """DENY at ParqEx ends the flow with a translated abort, no token request."""
    result = await _start(hass)
    result = await return_from_parqex(
        hass, hass_client_no_auth, result, error="access_denied"
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "access_denied"
    assert fake.calls["token"] == 0


async def test_same_account_twice(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
) -> None:
    """Signing in with an account that is already set up aborts."""
    result = await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault(400, '{"error": "invalid_grant"}'), "token_refused"),
        (Fault(401, '{"error": "invalid_client"}'), UNAUTHORIZED),
        (Fault(500, "<html>oops</html>"), "token_refused"),
        (Fault(503), "token_refused"),
        (Fault(200, "not json"), "token_refused"),
        (Fault(200, "", exc=TimeoutError()), "token_timeout"),
    ],
)
async def test_token_endpoint_failures(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    fault: Fault,
    reason: str,
) -> None:
    """4xx, 5xx, a broken answer and a timeout of the token endpoint abort cleanly."""
    fake.fail("token", fault)
    result = await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_token_by_documented_get(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token endpoint that refuses POST gets the documented GET, once."""
    fake.token_methods = {"GET"}
    caplog.set_level(logging.DEBUG)
    result = await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [method for method, _ in fake.token_requests] == ["POST", "GET"]
    assert fake.token_requests[1][1]["client_secret"] == CLIENT_SECRET
    assert CLIENT_SECRET not in caplog.text

    # What worked is remembered: the next token request goes straight to GET.
    fake.auth_codes.add("f" * 32)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    fake.user_info["data"]["id"] = OTHER_USER
    result = await return_from_parqex(hass, hass_client_no_auth, result, code="f" * 32)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [method for method, _ in fake.token_requests] == ["POST", "GET", "GET"]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            Fault(
                400, '{"error": "invalid_request", "error_description": "bad method"}'
            ),
            ["POST", "GET"],
        ),
        (Fault(404, "<html>Not Found</html>"), ["POST", "GET"]),
        (Fault(400, '{"error": "invalid_grant"}'), ["POST"]),
    ],
)
async def test_token_fallback_only_for_method_refusals(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    fault: Fault,
    expected: list[str],
) -> None:
    """Only a refusal of the method (404, 405, a 400 naming it) leads to GET."""
    fake.token_methods = {"POST", "GET"}
    fake.fail("token", fault)
    await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    assert [method for method, _ in fake.token_requests] == expected


async def test_get_fallback_error_hides_secret(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing GET token request never logs its query, which holds the secret."""
    fake.token_methods = {"GET"}
    fake.auth_codes.clear()
    caplog.set_level(logging.DEBUG)
    result = await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "token_refused"
    assert fake.token_requests[-1][0] == "GET"
    assert "invalid_grant" in caplog.text
    assert CLIENT_SECRET not in caplog.text


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault(500, "oops"), "cannot_connect"),
        (Fault(401, '{"errors": [{"message": "nope"}]}'), "sign_in_refused"),
        (
            Fault(200, '{"success": true, "data": {"first_name": "No id"}}'),
            "cannot_connect",
        ),
    ],
)
async def test_user_info_failures(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    fault: Fault,
    reason: str,
) -> None:
    """When ParqEx cannot say who signed in, no entry is created."""
    fake.fail("user-info", fault, fault)
    result = await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_no_secret_in_debug_log(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A whole sign-in, setup and token refresh logs no token, secret or PIN."""
    caplog.set_level(logging.DEBUG)
    result = await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    entry = result["result"]
    await hass.async_block_till_done()
    first_token = dict(entry.data["token"])
    # Force a refresh through a rejected access token.
    fake.access_tokens.discard(first_token["access_token"])
    await entry.runtime_data.coordinator.async_refresh()
    await entry.runtime_data.client.async_get_user_settings()
    assert entry.data["token"]["refresh_token"] != first_token["refresh_token"]
    secrets = [
        CLIENT_SECRET,
        PIN_CODE,
        first_token["access_token"],
        first_token["refresh_token"],
        entry.data["token"]["access_token"],
        entry.data["token"]["refresh_token"],
    ]
    for secret in secrets:
        assert secret not in caplog.text


async def _reauth(hass: HomeAssistant, entry: MockConfigEntry) -> object:
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    return await hass.config_entries.flow.async_configure(result["flow_id"], {})


async def test_reauth(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
) -> None:
    """Reauthentication stores the new tokens in the same entry."""
    old_token = dict(loaded_entry.data["token"])
    result = await return_from_parqex(
        hass, hass_client_no_auth, await _reauth(hass, loaded_entry)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert loaded_entry.data["token"]["access_token"] != old_token["access_token"]
    assert loaded_entry.data["token"]["refresh_token"] == fake.refresh_token
    # ParqEx still delivers to the same webhook.
    assert loaded_entry.data["webhook_id"] == WEBHOOK_ID


async def test_reauth_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
) -> None:
    """Signing in as someone else leaves the entry exactly as it was."""
    before = dict(loaded_entry.data)
    fake.user_info["data"]["id"] = OTHER_USER
    result = await return_from_parqex(
        hass, hass_client_no_auth, await _reauth(hass, loaded_entry)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert dict(loaded_entry.data) == before
    assert loaded_entry.unique_id == USER_ID


async def test_reconfigure(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
) -> None:
    """Reconfigure re-runs the sign-in for the same account."""
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert authorize_query(result)["client_id"] == CLIENT_ID
    result = await return_from_parqex(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.data["token"]["refresh_token"] == fake.refresh_token
    assert loaded_entry.data["webhook_id"] == WEBHOOK_ID


async def test_reconfigure_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    loaded_entry: MockConfigEntry,
) -> None:
    """Reconfigure with another account aborts and keeps the entry."""
    before = dict(loaded_entry.data)
    fake.user_info["data"]["id"] = OTHER_USER
    result = await return_from_parqex(
        hass, hass_client_no_auth, await loaded_entry.start_reconfigure_flow(hass)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert dict(loaded_entry.data) == before


async def test_token_without_expiry_gets_a_safe_default(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
) -> None:
    """A token answer without expires_in is kept, to be refreshed within an hour."""
    token = fake.issue_tokens()
    del token["expires_in"]
    fake.fail("token", Fault(200, json.dumps(token)))
    result = await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["token"]["expires_in"] == 3600


async def test_application_credentials_dialog_explains_redirect(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """The credentials dialog tells the user which redirect URL to register."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "application_credentials/config"})
    response = await client.receive_json()
    placeholders = response["result"]["integrations"][DOMAIN][
        "description_placeholders"
    ]
    assert placeholders["redirect_url"] == "https://my.home-assistant.io/redirect/oauth"


async def test_added_again_says_push_is_off_and_its_repair_fixes_it(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hass_admin_user: MockUser,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Deleted with push on and a list of who may operate, then added again: the
    list stays, the sign-in says push is off, and the repair's dialog shows the
    new address and takes the key (push works again).
    """
    assert await async_setup_component(hass, "repairs", {})
    await hass.config.async_update(external_url="https://doors.example.org")
    kept = {
        CONF_ALLOWED_USERS: [hass_admin_user.id],
        CONF_PEOPLE: {GRACE[0]: "person.grace"},
    }
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY, **kept}
    )
    await set_up(hass, config_entry)
    assert await hass.config_entries.async_remove(config_entry.entry_id)

    result = await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "push_off_people_kept"
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.options == kept
    webhook_id = entry.data["webhook_id"]
    assert webhook_id != WEBHOOK_ID
    issue_id = f"push_off_{entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "push_off"

    # The repair's dialog, as the frontend opens it.
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    form = await response.json()
    assert form["step_id"] == "address"
    placeholders = form["description_placeholders"]
    assert placeholders["webhook_url"] == (
        f"https://doors.example.org/api/webhook/{webhook_id}"
    )
    assert placeholders["client_id"] == CLIENT_ID
    response = await client.post(
        f"/api/repairs/issues/fix/{form['flow_id']}", json={"webhook_key": "short"}
    )
    form = await response.json()
    assert form["errors"] == {"webhook_key": "key_too_short"}
    response = await client.post(
        f"/api/repairs/issues/fix/{form['flow_id']}",
        json={"webhook_key": WEBHOOK_KEY},
    )
    assert (await response.json())["type"] == "create_entry"
    assert entry.options == {CONF_WEBHOOK_KEY: WEBHOOK_KEY, **kept}
    assert "push_to_renew" not in entry.data
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    # ParqEx delivers to the new address: the change shows at once.
    push = await hass_client_no_auth()
    response = await push.post(
        f"/api/webhook/{webhook_id}",
        json=door_change(KITTY, "OPEN"),
        headers={KEY_HEADER: WEBHOOK_KEY},
    )
    assert response.status == 200
    await hass.async_block_till_done()
    assert hass.states.get(KITTY_SWITCH).state == STATE_ON


async def test_added_again_without_push_or_list_starts_fresh(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    fake: FakeParqEx,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Nothing set up before: nothing kept, nothing to repair."""
    await set_up(hass, config_entry)
    assert await hass.config_entries.async_remove(config_entry.entry_id)
    result = await return_from_parqex(hass, hass_client_no_auth, await _start(hass))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] is None
    assert result["result"].options == {}
    await hass.async_block_till_done()
    assert [i for i in issue_registry.issues.values() if i.domain == DOMAIN] == []
