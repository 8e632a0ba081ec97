"""What a user is told when ParqEx does not carry out a command."""

from __future__ import annotations

from datetime import timedelta
import math

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .client.errors import (
    ParqExAuthError,
    ParqExBadRequestError,
    ParqExConnectionError,
    ParqExControllerNotFoundError,
    ParqExError,
    ParqExNotSupportedError,
    ParqExRateLimitedError,
    ParqExSensorRequiredError,
    ParqExServerError,
)
from .const import DEFAULT_RATE_LIMIT_BACKOFF, DOMAIN

# Translation keys of command failures, most specific first. Refusals the user
# can act on are ServiceValidationErrors (one log line, no traceback); faults of
# ParqEx or the controller stay HomeAssistantErrors.
_COMMAND_ERRORS: tuple[tuple[type[ParqExError], str, type[HomeAssistantError]], ...] = (
    (ParqExControllerNotFoundError, "controller_not_found", HomeAssistantError),
    (ParqExSensorRequiredError, "sensor_required", ServiceValidationError),
    (ParqExNotSupportedError, "not_supported", ServiceValidationError),
    (ParqExBadRequestError, "bad_request", ServiceValidationError),
    (ParqExAuthError, "auth_failed", HomeAssistantError),
    (ParqExServerError, "server_error", HomeAssistantError),
    (ParqExConnectionError, "cannot_connect", HomeAssistantError),
)


def seconds_text(delta: timedelta) -> str:
    """Whole seconds, at least 1, as messages show them."""
    return str(max(1, math.ceil(delta.total_seconds())))


def too_soon(name: str, wait: timedelta) -> ServiceValidationError:
    """Refuse a command while the 20 s guard of its access point runs."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="toggle_too_soon",
        translation_placeholders={"name": name, "seconds": seconds_text(wait)},
    )


def command_error(err: ParqExError, name: str) -> HomeAssistantError:
    """Translate a command ParqEx refused or could not take."""
    if isinstance(err, ParqExRateLimitedError):
        seconds = err.retry_after or DEFAULT_RATE_LIMIT_BACKOFF.total_seconds()
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="command_rate_limited",
            translation_placeholders={
                "name": name,
                "seconds": seconds_text(timedelta(seconds=seconds)),
            },
        )
    key, error = next(
        ((key, error) for kind, key, error in _COMMAND_ERRORS if isinstance(err, kind)),
        ("unexpected_response", HomeAssistantError),
    )
    return error(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"name": name},
    )
